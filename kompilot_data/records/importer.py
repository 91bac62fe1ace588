"""Coordinators' real files into the database (all rows or none), exports and templates.

Files from Norwegian offices are messy; :func:`~kompilot_data.records.reader.read_upload` (the one place for
input hygiene and limits) and :func:`normalise` take:

* CSV separated by semicolon or comma, UTF-8 with or without BOM, UTF-16 or Windows-1252 (never a mix);
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
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kompilot_data.records import storage
from kompilot_data.records.access import foreign_id_message, require_editor
from kompilot_data.records.reader import EXPORT_TITLE, ReadError, ReadResult, header_key, known_header, read_upload
from kompilot_data.records.schema import ID_COLUMN, SPECS, mapped, problem_frame, shown, text_frame, to_typed
from kompilot_data.records.spatial import check_coordinates
from kompilot_data.records.validation import problem_code, validate
from kompilot_data.reference import load_municipalities, municipality_name, taxonomy
from kompilot_data.reference.errors import KompilotError, Message, Text, message
from kompilot_data.reference.errors import text as make_text
from kompilot_data.reference.i18n import DEFAULT_LANGUAGE, TEXTS, format_date, t
from kompilot_data.reference.paths import DATA_DIR

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_LIMIT = 32_767
#: Stored in place of a municipality split in 2020 (Snillfjord): the row is refused with its own message.
SPLIT_MARK = "(delt kommune)"

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

    @property
    def unreadable(self) -> bool:
        """The file as a whole cannot be used (not a table, broken, no header, too big …): every problem is about
        the file, none about a row."""
        return not self.problems.empty and bool(self.problems["rad"].isna().all())


# --- normalising ------------------------------------------------------------------------------


def guess_kind(frame: pd.DataFrame) -> str:
    """``needs`` or ``offers`` from the headers (a needs file may name its linked offer, ``tilbud_id``)."""
    columns = {known_header(c) for c in frame.columns}
    if {"tilbyder", "kapasitet", "tittel"} & columns:
        return "offers"
    if {"behov_id", "bedrift_id", "antall_deltakere"} & columns:
        return "needs"
    return "offers" if "tilbud_id" in columns else "needs"


def _municipality_lookup() -> tuple[dict[str, str], dict[str, tuple[str | None, str]]]:
    """Current names/numbers -> kommunenummer, and former names/numbers -> (kommunenummer or None, note)."""
    municipalities = load_municipalities()
    current: dict[str, str] = {}
    for code, row in municipalities.iterrows():
        for name in (code, row["navn"], row["offisielt_navn"], row["samisk_navn"]):
            if isinstance(name, str) and name:
                current[header_key(name)] = code
        for part in str(row["offisielt_navn"]).split(" - "):
            current[header_key(part)] = code
        for both in (f"{code} {row['navn']}", f"{row['navn']} ({code})"):  # the template's «5007 Namsos»
            current[header_key(both)] = code
    changes = pd.read_csv(DATA_DIR / "kommuneendringer.csv", dtype=str, keep_default_na=False)
    former: dict[str, tuple[str | None, str]] = {}
    for row in changes.itertuples(index=False):
        target = row.nytt_nummer or None
        for key in (row.gammelt_nummer, header_key(row.gammelt_navn)):
            if key in current and key != row.gammelt_nummer:
                continue  # a current name (e.g. Steinkjer) wins over the same former name
            former.setdefault(key, (target, f"{row.gammelt_navn} ({row.gammelt_nummer})"))
    return current, former


def _code_lookup(name: str) -> dict[str, str]:
    lookup = {}
    for entry in taxonomy.load_taxonomy(name).to_dict("records"):
        for value in (entry["kode"], entry["nb"], entry["en"]):
            lookup[header_key(value)] = entry["kode"]
    return lookup


def _file_problem(said: Text) -> pd.DataFrame:
    """A problem with the whole file (no row, no column)."""
    return problem_frame([{"rad": None, "kolonne": None, "verdi": None, "melding": said}])


def normalise(read: ReadResult, kind: str | None = None) -> Prepared:
    """Map headers, municipalities and code labels to the import format, then validate."""
    frame = read.frame
    kind = kind or guess_kind(frame)
    renamed: dict[str, str] = {}
    for column in frame.columns:
        target = known_header(column)
        if target == "behov_id" and kind == "offers":
            target = None
        if target is None and header_key(column) == "id":
            target = ID_COLUMN[kind]
        if target and target not in renamed.values():
            renamed[column] = target
    if len(renamed) < 3:
        return Prepared(
            frame.iloc[0:0, 0:0],
            kind,
            read.first_data_row,
            problem_frame([]),
            _file_problem(make_text("err_file_no_columns", kind=_kind_words(kind))),
        )
    frame = frame[list(renamed)].rename(columns=renamed)
    warnings: list[pd.DataFrame] = []

    if read.exported:  # our own export put an apostrophe before = + - @ and ': take exactly that one off
        frame = strip_neutralised(frame)

    if "kommunenummer" in frame:
        current, former = _municipality_lookup()
        resolved: dict[str, tuple[str, str | None]] = {}  # value -> (stored value, warning or None)
        for value in pd.unique(frame["kommunenummer"]):
            key = header_key(value)
            if not value or key in current:
                resolved[value] = (current.get(key, value), None)
            elif key in former and former[key][0]:
                target, note = former[key]
                resolved[value] = (
                    target,
                    make_text(
                        "warn_former_municipality", value=value, note=note, code=target, name=municipality_name(target)
                    ),
                )
            elif key in former:
                resolved[value] = (
                    f"{value} {SPLIT_MARK}",
                    make_text("err_split_municipality", value=value, note=former[key][1]),
                )
            else:
                resolved[value] = (value, None)
        flagged = [(position, value) for position, value in enumerate(frame["kommunenummer"]) if resolved[value][1]]
        if flagged:
            warnings.append(
                problem_frame(
                    [
                        {
                            "rad": frame.index[position] + read.first_data_row,
                            "kolonne": "kommunenummer",
                            "verdi": value,
                            "melding": resolved[value][1],
                        }
                        for position, value in flagged
                    ]
                )
            )
        frame["kommunenummer"] = mapped(frame["kommunenummer"], lambda v: resolved[v][0])

    for column, name in {**CODE_COLUMNS, "status": STATUS_TAXONOMY[kind]}.items():
        if column in frame:
            lookup = _code_lookup(name)
            frame[column] = mapped(frame[column], lambda v, lookup=lookup: lookup.get(header_key(v), v) if v else v)

    frame = text_frame(frame)  # cleaned once here; validate and to_typed pass it on
    problems = validate(frame, kind, first_data_row=read.first_data_row)
    if kind == "offers":  # a study point just across a municipal border is kept, with a warning naming it
        border = check_coordinates(frame, read.first_data_row).warnings
        if len(border):
            warnings.append(border)
    if len(problems):  # a split municipality's placeholder fails validation; its own message says which to choose
        problems = problems[~problems["verdi"].astype(str).str.endswith(SPLIT_MARK)]
    warning_frame = pd.concat(warnings, ignore_index=True) if warnings else problem_frame([])
    split = warning_frame[[problem_code(m) == "err_split_municipality" for m in warning_frame["beskjed"]]]
    if len(split):
        problems = pd.concat([problems, split]).sort_values(["rad", "kolonne"]).reset_index(drop=True)
        warning_frame = warning_frame.drop(split.index)
    return Prepared(frame, kind, read.first_data_row, warning_frame.reset_index(drop=True), problems)


def _kind_words(kind: str) -> Message:
    """ "behov" / "tilbud" (plural, in a sentence)."""
    return message("kind_needs_plural" if kind == "needs" else "kind_offers_plural")


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
    kept: list[str] = field(default_factory=list)
    """Records edited in the app whose version the import kept (the file's values were not written)."""

    def summary(self, language: str = DEFAULT_LANGUAGE) -> str:
        """What the import did, in ``language``."""
        kind = _kind_words(self.kind)
        if self.rejected and self.problems["rad"].isna().all():
            return t("import_unreadable", language)
        if self.rejected:
            return message("import_rejected_rows", rejected=self.rejected, rows=self.rows, kind=kind).text(language)
        kept: Message | str = ""
        if self.kept:
            shown = ", ".join(self.kept[:5]) + (" …" if len(self.kept) > 5 else "")
            kept = message("import_kept", n=len(self.kept), ids=shown)
        if self.batch_id is None:
            if self.kept:
                return message("import_nothing_kept", unchanged=self.unchanged, kind=kind, kept=kept).text(language)
            return message("import_no_changes", rows=self.rows, kind=kind).text(language)
        return message(
            "import_done",
            batch=self.batch_id,
            rows=self.rows,
            kind=kind,
            new=self.new,
            updated=self.updated,
            unchanged=self.unchanged,
            kept=kept,
        ).text(language)


def restrict_to_access(prepared: Prepared, access, engine=None) -> Prepared:
    """Rows a coordinator limited to a sub-region may not write become problems (row, column, message).

    * a record placed outside the sub-region (for offers: also one with no place, an online offer);
    * with ``engine``: an id that belongs to an existing record outside the sub-region (it would be
      overwritten and moved).

    The storage checks the same rules again when it writes (:func:`storage.import_frame`); this gives the
    coordinator the rows and columns to fix before confirming.
    """
    require_editor(access)
    if access is None or access.all_regions or prepared.frame.empty:
        return prepared
    kind = _kind_words(prepared.kind)
    frame = prepared.frame
    allowed = access.municipalities() or frozenset()
    extra = []
    place = frame["kommunenummer"] if "kommunenummer" in frame else pd.Series("", index=frame.index, dtype=object)
    outside = ~place.isin(allowed)
    for index, value in place[outside].items():
        why = (
            make_text("err_outside_region_place", value=value, region=access.region, kind=kind)
            if value
            else make_text("err_outside_region_no_place", region=access.region, kind=kind)
        )
        extra.append(
            {"rad": index + prepared.first_data_row, "kolonne": "kommunenummer", "verdi": value, "melding": why}
        )
    if engine is not None and ID_COLUMN[prepared.kind] in frame:
        id_name = ID_COLUMN[prepared.kind]
        ids = [i for i in frame[id_name].dropna().astype(str).unique() if i]
        owners = storage.record_places(engine, prepared.kind, ids)
        positions = {value: index for index, value in frame[id_name].items()}
        for record_id, place_code in owners.items():
            if not access.may_write(place_code):
                extra.append(
                    {
                        "rad": positions[record_id] + prepared.first_data_row,
                        "kolonne": id_name,
                        "verdi": record_id,
                        "melding": foreign_id_message(prepared.kind, record_id, place_code, access.region),
                    }
                )
    if not extra:
        return prepared
    problems = pd.concat([prepared.problems, problem_frame(extra)], ignore_index=True).sort_values(["rad", "kolonne"])
    return Prepared(frame, prepared.kind, prepared.first_data_row, prepared.warnings, problems.reset_index(drop=True))


def prepare_file(source: Path | str | bytes, filename: str | None = None, kind: str | None = None) -> Prepared:
    """Read and check a file; a file that cannot be read gives one problem naming why (never an exception)."""
    try:
        read = read_upload(source, filename)
    except ReadError as error:
        empty = pd.DataFrame()
        return Prepared(empty, kind or "needs", 2, problem_frame([]), _file_problem(Text(error.msg)))
    return normalise(read, kind)


def import_file(
    engine,
    source: Path | str | bytes,
    user: str,
    filename: str | None = None,
    kind: str | None = None,
    progress=None,
    access=None,
    **storage_options,
) -> ImportResult:
    """Validate a file and, only if every row is valid, write all of it in one transaction.

    ``access`` (a :class:`kompilot_data.records.access.Access`) limits the rows a coordinator may write; None is the
    command line's full access. Records edited in the app since they were imported keep the app's version
    unless ``take_file=True`` (or a set of ids) is passed (see :func:`storage.import_frame`).
    """
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    filename = filename or (Path(source).name if isinstance(source, (str, Path)) else "opplasting")
    prepared = prepare_file(data, filename, kind)
    if access is not None:
        prepared = restrict_to_access(prepared, access, engine)
    return import_prepared(engine, prepared, data, filename, user, progress, access=access, **storage_options)


def import_prepared(
    engine,
    prepared: Prepared,
    data: bytes,
    filename: str,
    user: str,
    progress=None,
    access=None,
    preview=None,
    **storage_options,
) -> ImportResult:
    """Write a file already read and checked by :func:`prepare_file` (all rows or none).

    ``preview``: the :func:`preview_import` the coordinator confirmed; if a record changed since, nothing is
    written. ``take_file`` (in ``storage_options``): records edited in the app that take the file's version.
    """
    result = ImportResult(prepared.kind, len(prepared.frame), problems=prepared.problems, warnings=prepared.warnings)
    if not prepared.ok:
        result.rejected = max(prepared.rejected_rows, 1)
        return result
    typed = to_typed(prepared.frame, prepared.kind)
    if preview is not None:
        storage_options.setdefault("seen_versions", preview.seen_versions)
    counts = storage.import_frame(
        engine,
        typed,
        prepared.kind,
        filename,
        hashlib.sha256(data).hexdigest(),
        user,
        progress=progress,
        access=access,
        **storage_options,
    )
    result.batch_id, result.new, result.updated, result.unchanged = (
        counts["batch_id"],
        counts["nye"],
        counts["endrede"],
        counts["uendrede"],
    )
    result.kept = list(counts["beholdt_ids"])
    return result


# --- preview of an import ---------------------------------------------------------------------


def preview_import(engine, prepared: Prepared):
    """What importing ``prepared`` (valid) would do, record by record: a :class:`storage.ImportPreview`."""
    if not prepared.ok:
        raise ValueError("preview_import needs a file without problems")
    return storage.preview_frame(
        engine, to_typed(prepared.frame, prepared.kind), prepared.kind, prepared.first_data_row
    )


def shown_value(value, language: str = "nb") -> str:
    """A stored value as a coordinator reads it in a preview: dates as 27.11.2026, ja/nei, whole numbers without
    decimals, long text cut, and «(tom)» for an empty value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return t("value_empty", language)
    if isinstance(value, bool):
        return t("yes", language) if value else t("no", language)
    if hasattr(value, "year") and hasattr(value, "day"):
        return format_date(value, language)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return shown(value)


def describe_change(change, language: str = "nb") -> str:
    """One line per changed record: ``NAM-2026-005: antall_deltakere 8 → 2 (endret i appen av …, 27.11.2026)``."""
    kinds = {spec.name: spec.kind for specs in SPECS.values() for spec in specs}

    def value(name: str, stored) -> str:
        text = shown_value(stored, language)
        quoted = (
            kinds.get(name) == "text" and stored is not None and not (not isinstance(stored, str) and pd.isna(stored))
        )
        return f"«{text}»" if quoted else text

    fields = "; ".join(f"{name} {value(name, old)} → {value(name, new)}" for name, old, new in change.fields)
    line = f"{change.record_id}: {fields}"
    if change.edited_in_app:
        how = change.edited_how or "endring"
        key = f"changed_how_{how}" if f"changed_how_{how}" in _texts() else "changed_how_endring"
        when = format_date(change.edited_at, language) if change.edited_at is not None else ""
        line += " (" + t(key, language, user=change.edited_by or "?", date=when) + ")"
    return line


def _texts() -> dict:
    return TEXTS


# --- export (a report for spreadsheets; the backup is records/backup.py) ------------------------


class ExportError(KompilotError, ValueError):
    """The data cannot be written in the asked format (the message says which cell, and what to use instead)."""


def neutralise(value):
    """Make a cell safe for spreadsheets: text starting with = + - @ (tab, CR) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def mark(value):
    """Like :func:`neutralise`, and text that starts with an apostrophe gets one more.

    Used in files that carry :data:`EXPORT_TITLE`, so that import takes off exactly one apostrophe
    from every cell that starts with one, and gets back what was exported.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_START, "'")):
        return "'" + value
    return value


def strip_neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`mark` (in a file written by our export): one leading apostrophe off every cell that has one."""
    frame = frame.copy()
    for column in frame.columns:
        text = frame[column].astype(object)
        marked = text.map(lambda v: isinstance(v, str) and v[:1] == "'").astype(bool)
        if marked.any():
            frame[column] = text.where(~marked, text.str[1:])
    return frame


def as_import_format(typed: pd.DataFrame, kind: str, spreadsheet: bool = True) -> pd.DataFrame:
    """Typed records -> text columns exactly as ``import`` reads them (ISO dates, ja/nei, codes).

    With ``spreadsheet`` (files), text cells are marked against formula injection (see :func:`mark`);
    without it (the table editor) every value is shown as stored.
    """
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
    out = out.reset_index(drop=True)
    return out.map(mark) if spreadsheet else out


def _atomic(path: Path, write) -> Path:
    """Write through a temporary file in the same folder, then rename: never a partial file under ``path``."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def excel_problem(frame: pd.DataFrame) -> Text | None:
    """Why ``frame`` cannot be written to Excel without changing it (None when it can).

    Excel holds at most 32 767 characters in a cell and no control characters: such a table is refused, never cut.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # late, as every openpyxl import here: ~0.3 s, for Excel only

    for column in frame.columns:
        values = frame[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        cells = [v if isinstance(v, str) else "" for v in values.tolist()]
        if max(map(len, cells), default=0) <= EXCEL_CELL_LIMIT and not ILLEGAL_CHARACTERS_RE.search("".join(cells)):
            continue  # the usual case: one pass over the column, no cell-by-cell search
        for position, value in enumerate(cells):
            if len(value) > EXCEL_CELL_LIMIT:
                reason = message("err_export_excel_long", limit=f"{EXCEL_CELL_LIMIT:,d}".replace(",", " "))
            elif ILLEGAL_CHARACTERS_RE.search(value):
                reason = message("err_export_excel_control")
            else:
                continue
            return make_text("err_export_excel_cell", row=position + 3, column=column, reason=reason)
    return None


def _check_excel_cells(frame: pd.DataFrame) -> None:
    problem = excel_problem(frame)
    if problem:
        raise ExportError(problem.msg)


def write_table(frame: pd.DataFrame, path: Path | str, sheet: str = "data", title: str | None = EXPORT_TITLE) -> Path:
    """CSV (semicolon, UTF-8 with BOM for Excel) or .xlsx by the file's suffix, with ``title`` as the first row.

    Raises
    ------
    ExportError
        For .xlsx: a cell longer than Excel allows or with a control character (nothing is written).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ExportError("err_export_suffix", name=path.name)
    if suffix == ".xlsx":
        _check_excel_cells(frame)
        return _atomic(path, lambda target: target.write_bytes(excel_bytes(frame, sheet, title)))
    return _atomic(path, lambda target: target.write_bytes(csv_bytes(frame, title)))


def csv_bytes(frame: pd.DataFrame, title: str | None = EXPORT_TITLE) -> bytes:
    """Semicolon-separated UTF-8 with BOM (opens in Norwegian Excel), ``title`` on the first line."""
    body = frame.to_csv(sep=";", index=False, lineterminator="\r\n")
    return ("\ufeff" + (f"{title}\r\n" if title else "") + body).encode("utf-8")


def excel_bytes(frame: pd.DataFrame, sheet: str = "data", title: str | None = EXPORT_TITLE) -> bytes:
    """An .xlsx file with ``title`` in A1 and the table from row 2; every text cell stored as text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    _check_excel_cells(frame)
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)

    def text_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"  # text, even when it starts with "=": a cell value never becomes a formula
        return cell

    if title:
        worksheet.append([text_cell(title)])
    header = []
    for name in frame.columns:
        cell = text_cell(str(name))
        cell.font = Font(bold=True)
        header.append(cell)
    worksheet.append(header)
    for row in frame.itertuples(index=False, name=None):
        worksheet.append(
            [(None if v == "" else text_cell(v) if v[:1] == "=" else v) if isinstance(v, str) else v for v in row]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_records(engine, kind: str, path: Path | str, filtered: pd.DataFrame | None = None, access=None) -> Path:
    """Export needs or offers (all, or the given filtered typed frame) in the import format (a report).

    ``access``: a coordinator limited to a sub-region exports only records they may write.
    """
    typed = filtered if filtered is not None else storage.read_frame(engine, kind)
    if access is not None and not access.all_regions:
        typed = typed[[access.may_write(v) for v in typed["kommunenummer"].astype(object)]]
    return write_table(as_import_format(typed, kind), path, sheet="behov" if kind == "needs" else "tilbud")


TEMPLATE_FILE = {
    ("needs", "nb"): "kompilot_mal_behov.xlsx",
    ("offers", "nb"): "kompilot_mal_tilbud.xlsx",
    ("needs", "en"): "kompilot_template_needs.xlsx",
    ("offers", "en"): "kompilot_template_offers.xlsx",
}
#: The template's own words (sheet names, the guide's header, the drop-down's error, the note) by label key.
TEMPLATE_TEXT_KEYS = {
    "codes": "template_codes",
    "guide": "template_guide",
    "header": "template_header",
    "yes": "template_yes",
    "no": "template_no",
    "error_title": "template_error_title",
    "error": "template_error",
    "note": "template_note",
}
LANGUAGES = ("nb", "en")


def _template_text(language: str) -> dict:
    """The template's words in ``language`` (the header as a list of three column titles)."""
    words = {name: t(key, language) for name, key in TEMPLATE_TEXT_KEYS.items()}
    words["header"] = words["header"].split(" | ")
    return words


def template_name(kind: str, language: str = "nb") -> str:
    """The template's file name in the interface's language (``kompilot_mal_behov.xlsx``, …)."""
    return TEMPLATE_FILE[(kind, language if language in LANGUAGES else "nb")]


def template_choices(kind: str, language: str = "nb") -> dict[str, list[str]]:
    """The drop-down lists of the template per column: municipalities as «5007 Namsos», coded columns by their
    label in ``language`` (all of them accepted by import, as are the codes themselves)."""
    language = language if language in LANGUAGES else "nb"
    lists: dict[str, list[str]] = {}
    for spec in SPECS[kind]:
        if spec.kind == "code":
            name = STATUS_TAXONOMY[kind] if spec.name == "status" else spec.taxonomy
            lists[spec.name] = list(taxonomy.labels(name, language).values())
        elif spec.kind == "kommune":
            lists[spec.name] = [f"{code} {name}" for code, name in load_municipalities()["navn"].items()]
        elif spec.kind == "bool":
            lists[spec.name] = [_template_text(language)["yes"], _template_text(language)["no"]]
    return lists


def template_bytes(kind: str, language: str = "nb") -> bytes:
    """The .xlsx template of :func:`write_template` as bytes (for a download button)."""
    with tempfile.TemporaryDirectory() as folder:
        return write_template(kind, Path(folder) / "mal.xlsx", language).read_bytes()


def write_template(kind: str, path: Path | str, language: str = "nb") -> Path:
    """An .xlsx template: the import columns, drop-down lists with names (:func:`template_choices`) and a guide
    sheet, in ``language`` (``nb`` or ``en``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    language = language if language in LANGUAGES else "nb"
    text = _template_text(language)
    path = Path(path)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "behov" if kind == "needs" else "tilbud"
    codes = workbook.create_sheet(text["codes"])
    guide = workbook.create_sheet(text["guide"])
    specs = SPECS[kind]
    lists = template_choices(kind, language)
    for column, spec in enumerate(specs, start=1):
        cell = sheet.cell(row=1, column=column, value=spec.name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="00509E" if spec.required else "6B7C8F")
        sheet.column_dimensions[get_column_letter(column)].width = max(12, len(spec.name) + 4)
        if spec.name in lists:
            values = lists[spec.name]
            position = list(lists).index(spec.name) + 1
            codes.cell(row=1, column=position, value=spec.name).font = Font(bold=True)
            for row, value in enumerate(values, start=2):
                codes.cell(row=row, column=position, value=value)
            code_column = get_column_letter(position)
            codes.column_dimensions[code_column].width = max(14, min(60, max(len(v) for v in values) + 2))
            sheet.column_dimensions[get_column_letter(column)].width = max(
                sheet.column_dimensions[get_column_letter(column)].width, min(40, max(len(v) for v in values) + 2)
            )
            validation = DataValidation(
                type="list",
                formula1=f"='{text['codes']}'!${code_column}$2:${code_column}${len(values) + 1}",
                allow_blank=not spec.required,
                showErrorMessage=True,
                errorTitle=text["error_title"],
                error=text["error"].format(column=spec.name),
            )
            sheet.add_data_validation(validation)
            validation.add(f"{get_column_letter(column)}2:{get_column_letter(column)}5000")
    sheet.freeze_panes = "A2"
    guide.append(text["header"])
    for spec in specs:
        guide.append(
            [
                spec.name,
                text["yes"] if spec.required else text["no"],
                spec.description_nb if language == "nb" else spec.description_en,
            ]
        )
    guide.append([])
    guide.append([text["note"].format(codes=text["codes"])])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["C"].width = 70
    workbook.save(path)
    return path
