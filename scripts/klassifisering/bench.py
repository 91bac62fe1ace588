"""Latency and memory of the free-text classifier (issue 27), in a fresh process.

    python scripts/klassifisering/bench.py [--app]

Measures the resident memory (VmRSS, and the peak VmHWM) before and after loading and classifying, the
cold start (vectors, lemmatiser and model loaded on the first text), and the time per text after warm-up,
one text at a time and in one batch. ``--app`` first imports what the app imports (streamlit, the view), so
the growth is measured on top of a running app's baseline. Texts: the development set.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd


def memory() -> dict[str, float]:
    """VmRSS and VmHWM (peak) of this process in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", action="store_true", help="import the app's modules first")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.app:
        import streamlit  # noqa: F401

        import kompilot_data.view  # noqa: F401
    from kompilot_data.engine import classify

    texts = pd.read_csv(Path(__file__).with_name("utviklingssett.csv"), dtype=str)["tekst"].tolist()
    before = memory()
    started = time.perf_counter()
    classify.suggest(texts[0])
    cold = time.perf_counter() - started
    after_load = memory()
    times = []
    for _ in range(args.rounds):
        for text in texts:
            started = time.perf_counter()
            classify.suggest(text)
            times.append(time.perf_counter() - started)
    started = time.perf_counter()
    classify.suggest_many(texts)
    batch = (time.perf_counter() - started) / len(texts)
    after = memory()
    times.sort()
    print(f"kald start (første tekst, med lasting): {cold * 1000:.0f} ms")
    print(
        f"per tekst etter oppvarming: median {statistics.median(times) * 1000:.1f} ms, "
        f"p95 {times[int(0.95 * len(times))] * 1000:.1f} ms, maks {times[-1] * 1000:.1f} ms ({len(times)} kall)"
    )
    print(f"per tekst i én batch på {len(texts)}: {batch * 1000:.1f} ms")
    print(
        f"minne før {before['VmRSS']:.0f} MB (topp {before['VmHWM']:.0f}), etter lasting {after_load['VmRSS']:.0f} MB, "
        f"etter alt {after['VmRSS']:.0f} MB (topp {after['VmHWM']:.0f}); "
        f"vekst i topp {after['VmHWM'] - before['VmHWM']:.0f} MB"
    )


if __name__ == "__main__":
    main()
