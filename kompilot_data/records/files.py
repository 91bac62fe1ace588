"""Loading needs and offers from files: the embedded demo data or a coordinator's CSV/Excel."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pandas as pd

from kompilot_data._paths import DEMO_DIR
from kompilot_data.records.schema import validated


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a CSV (comma or semicolon, UTF-8 with/without BOM or Windows-1252) or .xlsx file as text."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    first_line = text.split("\n", 1)[0]
    separator = ";" if first_line.count(";") > first_line.count(",") else ","

    return pd.read_csv(StringIO(text), sep=separator, dtype=str, keep_default_na=False)


def _load(kind: str, path: Path | str | None) -> pd.DataFrame:
    path = Path(path) if path is not None else DEMO_DIR / f"{kind}.csv"
    return validated(read_table(path), kind, source=str(path))


def load_needs(path: Path | str | None = None) -> pd.DataFrame:
    """Load and validate needs (kompetansebehov); the embedded demo data when ``path`` is None.

    Returns
    -------
    pandas.DataFrame
        Typed columns as in ``schema.NEED_COLUMNS``: categoricals for codes,
        datetimes for dates, ``Int64`` counts.

    Raises
    ------
    DataValidationError
        Naming the file, row (as numbered in Excel) and column of every bad cell.
    """
    return _load("needs", path)


def load_offers(path: Path | str | None = None) -> pd.DataFrame:
    """Load and validate offers (tilbud); the embedded demo data when ``path`` is None.

    See :func:`load_needs` for the return type and errors.
    """
    return _load("offers", path)
