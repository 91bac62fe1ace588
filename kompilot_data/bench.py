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
    return figures
