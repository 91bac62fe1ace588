"""Reading coordinators' real files, import into the database, export, backup and templates.

Files from Norwegian offices are messy; :func:`read_upload` and :func:`normalise` take:

* CSV separated by semicolon or comma, UTF-8 with or without BOM, or Windows-1252;
* Excel (.xlsx) with title rows above the header, blank trailing rows and merged cells;
* header names in bokmål variants and common aliases (``Kommune``/``Kommunenr``; ``Fagområde``;
  ``Antall deltakere`` …);
* municipalities by number or name in any case, including numbers and names from before the
  2018 and 2020 mergers (mapped, with a warning);
* codes or their labels (``Helse og omsorg`` → ``helse``), dates as 27.11.2026 or 2026-11-27,
  decimal commas.

Row numbers in messages are those the user sees in Excel (or the CSV line number).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kompilot_data._paths import DATA_DIR
from kompilot_data.records.schema import ID_COLUMN, SPECS, format_problems, mapped, to_typed, validate
from kompilot_data.reference import taxonomy

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Normalised header (see _header_key) -> column name in the import format.
HEADER_ALIASES = {
    "behovid": "behov_id",
    "behov": "behov_id",
    "id": None,
    "behovsid": "behov_id",
    "behovnr": "behov_id",
    "behovsnr": "behov_id",
    "behovsnummer": "behov_id",
    "tilbudsnummer": "tilbud_id",
    "tilbudid": "tilbud_id",
    "tilbudsid": "tilbud_id",
    "tilbudnr": "tilbud_id",
    "registrert": "registrert",
    "registreringsdato": "registrert",
    "dato": "registrert",
    "registrertdato": "registrert",
    "bedrift": "bedrift_id",
    "bedriftid": "bedrift_id",
    "bedriftsid": "bedrift_id",
    "virksomhet": "bedrift_id",
    "orgnr": "orgnr",
    "organisasjonsnummer": "orgnr",
    "orgnummer": "orgnr",
    "kommune": "kommunenummer",
    "kommunenr": "kommunenummer",
    "kommunenummer": "kommunenummer",
    "knr": "kommunenummer",
    "kommunenavn": "kommunenummer",
    "studiestedkommune": "kommunenummer",
    "naering": "naering",
    "bransje": "naering",
    "nace": "naering",
    "naeringskode": "naering",
    "sn2007": "naering",
    "storrelse": "storrelse",
    "bedriftsstorrelse": "storrelse",
    "ansatte": "storrelse",
    "antallansatte": "storrelse",
    "kompetanseomrade": "kompetanseomrade",
    "fagomrade": "kompetanseomrade",
    "omrade": "kompetanseomrade",
    "kompetanse": "kompetanseomrade",
    "fagfelt": "kompetanseomrade",
    "niva": "niva",
    "utdanningsniva": "niva",
    "onsketniva": "niva",
    "laeringsform": "laeringsform",
    "form": "laeringsform",
    "undervisningsform": "laeringsform",
    "onsketlaeringsform": "laeringsform",
    "gjennomforing": "laeringsform",
    "antall": "antall_deltakere",
    "antalldeltakere": "antall_deltakere",
    "deltakere": "antall_deltakere",
    "antallansattesomtrenger": "antall_deltakere",
    "antallpersoner": "antall_deltakere",
    "tidsrammefra": "tidsramme_fra",
    "fra": "tidsramme_fra",
    "onsketfra": "tidsramme_fra",
    "oppstartfra": "tidsramme_fra",
    "tidsrammetil": "tidsramme_til",
    "til": "tidsramme_til",
    "onskettil": "tidsramme_til",
    "oppstarttil": "tidsramme_til",
    "status": "status",
    "kilde": "kilde",
    "funnetvia": "kilde",
    "merknad": "merknad",
    "kommentar": "merknad",
    "notat": "merknad",
    "demo": "demo",
    "tilbyder": "tilbyder",
    "leverandor": "tilbyder",
    "institusjon": "tilbyder",
    "tittel": "tittel",
    "navn": "tittel",
    "kurs": "tittel",
    "studiepoeng": "studiepoeng",
    "sp": "studiepoeng",
    "timer": "timer",
    "studiested": "studiested",
    "sted": "studiested",
    "lat": "lat",
    "breddegrad": "lat",
    "lon": "lon",
    "lengdegrad": "lon",
    "oppstart": "oppstart",
    "startdato": "oppstart",
    "start": "oppstart",
    "kapasitet": "kapasitet",
    "plasser": "kapasitet",
    "antallplasser": "kapasitet",
    "mindeltakere": "min_deltakere",
    "minsteantalldeltakere": "min_deltakere",
    "minimum": "min_deltakere",
    "pris": "pris_kr",
    "priskr": "pris_kr",
    "finansiering": "finansiering",
    "kildeurl": "kilde_url",
    "url": "kilde_url",
    "lenke": "kilde_url",
}
CODE_COLUMNS = {
    "naering": "naering",
    "storrelse": "storrelse",
    "kompetanseomrade": "kompetanseomrade",
    "niva": "niva",
    "laeringsform": "laeringsform",
    "kilde": "behov_kilde",
}
STATUS_TAXONOMY = {"needs": "behov_status", "offers": "tilbud_status"}


@dataclass
class ReadResult:
    """A file read as text: the frame, the spreadsheet row number of its first data row, and notes."""

    frame: pd.DataFrame
    first_data_row: int
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    """A normalised frame with warnings (row, column, message) and the problems validation found."""

    frame: pd.DataFrame
    kind: str
    first_data_row: int
    warnings: pd.DataFrame
    problems: pd.DataFrame

    @property
    def ok(self) -> bool:
        return self.problems.empty

    @property
    def rejected_rows(self) -> int:
        return int(self.problems["rad"].dropna().nunique())


def _header_key(text: object) -> str:
    """'Antall deltakere' -> 'antalldeltakere'; 'Kompetanse­område' -> 'kompetanseomrade'."""
    text = str(text).strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text)


def _known_header(value: object) -> str | None:
    """The import column a header names, by alias or by the column's own name; None if unknown."""
    key = _header_key(value)
    if key in HEADER_ALIASES:
        return HEADER_ALIASES[key]
    return _COLUMN_KEYS.get(key)


_COLUMN_KEYS = {spec.name.replace("_", ""): spec.name for specs in SPECS.values() for spec in specs}


# --- reading ----------------------------------------------------------------------------------


def read_upload(source: Path | str | bytes, filename: str | None = None) -> ReadResult:
    """Read a CSV or .xlsx file (path or bytes) as text, finding the header row."""
    if isinstance(source, (str, Path)):
        filename = filename or Path(source).name
        data = Path(source).read_bytes()
    else:
        data = source
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        return _read_excel(data)
    return _read_csv(data)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _read_csv(data: bytes) -> ReadResult:
    text = _decode(data)
    lines = text.splitlines()
    header_line = _find_header([re.split(r"[;,\t]", line) for line in lines[:30]])
    header = lines[header_line] if lines else ""
    separator = max([";", ",", "\t"], key=header.count)
    frame = pd.read_csv(
        io.StringIO("\n".join(lines[header_line:])),
        sep=separator,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
    )
    return _tidy(frame, header_line + 2)


def _read_excel(data: bytes) -> ReadResult:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), data_only=True)
    sheet = _pick_sheet(workbook)
    # Merged cells: every cell of a merged range gets the range's value.
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        value = values[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                values[r][c] = value
    header_row = _find_header(values[:30])
    header = [("" if v is None else str(v)).strip() for v in values[header_row]] if values else []
    rows = [[_cell_text(v) for v in row] for row in values[header_row + 1 :]]
    width = len(header)
    frame = pd.DataFrame([row[:width] + [""] * (width - len(row)) for row in rows], columns=_unique(header))
    result = _tidy(frame, header_row + 2)
    result.sheet = sheet.title
    return result


def _pick_sheet(workbook):
    """The first sheet whose first rows contain a recognisable header (else the active sheet)."""
    for sheet in workbook.worksheets:
        rows = [list(r) for r in sheet.iter_rows(min_row=1, max_row=30, values_only=True)]
        if rows and sum(_known_header(v) is not None for v in rows[_find_header(rows)]) >= 3:
            return sheet
    return workbook.active


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, pd.Timestamp) or hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        name = name or "kolonne"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}.{seen[name]}")
    return out


def _find_header(rows: list[list]) -> int:
    """The first row with at least three recognisable column names (title rows above are skipped)."""
    best, best_count = 0, -1
    for index, row in enumerate(rows):
        hits = sum(_known_header(v) is not None for v in row if v not in (None, ""))
        if hits >= 3:
            return index
        if hits > best_count:
            best, best_count = index, hits
    return best


def _tidy(frame: pd.DataFrame, first_data_row: int) -> ReadResult:
    """Drop blank trailing rows and fully blank columns; keep row numbering."""
    frame = frame.fillna("").astype(str).map(str.strip)
    blank = (frame == "").all(axis=1)
    if blank.all():
        frame = frame.iloc[0:0]
    else:
        last = blank[~blank].index[-1]
        frame = frame.loc[:last]
    frame = frame.loc[:, ~((frame == "").all(axis=0) & frame.columns.str.startswith("kolonne"))]
    return ReadResult(frame.reset_index(drop=True), first_data_row)


# --- normalising ------------------------------------------------------------------------------


def guess_kind(frame: pd.DataFrame) -> str:
    columns = {_known_header(c) for c in frame.columns}
    return "offers" if {"tilbud_id", "tilbyder", "kapasitet"} & columns else "needs"


def _municipality_lookup() -> tuple[dict[str, str], dict[str, tuple[str | None, str]]]:
    """Current names/numbers -> kommunenummer, and former names/numbers -> (kommunenummer or None, note)."""
    from kompilot_data.reference import load_municipalities

    municipalities = load_municipalities()
    current: dict[str, str] = {}
    for code, row in municipalities.iterrows():
        for name in (code, row["navn"], row["offisielt_navn"], row["samisk_navn"]):
            if isinstance(name, str) and name:
                current[_header_key(name)] = code
        for part in str(row["offisielt_navn"]).split(" - "):
            current[_header_key(part)] = code
    changes = pd.read_csv(DATA_DIR / "kommuneendringer.csv", dtype=str, keep_default_na=False)
    former: dict[str, tuple[str | None, str]] = {}
    for row in changes.itertuples(index=False):
        target = row.nytt_nummer or None
        for key in (row.gammelt_nummer, _header_key(row.gammelt_navn)):
            if key in current and key != row.gammelt_nummer:
                continue  # a current name (e.g. Steinkjer) wins over the same former name
            former.setdefault(key, (target, f"{row.gammelt_navn} ({row.gammelt_nummer})"))
    return current, former


def _code_lookup(name: str) -> dict[str, str]:
    lookup = {}
    for entry in taxonomy.load_taxonomy(name).to_dict("records"):
        for value in (entry["kode"], entry["nb"], entry["en"]):
            lookup[_header_key(value)] = entry["kode"]
    return lookup


def normalise(read: ReadResult, kind: str | None = None) -> Prepared:
    """Map headers, municipalities and code labels to the import format, then validate."""
    frame = read.frame.copy()
    kind = kind or guess_kind(frame)
    renamed: dict[str, str] = {}
    for column in frame.columns:
        target = _known_header(column)
        if target == "behov_id" and kind == "offers":
            target = None
        if target is None and _header_key(column) == "id":
            target = ID_COLUMN[kind]
        if target and target not in renamed.values():
            renamed[column] = target
    frame = frame.rename(columns=renamed)[list(renamed.values())] if renamed else frame.iloc[:, 0:0]
    warnings: list[dict] = []

    def row_number(index: int) -> int:
        return index + read.first_data_row

    # Neutralised formulas from our own exports: '=SUM(...) -> =SUM(...)
    frame = strip_neutralised(frame)

    if "kommunenummer" in frame:
        current, former = _municipality_lookup()
        resolved: dict[str, tuple[str, str | None]] = {}  # value -> (stored value, warning or None)
        for value in pd.unique(frame["kommunenummer"]):
            key = _header_key(value)
            if not value or key in current:
                resolved[value] = (current.get(key, value), None)
            elif key in former and former[key][0]:
                target, note = former[key]
                resolved[value] = (
                    target,
                    f"«{value}» er tidligere {note}; lagret som {target} ({_municipality_name(target)}).",
                )
            elif key in former:
                resolved[value] = (
                    f"{value} (delt kommune)",
                    f"«{value}» ({former[key][1]}) ble delt mellom Heim (5055), "
                    "Hitra (5056) og Orkland (5059) i 2020; oppgi hvilken.",
                )
            else:
                resolved[value] = (value, None)
        for index, value in frame["kommunenummer"].items():
            message = resolved[value][1]
            if message:
                warnings.append(
                    {"rad": row_number(index), "kolonne": "kommunenummer", "verdi": value, "melding": message}
                )
        frame["kommunenummer"] = frame["kommunenummer"].map({v: r[0] for v, r in resolved.items()})

    for column, name in {**CODE_COLUMNS, "status": STATUS_TAXONOMY[kind]}.items():
        if column in frame:
            lookup = _code_lookup(name)
            frame[column] = mapped(frame[column], lambda v, lookup=lookup: lookup.get(_header_key(v), v) if v else v)

    problems = validate(frame, kind, first_data_row=read.first_data_row)
    problems = problems[~problems["melding"].str.contains("delt kommune", regex=False)] if len(problems) else problems
    warning_frame = pd.DataFrame(warnings, columns=["rad", "kolonne", "verdi", "melding"])
    split = warning_frame[warning_frame["melding"].str.contains("ble delt mellom", regex=False)]
    if len(split):
        problems = pd.concat([problems, split]).sort_values(["rad", "kolonne"]).reset_index(drop=True)
        warning_frame = warning_frame.drop(split.index)
    return Prepared(frame, kind, read.first_data_row, warning_frame.reset_index(drop=True), problems)


def _municipality_name(code: str) -> str:
    from kompilot_data.reference import municipality_name

    return municipality_name(code)


# --- import -----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did (or why it did nothing)."""

    kind: str
    rows: int
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    batch_id: int | None = None
    problems: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> str:
        label = "behov" if self.kind == "needs" else "tilbud"
        if self.rejected:
            return (
                f"Ingenting importert: {self.rejected} av {self.rows} rader ({label}) har feil. "
                f"Rett feilene og importer hele filen på nytt."
            )
        return (
            f"Import {self.batch_id}: {self.rows} rader ({label}) – {self.new} nye, {self.updated} endret, "
            f"{self.unchanged} uendret, 0 avvist."
        )


def restrict_to_region(prepared: Prepared, region: str) -> Prepared:
    """For a coordinator limited to a sub-region: needs in other municipalities become problems."""
    from kompilot_data.engine.indicators import region_codes

    if prepared.kind != "needs" or "kommunenummer" not in prepared.frame:
        return prepared
    allowed = set(region_codes(region))
    outside = prepared.frame.index[~prepared.frame["kommunenummer"].isin(allowed)]
    extra = pd.DataFrame(
        {
            "rad": pd.array([i + prepared.first_data_row for i in outside], dtype="Int64"),
            "kolonne": "kommunenummer",
            "verdi": prepared.frame.loc[outside, "kommunenummer"].to_numpy(),
            "melding": [
                f"«{v}» er utenfor {region}, som du kan registrere behov for."
                for v in prepared.frame.loc[outside, "kommunenummer"]
            ],
        }
    )
    if extra.empty:
        return prepared
    problems = pd.concat([prepared.problems, extra], ignore_index=True).sort_values(["rad", "kolonne"])
    return Prepared(
        prepared.frame, prepared.kind, prepared.first_data_row, prepared.warnings, problems.reset_index(drop=True)
    )


def prepare_file(source: Path | str | bytes, filename: str | None = None, kind: str | None = None) -> Prepared:
    return normalise(read_upload(source, filename), kind)


def import_file(
    engine,
    source: Path | str | bytes,
    user: str,
    filename: str | None = None,
    kind: str | None = None,
    progress=None,
    **storage_options,
) -> ImportResult:
    """Validate a file and, only if every row is valid, write all of it in one transaction."""
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    filename = filename or (Path(source).name if isinstance(source, (str, Path)) else "opplasting")
    return import_prepared(
        engine, prepare_file(data, filename, kind), data, filename, user, progress, **storage_options
    )


def import_prepared(
    engine, prepared: Prepared, data: bytes, filename: str, user: str, progress=None, **storage_options
) -> ImportResult:
    """Write a file already read and checked by :func:`prepare_file` (all rows or none)."""
    from kompilot_data.records import storage

    result = ImportResult(prepared.kind, len(prepared.frame), problems=prepared.problems, warnings=prepared.warnings)
    if not prepared.ok:
        result.rejected = max(prepared.rejected_rows, 1)
        return result
    typed = to_typed(prepared.frame, prepared.kind)
    counts = storage.import_frame(
        engine,
        typed,
        prepared.kind,
        filename,
        hashlib.sha256(data).hexdigest(),
        user,
        progress=progress,
        **storage_options,
    )
    result.batch_id, result.new, result.updated, result.unchanged = (
        counts["batch_id"],
        counts["nye"],
        counts["endrede"],
        counts["uendrede"],
    )
    return result


# --- export, backup, template -----------------------------------------------------------------


def neutralise(value):
    """Make a cell safe for spreadsheets: text starting with = + - @ gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def strip_neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise`: ``'=SUM(…)`` back to ``=SUM(…)`` (only text that starts with ' and = + - @)."""
    frame = frame.copy()
    for column in frame.columns:
        text = frame[column].astype(object)
        marked = text.map(lambda v: isinstance(v, str) and v[:1] == "'" and v[1:2] in FORMULA_START).astype(bool)
        if marked.any():
            frame[column] = text.where(~marked, text.str[1:])
    return frame


def as_import_format(typed: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Typed records -> text columns exactly as ``import`` reads them (ISO dates, ja/nei, codes)."""
    out = pd.DataFrame(index=typed.index)
    for spec in SPECS[kind]:
        column = typed[spec.name] if spec.name in typed else pd.Series(None, index=typed.index)
        if spec.kind == "date":
            out[spec.name] = column.dt.strftime("%Y-%m-%d").fillna("")
        elif spec.kind == "bool":
            out[spec.name] = column.map({True: "ja", False: "nei"}).fillna("")
        elif spec.kind == "float":
            out[spec.name] = column.map(lambda v: "" if pd.isna(v) else repr(float(v)))
        else:
            out[spec.name] = column.astype("string").fillna("").astype(str)
    return out.map(neutralise).reset_index(drop=True)


def write_table(frame: pd.DataFrame, path: Path | str, sheet: str = "data") -> Path:
    """CSV (semicolon, UTF-8 with BOM for Excel) or .xlsx by the file's suffix."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=sheet, index=False)
    else:
        frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    return path


def export_records(engine, kind: str, path: Path | str, filtered: pd.DataFrame | None = None) -> Path:
    """Export needs or offers (all, or the given filtered typed frame) in the import format."""
    from kompilot_data.records import storage

    typed = filtered if filtered is not None else storage.read_frame(engine, kind)
    return write_table(as_import_format(typed, kind), path, sheet="behov" if kind == "needs" else "tilbud")


BACKUP_SHEETS = {"needs": "behov", "offers": "tilbud", "batches": "import_batch", "audit": "endringslogg"}


def backup(engine, path: Path | str) -> Path:
    """Full backup of every table to one .xlsx file (text cells neutralised)."""
    from kompilot_data.records import storage

    path = Path(path)
    tables = storage.dump_all(engine)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for key, sheet in BACKUP_SHEETS.items():
            tables[key].map(neutralise).to_excel(writer, sheet_name=sheet, index=False)
    return path


def restore(engine, path: Path | str, user: str) -> dict[str, int]:
    """Replace the database content with a backup made by :func:`backup` (one transaction)."""
    from kompilot_data.records import storage

    sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    missing = [s for s in BACKUP_SHEETS.values() if s not in sheets]
    if missing:
        raise ValueError(
            f"{Path(path).name}: mangler arket/arkene {', '.join(missing)}; er dette en kompilot-sikkerhetskopi?"
        )
    tables = {}
    for key, sheet in BACKUP_SHEETS.items():
        frame = sheets[sheet].astype(object).where(sheets[sheet].notna(), None)
        frame = strip_neutralised(frame)
        table = (
            storage.TABLES.get(key)
            if key in storage.TABLES
            else (storage.BATCH_TABLE if key == "batches" else storage.AUDIT_TABLE)
        )
        tables[key] = _coerce_for_table(frame, table)
    if "needs" in tables:
        for kind in ("needs", "offers"):
            problems = validate(tables[kind][[s.name for s in SPECS[kind]]].map(lambda v: "" if v is None else v), kind)
            if len(problems):
                raise ValueError(
                    f"{Path(path).name}, ark «{BACKUP_SHEETS[kind]}»:\n{format_problems(problems.head(20))}"
                )
    storage.replace_all(engine, tables, user)
    return {BACKUP_SHEETS[k]: len(v) for k, v in tables.items()}


def _coerce_for_table(frame: pd.DataFrame, table) -> pd.DataFrame:
    """Excel cells back to the column types of ``table`` (object columns, None for empty cells)."""
    import datetime as dt

    import sqlalchemy as sa

    def text(v):
        if isinstance(v, dt.date):
            return v.strftime("%Y-%m-%d")
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    converters = [
        (sa.DateTime, lambda v: pd.Timestamp(v).to_pydatetime()),
        (sa.Date, lambda v: pd.Timestamp(v).date()),
        (sa.Integer, int),
        (sa.Float, float),
        (sa.Boolean, bool),
    ]
    out = pd.DataFrame(index=frame.index)
    for column in table.columns:
        values = frame[column.name].tolist() if column.name in frame else [None] * len(frame)
        convert = next((f for kind, f in converters if isinstance(column.type, kind)), text)
        cleaned = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else convert(v) for v in values]
        out[column.name] = pd.Series(cleaned, index=frame.index, dtype=object)
    return out


def write_template(kind: str, path: Path | str) -> Path:
    """An .xlsx template: the import columns, drop-down lists for coded columns, and a guide sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from kompilot_data.reference import load_municipalities

    path = Path(path)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "behov" if kind == "needs" else "tilbud"
    codes = workbook.create_sheet("koder")
    guide = workbook.create_sheet("veiledning")
    specs = SPECS[kind]
    lists: dict[str, list[str]] = {}
    for spec in specs:
        if spec.kind == "code":
            lists[spec.name] = taxonomy.codes(spec.taxonomy)
        elif spec.name == "status":
            lists[spec.name] = taxonomy.codes(STATUS_TAXONOMY[kind])
        elif spec.kind == "kommune":
            lists[spec.name] = list(load_municipalities().index)
        elif spec.kind == "bool":
            lists[spec.name] = ["ja", "nei"]
    for column, spec in enumerate(specs, start=1):
        cell = sheet.cell(row=1, column=column, value=spec.name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="00509E" if spec.required else "6B7C8F")
        sheet.column_dimensions[get_column_letter(column)].width = max(12, len(spec.name) + 4)
        if spec.name in lists:
            values = lists[spec.name]
            codes.cell(row=1, column=list(lists).index(spec.name) + 1, value=spec.name).font = Font(bold=True)
            for row, value in enumerate(values, start=2):
                codes.cell(row=row, column=list(lists).index(spec.name) + 1, value=value)
            code_column = get_column_letter(list(lists).index(spec.name) + 1)
            validation = DataValidation(
                type="list",
                formula1=f"=koder!${code_column}$2:${code_column}${len(values) + 1}",
                allow_blank=not spec.required,
                showErrorMessage=True,
                errorTitle="Ugyldig verdi",
                error=f"Velg en verdi fra listen ({spec.name}).",
            )
            sheet.add_data_validation(validation)
            validation.add(f"{get_column_letter(column)}2:{get_column_letter(column)}5000")
    sheet.freeze_panes = "A2"
    guide.append(["kolonne", "påkrevd", "beskrivelse"])
    for spec in specs:
        guide.append([spec.name, "ja" if spec.required else "nei", spec.description_nb])
    guide.append([])
    guide.append(["Datoer: 27.11.2026 eller 2026-11-27. Kommune: nummer eller navn. Koder: se arket «koder»."])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["C"].width = 70
    workbook.save(path)
    return path
