"""Reading a coordinator's CSV or Excel file as text: the one place where input hygiene happens.

What a file may be, and what happens to it (the Data page states the limits):

* **Size.** At most :data:`MAX_ROWS` data rows, :data:`MAX_COLUMNS` columns, :data:`MAX_CELLS` cells,
  :data:`MAX_CELL_CHARS` characters in one cell and :data:`MAX_TOTAL_CHARS` characters in all; a CSV file at
  most :data:`MAX_FILE_BYTES` bytes. Excel files are streamed (openpyxl's read-only mode) and the limits are
  checked while streaming, so a small "zip bomb" that unpacks to millions of cells stops at the limit with a
  message instead of filling the memory.
* **Encoding (CSV).** UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252. A file that mixes
  UTF-8 and Windows-1252 lines (or has bytes valid in neither) is refused with a message naming the first
  line that does not fit; it is never decoded into garbled text.
* **Rows and line breaks.** A CSV row ends at LF or CR LF (at CR only in a file with no LF at all). A lone CR,
  U+2028, U+2029, U+0085, a vertical tab or a form feed inside a cell is a line break *in the cell*, never a
  new row. Excel's escaped characters (``_x000D_``) are unescaped. Every line break in a cell is stored as
  ``"\\n"``.
* **Control characters.** Other control characters (NUL and the like) are kept as read, and validation
  refuses them with a row/column message (see :mod:`kompilot_data.records.schema`).
* **Spaces.** Cells are stripped; blank trailing rows and unnamed blank columns are dropped.
* **Our own exports.** A file written by kompilot's export starts with a title row beginning
  :data:`EXPORT_MARK`. Only in such a file is the apostrophe that the export put in front of ``= + - @``
  (and of ``'``) taken off again; a leading apostrophe in anyone else's file is the user's own and is kept.

Problems are raised as :class:`ReadError`, whose message is Norwegian and says what to do.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kompilot_data.records.schema import LINE_BREAKS, SPECS, TEXT_MAX_LENGTH
from kompilot_data.reference.errors import KompilotError, Text, message
from kompilot_data.reference.errors import text as make_text

MAX_ROWS = 150_000
MAX_COLUMNS = 60
MAX_CELLS = 2_500_000
MAX_CELL_CHARS = TEXT_MAX_LENGTH
MAX_TOTAL_CHARS = 50_000_000
MAX_FILE_BYTES = 100 * 2**20
MAX_SHARED_STRINGS_BYTES = 64 * 2**20
BLANK_ROWS_END = 50_000  # this many blank rows in a row end an Excel sheet (formatting left far below the data)
EXPORT_MARK = "kompilot-eksport"
EXPORT_TITLE = f"{EXPORT_MARK}: apostrofen foran tekst som begynner med = + - @ eller ' er lagt til av eksporten"
HEADER_SCAN_ROWS = 30

_LONE_CR = re.compile(r"\r(?!\n)")
_XLSX_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


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


def header_key(text: object) -> str:
    """'Antall deltakere' -> 'antalldeltakere'; 'Kompetanse­område' -> 'kompetanseomrade'."""
    text = str(text).strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text)


def known_header(value: object) -> str | None:
    """The import column a header names, by alias or by the column's own name; None if unknown."""
    key = header_key(value)
    if key in HEADER_ALIASES:
        return HEADER_ALIASES[key]
    return _COLUMN_KEYS.get(key)


_COLUMN_KEYS = {spec.name.replace("_", ""): spec.name for specs in SPECS.values() for spec in specs}


class ReadError(KompilotError, ValueError):
    """A file that cannot be read as it is; the message says why and what to do."""


@dataclass
class ReadResult:
    """A file read as text: the frame, the spreadsheet row number of its first data row, and notes."""

    frame: pd.DataFrame
    first_data_row: int
    sheet: str | None = None
    notes: list[Text] = field(default_factory=list)
    exported: bool = False  # written by kompilot's export (apostrophes before = + - @ ' were added by it)


# --- entry point --------------------------------------------------------------------------------


def read_upload(source: Path | str | bytes, filename: str | None = None) -> ReadResult:
    """Read a CSV or .xlsx file (path or bytes) as text, finding the header row.

    Raises
    ------
    ReadError
        Broken, wrong or too large files, and mixed encodings (Norwegian message).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _too_large_file(filename, path.stat().st_size)
        data = path.read_bytes()
    else:
        data = source
    name = filename or message("file_default")
    lower = str(filename or "").lower()
    if not data.strip():
        raise ReadError("err_file_empty", name=name)
    if data[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm")):
        return _read_excel(data, name)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or lower.endswith(".xls"):
        raise ReadError("err_file_xls", name=name)
    if data[:5] == b"%PDF-" or lower.endswith((".pdf", ".docx", ".doc", ".pptx", ".zip")):
        raise ReadError("err_file_wrong", name=name)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large_file(name, len(data))
    return _read_csv(data, name)


def _too_large_file(name, size: int) -> ReadError:
    return ReadError("err_file_too_large", name=name, size=f"{size / 2**20:.0f}", most=MAX_FILE_BYTES // 2**20)


def _too_many(what: str, limit: int, name) -> ReadError:
    """``what``: ``unit_rows`` or ``unit_characters``."""
    return ReadError("err_file_too_many", name=name, limit=_spaced(limit), what=message(what))


def _spaced(number: int) -> str:
    """12 345 (a space between thousands, as the messages write numbers)."""
    return f"{number:,d}".replace(",", " ")


# --- CSV ----------------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """The file's text and notes; UTF-8, UTF-16 (BOM) or Windows-1252, never a mix."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as error:
            raise ReadError("err_file_utf16", name=name, byte=error.start) from None
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    first_bad = first_utf8 = None
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            first_bad = first_bad or number
        else:
            first_utf8 = first_utf8 or number
        if first_bad and first_utf8:
            raise ReadError("err_file_mixed_encodings", name=name, utf8=first_utf8, other=first_bad)
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReadError("err_file_encoding", name=name, line=line) from None
    return text, [make_text("note_read_cp1252")]


def _read_csv(data: bytes, name: str) -> ReadResult:
    text, notes = _decode(data, name)
    if text.count("\x00") > max(16, len(text) // 100):
        raise ReadError("err_file_wrong", name=name)
    if "\n" in text:
        text = _LONE_CR.sub("\u2028", text)  # a lone CR is a line break inside a cell, not a row end
    # The header: the first of the first 30 lines with three known column names (title lines above it).
    head = text.split("\n", HEADER_SCAN_ROWS)[:HEADER_SCAN_ROWS]
    header_index = _find_header([re.split(r"[;,\t]", line) for line in head])
    header_line = head[header_index] if head else ""
    separator = max([";", ",", "\t"], key=header_line.count)
    if csv.field_size_limit() < MAX_CELL_CHARS + 1:
        csv.field_size_limit(MAX_CELL_CHARS + 1)
    above = list(csv.reader(io.StringIO("\n".join(head[: header_index + 1]), newline=""), delimiter=separator))
    header = above[header_index] if len(above) > header_index else []
    if len(header) > MAX_COLUMNS:
        raise _too_many("unit_columns", MAX_COLUMNS, name)
    body = text[sum(len(line) + 1 for line in head[: header_index + 1]) :]
    columns = _csv_columns(body, separator, len(header), header_index + 2, name)
    result = _table(header, columns, above[:header_index], header_index + 2, name)
    result.notes = notes
    return result


def _csv_columns(body: str, separator: str, width: int, first_row: int, name: str) -> list[list[str]]:
    """The data rows as columns of text: pandas' C parser, or the csv module when rows are ragged."""
    if width == 0 or not body.strip():
        return [[] for _ in range(width)]
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=separator,
            header=None,
            names=list(range(width)),
            dtype=object,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
            quotechar='"',
            doublequote=True,
        )
        if len(frame) > MAX_ROWS + BLANK_ROWS_END:
            raise _too_many("unit_rows", MAX_ROWS, name)
        return [frame[i].to_numpy(dtype=object).tolist() for i in range(width)]
    except (pd.errors.ParserError, ValueError):
        pass  # rows with more cells than the header, or a cell the C parser refuses: the careful way
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=separator)
    try:
        for row in reader:
            if len(row) > width:
                if "".join(row[width:]).strip():
                    raise ReadError(
                        "err_file_row_width", name=name, row=first_row + len(rows), cells=len(row), width=width
                    )
                row = row[:width]
            rows.append(row + [""] * (width - len(row)))
            if len(rows) > MAX_ROWS + BLANK_ROWS_END:
                raise _too_many("unit_rows", MAX_ROWS, name)
    except csv.Error:
        raise ReadError(
            "err_file_cell_or_quote", name=name, row=first_row + len(rows), most=_spaced(MAX_CELL_CHARS)
        ) from None
    return [list(values) for values in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


# --- Excel --------------------------------------------------------------------------------------


def _cell_text(value, cache: dict) -> str:
    """An Excel value as text; numbers and dates as the import reads them (cached: they repeat a lot)."""
    if value is None:
        return ""
    if isinstance(value, str):
        if "_x" in value:
            value = _XLSX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
        return value
    try:
        return cache[value]
    except (KeyError, TypeError):
        pass
    if hasattr(value, "strftime"):
        text = value.strftime("%Y-%m-%d")
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    if len(cache) < 100_000:
        with contextlib.suppress(TypeError):
            cache[value] = text
    return text


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData[\s>/]")
MAX_SHEET_XML_BYTES = 2 << 30


def _prescan(archive: zipfile.ZipFile, member: str, name: str) -> list[tuple[int, int, int, int]]:
    """Count the sheet's rows and cells by streaming its XML (bounded memory), before anything is parsed.

    Refuses a sheet over the limits at once (a small zip can unpack to millions of cells); returns the merged
    ranges (min_row, min_col, max_row, max_col), which sit after the cells in the XML.
    """
    from openpyxl.utils import column_index_from_string  # late: openpyxl (~0.3 s) only when an Excel file is read

    ranges: set[tuple[int, int, int, int]] = set()
    rows = cells = size = 0
    tail = b""
    prefix = None
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            size += len(chunk)
            block = tail + chunk
            cut = block.rfind(b">") + 1  # scan whole tags only; the rest waits for the next chunk
            scanned, tail = block[:cut], block[cut:]
            if prefix is None and (found := _SHEET_DATA.search(scanned)):
                prefix = found.group(1) or b""
            tag = b"<" + (prefix or b"")
            rows += sum(scanned.count(tag + b"row" + end) for end in (b" ", b">", b"/"))
            cells += sum(scanned.count(tag + b"c" + end) for end in (b" ", b">", b"/"))
            if rows > MAX_ROWS + HEADER_SCAN_ROWS + BLANK_ROWS_END:
                raise _too_many("unit_rows", MAX_ROWS, name)
            if cells > MAX_CELLS + MAX_COLUMNS * HEADER_SCAN_ROWS:
                raise _too_many("unit_cells", MAX_CELLS, name)
            if size > MAX_SHEET_XML_BYTES or len(tail) > MAX_CELL_CHARS * 8:
                raise _too_many("unit_characters", MAX_TOTAL_CHARS, name)
            for match in _MERGE.finditer(scanned):
                a, r1, b, r2 = match.groups()
                ranges.add(
                    (int(r1), column_index_from_string(a.decode()), int(r2), column_index_from_string(b.decode()))
                )
                if len(ranges) > 10_000:
                    raise _too_many("unit_merged_ranges", 10_000, name)
    return sorted(ranges)


def _read_excel(data: bytes, name: str) -> ReadResult:
    from openpyxl import load_workbook  # late: openpyxl (~0.3 s) only when an Excel file is read

    broken = message("err_file_broken_excel", name=name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ReadError(broken) from None
    if "manifest.json" in names and "[Content_Types].xml" not in names:
        raise ReadError("err_file_is_backup", name=name)
    if "xl/workbook.xml" not in names:
        raise ReadError("err_file_wrong", name=name)
    for info in archive.infolist():
        if info.filename.endswith("sharedStrings.xml") and info.file_size > MAX_SHARED_STRINGS_BYTES:
            raise _too_many("unit_characters", MAX_TOTAL_CHARS, name)
    try:
        # Every sheet is measured first: openpyxl itself parses a whole sheet to find its size when the
        # sheet does not declare it, so an oversized sheet must be refused before openpyxl opens the file.
        sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        merges = {member: _prescan(archive, member, name) for member in sheets}
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = _pick_sheet(workbook)
            merges = merges.get(sheet._worksheet_path.lstrip("/"), [])
            rows = _stream_sheet(sheet, name)
        finally:
            workbook.close()
    except ReadError:
        raise
    except MemoryError:
        raise _too_many("unit_characters", MAX_TOTAL_CHARS, name) from None
    except Exception:  # any parser error in a broken file becomes one clear message
        raise ReadError(broken) from None
    for min_row, min_col, max_row, max_col in merges:  # every cell of a merged range gets the range's value
        if min_row - 1 >= len(rows):
            continue
        top = rows[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else ""
        for r in range(min_row - 1, min(max_row, len(rows))):
            row = rows[r]
            last = min(max_col, MAX_COLUMNS)
            if len(row) < last:
                row.extend([""] * (last - len(row)))
            for c in range(min_col - 1, last):
                row[c] = value
    header_index = _find_header(rows[:HEADER_SCAN_ROWS])
    header = rows[header_index] if rows else []
    width = len(header)
    body = [
        row[:width] if len(row) >= width else [*row, *[""] * (width - len(row))] for row in rows[header_index + 1 :]
    ]
    columns = [list(values) for values in zip(*body, strict=True)] if body else [[] for _ in range(width)]
    result = _table(header, columns, rows[:header_index], header_index + 2, name)
    result.sheet = sheet.title
    return result


def _stream_sheet(sheet, name: str) -> list[list[str]]:
    """The sheet's rows as text, with the limits checked row by row."""
    rows: list[list[str]] = []
    cache: dict = {}
    cells = total = blank_run = 0
    width = None
    sheet.reset_dimensions()  # the declared size may be wrong (too small or huge): read what is there
    for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
        if len(values) > MAX_COLUMNS and values[MAX_COLUMNS] is not None:
            raise _too_many("unit_columns", MAX_COLUMNS, name)
        row = [_cell_text(v, cache) for v in values[:MAX_COLUMNS]]
        while row and row[-1] == "":
            row.pop()
        if not row:
            blank_run += 1
            if blank_run >= BLANK_ROWS_END:
                break
            rows.append(row)
            continue
        blank_run = 0
        rows.append(row)
        if width is None and len(rows) <= HEADER_SCAN_ROWS and _known_count(row) >= 3:
            width = len(row)
        cells += min(len(row), width or len(row))
        for position, text in enumerate(row, start=1):
            if len(text) > MAX_CELL_CHARS:
                raise ReadError(
                    "err_file_cell_long",
                    name=name,
                    row=len(rows),
                    column=position,
                    length=_spaced(len(text)),
                    most=_spaced(MAX_CELL_CHARS),
                )
            total += len(text)
        if len(rows) > MAX_ROWS + HEADER_SCAN_ROWS:
            raise _too_many("unit_rows", MAX_ROWS, name)
        if cells > MAX_CELLS:
            raise _too_many("unit_cells", MAX_CELLS, name)
        if total > MAX_TOTAL_CHARS:
            raise _too_many("unit_characters", MAX_TOTAL_CHARS, name)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _pick_sheet(workbook):
    """The first sheet whose first rows contain a recognisable header (else the active sheet)."""
    for sheet in workbook.worksheets:
        rows = [
            list(r) for r in sheet.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, max_col=MAX_COLUMNS, values_only=True)
        ]
        if rows and sum(_known(v) for v in rows[_find_header(rows)]) >= 3:
            return sheet
    return workbook.active or workbook.worksheets[0]


# --- the table ----------------------------------------------------------------------------------


def _known(value) -> bool:
    return value not in (None, "") and known_header(value) is not None


def _known_count(row) -> int:
    return sum(_known(v) for v in row)


def _find_header(rows: list[list]) -> int:
    """The first row with at least three recognisable column names (title rows above are skipped)."""
    best, best_count = 0, -1
    for index, row in enumerate(rows):
        hits = _known_count(row)
        if hits >= 3:
            return index
        if hits > best_count:
            best, best_count = index, hits
    return best


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        name = name or "kolonne"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}.{seen[name]}")
    return out


_BREAKS = "\r\x0b\x0c\x85\u2028\u2029"  # every character LINE_BREAKS matches


def _cells(values: list[str]) -> list[str]:
    """One column's cells, stripped; line breaks normalised where a cell has any (one scan per column)."""
    joined = "".join(values)
    if any(character in joined for character in _BREAKS):
        return [LINE_BREAKS.sub("\n", v).strip() for v in values]
    return list(map(str.strip, values))


def _table(header: list, columns: list[list[str]], above: list[list], first_data_row: int, name: str) -> ReadResult:
    """The frame: header names, stripped text columns; blank trailing rows and unnamed blank columns dropped."""
    exported = any(row and str(row[0]).strip().startswith(EXPORT_MARK) for row in above)
    names = _unique([str(v).strip() for v in header])
    cleaned = [_cells(values) for values in columns]
    rows = len(cleaned[0]) if cleaned else 0
    while rows and not any(column[rows - 1] for column in cleaned):  # blank trailing rows
        rows -= 1
    if rows > MAX_ROWS:
        raise _too_many("unit_rows", MAX_ROWS, name)
    kept = {
        column: values[:rows]
        for column, values in zip(names, cleaned, strict=True)
        if not (column.startswith("kolonne") and not any(values[:rows]))  # unnamed and blank
    }
    frame = pd.DataFrame(kept, columns=list(kept), dtype=object) if names else pd.DataFrame()
    return ReadResult(frame, first_data_row, exported=exported)
