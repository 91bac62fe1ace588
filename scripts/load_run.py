"""Load run (issue 26): simulated sessions change filters through HAProxy while a coordinator imports.

Starts the deployment of ``tests/deploy_support.py`` (a fresh PostgreSQL database on the server in
``KOMPILOT_TEST_POSTGRES_URL``, the migration, two replicas, HAProxy from ``deploy/haproxy.cfg``, the OIDC
provider), then for ``--seconds`` (default 120) runs ``--sessions`` (default 20) viewer sessions and one
coordinator, and stops by itself; everything it started is stopped and removed at the end.

* **A session** speaks Streamlit's own websocket protocol from Python (no browser): it fetches ``/`` through
  HAProxy once (which gives it the sticky cookie), opens ``/_stcore/stream`` with that cookie, loads a page,
  then again and again waits a think time (``--think``, default 3–8 s) and sends what the browser sends when a
  user changes a filter or a page: a ``rerun_script`` request with the new query string (sub-region,
  competence area, level; ``/kart?region=Fosen&omrade=helse``) and page.
* **A page update** is the time from sending that request to receiving the server's ``script_finished``
  message through HAProxy: the replica's run of the page with every element sent, not the browser's drawing.
  An error is a run that ends without ``script_finished`` within 60 s, a closed websocket, an exception element
  or an error box in the page, or a run that finishes with an error status.
* **The coordinator** imports a new file of needs (``--import-rows``, default 200) every ``--import-every``
  seconds (default 20) with ``python -m kompilot_data import`` against the same database, as a coordinator's
  write from any replica would: each import changes the data version, so every session's next update
  reads the new records.

Bounded: at most 60 sessions and 600 seconds; a session that has not finished when the time is up is
cancelled 60 s later at the latest.

Run: KOMPILOT_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:54329/kompilot_test \\
     python scripts/load_run.py [--sessions 20] [--seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

MAX_SESSIONS = 60
MAX_SECONDS = 600
PAGES = ["", "kart", "behov", "tilbud", "mismatch"]
REGIONS = [None, "Namdalen", "Trøndelag sør", "Fosen"]
AREAS = [None, "helse", "bygg", "elektro", "industri", "ikt", "ledelse", "reiseliv", "transport"]
LEVELS = [None, "kurs", "fagbrev", "fagskole"]


@dataclass
class Results:
    updates: list[float] = field(default_factory=list)  # milliseconds
    first_loads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    replicas: dict[str, int] = field(default_factory=dict)
    imports: list[float] = field(default_factory=list)
    import_errors: list[str] = field(default_factory=list)


def sticky_cookie(url: str) -> tuple[str, str]:
    """GET / through HAProxy: the sticky cookie it sets (name=value) and the replica's name."""
    from deploy_support import STICKY_COOKIE

    with urllib.request.urlopen(f"{url}/", timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith(f"{STICKY_COOKIE}="):
                pair = header.split(";", 1)[0]
                return pair, pair.split("=", 1)[1]
    raise RuntimeError("HAProxy set no sticky cookie")


def random_view(rng: random.Random) -> tuple[str, str]:
    params = []
    for key, values in (("region", REGIONS), ("omrade", AREAS), ("niva", LEVELS)):
        value = rng.choice(values)
        if value:
            params.append((key, value))
    return urllib.parse.urlencode(params), rng.choice(PAGES)


async def session(number: int, url: str, stop_at: float, think: tuple[float, float], results: Results) -> None:
    import websockets

    from deploy_support import page_update

    rng = random.Random(number)
    try:
        cookie, replica = await asyncio.to_thread(sticky_cookie, url)
        results.replicas[replica] = results.replicas.get(replica, 0) + 1
        ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        async with websockets.connect(
            ws_url,
            subprotocols=["streamlit"],
            additional_headers={"Origin": url, "Cookie": cookie},
            max_size=None,
            open_timeout=30,
            ping_interval=20,
        ) as ws:
            query, page = random_view(rng)
            elapsed, problem = await page_update(ws, query, page)
            results.first_loads.append(elapsed)
            if problem:
                results.errors.append(f"session {number} first load /{page}?{query}: {problem}")
            while True:
                await asyncio.sleep(rng.uniform(*think))
                if time.monotonic() >= stop_at:
                    break
                query, page = random_view(rng)
                elapsed, problem = await page_update(ws, query, page)
                results.updates.append(elapsed)
                if problem:
                    results.errors.append(f"session {number} /{page}?{query}: {problem}")
    except Exception as error:  # a closed websocket, a refused connection: an error of this run
        results.errors.append(f"session {number}: {type(error).__name__}: {error}")


def import_files(folder: Path, count: int, rows: int) -> list[Path]:
    """``count`` CSV files of ``rows`` new needs each (demo needs with new ids), in the import format."""
    from kompilot_data.records.files import load_needs
    from kompilot_data.records.importer import as_import_format, csv_bytes

    needs = load_needs()
    files = []
    for n in range(count):
        sample = needs.sample(rows, random_state=n).copy()
        sample["behov_id"] = [f"LAST-{n:03d}-{i:04d}" for i in range(rows)]
        sample["demo"] = False
        path = folder / f"behov-{n:03d}.csv"
        path.write_bytes(csv_bytes(as_import_format(sample, "needs", spreadsheet=False), title=None))
        files.append(path)
    return files


def coordinator(deployment, files: list[Path], every: float, stop_at: float, results: Results) -> None:
    """Import one file every ``every`` seconds until ``stop_at`` (the command line, against the shared database)."""
    env = deployment.environment()
    for path in files:
        if time.monotonic() + 5 >= stop_at:
            return
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kompilot_data",
                "import",
                str(path),
                "--kind",
                "needs",
                "--user",
                "koordinator@trondelagfylke.no",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        results.imports.append(time.perf_counter() - started)
        if done.returncode:
            results.import_errors.append(f"{path.name}: {done.stdout[-300:]}{done.stderr[-300:]}")
        time.sleep(max(0.0, every - (time.perf_counter() - started)))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 8.0), metavar=("MIN", "MAX"))
    parser.add_argument("--import-every", type=float, default=20, help="seconds between imports; 0: no imports")
    parser.add_argument("--import-rows", type=int, default=200)
    args = parser.parse_args()
    sessions = max(1, min(args.sessions, MAX_SESSIONS))
    seconds = max(10.0, min(args.seconds, MAX_SECONDS))
    admin = os.environ.get("KOMPILOT_TEST_POSTGRES_URL")
    if not admin:
        print("Set KOMPILOT_TEST_POSTGRES_URL (a PostgreSQL server where a database may be created).")
        return 2

    from deploy_support import Deployment

    results = Results()
    with Deployment(admin) as deployment, tempfile.TemporaryDirectory() as folder:
        print(f"deployment up: {', '.join(f'{k} {v:.1f} s' for k, v in deployment.timings.items())}", flush=True)
        imports = int(seconds // args.import_every) + 1 if args.import_every > 0 else 0
        files = import_files(Path(folder), count=imports, rows=args.import_rows)
        warm = asyncio.run(_warm(deployment.url))  # each replica's first run (its caches) is not part of the load
        baseline = {r.name: memory(r.process.pid) for r in deployment.replicas}
        cpu_before = {r.name: cpu_seconds(r.process.pid) for r in deployment.replicas}
        own_before = time.process_time()
        load_before = os.getloadavg()[0]
        stop_at = time.monotonic() + seconds
        writer = threading.Thread(
            target=coordinator, args=(deployment, files, args.import_every, stop_at, results), daemon=True
        )
        started = time.perf_counter()
        if args.import_every > 0:
            writer.start()
        asyncio.run(_sessions(deployment.url, sessions, stop_at, tuple(args.think), results))
        if writer.is_alive():
            writer.join(timeout=300)
        duration = time.perf_counter() - started
        after = {r.name: memory(r.process.pid) for r in deployment.replicas}
        cpu_used = {r.name: cpu_seconds(r.process.pid) - cpu_before[r.name] for r in deployment.replicas}
        own_cpu = time.process_time() - own_before
        load_after = os.getloadavg()[0]
        from kompilot_data.records import storage

        engine = storage.make_engine(deployment.database_url, migrate=False)
        imported = int(storage.read_frame(engine, "needs")["behov_id"].astype(str).str.startswith("LAST-").sum())
        engine.dispose()

    updates = results.updates
    print(f"\nsessions: {sessions} (per replica: {dict(sorted(results.replicas.items()))}); warm-up {warm:.1f} s")
    print(f"duration: {duration:.0f} s (asked {seconds:.0f} s); think time {args.think[0]:g}–{args.think[1]:g} s")
    print(
        f"coordinator: {len(results.imports)} imports of {args.import_rows} needs "
        f"({imported} needs in the database), median {statistics.median(results.imports or [0]):.1f} s each, "
        f"{len(results.import_errors)} failed"
    )
    print(f"page updates: {len(updates)} (+ {len(results.first_loads)} first loads)")
    if updates:
        print(
            f"page-update time: median {statistics.median(updates):.0f} ms, p95 {percentile(updates, 0.95):.0f} ms, "
            f"max {max(updates):.0f} ms; first loads median {statistics.median(results.first_loads):.0f} ms"
        )
    print(f"errors: {len(results.errors) + len(results.import_errors)}")
    for line in (results.errors + results.import_errors)[:20]:
        print(f"  {line}")
    print(
        "CPU during the run: "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in sorted(cpu_used.items()))
        + f", load generator {own_cpu:.0f} s (of {duration:.0f} s on {os.cpu_count()} cores); "
        f"load average {load_before:.1f} → {load_after:.1f}"
    )
    for name in sorted(after):
        print(
            f"memory {name}: resident {baseline[name][0]:.0f} → {after[name][0]:.0f} MiB, peak {after[name][1]:.0f} MiB"
        )
    return 1 if results.errors or results.import_errors else 0


async def _warm(url: str) -> float:
    """One page load per replica before the run (a deployment's replicas have run since they started)."""
    started = time.perf_counter()
    warm = Results()
    await asyncio.gather(*(session(-1 - i, url, 0, (0, 0), warm) for i in range(4)))
    if warm.errors:
        raise RuntimeError(f"warm-up failed: {warm.errors[:3]}")
    return time.perf_counter() - started


async def _sessions(url: str, count: int, stop_at: float, think: tuple[float, float], results: Results) -> None:
    from deploy_support import RUN_TIMEOUT

    tasks = [asyncio.create_task(session(i, url, stop_at, think, results)) for i in range(count)]
    remaining = stop_at - time.monotonic() + RUN_TIMEOUT
    _done, pending = await asyncio.wait(tasks, timeout=max(remaining, 1))
    for task in pending:
        task.cancel()
        results.errors.append("a session was still running after the time limit and was cancelled")
    await asyncio.gather(*pending, return_exceptions=True)


if __name__ == "__main__":
    sys.exit(main())
