"""Filter-change cost of a viewer's View (issue 23: suppression + cell key perturbation): prints figures, asserts
nothing.

For each data set (the default demo data; 100,000 needs / 10,000 offers) and each copy of the code (this tree and
``--before DIR``, e.g. ``git archive main | tar -x -C /tmp/before``), a subprocess loads the records once, then
for each of several filter changes (competence areas, then sub-regions) builds a new viewer View and computes
what the pages Behov, Oversikt and Kart read from it (counts by area, level, status, industry and month, area ×
level, the key figures, the municipality table, the pipeline, trends, centrality and demand/supply). It prints
process CPU milliseconds per change. The copies run alternately, ``--repeat`` times, so the ratio is taken under
the same load on a shared machine.

Run: python scripts/bench_view_protection.py --before /tmp/before [--repeat 3] [--only demo|100k]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUN = r"""
import sys, time
import kompilot_data as kd
from kompilot_data.view import Audience, View, ViewKey
from kompilot_data.view.filters import Filters
needs_file, offers_file = sys.argv[1] or None, sys.argv[2] or None
needs, offers = kd.load_needs(needs_file), kd.load_offers(offers_file)
changes = [Filters(omrader=("helse",)), Filters(omrader=("bygg",)), Filters(omrader=("ikt", "ledelse")),
           Filters(delregioner=("Namdalen",)), Filters(delregioner=("Fosen",)), Filters()]
def page(view):
    for key in ("kompetanseomrade", "niva", "status", "naering", "maaned"):
        view.counts((key,), "deltakere" if key == "kompetanseomrade" else "behov")
    view.counts(("kompetanseomrade", "niva"), "deltakere")
    for measure in ("bedrifter", "behov", "deltakere", "apne_behov"):
        view.total(measure)
    view.municipality_table
    view.pipeline("delregion")
    view.time.needs_per_quarter(), view.time.needs_per_quarter_totals()
    view.centrality_table
    view.demand_supply(("delregion", "kompetanseomrade"))
page(View(needs, offers, ViewKey(audience=Audience.viewer())))  # warm caches (reference data, reach)
for filters in changes:
    cpu = time.process_time()
    page(View(needs, offers, ViewKey(filters=filters, audience=Audience.viewer())))
    print(f"{(time.process_time() - cpu) * 1000:.1f}")
"""


def run(root: Path, files: tuple[str, str]) -> list[float]:
    result = subprocess.run(
        [sys.executable, "-c", RUN, *files],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"{root}: {result.stderr[-3000:]}")
    return [float(line) for line in result.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other copy of the code")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["demo", "100k"])
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": ROOT}
    with tempfile.TemporaryDirectory() as folder:
        data = {"demo": ("", "")}
        if args.only != "demo":
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "kompilot_data",
                    "demo",
                    "--needs",
                    "100000",
                    "--offers",
                    "10000",
                    "--out",
                    folder,
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            data["100k"] = (str(Path(folder) / "needs.csv"), str(Path(folder) / "offers.csv"))
        for name, files in data.items():
            if args.only and name != args.only:
                continue
            times: dict[str, list[float]] = {tree: [] for tree in trees}
            for _ in range(args.repeat):
                for tree, root in trees.items():
                    times[tree] += run(root, files)
            medians = {tree: statistics.median(values) for tree, values in times.items()}
            print(f"=== {name}: viewer View, CPU ms per filter change (median; min–max over {len(times['after'])})")
            for tree, values in times.items():
                print(f"  {tree:6} {medians[tree]:8.1f}  ({min(values):.1f}–{max(values):.1f})")
            print(f"  ratio after/before: {medians['after'] / medians['before']:.2f}")


if __name__ == "__main__":
    main()
