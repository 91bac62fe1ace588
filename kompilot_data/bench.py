"""Benchmarks: ``python -m kompilot_data bench``. Prints timings; asserts nothing.

Generates demo data at two scales, then times the indicators for the full
filter set, matching every open need (top 5) and, on a sample, the
straightforward row-by-row matcher, and reports the ratio and peak memory.
Matching and pooling are then timed on three times the data (300,000 needs,
30,000 offers) and the scaling exponent log(t₃₀₀ₖ / t₁₀₀ₖ) / log 3 is printed
(1 = linear; from CPU time, which shared machines disturb less than wall time).
"""

from __future__ import annotations

import gc
import math
import sqlite3
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from kompilot_data.engine import matching, pooling
from kompilot_data.engine.reach import active_offers, compute_reach, open_needs
from kompilot_data.records import importer, storage
from kompilot_data.records.demo import generate_needs, generate_offers
from kompilot_data.records.schema import to_typed
from kompilot_data.testing import rank_candidates_rowwise
from kompilot_data.view import Audience, View, ViewKey

SCALES = ((1_500, 150), (100_000, 10_000))
SCALING_FACTOR = 3  # matching and pooling are also timed on this many times the largest scale


def _best_of(function: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def _best_wall_cpu(function: Callable[[], object], repeat: int = 2) -> tuple[float, float, object]:
    """Best wall-clock and best CPU seconds over ``repeat`` runs, and the last result."""
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu, result


def _peak_mib(function: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def indicator_set(needs, offers, audience=None) -> None:
    """What the dashboard computes for one filter, through a fresh View (one reach, one 2SFCA): the map table,
    region × area, municipality × area, white spots, the matched share and the centrality lens - protected
    when ``audience`` is a viewer."""
    view = View(needs, offers, ViewKey(audience=audience or Audience.coordinator()))
    _ = view.municipality_table
    view.demand_supply(("delregion", "kompetanseomrade"))
    view.demand_supply(("kommunenummer", "kompetanseomrade"))
    _ = view.white_spots, view.matched_share, view.centrality_table


def run(sample: int = 300, seed: int = 2021, out: Callable[[str], None] = print) -> dict[str, float]:
    figures: dict[str, float] = {}
    for n_needs, n_offers in SCALES:
        label = f"{n_needs:,}/{n_offers:,}".replace(",", " ")
        started = time.perf_counter()
        needs_text, offers_text = generate_needs(n_needs, seed), generate_offers(n_offers, seed)
        generated = time.perf_counter() - started
        needs, offers = to_typed(needs_text, "needs"), to_typed(offers_text, "offers")
        open_count = len(open_needs(needs))
        out(f"== {label} behov/tilbud ({open_count:,} åpne behov)".replace(",", " "))
        out(f"  demo-generator:                 {generated * 1000:8.0f} ms")
        for name, audience, label in (
            ("indicators", None, "indikatorer (hele filtersettet):  "),
            ("indicators_viewer", Audience.viewer(), "indikatorer for lesere (skjermet):"),
        ):
            seconds, cpu, _ = _best_wall_cpu(lambda n=needs, o=offers, a=audience: indicator_set(n, o, a), repeat=3)
            out(f"  {label} {seconds * 1000:6.0f} ms  (CPU {cpu * 1000:.0f} ms)")
            figures[f"{name}_{n_needs}"] = seconds
            figures[f"{name}_cpu_{n_needs}"] = cpu
        figures.update(_matching_and_pooling(needs, offers, n_needs, sample, out))
    figures.update(_matching_scaling(seed, out, figures))
    figures.update(import_speed(seed=seed, out=out))
    return figures


def _matching_and_pooling(needs, offers, n_needs: int, sample: int, out: Callable[[str], None]) -> dict[str, float]:
    """Matching (top 5 for every open need, on a reach computed once as the app does), the row-by-row
    reference on a sample, pooling and matching's peak memory."""
    figures: dict[str, float] = {}
    active = active_offers(offers)
    open_count = len(open_needs(needs))
    started = time.perf_counter()
    reach = compute_reach(active)
    limit = f"{reach.setting.limit:g} {reach.setting.unit}"
    out(f"  rekkevidde ({reach.setting.method} ≤ {limit}):  {(time.perf_counter() - started) * 1000:8.0f} ms")
    wall, cpu, ranked = _best_wall_cpu(lambda: matching.rank_candidates(needs, active, top=5, reach=reach))
    out(
        f"  matching alle åpne, topp 5:      {wall * 1000:8.0f} ms  (CPU {cpu * 1000:.0f} ms; {len(ranked)} kandidater)"
    )
    figures[f"matching_{n_needs}"] = wall
    figures[f"matching_cpu_{n_needs}"] = cpu
    per_need_fast = wall / max(open_count, 1)
    subset = needs.head(sample)
    open_subset = len(open_needs(subset))
    slow_seconds, _ = _best_of(lambda: rank_candidates_rowwise(subset, active, top=5, reach=reach), repeat=1)
    per_need_slow = slow_seconds / max(open_subset, 1)
    out(
        f"  rad-for-rad, {open_subset} behov:            {slow_seconds * 1000:8.0f} ms"
        f"  → {per_need_slow * 1000:.2f} ms/behov mot {per_need_fast * 1000:.4f} ms/behov vektorisert"
        f" = {per_need_slow / per_need_fast:.0f}× raskere"
    )
    figures[f"ratio_{n_needs}"] = per_need_slow / per_need_fast
    out(f"  estimert rad-for-rad for alle:   {per_need_slow * open_count:8.0f} s")
    wall, cpu, pools = _best_wall_cpu(lambda: pooling.course_opportunities(needs, active, reach=reach), repeat=1)
    out(f"  kursmuligheter (pooling):        {wall * 1000:8.0f} ms  (CPU {cpu * 1000:.0f} ms; {len(pools)} forslag)")
    figures[f"pooling_{n_needs}"] = wall
    figures[f"pooling_cpu_{n_needs}"] = cpu
    peak = _peak_mib(lambda: matching.rank_candidates(needs, active, top=5, reach=reach))
    out(f"  minnetopp under matching:        {peak:8.0f} MiB (tracemalloc)")
    figures[f"matching_peak_mib_{n_needs}"] = peak
    return figures


def _matching_scaling(seed: int, out: Callable[[str], None], figures: dict[str, float]) -> dict[str, float]:
    """Matching and pooling on :data:`SCALING_FACTOR` times the largest scale (needs and offers alike), and
    the scaling exponent against the largest scale's figures."""
    base_needs, base_offers = SCALES[-1]
    n_needs, n_offers = base_needs * SCALING_FACTOR, base_offers * SCALING_FACTOR
    needs = to_typed(generate_needs(n_needs, seed), "needs")
    offers = to_typed(generate_offers(n_offers, seed), "offers")
    active = active_offers(offers)
    reach = compute_reach(active)
    label = f"{n_needs:,}/{n_offers:,}".replace(",", " ")
    out(f"== {label} behov/tilbud ({len(open_needs(needs)):,} åpne behov): skalering".replace(",", " "))
    wall, cpu, ranked = _best_wall_cpu(lambda: matching.rank_candidates(needs, active, top=5, reach=reach))
    out(
        f"  matching alle åpne, topp 5:      {wall * 1000:8.0f} ms  (CPU {cpu * 1000:.0f} ms; {len(ranked)} kandidater)"
    )
    pool_wall, pool_cpu, pools = _best_wall_cpu(
        lambda: pooling.course_opportunities(needs, active, reach=reach), repeat=1
    )
    out(
        f"  kursmuligheter (pooling):        {pool_wall * 1000:8.0f} ms  (CPU {pool_cpu * 1000:.0f} ms; {len(pools)} forslag)"
    )
    peak = _peak_mib(lambda: matching.rank_candidates(needs, active, top=5, reach=reach))
    out(f"  minnetopp under matching:        {peak:8.0f} MiB (tracemalloc)")
    result = {
        f"matching_{n_needs}": wall,
        f"matching_cpu_{n_needs}": cpu,
        f"pooling_{n_needs}": pool_wall,
        f"pooling_cpu_{n_needs}": pool_cpu,
        f"matching_peak_mib_{n_needs}": peak,
    }
    for name in ("matching", "pooling"):
        before = figures[f"{name}_cpu_{base_needs}"]
        after = result[f"{name}_cpu_{n_needs}"]
        exponent = math.log(after / before) / math.log(SCALING_FACTOR)
        out(
            f"  {name} {base_needs // 1000}k → {n_needs // 1000}k: ×{after / before:.2f} for ×{SCALING_FACTOR} data,"
            f" eksponent {exponent:.2f} (CPU; 1 = lineært)"
        )
        result[f"{name}_exponent"] = exponent
    return result


def import_speed(n_needs: int = 100_000, seed: int = 2021, out: Callable[[str], None] = print) -> dict[str, float]:
    """Import of ``n_needs`` needs from a CSV file into a fresh SQLite database – reading, validation, bulk insert
    and the audit log included – against pandas ``read_csv`` + ``to_sql`` of the same file, in the same run.

    Each is run twice, alternating, on a fresh database; the best wall and CPU times are kept. The ratio is
    what to compare across machines (absolute times vary with load).
    """
    times = {"import": [], "baseline": []}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "needs.csv"
        generate_needs(n_needs, seed).to_csv(path, index=False)
        for attempt in range(2):
            engine = storage.make_engine(f"sqlite:///{folder}/import{attempt}.sqlite")  # migrations not timed
            wall, cpu = time.perf_counter(), time.process_time()
            result = importer.import_file(engine, path, "bench")
            times["import"].append((time.perf_counter() - wall, time.process_time() - cpu))
            engine.dispose()
            if result.new != n_needs:
                raise RuntimeError(result.summary())
            wall, cpu = time.perf_counter(), time.process_time()
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            with sqlite3.connect(f"{folder}/baseline{attempt}.sqlite") as connection:
                frame.to_sql("behov", connection, index=False)
            times["baseline"].append((time.perf_counter() - wall, time.process_time() - cpu))
    ours_wall, ours_cpu = (min(t[i] for t in times["import"]) for i in (0, 1))
    base_wall, base_cpu = (min(t[i] for t in times["baseline"]) for i in (0, 1))

    def rate(seconds: float) -> str:
        return f"{n_needs / seconds:,.0f}".replace(",", " ")

    count = f"{n_needs:,}".replace(",", " ")
    out(f"== import av {count} behov, CSV → SQLite (lesing, validering, lagring og endringslogg)")
    out(f"  kompilot import:            {ours_wall * 1000:8.0f} ms = {rate(ours_wall)} rader/s (CPU {ours_cpu:.2f} s)")
    out(f"  pandas read_csv + to_sql:   {base_wall * 1000:8.0f} ms = {rate(base_wall)} rader/s (CPU {base_cpu:.2f} s)")
    out(f"  forhold:                    {ours_wall / base_wall:8.2f} × (CPU {ours_cpu / base_cpu:.2f} ×; mål ≤ 3)")
    return {
        "import_rows_per_s": n_needs / ours_wall,
        "import_baseline_rows_per_s": n_needs / base_wall,
        "import_ratio": ours_wall / base_wall,
        "import_cpu_ratio": ours_cpu / base_cpu,
    }
