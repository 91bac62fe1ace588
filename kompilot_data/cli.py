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


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kompilot_data",
        description="Kompetansepilot Trøndelag: reference data, demo data and validation.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build-reference", help="build the embedded reference data from the raw sources")
    build.add_argument("--raw", required=True, help="the raw data folder (with PROVENANCE.md)")
    build.set_defaults(run=_build_reference)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    started = time.perf_counter()
    code = args.run(args)
    print(f"({time.perf_counter() - started:.2f} s)", file=sys.stderr)
    return code
