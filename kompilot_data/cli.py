"""Command-line interface: ``python -m kompilot_data COMMAND``.

Each command imports what it needs when it runs (the imports inside the command functions), so ``--help`` and a
light command start fast: importing every layer for every command would cost seconds.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from kompilot_data.reference.errors import KompilotError


class UsageError(KompilotError, ValueError):
    """A command's arguments do not fit (the message says what to give)."""


def _build_reference(args: argparse.Namespace) -> int:
    from kompilot_data.reference.build.runner import build_reference

    parts = [part.strip() for part in args.only.split(",")] if args.only else None
    for path in build_reference(Path(args.raw), parts=parts):
        print(f"{path.stat().st_size:>9,d} B  {path.name}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from kompilot_data.records.demo import write_demo

    started = time.perf_counter()
    paths = write_demo(Path(args.out), needs=args.needs, offers=args.offers, seed=args.seed)
    elapsed = time.perf_counter() - started
    for path in paths:
        print(f"{path}  ({path.stat().st_size:,d} B)")
    print(f"{args.needs:,d} behov og {args.offers:,d} tilbud (seed {args.seed}) på {elapsed:.2f} s")
    return 0


def _print_table(frame, label: str) -> None:
    from kompilot_data.records.validation import format_problems

    if len(frame):
        print(f"{label}:")
        print(format_problems(frame))


def _validate(args: argparse.Namespace) -> int:
    from kompilot_data.records.importer import prepare_file

    prepared = prepare_file(Path(args.file), kind=args.kind)
    label = "behov" if prepared.kind == "needs" else "tilbud"
    _print_table(prepared.warnings, "Advarsler (rettet automatisk)")
    if not prepared.ok:
        _print_table(prepared.problems, "Feil")
        print(
            f"{args.file}: {len(prepared.problems)} feil i {prepared.rejected_rows} av {len(prepared.frame)} rader ({label})."
        )
        return 1
    print(f"{args.file}: {len(prepared.frame)} rader ({label}), ingen feil.")
    return 0


def _engine(args: argparse.Namespace, existing: bool = False):
    """The database of ``--database`` (default KOMPILOT_DATABASE_URL or SQLite in KOMPILOT_DATA_DIR). ``existing``:
    it must exist already (a mistyped data folder is refused, never made into a new, empty database)."""
    from kompilot_data.records.storage import make_engine
    from kompilot_data.records.storage.transactions import existing_database

    return existing_database(args.database) if existing else make_engine(args.database)


def _backup_key(args: argparse.Namespace) -> bytes | None:
    """The backup key: KOMPILOT_BACKUP_KEY, else sikkerhetskopi_nokkel in the secrets files (as doctor reads them)."""
    from kompilot_data.records.backup import secrets_kompilot, signing_key

    return signing_key(secrets_kompilot(_secrets_files(getattr(args, "secrets", None))))


def _secrets_files(given) -> list[Path]:
    if given:
        return [Path(p) for p in given]
    return [Path.home() / ".streamlit/secrets.toml", Path(".streamlit/secrets.toml")]


def _import(args: argparse.Namespace) -> int:
    from kompilot_data.records.importer import import_file

    started = time.perf_counter()
    result = import_file(_engine(args), Path(args.file), user=args.user, kind=args.kind, take_file=args.take_file)
    _print_table(result.warnings, "Advarsler (rettet automatisk)")
    _print_table(result.problems, "Feil")
    print(result.summary())
    if result.kept:
        print("Bruk --take-file for å ta filens versjon av postene som er endret i appen.")
    if not result.rejected:
        elapsed = time.perf_counter() - started
        print(f"{result.rows / elapsed:,.0f} rader/s ({elapsed:.1f} s)".replace(",", " "))
    return 1 if result.rejected else 0


def _export(args: argparse.Namespace) -> int:
    from kompilot_data.records import storage
    from kompilot_data.records.backup import backup
    from kompilot_data.records.importer import export_records

    suffix = Path(args.out).suffix.lower()
    if args.kind and suffix not in (".csv", ".xlsx"):
        print(f"Feil: --kind skriver én tabell som .csv eller .xlsx, ikke «{suffix or args.out}».", file=sys.stderr)
        return 2
    if not args.kind and suffix != ".zip":
        print(
            "Feil: uten --kind skriver export en full sikkerhetskopi, og den er en .zip-fil "
            f"(ikke «{suffix or args.out}»). Bruk for eksempel kompilot-kopi.zip, eller --kind needs|offers "
            "for én tabell som .csv eller .xlsx.",
            file=sys.stderr,
        )
        return 2
    engine = _engine(args, existing=True)
    if args.kind:
        path = export_records(engine, args.kind, args.out)
    else:
        if not args.force and storage.count(engine, "needs") == 0 and storage.count(engine, "offers") == 0:
            raise UsageError("err_cli_export_empty", url=_shown_url(engine))
        key = _backup_key(args)
        path = backup(engine, args.out, key=key)
        if key is None:
            print(
                "Merk: ingen nøkkel for sikkerhetskopier (KOMPILOT_BACKUP_KEY), så kopien er ikke signert; "
                "en gjenoppretting av den krever --force."
            )
    print(f"Skrev {path} ({path.stat().st_size:,d} B)".replace(",", " "))
    return 0


def _shown_url(engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _restore(args: argparse.Namespace) -> int:
    from kompilot_data.records.backup import restore

    result = restore(_engine(args), Path(args.file), user=args.user, force=args.force, key=_backup_key(args))
    print("Gjenopprettet: " + ", ".join(f"{n} {sheet}" for sheet, n in result.counts.items()))
    print(f"Det som lå i databasen før, er lagret i {result.safety}.")
    if result.log_added:
        print(f"Endringsloggen er beholdt; {result.log_added} loggføringer fra kopien er lagt til.")
    if result.forced:
        print("Gjenopprettet med --force: " + ", ".join(result.forced) + ".")
    return 0


def _template(args: argparse.Namespace) -> int:
    from kompilot_data.records.importer import write_template

    print(f"Skrev {write_template(args.kind, args.out, args.lang)}")
    return 0


def _undo(args: argparse.Namespace) -> int:
    from kompilot_data.records import storage
    from kompilot_data.records.storage.links import describe_need

    engine = _engine(args, existing=True)
    linked = storage.linked_since_import(engine, args.batch, keep_changed=args.keep_changed)
    if len(linked):  # before it acts, the undo lists the needs linked to the import's offers
        print(f"Behov koblet til tilbudene i import {args.batch}:")
        for need in linked.to_dict("records"):
            mark = "hindrer angring" if need["hindrer"] else "koblet siden importen"
            print(f"  {describe_need(need).text('nb')} ({mark})")
    confirmable = linked[~linked["hindrer"].astype(bool)]
    if len(confirmable) and not linked["hindrer"].astype(bool).any() and not args.yes:
        raise UsageError("err_cli_undo_confirm", batch=args.batch, n=len(confirmable))
    result = storage.undo_batch(
        engine,
        args.batch,
        user=args.user,
        keep_changed=args.keep_changed,
        confirmed_links=confirmable["behov_id"].tolist() if args.yes else None,
    )
    print(f"Import {args.batch} angret: {result['slettet']} slettet, {result['gjenopprettet']} gjenopprettet.")
    if result["beholdt"]:
        print(f"Beholdt slik de er (endret etter importen): {', '.join(result['beholdt'])}.")
    return 0


def _remove_demo(args: argparse.Namespace) -> int:
    from kompilot_data.records.storage import remove_demo

    removed = remove_demo(_engine(args, existing=True), user=args.user)
    print(f"Fjernet demodata: {removed['needs']} behov og {removed['offers']} tilbud.")
    return 0


def _records_for(args: argparse.Namespace):
    """Needs and offers: the database when one is named or exists, else the embedded demo data."""
    from kompilot_data.records import storage
    from kompilot_data.records.files import load_needs, load_offers

    default_sqlite = Path(os.environ.get("KOMPILOT_DATA_DIR", "kompilot-data")) / "kompilot.sqlite"
    if args.database or os.environ.get("KOMPILOT_DATABASE_URL") or default_sqlite.exists():
        engine = storage.make_engine(args.database)
        return storage.read_frame(engine, "needs"), storage.read_frame(engine, "offers"), engine.url
    return load_needs(), load_offers(), "innebygde demodata"


def _briefing(args: argparse.Namespace) -> int:
    """Deck and HTML (no browser needed), then PNGs (kaleido + Chromium; skipped with a message without it)."""
    from kompilot_data.present.briefing import build_briefing
    from kompilot_data.present.deck import write_pptx
    from kompilot_data.present.handout import write_html
    from kompilot_data.present.png import ChromiumMissing, write_pngs

    needs, offers, source = _records_for(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    timings = []
    started = time.perf_counter()
    briefing = build_briefing(args.region, needs, offers, language=args.lang)
    timings.append(f"innhold {time.perf_counter() - started:.1f} s")
    for label, write, suffix in (("PowerPoint", write_pptx, ".pptx"), ("HTML", write_html, ".html")):
        started = time.perf_counter()
        print(write(briefing, out / f"{briefing.file_stem('briefing')}{suffix}"))
        timings.append(f"{label} {time.perf_counter() - started:.1f} s")
    if args.no_png:
        print("PNG-filene ble ikke laget (--no-png).")
    else:
        started = time.perf_counter()
        try:
            for path in write_pngs(briefing, out / "png"):
                print(path)
            timings.append(f"PNG {time.perf_counter() - started:.1f} s")
        except ChromiumMissing as error:
            print(error)
    print(f"Data: {source}")
    print("Tid: " + ", ".join(timings))
    return 0


def _gap(args: argparse.Namespace) -> int:
    """Demand, apportioned supply (2SFCA), gap, unmet demand, surplus, coverage and index per group, as a table
    or CSV (issue 20: ``udekket`` and ``overskudd`` are sums over municipality × area × level, never netted)."""
    from kompilot_data.engine.reach import STRAIGHT_LINE, TRAVEL_TIME, ReachSetting
    from kompilot_data.engine.supply import PLACE_KEYS
    from kompilot_data.view import View, ViewKey

    by = tuple(part.strip() for part in args.by.split(",") if part.strip())
    if not by or by[0] not in PLACE_KEYS:
        raise UsageError("err_cli_by", keys=", ".join(PLACE_KEYS), given=args.by)
    method = TRAVEL_TIME if args.reach == "minutes" else STRAIGHT_LINE
    needs, offers, source = _records_for(args)
    key = ViewKey(reach=ReachSetting(method, args.radius), decay=args.decay, bakgrunn=not args.bare_registrerte)
    view = View(needs, offers, key)
    columns = ["ettersporsel", "tilbud_fordelt", "gap", "udekket", "overskudd", "dekning", "indeks"]
    table = view.demand_supply(by)[columns].reset_index()
    if args.csv:
        table.to_csv(sys.stdout, index=False, float_format="%.3f", lineterminator="\n")
    else:
        with __import__("pandas").option_context(
            "display.max_rows", None, "display.max_columns", None, "display.width", 200
        ):
            rounding = {"ettersporsel": 1, "tilbud_fordelt": 1, "gap": 1, "udekket": 1, "overskudd": 1}
            print(table.round(rounding | {"dekning": 2, "indeks": 2}))
        unit = "min reisetid" if method == TRAVEL_TIME else "km luftlinje"
        demand = "bare registrerte behov" if args.bare_registrerte else "med bakgrunnsetterspørsel (SSB 07984 × 7 %)"
        print(
            f"Rekkevidde: {args.radius:g} {unit} (stedlig; samlingsbasert det dobbelte, nett hele fylket); "
            f"plasser delt med 2SFCA ({args.decay}), {demand}. "
            f"udekket = sum av max(0, etterspørsel − fordelt) per kommune, område og nivå. Data: {source}"
        )
    return 0


# --- supply: where the seats come from (issue 20, section 1) ---------------------------------------------


def _supply(args: argparse.Namespace) -> int:
    """Offers, seats and classes in supply, and those left out with the reason, as a table or CSV."""
    import pandas as pd

    from kompilot_data.engine.evu_supply import GROUP_KEYS, supply_breakdown
    from kompilot_data.reference.i18n import t

    by = tuple(part.strip() for part in args.by.split(",") if part.strip())
    if not by or any(key not in GROUP_KEYS for key in by):
        raise UsageError("err_cli_supply_by", keys=", ".join(GROUP_KEYS), given=args.by)
    _needs, offers, source = _records_for(args)
    table = supply_breakdown(offers, by, ordinaere=args.ordinaere)
    if args.csv:
        table.assign(i_tilbud=table["i_tilbud"].map({True: "ja", False: "nei"})).to_csv(
            sys.stdout, index=False, float_format="%.2f", lineterminator="\n"
        )
        return 0
    shown = table.assign(
        i_tilbud=table["i_tilbud"].map({True: "ja", False: "nei"}),
        grunn=[t(f"supply_reason_{code}", "nb") if code else "" for code in table["grunn"]],
    )
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200):
        print(shown.to_string(index=False))
    inside = table[table["i_tilbud"]]
    print(
        t(
            "supply_cli_summary",
            "nb",
            offers=f"{int(inside['tilbud'].sum()):,d}".replace(",", " "),
            seats=f"{int(inside['plasser'].sum()):,d}".replace(",", " "),
            lens=t("lens_ordinary_on" if args.ordinaere else "lens_ordinary_off", "nb"),
            source=source,
        )
    )
    return 0


def _bench(args: argparse.Namespace) -> int:
    from kompilot_data.bench import run

    run(sample=args.sample, seed=args.seed)
    return 0


def _travel(args: argparse.Namespace) -> int:
    from kompilot_data.engine import travel

    try:
        route = travel.route(args.origin, args.destination)
    except travel.UnknownPlace as error:
        print(error, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(asdict(route), ensure_ascii=False, indent=2))
        return 0
    print(travel.describe(route))
    for leg in route.legs:
        name = f" {leg.name}" if leg.name else ""
        print(f"  {leg.kind}{name}: {leg.fra} → {leg.til}, {leg.minutes:.0f} min, {leg.km:.0f} km")
    if route.overridden:
        print("Målt reisetid fra reisetid_overstyring.csv (etappene er modellens).")
    else:
        note = " Ferjetid eller avgangsintervall er anslått." if route.estimated else ""
        print(
            "Modellert reisetid med bil og ferje på Kartverkets veinett N1000 (et estimat: fri flyt, "
            f"uten rushtid og vinterstenging).{note}"
        )
    return 0


def _classify(args: argparse.Namespace) -> int:
    """Suggested competence areas and STYRK-08 occupations for need texts (issue 27)."""
    import json

    from kompilot_data.engine import classify
    from kompilot_data.reference import taxonomy

    texts = list(args.texts)
    if args.file:
        lines = Path(args.file).read_text(encoding="utf-8-sig").splitlines()
        texts += [line.strip() for line in lines if line.strip()]
    if not texts:
        print("Feil: Gi minst én tekst, eller --file med én tekst per linje.", file=sys.stderr)
        return 2
    suggestions = classify.suggest_many(texts)
    if args.json:
        print(json.dumps([s.as_dict() for s in suggestions], ensure_ascii=False, indent=2))
        return 0
    labels = taxonomy.labels("kompetanseomrade", args.lang)
    area_title, job_title = (
        ("Kompetanseområde", "Yrke (STYRK-08)") if args.lang == "nb" else ("Competence area", "Occupation (STYRK-08)")
    )
    for s in suggestions:
        print(f"«{s.tekst}»")
        if not s.kompetanseomrade:
            print("  (ingen ord å gå etter)" if args.lang == "nb" else "  (no words to go by)")
            continue
        print(f"  {area_title}: " + "; ".join(f"{labels[a.kode]} ({a.score:.2f})" for a in s.kompetanseomrade))
        print(f"  {job_title}: " + "; ".join(f"{o.kode} {o.navn} ({o.score:.2f})" for o in s.styrk))
    print(
        "Forslag, ikke fasit. Poeng: hvor mange standardavvik kandidaten ligger over snittet for teksten."
        if args.lang == "nb"
        else "Suggestions, not answers. Score: standard deviations above the average candidate for the text."
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    """Alembic migrations, once, before the replicas start (deploy/: kompilot-migrate.service)."""
    from kompilot_data.records.doctor import migrate

    before, after = migrate(args.database)
    print(
        f"Databaseskjema: {before or 'tomt'} → {after}."
        if before != after
        else f"Databaseskjemaet er oppdatert ({after})."
    )
    return 0


def _doctor(args: argparse.Namespace) -> int:
    """Configuration, secrets, database, migrations, disk: one plain line each; exit 1 when anything is wrong."""
    import os

    from kompilot_data.records import doctor

    secrets = (
        [Path(p) for p in args.secrets]
        if args.secrets
        else [Path.home() / ".streamlit/secrets.toml", Path(".streamlit/secrets.toml")]
    )
    config = [Path.home() / ".streamlit/config.toml", Path(".streamlit/config.toml")]
    data_dir = Path(os.environ.get("KOMPILOT_DATA_DIR", "kompilot-data"))
    findings = doctor.run(secrets, config, args.database, data_dir, args.lang)
    print(doctor.report(findings, args.lang))
    return 1 if any(f.level == doctor.ERROR for f in findings) else 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kompilot_data",
        description="Kompetansepilot Trøndelag: reference data, demo data and validation.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build-reference", help="build the embedded reference data from the raw sources")
    build.add_argument("--raw", required=True, help="the raw data folder (with PROVENANCE.md)")
    build.add_argument("--only", help="comma-separated build parts to run (default: all), e.g. geo,offers")
    build.set_defaults(run=_build_reference)

    from kompilot_data.records.demo import DEFAULT_NEEDS, DEFAULT_OFFERS, DEFAULT_SEED

    demo = commands.add_parser("demo", help="write a deterministic demo data set (needs.csv, offers.csv)")
    demo.add_argument("--needs", type=int, default=DEFAULT_NEEDS, help=f"number of needs (default {DEFAULT_NEEDS})")
    demo.add_argument(
        "--offers",
        type=int,
        default=DEFAULT_OFFERS,
        help=f"number of demo offers added to the real catalogue (default {DEFAULT_OFFERS})",
    )
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    demo.add_argument("--out", required=True, help="output folder")
    demo.set_defaults(run=_demo)

    check = commands.add_parser("validate", help="check a CSV/Excel file of needs or offers; list every problem")
    check.add_argument("file", help="a .csv or .xlsx file")
    check.add_argument("--kind", choices=["needs", "offers"], help="default: guessed from the columns")
    check.set_defaults(run=_validate)

    def database_options(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--database", help="SQLAlchemy URL (default: KOMPILOT_DATABASE_URL or SQLite in KOMPILOT_DATA_DIR)"
        )
        command.add_argument("--user", default=getpass.getuser(), help="name written to the audit log")

    load = commands.add_parser("import", help="validate a file and write all rows or none to the database")
    load.add_argument("file", help="a .csv or .xlsx file")
    load.add_argument("--kind", choices=["needs", "offers"], help="default: guessed from the columns")
    load.add_argument(
        "--take-file",
        action="store_true",
        help="records edited in the app since they were imported take the file's version (default: keep the app's)",
    )
    database_options(load)
    load.set_defaults(run=_import)

    export = commands.add_parser(
        "export", help="full backup (.zip: every table, exact), or one table as a .csv/.xlsx report with --kind"
    )
    export.add_argument("out", help="output .zip (a backup), or .csv/.xlsx with --kind")
    export.add_argument("--kind", choices=["needs", "offers"], help="export one table in the import format")
    export.add_argument(
        "--force", action="store_true", help="write a backup even when the database has no needs and no offers"
    )
    export.add_argument("--secrets", action="append", help="a secrets.toml with [kompilot] sikkerhetskopi_nokkel")
    database_options(export)
    export.set_defaults(run=_export)

    back = commands.add_parser("restore", help="replace the database content with a backup made by export")
    back.add_argument("file", help="a backup .zip made by export (verified before anything is replaced)")
    back.add_argument(
        "--force",
        action="store_true",
        help="restore even a backup that is unsigned or unverifiable, from another database, or empty",
    )
    back.add_argument("--secrets", action="append", help="a secrets.toml with [kompilot] sikkerhetskopi_nokkel")
    database_options(back)
    back.set_defaults(run=_restore)

    template = commands.add_parser("template", help="write an Excel template with drop-down lists (names and labels)")
    template.add_argument("kind", choices=["needs", "offers"])
    template.add_argument("out", help="output .xlsx (e.g. kompilot_mal_behov.xlsx)")
    template.add_argument("--lang", choices=["nb", "en"], default="nb", help="language of the lists and the guide")
    template.set_defaults(run=_template)

    undo = commands.add_parser("undo", help="undo an import batch")
    undo.add_argument("batch", type=int)
    undo.add_argument(
        "--keep-changed", action="store_true", help="undo the rest and keep the records changed since the import"
    )
    undo.add_argument(
        "--yes",
        action="store_true",
        help="undo even when needs were linked since the import to offers the undo sets back (listed first)",
    )
    database_options(undo)
    undo.set_defaults(run=_undo)

    demo_off = commands.add_parser("remove-demo", help="delete every demo record from the database")
    database_options(demo_off)
    demo_off.set_defaults(run=_remove_demo)

    brief = commands.add_parser(
        "briefing", help="write a PowerPoint deck, a standalone HTML file and PNGs for a region"
    )
    brief.add_argument(
        "--region", required=True, help="a sub-region (Namdalen, 'Trøndelag sør', Fosen) or a municipality"
    )
    brief.add_argument("--out", required=True, help="output folder")
    brief.add_argument("--lang", choices=["nb", "en"], default="nb")
    brief.add_argument("--no-png", action="store_true", help="skip the separate PNG files")
    brief.add_argument("--database", help="SQLAlchemy URL (default: the local database if it exists, else demo data)")
    brief.set_defaults(run=_briefing)

    gap = commands.add_parser("gap", help="demand, apportioned supply (2SFCA), gap, coverage and index per group")
    gap.add_argument(
        "--by", default="delregion,kompetanseomrade", help="a place key, then kompetanseomrade and/or niva"
    )
    gap.add_argument("--reach", choices=["minutes", "km"], default="minutes", help="travel time or straight line")
    gap.add_argument("--radius", type=float, default=90.0, help="the reach limit in minutes or km (default 90)")
    gap.add_argument("--decay", choices=["ingen", "gauss"], default="ingen", help="E2SFCA distance decay")
    gap.add_argument("--csv", action="store_true", help="CSV on standard output")
    gap.add_argument(
        "--bare-registrerte",
        action="store_true",
        help="only registered needs compete for the seats (no background demand from SSB 07984)",
    )
    gap.add_argument("--database", help="SQLAlchemy URL (default: the local database if it exists, else demo data)")
    gap.set_defaults(run=_gap)

    offers_in = commands.add_parser(
        "supply", help="offers and seats in supply by group, and those left out with the reason (EVU class)"
    )
    offers_in.add_argument("--by", default="kompetanseomrade,evu_klasse", help="offer columns, comma separated")
    offers_in.add_argument(
        "--ordinaere", action="store_true", help="the lens «ordinære studier»: count ordinary full-time degrees too"
    )
    offers_in.add_argument("--csv", action="store_true", help="CSV on standard output")
    offers_in.add_argument(
        "--database", help="SQLAlchemy URL (default: the local database if it exists, else demo data)"
    )
    offers_in.set_defaults(run=_supply)

    bench = commands.add_parser("bench", help="time indicators, matching and pooling at 1,500 and 100,000 needs")
    bench.add_argument("--sample", type=int, default=300, help="needs in the row-by-row comparison (default 300)")
    bench.add_argument("--seed", type=int, default=DEFAULT_SEED)
    bench.set_defaults(run=_bench)

    trip = commands.add_parser(
        "travel", help="modelled travel time by road and ferry between two places, with the roads and ferries"
    )
    trip.add_argument(
        "origin",
        metavar="FROM",
        help="municipality number or name, its centre's town (e.g. 5001, Leka, Rørvik, Berkåk), a study place id or a ferry quay",
    )
    trip.add_argument("destination", metavar="TO", help="as FROM")
    trip.add_argument("--json", action="store_true", help="print the route (with its legs) as JSON")
    trip.set_defaults(run=_travel)

    guess = commands.add_parser(
        "classify", help="suggest competence areas and STYRK-08 occupations for need texts (free text)"
    )
    guess.add_argument("texts", nargs="*", metavar="TEKST", help="one or more need texts")
    guess.add_argument("--file", help="a UTF-8 text file with one need text a line")
    guess.add_argument("--json", action="store_true", help="print a JSON list (tekst, kompetanseomrade, styrk)")
    guess.add_argument("--lang", choices=["nb", "en"], default="nb", help="language of the area labels")
    guess.set_defaults(run=_classify)

    upgrade = commands.add_parser("migrate", help="bring the database schema up to date (once, before the replicas)")
    upgrade.add_argument(
        "--database", help="SQLAlchemy URL (default: KOMPILOT_DATABASE_URL or SQLite in KOMPILOT_DATA_DIR)"
    )
    upgrade.set_defaults(run=_migrate)

    check = commands.add_parser(
        "doctor", help="check configuration, secrets, database, migrations and disk; exit 1 if anything is wrong"
    )
    check.add_argument(
        "--database", help="SQLAlchemy URL (default: KOMPILOT_DATABASE_URL or SQLite in KOMPILOT_DATA_DIR)"
    )
    check.add_argument(
        "--secrets",
        action="append",
        help="a secrets.toml to check (repeatable; default: ~/.streamlit and ./.streamlit)",
    )
    check.add_argument("--lang", choices=["nb", "en"], default="nb")
    check.set_defaults(run=_doctor)
    return parser


def _add_debug(parser: argparse.ArgumentParser) -> None:
    """``--debug`` before or after the command: print the traceback of a failure too."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command in commands.choices.values():
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)


DEBUG_HELP = "on a failure, print the traceback too (otherwise it goes to the log file only)"
LOG_VARIABLE = "KOMPILOT_LOG_FILE"


def log_file() -> Path:
    """Where the command line writes the details (tracebacks) of its failures: ``KOMPILOT_LOG_FILE``, else
    ``kompilot/kommandolinje.log`` in ``XDG_STATE_HOME`` (default ``~/.local/state``)."""
    if os.environ.get(LOG_VARIABLE):
        return Path(os.environ[LOG_VARIABLE])
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "kompilot" / "kommandolinje.log"


def _details(error: BaseException, command: str, debug: bool) -> bool:
    """Write ``error``'s traceback to the log file (and to standard error with ``--debug``); whether the log got it.

    Nothing else reaches the terminal: kompilot's logger writes to these handlers only, and a log file that
    cannot be written (a full disk) is skipped without a word (the message says so)."""
    import traceback

    from kompilot_data.records import errors

    reference = errors.reference(error)
    lines = "".join(traceback.format_exception(error))
    if debug:
        print(lines, file=sys.stderr, end="")
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            handle.write(f"{stamp} {command} (referanse {reference}):\n{lines}\n")
    except OSError:
        return False
    return True


def _quiet_logging() -> None:
    """kompilot's own logger (records/errors.log) writes nowhere on the command line: main() reports failures."""
    import logging

    logger = logging.getLogger("kompilot_data")
    logger.handlers[:] = [logging.NullHandler()]
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    """Run one command. Every failure is one plain message on standard error and an exit code: 1 the data has
    problems (validate, import), 2 refused (usage, a file, a conflict, access, a backup …), 3 the system failed
    (database busy, disk full, a file-size limit, read-only, disk I/O), 4 unexpected (details in the log file),
    130 interrupted. Tracebacks go to the log file (:func:`log_file`), and to the terminal only with ``--debug``."""
    parser = make_parser()
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    _add_debug(parser)
    args = parser.parse_args(argv)
    language = getattr(args, "lang", "nb") if getattr(args, "lang", "nb") in ("nb", "en") else "nb"
    _quiet_logging()
    from kompilot_data.reference.i18n import t

    prefix = t("err_cli_prefix", language)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(t("err_cli_interrupted", language), file=sys.stderr)
        return 130
    except Exception as error:  # every failure becomes one message and an exit code
        from kompilot_data.records import errors

        if isinstance(error, FileNotFoundError) and not isinstance(error, KompilotError):
            print(f"{prefix}: {t('err_cli_file_missing', language, name=error.filename)}", file=sys.stderr)
            return errors.EXIT_REFUSED
        code = errors.exit_code(error)
        debug = getattr(args, "debug", False)
        written = _details(error, args.command, debug) if code != errors.EXIT_REFUSED or debug else None
        if code == errors.EXIT_UNEXPECTED:
            key = "err_unexpected_cli" if written else "err_unexpected_cli_nolog"
            text = t(key, language, log=log_file(), reference=errors.reference(error))
        else:
            text = errors.user_message(error, language)
        print(f"{prefix}: {text}", file=sys.stderr)
        return code
