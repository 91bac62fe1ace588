"""Start the app on 127.0.0.1 and drive it with Debian's headless Chromium (Playwright).

Used by the browser tests and by ``scripts/bench_app.py``. The browser is
offline: every request that does not go to the app's own server is aborted
and recorded, so a map that needs the internet shows up as a failure.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-unsafe-swiftshader",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(env: dict[str, str] | None = None, timeout: float = 60, script: str | Path = "app.py"):
    """Run ``streamlit run app.py`` (or ``script``, relative to the repository) on a free loopback port; yield its
    base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"streamlit did not start: {process.stdout.read1().decode(errors='replace')}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def offline_browser(viewport=(1600, 1000)):
    """A Playwright page in headless Debian Chromium with all non-loopback traffic blocked.

    Yields ``(page, blocked)``; ``blocked`` lists the URLs the page tried to fetch from outside.
    """
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if not executable:
        raise RuntimeError("chromium not found: apt-get install chromium")
    blocked: list[str] = []

    def route(request_route):
        request_url = request_route.request.url
        if request_url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            request_route.continue_()
        else:
            blocked.append(request_url)
            request_route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="nb-NO")
        context.route("**/*", route)
        page = context.new_page()
        try:
            yield page, blocked
        finally:
            context.close()
            browser.close()


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|Kjører/)",
        timeout=timeout,
    )
    page.wait_for_timeout(600)


def lonlat_to_pixel(
    lon: float, lat: float, center: dict, zoom: float, size: tuple[float, float]
) -> tuple[float, float]:
    """Web Mercator: where (lon, lat) lands in a MapLibre map of ``size`` pixels at ``center``/``zoom``."""
    scale = 512 * 2**zoom

    def project(lo, la):
        x = (lo + 180) / 360 * scale
        y = (1 - math.log(math.tan(math.radians(la)) + 1 / math.cos(math.radians(la))) / math.pi) / 2 * scale
        return x, y

    cx, cy = project(center["lon"], center["lat"])
    px, py = project(lon, lat)
    return size[0] / 2 + (px - cx), size[1] / 2 + (py - cy)
