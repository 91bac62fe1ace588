"""App benchmark: prints figures, asserts nothing.

* time to first render of the map page in headless Chromium (offline), default demo data;
* server time for a filter change (AppTest: one script run after a sidebar change) on the
  overview, map and mismatch pages, with the default demo data and with 100,000 needs / 10,000 offers;
* the size of what the map sends to the browser (the plotly figure JSON, raw and gzip-compressed;
  Streamlit compresses its websocket with permessage-deflate).

Run: python scripts/bench_app.py   (needs Debian's chromium for the first figure)
"""

from __future__ import annotations

import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

FILTER_RUN = """
import statistics, sys, time
from streamlit.testing.v1 import AppTest
page = sys.argv[1]
app = AppTest.from_file({app!r}, default_timeout=600)
app.run()
app.switch_page(page)
app.run()
times = []
for areas in (["helse"], ["bygg"], ["ikt", "ledelse"], ["helse"], []):
    started = time.perf_counter()
    app.multiselect(key="filter_omrader").set_value(areas).run()
    times.append(time.perf_counter() - started)
    assert not app.exception, [e.value for e in app.exception]
print(f"{{statistics.median(times) * 1000:.0f}} {{min(times) * 1000:.0f}} {{max(times) * 1000:.0f}}")
"""


def filter_change(page: str, env: dict[str, str]) -> str:
    code = FILTER_RUN.format(app=str(ROOT / "app.py"))
    result = subprocess.run(
        [sys.executable, "-c", code, page],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    median, low, high = result.stdout.split()[-3:]
    return f"median {median} ms (min {low}, max {high})"


def first_map_render() -> float:
    from browser_support import offline_browser, running_app, wait_for_app

    with running_app() as url, offline_browser() as (page, blocked):
        page.goto(f"{url}/")  # warm the server's caches once, as a real deployment would be
        wait_for_app(page)
        times = []
        for _ in range(3):
            page.goto("about:blank")
            started = time.perf_counter()
            page.goto(f"{url}/kart")
            page.locator(".st-key-kart canvas.maplibregl-canvas").wait_for(timeout=60_000)
            page.wait_for_function(
                "() => document.querySelector('.st-key-kart .js-plotly-plot')?._fullData?.length > 0", timeout=60_000
            )
            times.append(time.perf_counter() - started)
        assert not blocked, blocked
        return statistics.median(times)


def map_payload() -> tuple[int, int]:
    import kompilot_data as kd
    from kompilot_data.engine import indicators
    from kompilot_data.present import figures

    table = indicators.municipality_table(kd.load_needs(), kd.load_offers())
    figure = figures.choropleth_map(table, "delregion", places=kd.load_study_places())
    payload = figure.to_json().encode()
    return len(payload), len(gzip.compress(payload))


def main() -> None:
    raw, compressed = map_payload()
    print(f"map figure sent to the browser: {raw / 1024:.0f} KiB JSON, {compressed / 1024:.0f} KiB gzip-compressed")
    try:
        print(f"first render of the map page (browser, offline, warm server): {first_map_render():.2f} s")
    except RuntimeError as error:
        print(f"first render of the map page: skipped ({error})")
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "kompilot_data", "demo", "--needs", "100000", "--offers", "10000", "--out", folder],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        datasets = {
            "demo 1 500/150": {},
            "100 000/10 000": {
                "KOMPILOT_NEEDS_FILE": str(Path(folder) / "needs.csv"),
                "KOMPILOT_OFFERS_FILE": str(Path(folder) / "offers.csv"),
            },
        }
        for name, env in datasets.items():
            for page in ("app_pages/oversikt.py", "app_pages/kart.py", "app_pages/mismatch.py"):
                print(f"filter change, {name}, {Path(page).stem}: {filter_change(page, env)}")


if __name__ == "__main__":
    main()
