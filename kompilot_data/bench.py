"""Benchmarks: ``python -m kompilot_data bench``. Prints timings; asserts nothing.

Generates demo data at two scales, then times the indicators for the full
filter set, matching every open need (top 5) and, on a sample, the
straightforward row-by-row matcher, and reports the ratio and peak memory.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable

from kompilot_data.engine import indicators, matching, pooling
from kompilot_data.engine.reach import active_offers, compute_reach, open_needs
from kompilot_data.engine.supply import demand_supply, needs_matched_share, white_spots
from kompilot_data.records.demo import generate_needs, generate_offers
from kompilot_data.records.schema import to_typed

SCALES = ((1_500, 150), (100_000, 10_000))


def _best_of(function: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def _peak_mib(function: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def indicator_set(needs, offers) -> None:
    """What the dashboard computes for one filter: map table, region × area, municipality × area,
    white spots and the matched share (one shared reach)."""
    active = active_offers(offers)
    reach = compute_reach(active)
    indicators.municipality_table(needs, active, reach=reach)
    demand_supply(needs, active, ("delregion", "kompetanseomrade"), reach=reach)
    demand_supply(needs, active, ("kommunenummer", "kompetanseomrade"), reach=reach)
    white_spots(needs, active, reach=reach)
    needs_matched_share(needs, active, reach=reach)


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
        seconds, _ = _best_of(lambda n=needs, o=offers: indicator_set(n, o))
        out(f"  indikatorer (hele filtersettet): {seconds * 1000:8.0f} ms")
        figures[f"indicators_{n_needs}"] = seconds
        seconds, ranked = _best_of(lambda n=needs, o=offers: matching.rank_candidates(n, o, top=5), repeat=2)
        out(f"  matching alle åpne, topp 5:      {seconds * 1000:8.0f} ms  ({len(ranked)} kandidater)")
        figures[f"matching_{n_needs}"] = seconds
        per_need_fast = seconds / max(open_count, 1)
        subset = needs.head(sample)
        open_subset = len(open_needs(subset))
        slow_seconds, _ = _best_of(lambda s=subset, o=offers: matching.rank_candidates_rowwise(s, o, top=5), repeat=1)
        per_need_slow = slow_seconds / max(open_subset, 1)
        out(
            f"  rad-for-rad, {open_subset} behov:            {slow_seconds * 1000:8.0f} ms"
            f"  → {per_need_slow * 1000:.2f} ms/behov mot {per_need_fast * 1000:.4f} ms/behov vektorisert"
            f" = {per_need_slow / per_need_fast:.0f}× raskere"
        )
        figures[f"ratio_{n_needs}"] = per_need_slow / per_need_fast
        out(f"  estimert rad-for-rad for alle:   {per_need_slow * open_count:8.0f} s")
        seconds, pools = _best_of(lambda n=needs, o=offers: pooling.course_opportunities(n, o), repeat=1)
        out(f"  kursmuligheter (pooling):        {seconds * 1000:8.0f} ms  ({len(pools)} forslag)")
        peak = _peak_mib(lambda n=needs, o=offers: matching.rank_candidates(n, o, top=5))
        out(f"  minnetopp under matching:        {peak:8.0f} MiB (tracemalloc)")
        figures[f"matching_peak_mib_{n_needs}"] = peak
    figures.update(import_speed(seed=seed, out=out))
    return figures


def import_speed(n_needs: int = 100_000, seed: int = 2021, out: Callable[[str], None] = print) -> dict[str, float]:
    """Import of ``n_needs`` needs from a CSV file into a fresh SQLite database – reading, validation, bulk insert
    and the audit log included – against pandas ``read_csv`` + ``to_sql`` of the same file, in the same run.

    Each is run twice, alternating, on a fresh database; the best wall and CPU times are kept. The ratio is
    what to compare across machines (absolute times vary with load).
    """
    import sqlite3
    import tempfile
    from pathlib import Path

    import pandas as pd

    from kompilot_data.records import importer, storage

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
