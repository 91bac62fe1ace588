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
import tempfile
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


def streamlit_command(script: str | Path, port: int, address: str = "127.0.0.1", options=()) -> list[str]:
    """``streamlit run script`` headless on ``address``:``port`` with no file watcher and no telemetry."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *options,
    ]


@contextlib.contextmanager
def running_app(env: dict[str, str] | None = None, timeout: float = 60, script: str | Path = "app.py"):
    """Run ``streamlit run app.py`` (or ``script``, relative to the repository) on a free loopback port; yield its
    base URL."""
    with served_app(env=env, timeout=timeout, script=script) as server:
        yield server.url


_SHARED: dict = {}


def shared_browser():
    """One headless Debian Chromium per process (Playwright), started on first use; each caller opens a context of
    its own in it (:func:`offline_browser`), which is as separate as a new browser: own cookies, storage, cache."""
    if "browser" not in _SHARED:
        from playwright.sync_api import sync_playwright

        executable = shutil.which("chromium")
        if not executable:
            raise RuntimeError("chromium not found: apt-get install chromium")
        manager = sync_playwright()
        playwright = manager.start()
        try:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        except BaseException:
            manager.__exit__(None, None, None)
            raise
        _SHARED.update(manager=manager, browser=browser)
    return _SHARED["browser"]


def close_shared_browser() -> None:
    """Close the shared Chromium (the test session's end)."""
    if "browser" in _SHARED:
        browser, manager = _SHARED.pop("browser"), _SHARED.pop("manager")
        with contextlib.suppress(Exception):
            browser.close()
        manager.__exit__(None, None, None)


@contextlib.contextmanager
def offline_browser(viewport=(1600, 1000)):
    """A Playwright page in headless Debian Chromium (a new context of :func:`shared_browser`) with all
    non-loopback traffic blocked.

    Yields ``(page, blocked)``; ``blocked`` lists the URLs the page tried to fetch from outside.
    """
    blocked: list[str] = []

    def route(request_route):
        request_url = request_route.request.url
        if request_url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            request_route.continue_()
        else:
            blocked.append(request_url)
            request_route.abort()

    context = shared_browser().new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="nb-NO")
    try:
        context.route("**/*", route)
        yield context.new_page(), blocked
    finally:
        context.close()


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.match(/Running|Kjører/)",
        timeout=timeout,
    )
    page.wait_for_timeout(600)


#: A page is ready when Streamlit's script run has finished, no skeleton is left and every Plotly chart is drawn.
READY = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid=stSkeleton]')) return false;
  const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
  return charts.every(e => e.querySelector('.main-svg'));
}"""


def settle(page, timeout_s: float = 240) -> None:
    """Wait until the page is :data:`READY` in four checks in a row, a quarter of a second apart, and give Plotly
    another 0.4 s to settle its sizes."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_s * 1000)
    deadline, ready = time.monotonic() + timeout_s, 0
    while time.monotonic() < deadline:
        ready = ready + 1 if page.evaluate(READY) else 0
        if ready >= 4:
            page.wait_for_timeout(400)
            return
        page.wait_for_timeout(250)
    raise TimeoutError("the page did not finish rendering")


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


# --- measuring a running server and what crosses its websocket (scripts/bench_app.py, performance tests) ------


class AppServer:
    """A ``streamlit run`` process started by :func:`served_app`: its base ``url`` and process id."""

    def __init__(self, url: str, pid: int):
        self.url = url
        self.pid = pid

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far (all its threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory(self) -> tuple[int, int]:
        """(resident now, peak resident) of the server process, in bytes (``VmRSS``, ``VmHWM``)."""
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{self.pid}/status").read_text().splitlines() if ":" in line
        )
        return int(status["VmRSS"].split()[0]) * 1024, int(status["VmHWM"].split()[0]) * 1024


@contextlib.contextmanager
def served_app(
    root: str | Path = ROOT,
    env: dict[str, str] | None = None,
    options=(),
    timeout: float = 120,
    script: str | Path = "app.py",
):
    """Run ``streamlit run app.py`` (or ``script``) of the app in ``root`` (e.g. a ``git worktree`` of an older
    commit) on a free loopback port, with extra ``streamlit run`` options (``["--runner.postScriptGC", "false"]``);
    yield an :class:`AppServer` once it answers its health check."""
    port = free_port()
    command = streamlit_command(Path(root) / script, port, options=options)
    with tempfile.TemporaryFile() as log:  # the server's output, shown if it does not start
        process = subprocess.Popen(command, cwd=root, env={**os.environ, **(env or {})}, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.3)
            else:
                log.seek(0)
                raise RuntimeError(f"streamlit did not start: {log.read().decode(errors='replace')[-2000:]}")
            yield AppServer(url, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


#: Runs in the page before Streamlit: records every websocket message (arrival time, size, and the bytes of small
#: ones, so ``script_finished`` can be found), every message sent, clicks, and the last change of the main area.
WEBSOCKET_PROBE = """
(() => {
  const probe = {received: [], sent: [], clicks: [], lastChange: 0};
  window.__probe = probe;
  const Native = window.WebSocket;
  const send = Native.prototype.send;
  Native.prototype.send = function (data) {
    probe.sent.push([performance.now(), data.byteLength ?? data.size ?? data.length ?? 0]);
    return send.call(this, data);
  };
  class Probed extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const data = event.data;
        const size = data.byteLength ?? data.size ?? data.length ?? 0;
        const small = data instanceof ArrayBuffer && size <= 600 ? Array.from(new Uint8Array(data)) : null;
        probe.received.push([performance.now(), size, small]);
      });
    }
  }
  window.WebSocket = Probed;
  document.addEventListener("click", () => probe.clicks.push(performance.now()), true);
  const watch = () => {
    const main = document.querySelector("[data-testid='stMain']");
    if (!main) return setTimeout(watch, 50);
    new MutationObserver(() => { probe.lastChange = performance.now(); })
      .observe(main, {subtree: true, childList: true, attributes: true, characterData: true});
  };
  watch();
})();
"""


def probed_page(context):
    """A new page of ``context`` with :data:`WEBSOCKET_PROBE` installed."""
    page = context.new_page()
    page.add_init_script(WEBSOCKET_PROBE)
    return page


def probe_mark(page) -> int:
    """How many messages have arrived so far (pass to :func:`probe_since`)."""
    return page.evaluate("() => window.__probe.received.length")


def probe_since(page, mark: int = 0) -> dict:
    """What arrived after ``mark``: ``bytes`` (payload, as the browser gets it), ``messages``, the arrival time of
    ``script_finished`` and of the last message, the first send and click after ``mark``'s first message, and
    the main area's last change (``performance.now()`` milliseconds)."""
    from google.protobuf.message import DecodeError
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    probe = page.evaluate("() => window.__probe")
    received = probe["received"][mark:]
    finished = []
    for arrived, _, small in received:
        if small is not None:
            message = ForwardMsg()
            try:
                message.ParseFromString(bytes(small))
            except DecodeError:  # not a ForwardMsg: not the end of a run
                continue
            if message.WhichOneof("type") == "script_finished":
                finished.append(arrived)
    return {
        "bytes": sum(size for _, size, _ in received),
        "messages": len(received),
        "finished": finished,
        "last_message": received[-1][0] if received else None,
        "sent": [t for t, _ in probe["sent"]],
        "clicks": probe["clicks"],
        "last_change": probe["lastChange"],
    }


def wait_for_run(page, mark: int = 0, timeout: float = 120, quiet: float = 1.0) -> dict:
    """Wait until a script run that started after message ``mark`` has finished (``script_finished`` arrived, the
    app says ``notRunning``) and the main area has not changed for ``quiet`` seconds; return :func:`probe_since`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = probe_since(page, mark)
        state = page.evaluate(
            "() => document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state')"
        )
        now = page.evaluate("() => performance.now()")
        if (
            seen["finished"]
            and state == "notRunning"
            and now - max(seen["last_change"], seen["last_message"]) > quiet * 1000
        ):
            return seen
        time.sleep(0.1)
    raise TimeoutError(f"no finished script run within {timeout} s")


def choose_option(page, key: str, label: str) -> None:
    """Pick ``label`` in the multiselect with widget key ``key``, as a user does: open the list, click it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.locator(f".st-key-{key}")
    option = page.get_by_role("option", name=label, exact=True)
    for _ in range(3):  # a click that lands while the app redraws may not open the list
        box.locator("input").click()
        try:
            option.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    option.click()
    page.keyboard.press("Escape")


def clear_options(page, key: str) -> None:
    """Empty the multiselect with widget key ``key`` (its clear button, labelled in English or Norwegian)."""
    page.locator(f".st-key-{key}").locator("button[aria-label='Clear all'], button[aria-label='Fjern alle']").click()
