"""Tables as a reader sees them: translated headers, labels for codes, dates as dd.mm.yyyy, blanks for
missing values, "ja"/"nei" for booleans and, for cells the View hid, "<3" (built on fewer than 3 businesses)
or ":" (hidden as a complement), chosen by :func:`kompilot_data.engine.disclosure.hidden_markers`.

Every table the app shows or offers for download goes through :func:`display_table`, so no internal
column name (``behov_id``, ``naering``, ``ettersporsel``), code (``helse``), ``None``/``NaN`` or ISO date
reaches a user. Headers come from the ``th_<column>`` keys in ``texts/labels/design.toml``; a column without
such a key is a programming error (:func:`header` raises), so a new column cannot slip through untranslated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kompilot_data.engine.disclosure import hidden_markers
from kompilot_data.reference import OUTSIDE_PILOT, load_municipalities, taxonomy
from kompilot_data.reference.i18n import TEXTS, format_date, format_number, format_percent, t

#: Code columns and their code list; ``status`` depends on the kind of record (see :func:`display_table`).
CODE_COLUMNS = {
    "kompetanseomrade": "kompetanseomrade",
    "niva": "niva",
    "laeringsform": "laeringsform",
    "foreslaatt_form": "laeringsform",
    "naering": "naering",
    "storrelse": "storrelse",
    "kilde": "behov_kilde",
    "type": "studiested_type",
    "evu_klasse": "evu_klasse",
    "studieform": "studieform",
}
#: Columns whose values are fixed Norwegian words from the engine, translated by label key.
VALUE_KEYS = {
    "foreslaatt_form": {"stedlig": "value_mode_local", "samlingsbasert eller nettbasert": "value_mode_distributed"},
    "bedriftskurs": {"egen": "value_in_company_own", "mobil": "value_in_company_mobile"},
}
#: Columns holding a kommunenummer; shown as the municipality's name.
MUNICIPALITY_COLUMNS = ("vert_kommunenummer",)
#: Helper columns that never reach a reader.
INTERNAL_COLUMNS = (
    "skjult",
    "primaer",
    "sekundaer",
    "behov_ids",
    "bedrifter_etterspurt",
    "_alle",
    "versjon",
    "batch_id",
    "pool",
)
#: Offer columns that repeat the capacity (issue 20: seats = the capacity of the intake); shown once, as it.
SAME_AS_CAPACITY = ("plasser",)
#: Decimals of float columns (others: 0, or 1 when a value has a fraction).
DECIMALS = {
    "poeng": 2,
    "indeks": 2,
    "dekning": 2,
    "lat": 4,
    "lon": 4,
    "sokere_per_plass": 1,
    "studiepoeng": 1,
    "behov_per_1000": 1,
    "andel_hoyere_utdanning": 1,
    "endring_befolkning_2020": 1,
    "niva_poeng": 2,
}
PERCENT_COLUMNS = ("andel_hoyere_utdanning", "endring_befolkning_2020", "andel_innen_rekkevidde")


def header_key(column: str) -> str:
    return f"th_{column}"


def has_header(column: str) -> bool:
    return header_key(column) in TEXTS


def header(column: str, language: str) -> str:
    """The reader's header for ``column``: its ``th_`` label, else ``KeyError`` - never the raw name.
    ``tests/test_design.py`` checks that every schema and View column has its own label."""
    if has_header(column):
        return t(header_key(column), language)
    raise KeyError(f"no table header for column {column!r}: add th_{column} to texts/labels/design.toml")


def yes_no(value, language: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return t("value_yes" if bool(value) else "value_no", language)


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value) -> str:
    return "" if _is_missing(value) else str(value)


def _number_text(value, decimals: int, language: str) -> str:
    return "" if _is_missing(value) else format_number(float(value), language, decimals)


def display_table(
    frame: pd.DataFrame,
    language: str,
    kind: str | None = None,
    columns: list[str] | None = None,
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """``frame`` as the reader sees it, in ``language``.

    ``kind`` ("needs" or "offers") decides which code list ``status`` uses (guessed from ``behov_id`` /
    ``tilbud_id`` otherwise). ``columns`` picks and orders columns (default: all but the internal ones).
    ``kommunenummer`` gets the municipality's name beside it. Rows with ``skjult`` show a mark in their
    missing numeric cells: "<3" where ``primaer`` (fewer than 3 businesses), ":" where hidden as a complement
    (``sekundaer``) or without a ``primaer`` column (:func:`~kompilot_data.engine.disclosure.hidden_markers`);
    other missing cells are blank. Whole numbers stay numbers (sortable); numbers
    with decimals, dates, booleans and codes become text. ``names`` overrides headers (column → text).
    """
    marks = hidden_markers(frame).to_numpy()
    if columns is None:
        columns = [c for c in frame.columns if c not in INTERNAL_COLUMNS]
        if "kapasitet" in frame:  # an offer's seats (plasser) are its capacity: one column for both
            columns = [c for c in columns if c not in SAME_AS_CAPACITY]
    if kind is None:
        kind = "needs" if "behov_id" in frame else "offers" if "tilbud_id" in frame else None
    municipalities = load_municipalities()["navn"]
    out: dict[str, pd.Series] = {}
    for column in columns:
        values = frame[column]
        shown = _column(column, values, marks, kind, language, municipalities)
        out[column] = shown
        if column == "kommunenummer" and "kommune" not in frame and "navn" not in frame:
            out["kommune"] = values.astype("string").map(municipalities).fillna("").astype(object)
    result = pd.DataFrame(out, index=frame.index)
    result.columns = [(names or {}).get(c) or header(c, language) for c in result.columns]
    return result.reset_index(drop=True)


def _column(column: str, values: pd.Series, marks, kind, language, municipalities) -> pd.Series:
    numeric = pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype, pd.CategoricalDtype)
    if (column == "status" or column in CODE_COLUMNS) and not numeric:
        name = CODE_COLUMNS.get(column) or ("tilbud_status" if kind == "offers" else "behov_status")
        labels = taxonomy.labels(name, language)
        return values.astype("string").map(lambda v: "" if _is_missing(v) else labels.get(v, v)).astype(object)
    if column in VALUE_KEYS:
        keys = VALUE_KEYS[column]
        return values.map(lambda v: t(keys[v], language) if v in keys else _text(v)).astype(object)
    if column in MUNICIPALITY_COLUMNS:
        return values.astype("string").map(lambda v: "" if _is_missing(v) else municipalities.get(v, v)).astype(object)
    if column == "delregion":
        return values.map(lambda v: t("outside_pilot", language) if v == OUTSIDE_PILOT else _text(v)).astype(object)
    if pd.api.types.is_bool_dtype(values) or (
        values.dtype == object
        and values.dropna().map(lambda v: isinstance(v, bool | np.bool_)).all()
        and values.notna().any()
    ):
        return values.map(lambda v: yes_no(v, language)).astype(object)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.map(lambda v: "" if _is_missing(v) else format_date(v, language)).astype(object)
    if values.dtype == object and values.dropna().map(lambda v: hasattr(v, "strftime")).all() and values.notna().any():
        return values.map(lambda v: "" if _is_missing(v) else format_date(v, language)).astype(object)
    if pd.api.types.is_numeric_dtype(values):
        return _numbers(column, values.astype(float), marks, language)
    if column == "kommuner":  # a list of municipality numbers, or names joined by commas
        return values.map(lambda v: _municipality_list(v, municipalities)).astype(object)
    return values.map(_text).astype(object)


def _numbers(column: str, values: pd.Series, marks: np.ndarray, language: str) -> pd.Series:
    """Numbers as read; a missing value in a hidden row (``marks`` not empty) shows its mark."""
    hidden = marks != ""
    finite = values[np.isfinite(values.to_numpy())]
    whole = bool((finite == finite.round()).all()) and column not in DECIMALS and column not in PERCENT_COLUMNS
    needs_text = bool(hidden.any() and values[hidden].isna().any())
    if whole and not needs_text:
        return values.round().astype("Int64")
    if column in PERCENT_COLUMNS:
        texts = values.map(lambda v: "" if _is_missing(v) else format_percent(v, language, DECIMALS.get(column, 0)))
    else:
        decimals = 0 if whole else DECIMALS.get(column, 1)
        texts = values.map(lambda v: _number_text(v, decimals, language))
    texts = texts.astype(object)
    where = hidden & values.isna().to_numpy()
    texts[where] = marks[where]
    return texts


def _municipality_list(value, municipalities) -> str:
    if _is_missing(value) if not isinstance(value, list | tuple | np.ndarray) else False:
        return ""
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(municipalities.get(str(v), str(v)) for v in value)
    return str(value)


def record_card(record: pd.Series, language: str, kind: str | None = None) -> list[tuple[str, str]]:
    """One record as (label, value) pairs for a detail card: labelled, formatted, empty fields left out."""
    frame = display_table(record.to_frame().T.infer_objects(), language, kind=kind)
    row = frame.iloc[0]
    return [(label, str(value)) for label, value in row.items() if not _is_missing(value) and str(value) != ""]


def pivot(
    table: pd.DataFrame,
    value: str,
    language: str,
    rows: str,
    columns: str,
    row_labels: dict | None = None,
    column_labels: dict | None = None,
    corner: str | None = None,
    percent: bool = False,
) -> pd.DataFrame:
    """A View count table (indexed by ``rows`` and ``columns``, with ``value`` and ``skjult``) as a readable
    cross table: one row per ``rows`` label, one column per ``columns`` label, numbers in
    the reader's format (``percent``: shares as "45 %"); a hidden cell shows "<3" where ``primaer``, else ":"
    (:func:`~kompilot_data.engine.disclosure.hidden_markers`). ``corner`` heads the row-label column."""
    flat = table.reset_index()
    marks = hidden_markers(flat)

    def cell(v, mark):
        if mark:
            return mark
        if _is_missing(v):
            return ""
        return format_percent(v, language) if percent else format_number(v, language)

    flat["_text"] = [cell(v, m) for v, m in zip(flat[value], marks, strict=True)]
    flat["_row"] = flat[rows].map(lambda v: (row_labels or {}).get(v, _label(v, language)))
    flat["_column"] = flat[columns].map(lambda v: (column_labels or {}).get(v, _label(v, language)))
    row_order = list(dict.fromkeys(flat["_row"]))
    column_order = list(dict.fromkeys(flat["_column"]))
    out = flat.pivot(index="_row", columns="_column", values="_text").reindex(index=row_order, columns=column_order)
    out = out.fillna("").reset_index()
    out.columns = [corner or "", *column_order]
    out.columns.name = None
    return out


def _label(value, language: str) -> str:
    if value == OUTSIDE_PILOT:
        return t("outside_pilot", language)
    if hasattr(value, "strftime"):
        return value.strftime("%m.%Y") if language == "nb" else value.strftime("%b %Y")
    return str(value)
