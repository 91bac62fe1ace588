"""Loading needs and offers from files: the embedded demo data or a coordinator's CSV/Excel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kompilot_data.records.reader import read_upload
from kompilot_data.records.validation import validated
from kompilot_data.reference.paths import DEMO_DIR


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a CSV (comma or semicolon, UTF-8 with/without BOM or Windows-1252) or .xlsx file as text.

    The same reader as imports (:func:`kompilot_data.records.reader.read_upload`): the same limits, encodings
    and line-break rules; a file that cannot be read raises its Norwegian ``ReadError``.
    """
    return read_upload(Path(path)).frame


def _load(kind: str, path: Path | str | None) -> pd.DataFrame:
    path = Path(path) if path is not None else DEMO_DIR / f"{kind}.csv"
    read = read_upload(path)
    return validated(read.frame, kind, source=str(path), first_data_row=read.first_data_row)


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
