"""App benchmark (issue 17): prints figures, asserts nothing.

For the default demo data and for 100,000 needs / 10,000 offers, in one run:

* **websocket bytes** (payload as the browser receives it) on the first load of Oversikt, Kart and Mismatch, and
  per sub-region change in the sidebar; ``kart*`` is the map with a computed indicator (needs per 1,000
  inhabitants), whose values do change with the sub-region;
* **server CPU per filter change**: the server process's CPU time (``/proc``) from the click until the app is
  idle again, so it includes Streamlit's serialisation and its garbage collection after the run; and, as in the
  issue, one script run in ``AppTest`` (process CPU time of a competence-area change);
* **felt latency** in headless Chromium: click → the main area's last change (charts redrawn), against the
  server's wall time (the rerun request sent → ``script_finished`` received), and their ratio;
* **peak server memory** (``VmHWM``) with 1 and with 10 browser sessions that open the three pages.

``--before DIR`` measures another copy of the app (e.g. ``git worktree add /tmp/perf-before <commit>``) in the
same run, alternating with this one, so ratios are taken under the same load. ``--gc-off`` adds this app with
``runner.postScriptGC`` off. ``--profile`` prints the top costs of a rerun of each page (pyinstrument, a dev
dependency). The machine is shared: repeat (``--repeat``) and read the spread, not one number.

Run: python scripts/bench_app.py [--before DIR] [--gc-off] [--option KEY=VALUE] [--repeat 2] [--profile]  (needs Debian's chromium)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PAGES = {"oversikt": "", "kart": "kart", "kart*": "kart?indikator=behov_per_1000", "mismatch": "mismatch"}
CPU_PAGES = {"oversikt": "app_pages/oversikt.py", "kart": "app_pages/kart.py", "mismatch": "app_pages/mismatch.py"}
#: Sidebar sub-region changes, in order (None = clear the filter).
REGION_STEPS = ["Namdalen", None, "Fosen", None, "Trøndelag sør", None]


# --- the browser --------------------------------------------------------------------------------------------


def _browser(playwright):
    from browser_support import CHROMIUM_ARGS

    return playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)


def _context(browser):
    return browser.new_context(viewport={"width": 1600, "height": 1000}, locale="nb-NO")


def change_region(page, name: str | None) -> None:
    """Choose sub-region ``name`` in the sidebar (``None``: clear the filter), as a user does."""
    from browser_support import choose_option, clear_options

    if name is None:
        clear_options(page, "filter_delregioner")
    else:
        choose_option(page, "filter_delregioner", name)


def measure_changes(page, server, steps) -> list[dict]:
    """One sub-region change after another: bytes, server CPU, server wall and felt latency of each."""
    from browser_support import probe_mark, wait_for_run

    rows = []
    for name in steps:
        mark = probe_mark(page)
        cpu = server.cpu_seconds()
        change_region(page, name)
        seen = wait_for_run(page, mark)
        cpu = server.cpu_seconds() - cpu
        sent = [t for t in seen["sent"] if seen["finished"] and t < seen["finished"][0]]
        request = sent[-1] if sent else None
        clicks = [c for c in seen["clicks"] if request is not None and c <= request]
        server_wall = seen["finished"][0] - request if request is not None else float("nan")
        felt = max(seen["last_change"], seen["finished"][-1]) - clicks[-1] if clicks else float("nan")
        rows.append({"bytes": seen["bytes"], "cpu": cpu * 1000, "server": server_wall, "felt": felt})
    return rows


def browser_round(root: Path, env: dict, options: list[str], steps) -> dict:
    """Fresh server; each page loaded fresh, then the sub-region changes."""
    from playwright.sync_api import sync_playwright

    from browser_support import probed_page, served_app, wait_for_run

    results = {}
    with served_app(root, env=env, options=options) as server, sync_playwright() as playwright:
        browser = _browser(playwright)
        context = _context(browser)
        warm = probed_page(context)  # warm the server's caches once, as a running deployment is
        warm.goto(f"{server.url}/")
        wait_for_run(warm, 0, timeout=900)
        warm.close()
        for name, path in PAGES.items():
            page = probed_page(context)
            page.goto(f"{server.url}/{path}")
            first = wait_for_run(page, 0, timeout=900)
            changes = measure_changes(page, server, steps)
            results[name] = {"first": first["bytes"], "changes": changes}
            page.close()
        results["_memory"] = server.memory()  # after the whole round: what reruns left behind
        browser.close()
    return results


def memory_round(root: Path, env: dict, options: list[str], sessions: int) -> tuple[int, int]:
    """Fresh server; ``sessions`` browser sessions at once open Oversikt, then Kart, then Mismatch (in-app
    navigation, so each stays one session); returns the server's (resident, peak resident) bytes."""
    from playwright.sync_api import sync_playwright

    from browser_support import probe_mark, probed_page, served_app, wait_for_run

    with served_app(root, env=env, options=options) as server, sync_playwright() as playwright:
        browser = _browser(playwright)
        context = _context(browser)
        pages = [probed_page(context) for _ in range(sessions)]
        for page in pages:
            page.goto(f"{server.url}/", wait_until="commit")
        for page in pages:
            wait_for_run(page, 0, timeout=1800)
        for path in ("kart", "mismatch"):
            marks = []
            for page in pages:
                marks.append(probe_mark(page))
                menu = f"[data-testid='stSidebar'] a[href='{path}'], [data-testid='stSidebar'] a[href$='/{path}']"
                page.locator(menu).first.click()  # the page menu (links relative or absolute)
            for page, mark in zip(pages, marks, strict=True):
                wait_for_run(page, mark, timeout=1800)
        memory = server.memory()
        browser.close()
    return memory


# --- the server alone (AppTest) ------------------------------------------------------------------------------

FILTER_RUN = """
import os, sys, time
from streamlit import config
from streamlit.testing.v1 import AppTest
if sys.argv[2:] == ["gc-off"]:
    config.set_option("runner.postScriptGC", False)
app = AppTest.from_file(os.path.join(os.getcwd(), "app.py"), default_timeout=1800)
app.run()
app.switch_page(sys.argv[1])
app.run()
assert not app.exception, [e.value for e in app.exception]
for areas in (["helse"], ["bygg"], ["ikt", "ledelse"], ["helse"], []):
    cpu, wall = time.process_time(), time.perf_counter()
    app.multiselect(key="filter_omrader").set_value(areas).run()
    print(f"{(time.process_time() - cpu) * 1000:.0f} {(time.perf_counter() - wall) * 1000:.0f}")
    assert not app.exception, [e.value for e in app.exception]
"""


def apptest_cpu(root: Path, page: str, env: dict, gc_off: bool = False) -> list[float]:
    """Process CPU milliseconds of each of five competence-area changes on ``page`` (one script run each)."""
    result = subprocess.run(
        [sys.executable, "-c", FILTER_RUN, page, *(["gc-off"] if gc_off else [])],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"{page} in {root}: {result.stderr[-3000:]}")
    return [float(line.split()[0]) for line in result.stdout.splitlines() if line.strip()]


# --- profiles ------------------------------------------------------------------------------------------------

PROFILE_RUN = """
import os, sys, json
from pyinstrument import Profiler
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest
sessions, active = [], [False]
original = script_runner.ScriptRunner._run_script
def profiled(self, rerun_data):
    if not active[0]:
        return original(self, rerun_data)
    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        return original(self, rerun_data)
    finally:
        profiler.stop()
        sessions.append(profiler.last_session)
script_runner.ScriptRunner._run_script = profiled
app = AppTest.from_file(os.path.join(os.getcwd(), "app.py"), default_timeout=1800)
app.run()
app.switch_page(sys.argv[1])
app.run()
active[0] = True
for areas in (["helse"], ["bygg"], ["ikt", "ledelse"], ["helse"], []):
    app.multiselect(key="filter_omrader").set_value(areas).run()
assert not app.exception, [e.value for e in app.exception]
OWN = ("/app_pages/", "/ui/", "/kompilot_data/", "app.py")
costs, total = {}, 0.0
def walk(frame, owner):
    global total
    path = frame.file_path or ""
    if any(part in path for part in OWN) and "site-packages" not in path:
        owner = f"{frame.function} ({path.rsplit('/', 2)[-2]}/{path.rsplit('/', 1)[-1]})"
    if frame.function == "collect" or "gc.collect" in (frame.function or ""):
        owner = "gc.collect (runner.postScriptGC)"
    costs[owner] = costs.get(owner, 0.0) + frame.total_self_time
    total += frame.total_self_time
    for child in frame.children:
        walk(child, owner)
for session in sessions:
    walk(session.root_frame(), "Streamlit (outside the script)")
print(json.dumps({"total": total / len(sessions), "costs": costs}))
"""


def profile(root: Path, page: str, env: dict) -> tuple[float, list[tuple[str, float]]]:
    """Milliseconds per rerun and the top costs (self time attributed to the innermost kompilot function)."""
    import json

    result = subprocess.run(
        [sys.executable, "-c", PROFILE_RUN, page],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"{page} in {root}: {result.stderr[-3000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    total = data["total"] * 5
    ranked = sorted(data["costs"].items(), key=lambda item: -item[1])
    return data["total"] * 1000, [(name, seconds / total) for name, seconds in ranked[:5]]


# --- report --------------------------------------------------------------------------------------------------


def spread(values: list[float], unit: str = "", digits: int = 0) -> str:
    values = [v for v in values if v == v]
    if not values:
        return "–"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:,.{digits}f}{unit}"
    return f"{median:,.{digits}f}{unit} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def kilobytes(values: list[float]) -> str:
    return spread([v / 1000 for v in values], " kB", 1)


def datasets(folder: str) -> dict[str, dict[str, str]]:
    subprocess.run(
        [sys.executable, "-m", "kompilot_data", "demo", "--needs", "100000", "--offers", "10000", "--out", folder],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return {
        "demo": {},
        "100k": {
            "KOMPILOT_NEEDS_FILE": str(Path(folder) / "needs.csv"),
            "KOMPILOT_OFFERS_FILE": str(Path(folder) / "offers.csv"),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="another copy of the app, measured alternately in the same run")
    parser.add_argument("--gc-off", action="store_true", help="also this app with runner.postScriptGC off")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="also this app with a Streamlit option, e.g. global.minCachedMessageSize=10240 (repeatable)",
    )
    parser.add_argument("--repeat", type=int, default=2, help="rounds per measurement (default 2)")
    parser.add_argument("--sessions", type=int, default=10, help="sessions for the memory measurement (default 10)")
    parser.add_argument("--only", choices=["demo", "100k"], help="one data set only")
    parser.add_argument("--skip", nargs="*", default=[], choices=["browser", "apptest", "memory"])
    parser.add_argument("--profile", action="store_true", help="print the top costs of a rerun of each page")
    args = parser.parse_args()

    trees = {"after": (ROOT, [])}
    if args.before:
        trees = {"before": (args.before.resolve(), []), **trees}
    if args.gc_off:
        trees["after, GC off"] = (ROOT, ["--runner.postScriptGC", "false"])
    for option in args.option:
        key, _, value = option.partition("=")
        trees[f"after, {key}={value}"] = (ROOT, [f"--{key}", value])
    data_dir = tempfile.mkdtemp(prefix="kompilot-bench-")  # each copy of the app seeds its own database
    folders = {root: str(Path(data_dir) / str(i)) for i, root in enumerate({root for root, _ in trees.values()})}
    with tempfile.TemporaryDirectory() as folder:
        for data_name, data_env in datasets(folder).items():
            if args.only and data_name != args.only:
                continue
            envs = {tree: {**data_env, "KOMPILOT_DATA_DIR": folders[root]} for tree, (root, _) in trees.items()}
            print(f"\n=== {data_name} ===", flush=True)
            if args.profile:
                for page, script in CPU_PAGES.items():
                    for tree, (root, _) in trees.items():
                        if tree.endswith("GC off"):
                            continue
                        per_run, top = profile(root, script, envs[tree])
                        print(f"profile {page:9} {tree:7} {per_run:6.0f} ms per rerun (profiled, 1 ms samples)")
                        for name, share in top:
                            print(f"    {share:6.1%}  {name}")
            if "browser" not in args.skip:
                browser = {tree: [] for tree in trees}
                for _ in range(args.repeat):
                    for tree, (root, options) in trees.items():
                        browser[tree].append(browser_round(root, envs[tree], options, REGION_STEPS))
                print("websocket bytes, first load | per sub-region change (median, range over changes and rounds)")
                for page in PAGES:
                    for tree, rounds in browser.items():
                        first = [r[page]["first"] for r in rounds]
                        change = [c["bytes"] for r in rounds for c in r[page]["changes"]]
                        print(f"  {page:9} {tree:14} {kilobytes(first):>26} | {kilobytes(change)}")
                print("server CPU per sub-region change, whole process incl. serialisation and GC (ms)")
                for page in PAGES:
                    for tree, rounds in browser.items():
                        cpu = [c["cpu"] for r in rounds for c in r[page]["changes"]]
                        print(f"  {page:9} {tree:14} {spread(cpu)}")
                print("felt latency (click → main area settled) | server wall (request → script_finished) | ratio")
                for page in PAGES:
                    for tree, rounds in browser.items():
                        changes = [c for r in rounds for c in r[page]["changes"]]
                        felt = [c["felt"] for c in changes]
                        wall = [c["server"] for c in changes]
                        ratio = [c["felt"] / c["server"] for c in changes if c["server"] > 0]
                        print(
                            f"  {page:9} {tree:14} {spread(felt, ' ms'):>22} | {spread(wall, ' ms'):>22} | "
                            f"{spread(ratio, '×', 2)}"
                        )
                print("server memory after the round (4 page loads, 24 changes): resident | peak")
                for tree, rounds in browser.items():
                    resident = [r["_memory"][0] / 2**20 for r in rounds]
                    peak = [r["_memory"][1] / 2**20 for r in rounds]
                    print(f"  {tree:14} {spread(resident, ' MiB')} | {spread(peak, ' MiB')}")
            if "apptest" not in args.skip:
                print("server CPU per competence-area change, one script run in AppTest (process CPU, ms)")
                for page, script in CPU_PAGES.items():
                    for tree, (root, options) in trees.items():
                        gc_off = bool(options)
                        times = [t for _ in range(args.repeat) for t in apptest_cpu(root, script, envs[tree], gc_off)]
                        print(f"  {page:9} {tree:14} {spread(times)}")
            if "memory" not in args.skip:
                print(f"peak server memory (VmHWM), 1 and {args.sessions} sessions")
                for tree, (root, options) in trees.items():
                    one, many = [], []
                    for _ in range(args.repeat):
                        one.append(memory_round(root, envs[tree], options, 1)[1])
                        many.append(memory_round(root, envs[tree], options, args.sessions)[1])
                    ratios = [m / o for o, m in zip(one, many, strict=True)]
                    print(
                        f"  {tree:14} 1: {spread([o / 2**20 for o in one], ' MiB')}  "
                        f"{args.sessions}: {spread([m / 2**20 for m in many], ' MiB')}  ratio {spread(ratios, '×', 2)}"
                    )
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n({time.perf_counter() - started:.0f} s)")
