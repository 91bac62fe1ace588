"""Validation of needs and offers: every problem in every cell, with its row and column, in one pass.

A file is checked as text with a pandera schema built from the column specification
(:data:`kompilot_data.records.schema.SPECS`), plus the coordinate checks of :mod:`kompilot_data.records.spatial`;
each failure becomes a problem row (``rad``, ``kolonne``, ``verdi``, ``melding``) with a message that says what
to do. pandera is imported when a file is first validated, not when the package is imported (it takes 0.4 s
on a quiet machine and several seconds under load).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kompilot_data.records.schema import (
    CONTROL_CHARACTERS,
    ID_COLUMN,
    SPECS,
    STAGE_DATE_AFTER,
    STAGE_DATES,
    STATUS_STAGE_DATES,
    ColumnSpec,
    _as_text_frame,
    _is_int,
    known_municipalities,
    mapped,
    orgnr_is_valid,
    parse_bool,
    parse_date,
    parse_number,
    problem_frame,
    shown,
    text_limit,
    to_typed,
)
from kompilot_data.records.spatial import coordinate_problems
from kompilot_data.reference import load_municipalities, taxonomy
from kompilot_data.reference.errors import Choices, KompilotError, Message, Text, message, text, text_in
from kompilot_data.reference.i18n import DEFAULT_LANGUAGE, t
from kompilot_data.reference.regions import match_key

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    import pandera.pandas as pa


@lru_cache(maxsize=1)
def _pandera():
    """``pandera.pandas``, imported on the first validation: the one import of this module made late, because
    pandera takes 0.4 s to import on a quiet machine (3.7 s measured under load) and the app mostly reads."""
    import pandera.pandas as pa

    return pa


class DataValidationError(KompilotError, ValueError):
    """Raised when a file of needs or offers has invalid cells.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem with ``rad`` (row number as seen in Excel), ``kolonne``, ``verdi`` and ``melding``
        (the message: bokmål text that knows its English, :class:`~kompilot_data.reference.errors.Text`).
    source : str
        The file or data set the rows came from.
    """

    def __init__(self, problems: pd.DataFrame, source: str = "data"):
        self.problems = problems
        self.source = source
        more = message("err_validation_more", n=len(problems) - 20) if len(problems) > 20 else ""
        lines = ProblemLines(problems.head(20), indent="  ")
        super().__init__("err_validation", source=source, n=len(problems), lines=lines, more=more)


# --- pandera schema built from the specs -----------------------------------------------------


def _isin(allowed: list[str], name: str) -> pa.Check:
    pa = _pandera()
    allowed_set = frozenset(allowed)
    with_missing = allowed_set | {None}  # a missing value is the nullable check's business, not this one's
    return pa.Check(lambda series: series.isin(with_missing), name=name, ignore_na=False)


def _cell_check(function, name: str) -> pa.Check:
    """A per-cell rule, evaluated once per distinct value of the column."""
    pa = _pandera()
    # mapped() keeps missing values as NaN, which is truthy: no need for pandera to drop them per check
    return pa.Check(lambda series: mapped(series, function).astype(bool), name=name, ignore_na=False)


def _no_control_characters(series: pd.Series) -> pd.Series:
    values = series.to_numpy(dtype=object)
    try:
        joined = "\n".join(values)
    except TypeError:
        joined = "\n".join(str(v) for v in values if v is not None)
    if not CONTROL_CHARACTERS.search(joined):  # one search over the whole column
        return pd.Series(True, index=series.index)
    return series.map(lambda v: v is None or not CONTROL_CHARACTERS.search(str(v))).astype(bool)


def _not_longer_than(limit: int):
    def check(series: pd.Series) -> pd.Series:
        values = series.to_numpy(dtype=object)
        try:
            if max(map(len, values), default=0) <= limit:  # one pass in C for a column of text
                return pd.Series(True, index=series.index)
        except TypeError:
            pass
        lengths = np.fromiter((0 if v is None else len(str(v)) for v in values), int, count=len(values))
        return pd.Series(lengths <= limit, index=series.index)

    return check


def _present() -> pa.Check:
    pa = _pandera()

    def present(series: pd.Series) -> pd.Series:
        values = series.to_numpy(dtype=object)
        return pd.Series(values != None, index=series.index)  # noqa: E711 - element-wise, not identity

    return pa.Check(present, name="not_nullable", ignore_na=False)


def _column_checks(spec: ColumnSpec) -> list[pa.Check]:
    pa = _pandera()
    checks: list[pa.Check] = []
    limit = text_limit(spec)
    if limit is not None:
        checks.append(pa.Check(_no_control_characters, name="kontrolltegn", ignore_na=False))
        checks.append(pa.Check(_not_longer_than(limit), name=f"lengde:{limit}", ignore_na=False))
    if spec.kind == "code":
        checks.append(_isin(taxonomy.codes(spec.taxonomy), f"kode:{spec.taxonomy}"))
    elif spec.kind == "kommune":
        checks.append(_isin(known_municipalities(), "kommune"))
    elif spec.kind == "orgnr":
        checks.append(_cell_check(orgnr_is_valid, "orgnr"))
    elif spec.kind == "date":
        checks.append(_cell_check(lambda v: parse_date(v) is not None, "dato"))
    elif spec.kind == "bool":
        checks.append(_cell_check(lambda v: parse_bool(v) is not None, "janei"))
    elif spec.kind in ("int", "float"):
        parses = _is_int if spec.kind == "int" else (lambda v: parse_number(v) is not None)
        checks.append(_cell_check(parses, f"tall:{spec.kind}"))
        low = -np.inf if spec.minimum is None else spec.minimum
        high = np.inf if spec.maximum is None else spec.maximum
        checks.append(
            _cell_check(
                lambda v, lo=low, hi=high: (n := parse_number(v)) is None or lo <= n <= hi,
                f"intervall:{spec.minimum}:{spec.maximum}",
            )
        )
    return checks


def _row_check(name: str, function) -> pa.Check:
    pa = _pandera()
    return pa.Check(function, name=name)


def _needs_timeframe_ordered(frame: pd.DataFrame) -> pd.Series:
    start = mapped(frame["tidsramme_fra"], parse_date)
    end = mapped(frame["tidsramme_til"], parse_date)
    both = start.notna() & end.notna()
    return ~both | (end.where(both, start) >= start)


def _status_allows(column: str):
    allowed = [status for status, columns in STATUS_STAGE_DATES.items() if column in columns]

    def check(frame: pd.DataFrame) -> pd.Series:
        status = frame["status"]
        return frame[column].isna() | ~status.isin(list(STATUS_STAGE_DATES)) | status.isin(allowed)

    return check


def _not_before(column: str, earlier: str):
    def check(frame: pd.DataFrame) -> pd.Series:
        later, first = mapped(frame[column], parse_date), mapped(frame[earlier], parse_date)
        both = later.notna() & first.notna()
        return ~both | (later.where(both, first) >= first)

    return check


def _link_needs_status(frame: pd.DataFrame) -> pd.Series:
    return frame["tilbud_id"].isna() | (frame["status"] != "kartlagt")


def _stage_checks() -> list[tuple[str, str, object]]:
    checks: list[tuple[str, str, object]] = [("kobling_status", "tilbud_id", _link_needs_status)]
    for column in STAGE_DATES.values():
        checks.append((f"trinn_status:{column}", column, _status_allows(column)))
        for earlier in STAGE_DATE_AFTER[column]:
            checks.append((f"trinn_for:{column}:{earlier}", column, _not_before(column, earlier)))
    return checks


def _offer_place_given(frame: pd.DataFrame) -> pd.Series:
    needs_place = frame["laeringsform"].map(taxonomy.attribute("laeringsform", "krever_sted")).fillna(False)
    return ~needs_place.astype(bool) | frame["kommunenummer"].notna()


def _offer_min_not_above_capacity(frame: pd.DataFrame) -> pd.Series:
    minimum = mapped(frame["min_deltakere"], parse_number)
    capacity = mapped(frame["kapasitet"], parse_number)
    return minimum.isna() | capacity.isna() | (minimum <= capacity)


def _offer_coordinates_paired(frame: pd.DataFrame) -> pd.Series:
    return frame["lat"].isna() == frame["lon"].isna()


# Row checks: (check name, column the message points at, function).
ROW_CHECKS = {
    "needs": [("tidsramme", "tidsramme_til", _needs_timeframe_ordered), *_stage_checks()],
    "offers": [
        ("studiested_mangler", "kommunenummer", _offer_place_given),
        ("min_over_kapasitet", "min_deltakere", _offer_min_not_above_capacity),
        ("koordinatpar", "lon", _offer_coordinates_paired),
    ],
}


def build_schema(kind: str) -> pa.DataFrameSchema:
    """The pandera schema that validates a text frame of ``kind`` (``needs`` or ``offers``)."""
    pa = _pandera()
    specs = SPECS[kind]
    # Required values are checked by _present (one vectorised comparison) rather than pandera's nullable check,
    # which runs isna over every object column; the message is the same ("not_nullable").
    columns = {
        spec.name: pa.Column(
            None,
            checks=[*([_present()] if spec.required else []), *_column_checks(spec)],
            nullable=True,
            required=spec.required,
            coerce=False,
            unique=spec.name == ID_COLUMN[kind],
        )
        for spec in specs
    }
    return pa.DataFrameSchema(
        columns,
        checks=[_row_check(name, function) for name, _, function in ROW_CHECKS[kind]],
        strict=False,
    )


# --- messages ----------------------------------------------------------------------------------


def closest_codes(value: object, name: str, n: int = 1) -> list[str]:
    """Codes of the code list ``name`` closest to ``value`` by code or by label (bokmål or English)."""
    candidates: dict[str, str] = {}
    for language in ("nb", "en"):
        for code, label in taxonomy.labels(name, language).items():
            candidates.setdefault(match_key(label), code)
    for code in taxonomy.codes(name):
        candidates.setdefault(match_key(code), code)
    close = difflib.get_close_matches(match_key(value), list(candidates), n=3 * n, cutoff=0.6)
    return list(dict.fromkeys(candidates[key] for key in close))[:n]


def _code_hint(value: object, name: str) -> Message:
    """The closest code (matched by code or by label: «Helse og omsrog» -> «helse»), else the allowed codes."""
    close = closest_codes(value, name)
    if close:
        return message("err_did_you_mean", name=close[0])
    return message("cell_code_allowed", codes=", ".join(taxonomy.codes(name)))


def closest_municipalities(value: object, n: int = 3) -> list[str]:
    """Names of the municipalities closest to ``value`` (their name, Sami name or a part of the official name)."""

    names: dict[str, str] = {}
    for _, row in load_municipalities().iterrows():
        for name in (row["navn"], row["samisk_navn"], *str(row["offisielt_navn"]).split(" - ")):
            if isinstance(name, str) and name.strip():
                names.setdefault(match_key(name), row["navn"])
    key = match_key(value)
    scored = sorted(
        ((difflib.SequenceMatcher(None, key, other).ratio(), other) for other in names), key=lambda p: (-p[0], p[1])
    )
    if not scored or scored[0][0] < 0.6:
        return []
    best = scored[0][0]
    close = [other for ratio, other in scored if ratio >= max(0.6, best - 0.1)]  # only about as close as the best
    return list(dict.fromkeys(names[other] for other in close))[:n]


def _municipality_message(value: object) -> Text:
    written = str(value).strip()
    if re.fullmatch(r"\d+", written):  # a number: the closest number
        close = difflib.get_close_matches(written, known_municipalities(), n=1, cutoff=0.6)
        hint = message("err_did_you_mean", name=close[0]) if close else ""
        return text("cell_municipality_number", value=shown(value), hint=hint)
    close = closest_municipalities(value)
    if close:
        return text("cell_municipality_close", value=shown(value), names=Choices(tuple(close)))
    return text("cell_municipality", value=shown(value))


#: Checks whose message needs nothing but the shown value.
VALUE_MESSAGES = {
    "column_in_dataframe": "cell_column_missing",
    "field_uniqueness": "cell_id_twice",
    "unique": "cell_id_twice",
    "orgnr": "cell_orgnr",
    "dato": "cell_date",
    "janei": "cell_yes_no",
    "tall:int": "cell_integer",
    "tall:float": "cell_number",
}
#: Checks whose message is fixed.
FIXED_MESSAGES = {
    "not_nullable": "cell_required",
    "tidsramme": "cell_timeframe",
    "kobling_status": "cell_link_status",
    "studiested_mangler": "cell_place_missing",
    "min_over_kapasitet": "cell_min_over_capacity",
    "koordinatpar": "cell_coordinates_pair",
}


def _message(check: str, column: str | None, value: object) -> Text:
    """The message of a failed check on a cell (its ``melding``): a :class:`Text`, bokmål that knows its English."""
    if check == "kontrolltegn":
        found = CONTROL_CHARACTERS.search(str(value))
        where = (
            message("cell_control_where", code=f"{ord(found.group()):04X}", position=found.start() + 1)
            if found
            else message("cell_control_unknown")
        )
        return text("cell_control", value=shown(value), where=where)
    if check.startswith("lengde:"):
        limit = int(check.split(":", 1)[1])
        length, most = (f"{n:,d}".replace(",", " ") for n in (len(str(value)), limit))
        return text("cell_too_long", value=shown(value), length=length, most=most)
    value = shown(value)
    if check in VALUE_MESSAGES:
        return text(VALUE_MESSAGES[check], value=value)
    if check in FIXED_MESSAGES:
        return text(FIXED_MESSAGES[check])
    if check.startswith("kode:"):
        return text("cell_code", value=value, hint=_code_hint(value, check.split(":", 1)[1]))
    if check == "kommune":
        return _municipality_message(value)
    if check.startswith("intervall:"):
        _, low, high = check.split(":")
        return text("cell_range", value=value, low=_fmt(low), high=_fmt(high))
    if check.startswith("trinn_status:"):
        column = check.split(":", 1)[1]
        allowed = tuple(status for status, columns in STATUS_STAGE_DATES.items() if column in columns)
        return text("cell_stage_status", column=column, statuses=Choices(allowed))
    if check.startswith("trinn_for:"):
        _, column, earlier = check.split(":")
        if earlier == "registrert":
            return text("cell_stage_before_registered", column=column)
        return text("cell_stage_before", column=column, earlier=earlier)
    return text("cell_invalid", value=value, check=check)


def _fmt(bound: str) -> str:
    if bound == "None":
        return "…"
    number = float(bound)
    return f"{number:,.0f}".replace(",", " ") if number.is_integer() else bound


def format_problems(problems: pd.DataFrame, language: str = DEFAULT_LANGUAGE) -> str:
    """One line per problem in ``language``: ``Rad 5, kolonne «niva»: …`` / ``Row 5, column “niva”: …``."""
    lines = []
    for row in problems.itertuples(index=False):
        said = text_in(row.beskjed if getattr(row, "beskjed", None) is not None else row.melding, language)
        if pd.isna(row.kolonne) or row.kolonne is None:  # a problem with the whole file
            lines.append(said)
        elif pd.notna(row.rad):
            lines.append(t("problem_row_column", language, row=row.rad, column=row.kolonne, message=said))
        else:
            lines.append(t("problem_column", language, column=row.kolonne, message=said))
    return "\n".join(lines)


@dataclass(frozen=True)
class ProblemLines:
    """Problems as a message parameter: :func:`format_problems` in the reader's language, indented by ``indent``."""

    problems: pd.DataFrame
    indent: str = ""

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return "\n".join(f"{self.indent}{line}" for line in format_problems(self.problems, language).splitlines())


def problem_code(beskjed: object) -> str | None:
    """The message code of a problem's ``beskjed`` (None without one)."""
    return beskjed.code if isinstance(beskjed, Message) else None


def _problems_from_errors(errors: pa.errors.SchemaErrors, kind: str, first_data_row: int) -> pd.DataFrame:
    cases = errors.failure_cases
    row_check_columns = {name: column for name, column, _ in ROW_CHECKS[kind]}
    records = []
    for case in cases.itertuples(index=False):
        check = str(case.check)
        index = case.index
        column = case.column
        value = case.failure_case
        if check in row_check_columns:
            column = row_check_columns[check]
        if check == "column_in_dataframe":
            column = value
        rad = None if index is None or pd.isna(index) else int(index) + first_data_row
        records.append({"rad": rad, "kolonne": column, "verdi": value, "melding": _message(check, column, value)})
    problems = problem_frame(records)
    problems["rad"] = problems["rad"].astype("Int64")
    problems = problems.drop_duplicates(subset=["rad", "kolonne", "melding"])
    return problems.sort_values(["rad", "kolonne"], na_position="first").reset_index(drop=True)


def validate(frame: pd.DataFrame, kind: str, first_data_row: int = 2) -> pd.DataFrame:
    """Validate a frame of needs or offers as text; return the problems (empty when valid).

    Parameters
    ----------
    frame : pandas.DataFrame
        Cells as read from the file (strings, or numbers/dates from Excel).
    kind : {"needs", "offers"}
    first_data_row : int
        The spreadsheet row number of the frame's first row (2 when the header
        is row 1), so messages match what the user sees in Excel.
    """
    pa = _pandera()
    if kind not in SPECS:
        raise ValueError(f"kind must be 'needs' or 'offers', not {kind!r}")
    text = _as_text_frame(frame)
    schema = build_schema(kind)
    missing = [c for c in schema.columns if schema.columns[c].required and c not in text.columns]
    if missing:
        return problem_frame(
            [{"rad": None, "kolonne": c, "verdi": c, "melding": _message("column_in_dataframe", c, c)} for c in missing]
        )
    for spec in SPECS[kind]:
        if spec.name not in text.columns:
            text[spec.name] = None
    problems = problem_frame([])
    try:
        schema.validate(text, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems = _problems_from_errors(errors, kind, first_data_row)
    if kind == "offers":  # coordinates in Trøndelag and in the stated municipality (records/spatial.py)
        problems = coordinate_problems(text, first_data_row, problems)
    return problems


def validated(frame: pd.DataFrame, kind: str, source: str = "data", first_data_row: int = 2) -> pd.DataFrame:
    """Validate and convert; raise :class:`DataValidationError` naming row and column on bad input."""
    problems = validate(frame, kind, first_data_row=first_data_row)
    if len(problems):
        raise DataValidationError(problems, source)
    return to_typed(frame, kind)
