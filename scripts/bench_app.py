"""App benchmark (issues 17 and 24): prints figures, asserts nothing.

For the default demo data and for 100,000 needs / 10,000 offers, in one run, on real ``streamlit run`` servers
started as a deployment runs them (``MALLOC_ARENA_MAX`` from the copy's ``deploy/kompilot.env.example``):

* **server CPU per filter change** on Oversikt, Kart, Behov, Behov mot tilbud (mismatch) and Region: the server
  process's CPU time (``/proc``) from the click until the run has finished and the app is idle again, so it
  includes Streamlit's serialisation and its full garbage collection after the run (``runner.postScriptGC``,
  which AppTest skips). The collections are also timed inside the server (``gc.callbacks``, through a
  ``sitecustomize`` on ``PYTHONPATH``): ``gc`` is the time of the full (generation 2) collections per change.
  Each page gets a key of its own (a ``fra`` date before every record, so the same records), and each change
  is a **new key** (a sub-region not seen on that page) or a **revisited key** (back to the page's first key);
* **websocket bytes** per change, and **felt latency** in headless Chromium (click → the main area's last change)
  against the server's wall time (the rerun request sent → ``script_finished``), and their ratio;
* the **first page of a fresh session**: a new browser tab opening Oversikt on a running server (and the very
  first, on a server that just started), until the page has settled;
* **peak server memory** (``VmHWM``) with 1 and with ``--sessions`` browser sessions that open three pages;
* the **import** of 100,000 needs against pandas ``read_csv`` + ``to_sql`` (``kompilot_data.bench.import_speed``,
  run in each copy of the app).

``--compare DIR`` (alias ``--before``) measures another copy of the app (e.g. ``git worktree add /tmp/main main``)
in the same run, alternating with this one round by round, so ratios are taken under the same load; the report
gives each measure for both and the ratio of medians. ``--gc-off`` adds this app with ``runner.postScriptGC``
off. ``--profile`` prints the top costs of a rerun of each page (pyinstrument, a dev dependency). The machine may
be shared: repeat (``--repeat``) and read the spread and the ratios, not one absolute number.

Run: python scripts/bench_app.py [--compare DIR] [--only demo|100k] [--repeat 2] [--skip memory import] [--profile]
(needs Debian's chromium)
"""

from __future__ import annotations

import argparse
import json
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

#: Pages whose filter changes are measured: URL path (each gets a key of its own, see ``page_url``).
PAGES = {"oversikt": "", "kart": "kart", "behov": "behov", "mismatch": "mismatch", "region": "region"}
CPU_PAGES = {
    "oversikt": "app_pages/oversikt.py",
    "kart": "app_pages/kart.py",
    "behov": "app_pages/behov.py",
    "mismatch": "app_pages/mismatch.py",
    "region": "app_pages/region.py",
}
#: Sidebar sub-region changes, in order (None = clear the filter: back to the page's first key, a revisit).
REGION_STEPS = ["Namdalen", None, "Fosen", None, "Trøndelag sør", None]

#: Installed in the server (``PYTHONPATH``): appends "generation wall_ms thread_cpu_ms" per collection to the file
#: named by KOMPILOT_BENCH_GC_LOG.
SITECUSTOMIZE = """
import gc, os, threading, time
_path = os.environ.get("KOMPILOT_BENCH_GC_LOG")
if _path:
    _log = open(_path, "a", buffering=1)
    _started = threading.local()
    def _timed(phase, info):
        if phase == "start":
            _started.t = (time.perf_counter(), time.thread_time())
        elif getattr(_started, "t", None) is not None:
            wall, cpu = _started.t
            _log.write(f"{info['generation']} {(time.perf_counter() - wall) * 1000:.2f} "
                       f"{(time.thread_time() - cpu) * 1000:.2f}\\n")
            _started.t = None
    gc.callbacks.append(_timed)
"""


def deployment_env(root: Path) -> dict[str, str]:
    """The malloc settings of the copy's deployment environment (``deploy/kompilot.env.example``)."""
    path = root / "deploy" / "kompilot.env.example"
    env = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip().startswith("MALLOC_"):
                env[key.strip()] = value.strip()
    return env


class GcLog:
    """The full collections the server logged (see :data:`SITECUSTOMIZE`)."""

    def __init__(self, path: Path):
        self.path = path

    def mark(self) -> int:
        return len(self.lines())

    def lines(self) -> list[list[float]]:
        if not self.path.exists():
            return []
        return [[float(x) for x in line.split()] for line in self.path.read_text().splitlines() if line.count(" ") == 2]

    def full_ms(self, mark: int) -> float:
        """CPU milliseconds (of the collecting thread) of the generation-2 collections since ``mark``: their wall
        time also counts the waits for the GIL and for a core on a shared machine."""
        return sum(cpu for generation, _, cpu in self.lines()[mark:] if generation == 2)


# --- the browser --------------------------------------------------------------------------------------------


def _browser(playwright):
    from browser_support import CHROMIUM_ARGS

    return playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)


def _context(browser):
    return browser.new_context(viewport={"width": 1600, "height": 1000}, locale="nb-NO")


def page_url(base: str, page: str) -> str:
    """The page with a key of its own: a ``fra`` date before every record (the same records, another View)."""
    day = list(PAGES).index(page) + 2
    path = PAGES[page]
    return f"{base}/{path}?fra=2015-01-{day:02d}"


def change_region(page, name: str | None) -> None:
    """Choose sub-region ``name`` in the sidebar (``None``: clear the filter), as a user does."""
    from browser_support import choose_option, clear_options

    if name is None:
        clear_options(page, "filter_delregioner")
    else:
        choose_option(page, "filter_delregioner", name)


def measure_changes(page, server, gc_log: GcLog, steps) -> list[dict]:
    """One sub-region change after another: bytes, server CPU, full GC, server wall and felt latency of each."""
    from browser_support import probe_mark, wait_for_run

    rows = []
    for name in steps:
        mark = probe_mark(page)
        collections = gc_log.mark()
        cpu = server.cpu_seconds()
        change_region(page, name)
        seen = wait_for_run(page, mark, timeout=900)
        cpu = server.cpu_seconds() - cpu
        sent = [t for t in seen["sent"] if seen["finished"] and t < seen["finished"][0]]
        request = sent[-1] if sent else None
        clicks = [c for c in seen["clicks"] if request is not None and c <= request]
        server_wall = seen["finished"][0] - request if request is not None else float("nan")
        felt = max(seen["last_change"], seen["finished"][-1]) - clicks[-1] if clicks else float("nan")
        rows.append(
            {
                "key": "revisited" if name is None else "new",
                "bytes": seen["bytes"],
                "cpu": cpu * 1000,
                "gc": gc_log.full_ms(collections),
                "server": server_wall,
                "felt": felt,
            }
        )
    return rows


def settled_ms(seen: dict) -> float:
    """Milliseconds from the page's navigation to its first run finished and its main area settled."""
    return max(seen["last_change"], seen["finished"][-1] if seen["finished"] else 0.0)


def served(root: Path, env: dict, options: list[str], work: Path):
    """``served_app`` of ``root`` with the deployment's malloc settings and the GC log; returns (context, log)."""
    from browser_support import served_app

    log = GcLog(work / f"gc-{time.monotonic_ns()}.log")
    path = work / "site"
    path.mkdir(exist_ok=True)
    (path / "sitecustomize.py").write_text(SITECUSTOMIZE)
    server_env = {
        **deployment_env(root),
        **env,
        "KOMPILOT_BENCH_GC_LOG": str(log.path),
        "PYTHONPATH": os.pathsep.join(p for p in (str(path), os.environ.get("PYTHONPATH", "")) if p),
    }
    return served_app(root, env=server_env, options=options, timeout=600), log


def browser_round(root: Path, env: dict, options: list[str], steps, work: Path, pages) -> dict:
    """Fresh server; the first page of the first and of a second session; each page loaded fresh, then the
    sub-region changes."""
    from playwright.sync_api import sync_playwright

    from browser_support import probed_page, wait_for_run

    results = {}
    context_manager, gc_log = served(root, env, options, work)
    with context_manager as server, sync_playwright() as playwright:
        browser = _browser(playwright)
        context = _context(browser)
        for which in ("_cold_first", "_fresh_first"):  # the server's first session, then a fresh one
            page = probed_page(context)
            page.goto(f"{server.url}/")
            results[which] = settled_ms(wait_for_run(page, 0, timeout=900))
            page.close()
        for name in pages:
            page = probed_page(context)
            page.goto(page_url(server.url, name))
            first = wait_for_run(page, 0, timeout=900)
            changes = measure_changes(page, server, gc_log, steps)
            results[name] = {"first": first["bytes"], "changes": changes}
            page.close()
        results["_memory"] = server.memory()  # after the whole round: what reruns left behind
        browser.close()
    return results


def memory_round(root: Path, env: dict, options: list[str], sessions: int, work: Path) -> tuple[int, int]:
    """Fresh server; ``sessions`` browser sessions at once open Oversikt, then Kart, then Mismatch (in-app
    navigation, so each stays one session); returns the server's (resident, peak resident) bytes."""
    from playwright.sync_api import sync_playwright

    from browser_support import probe_mark, probed_page, wait_for_run

    context_manager, _ = served(root, env, options, work)
    with context_manager as server, sync_playwright() as playwright:
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


# --- the import (kompilot_data.bench, in each copy) -------------------------------------------------------------

IMPORT_RUN = """
import json
from kompilot_data.bench import import_speed
print(json.dumps(import_speed(100_000, out=lambda line: None)))
"""


def import_round(root: Path) -> dict[str, float]:
    """``import_speed`` (kompilot import against pandas read_csv + to_sql, 100,000 needs) in the copy ``root``."""
    result = subprocess.run([sys.executable, "-c", IMPORT_RUN], cwd=root, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"import in {root}: {result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


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
    layers: dict[str, float] = {}
    for name, seconds in data["costs"].items():
        layer = next((label for part, label in LAYERS if part in name), "other")
        layers[layer] = layers.get(layer, 0.0) + seconds / total
    return data["total"] * 1000, [(name, seconds / total) for name, seconds in ranked[:5]], layers


#: Where a profiled cost belongs (the innermost kompilot function's file; pandas and plotly inside it count there).
LAYERS = (
    ("gc.collect", "GC after the run"),
    ("Streamlit (outside", "Streamlit (outside the script)"),
    ("(view/", "View (with its pandas)"),
    ("(engine/", "engine (with its pandas)"),
    ("(present/", "present: figures and tables (with plotly, pandas)"),
    ("(app_pages/", "pages (with their pandas, Streamlit calls)"),
    ("(ui/", "ui (Streamlit glue)"),
    ("app.py", "app.py"),
    ("(reference/", "reference"),
)


# --- report --------------------------------------------------------------------------------------------------


def spread(values: list[float], unit: str = "", digits: int = 0) -> str:
    values = [v for v in values if v == v]
    if not values:
        return "–"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:,.{digits}f}{unit}"
    return f"{median:,.{digits}f}{unit} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def median(values: list[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def ratio_column(per_tree: dict[str, list[float]], reference: str | None) -> dict[str, str]:
    """Each tree's median divided by the reference tree's median ("" for the reference itself)."""
    if reference is None or reference not in per_tree:
        return dict.fromkeys(per_tree, "")
    base = median(per_tree[reference])
    return {
        tree: "" if tree == reference or not base else f"  ×{median(values) / base:.2f} of {reference}"
        for tree, values in per_tree.items()
    }


def print_measure(title: str, rows: dict[str, dict[str, list[float]]], reference: str | None, unit="", digits=0):
    """``rows``: label → tree → values; prints median (range) per tree and the ratio to ``reference``."""
    print(title)
    for label, per_tree in rows.items():
        ratios = ratio_column(per_tree, reference)
        for tree, values in per_tree.items():
            print(f"  {label:22} {tree:14} {spread(values, unit, digits):>28}{ratios[tree]}")


def kilobytes(values: list[float]) -> list[float]:
    return [v / 1000 for v in values]


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


def report_browser(browser: dict[str, list[dict]], pages, reference: str | None) -> None:
    def values(page, field, key=None):
        return {
            tree: [c[field] for r in rounds for c in r[page]["changes"] if key is None or c["key"] == key]
            for tree, rounds in browser.items()
        }

    for key in ("new", "revisited"):
        rows = {page: values(page, "cpu", key) for page in pages}
        print_measure(
            f"server CPU per filter change, {key} key (ms; whole process: script, serialisation, GC)", rows, reference
        )
    rows = {page: values(page, "gc", None) for page in pages}
    print_measure(
        "full GC per filter change, inside the server (ms CPU of the collecting thread, gc.callbacks)",
        rows,
        reference,
        digits=1,
    )
    rows = {page: {t: kilobytes(v) for t, v in values(page, "bytes").items()} for page in pages}
    print_measure("websocket bytes per change (kB)", rows, reference, " kB", 1)
    print("felt latency (click → main area settled) | server wall (request → script_finished) | ratio")
    for page in pages:
        for tree, rounds in browser.items():
            changes = [c for r in rounds for c in r[page]["changes"]]
            felt = [c["felt"] for c in changes]
            wall = [c["server"] for c in changes]
            ratio = [c["felt"] / c["server"] for c in changes if c["server"] > 0]
            print(
                f"  {page:22} {tree:14} {spread(felt, ' ms'):>22} | {spread(wall, ' ms'):>22} | {spread(ratio, '×', 2)}"
            )
    rows = {
        "first session (cold)": {tree: [r["_cold_first"] for r in rounds] for tree, rounds in browser.items()},
        "fresh session": {tree: [r["_fresh_first"] for r in rounds] for tree, rounds in browser.items()},
    }
    print_measure("first page (Oversikt) until settled, ms from navigation", rows, reference, " ms")
    rows = {
        "resident": {tree: [r["_memory"][0] / 2**20 for r in rounds] for tree, rounds in browser.items()},
        "peak": {tree: [r["_memory"][1] / 2**20 for r in rounds] for tree, rounds in browser.items()},
    }
    print_measure("server memory after the round (MiB)", rows, reference, " MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--compare", "--before", dest="compare", type=Path, help="another copy of the app, measured alternately"
    )
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
    parser.add_argument(
        "--steps",
        type=int,
        default=len(REGION_STEPS),
        help=f"sub-region changes per page (default {len(REGION_STEPS)})",
    )
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES), help="pages to change on")
    parser.add_argument("--skip", nargs="*", default=[], choices=["browser", "apptest", "memory", "import"])
    parser.add_argument("--apptest", action="store_true", help="also one script run per change in AppTest")
    parser.add_argument("--profile", action="store_true", help="print the top costs of a rerun of each page")
    args = parser.parse_args()

    trees = {"this": (ROOT, [])}
    if args.compare:
        trees = {"compare": (args.compare.resolve(), []), **trees}
    if args.gc_off:
        trees["this, GC off"] = (ROOT, ["--runner.postScriptGC", "false"])
    for option in args.option:
        key, _, value = option.partition("=")
        trees[f"this, {key}={value}"] = (ROOT, [f"--{key}", value])
    reference = "compare" if args.compare else None
    print("copies:", ", ".join(f"{tree} = {root}" for tree, (root, _) in trees.items()), flush=True)
    work = Path(tempfile.mkdtemp(prefix="kompilot-bench-"))  # each copy of the app seeds its own database
    folders = {root: str(work / str(i)) for i, root in enumerate({root for root, _ in trees.values()})}
    with tempfile.TemporaryDirectory() as folder:
        for data_name, data_env in datasets(folder).items():
            if args.only and data_name != args.only:
                continue
            envs = {tree: {**data_env, "KOMPILOT_DATA_DIR": folders[root]} for tree, (root, _) in trees.items()}
            print(f"\n=== {data_name} ===", flush=True)
            if args.profile:
                for page in args.pages:
                    for tree, (root, _) in trees.items():
                        if tree.endswith("GC off"):
                            continue
                        per_run, top, layers = profile(root, CPU_PAGES[page], envs[tree])
                        print(f"profile {page:9} {tree:7} {per_run:6.0f} ms per rerun (profiled, 1 ms samples)")
                        for name, share in top:
                            print(f"    {share:6.1%}  {name}")
                        print(
                            "    by layer: "
                            + ", ".join(f"{k} {v:.0%}" for k, v in sorted(layers.items(), key=lambda i: -i[1]))
                        )
            if "browser" not in args.skip:
                browser = {tree: [] for tree in trees}
                for _ in range(args.repeat):
                    for tree, (root, options) in trees.items():
                        browser[tree].append(
                            browser_round(root, envs[tree], options, REGION_STEPS[: args.steps], work, args.pages)
                        )
                report_browser(browser, args.pages, reference)
            if args.apptest:
                rows = {}
                for page in args.pages:
                    rows[page] = {tree: [] for tree in trees}
                    for _ in range(args.repeat):
                        for tree, (root, options) in trees.items():
                            rows[page][tree] += apptest_cpu(root, CPU_PAGES[page], envs[tree], bool(options))
                print_measure("server CPU per competence-area change, one script run in AppTest (ms)", rows, reference)
            if "memory" not in args.skip:
                one = {tree: [] for tree in trees}
                many = {tree: [] for tree in trees}
                for _ in range(args.repeat):
                    for tree, (root, options) in trees.items():
                        one[tree].append(memory_round(root, envs[tree], options, 1, work)[1] / 2**20)
                        many[tree].append(memory_round(root, envs[tree], options, args.sessions, work)[1] / 2**20)
                ratios = {tree: [m / o for o, m in zip(one[tree], many[tree], strict=True)] for tree in trees}
                rows = {"1 session": one, f"{args.sessions} sessions": many}
                print_measure("peak server memory (VmHWM, MiB)", rows, reference, " MiB")
                print_measure(f"peak memory, {args.sessions} sessions ÷ 1", {"ratio": ratios}, reference, "×", 2)
        if "import" not in args.skip and args.only != "demo":
            results = {tree: [] for tree, (root, _) in trees.items() if not tree.startswith("this,")}
            for _ in range(args.repeat):
                for tree in results:
                    results[tree].append(import_round(trees[tree][0]))
            print("\n=== import of 100 000 needs (CSV → SQLite) ===")
            rows = {
                "rows/s kompilot": {t: [r["import_rows_per_s"] for r in rs] for t, rs in results.items()},
                "rows/s pandas to_sql": {t: [r["import_baseline_rows_per_s"] for r in rs] for t, rs in results.items()},
                "ratio (wall)": {t: [r["import_ratio"] for r in rs] for t, rs in results.items()},
                "ratio (CPU)": {t: [r["import_cpu_ratio"] for r in rs] for t, rs in results.items()},
            }
            print_measure("kompilot import against pandas read_csv + to_sql, same run", rows, reference, digits=2)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n({time.perf_counter() - started:.0f} s)")
