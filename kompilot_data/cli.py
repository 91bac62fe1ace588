"""Command-line interface: ``python -m kompilot_data COMMAND``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _build_reference(args: argparse.Namespace) -> int:
    from kompilot_data.build import build_reference

    for path in build_reference(Path(args.raw)):
        print(f"{path.stat().st_size:>9,d} B  {path.name}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from kompilot_data.demo import write_demo

    started = time.perf_counter()
    paths = write_demo(Path(args.out), needs=args.needs, offers=args.offers, seed=args.seed)
    elapsed = time.perf_counter() - started
    for path in paths:
        print(f"{path}  ({path.stat().st_size:,d} B)")
    print(f"{args.needs:,d} behov og {args.offers:,d} tilbud (seed {args.seed}) på {elapsed:.2f} s")
    return 0


def _guess_kind(frame) -> str:
    return "offers" if "tilbud_id" in frame.columns else "needs"


def _validate(args: argparse.Namespace) -> int:
    from kompilot_data.records import read_table
    from kompilot_data.schema import format_problems, validate

    frame = read_table(args.file)
    kind = args.kind or _guess_kind(frame)
    problems = validate(frame, kind)
    label = "behov" if kind == "needs" else "tilbud"
    if len(problems):
        print(format_problems(problems))
        bad_rows = problems["rad"].dropna().nunique()
        print(f"{args.file}: {len(problems)} feil i {bad_rows} av {len(frame)} rader ({label}).")
        return 1
    print(f"{args.file}: {len(frame)} rader ({label}), ingen feil.")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from kompilot_data.bench import run

    run(sample=args.sample, seed=args.seed)
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kompilot_data",
        description="Kompetansepilot Trøndelag: reference data, demo data and validation.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build-reference", help="build the embedded reference data from the raw sources")
    build.add_argument("--raw", required=True, help="the raw data folder (with PROVENANCE.md)")
    build.set_defaults(run=_build_reference)

    from kompilot_data.demo import DEFAULT_NEEDS, DEFAULT_OFFERS, DEFAULT_SEED

    demo = commands.add_parser("demo", help="write a deterministic demo data set (needs.csv, offers.csv)")
    demo.add_argument("--needs", type=int, default=DEFAULT_NEEDS, help=f"number of needs (default {DEFAULT_NEEDS})")
    demo.add_argument("--offers", type=int, default=DEFAULT_OFFERS, help=f"number of offers (default {DEFAULT_OFFERS})")
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    demo.add_argument("--out", required=True, help="output folder")
    demo.set_defaults(run=_demo)

    check = commands.add_parser("validate", help="check a CSV/Excel file of needs or offers; list every problem")
    check.add_argument("file", help="a .csv or .xlsx file")
    check.add_argument("--kind", choices=["needs", "offers"], help="default: guessed from the columns")
    check.set_defaults(run=_validate)

    bench = commands.add_parser("bench", help="time indicators, matching and pooling at 1,500 and 100,000 needs")
    bench.add_argument("--sample", type=int, default=300, help="needs in the row-by-row comparison (default 300)")
    bench.add_argument("--seed", type=int, default=DEFAULT_SEED)
    bench.set_defaults(run=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.run(args)
    except (FileNotFoundError, ValueError) as error:
        print(f"Feil: {error}", file=sys.stderr)
        return 2
