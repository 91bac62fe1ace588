"""Shared helpers of the reference build: reading raw CSVs as text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def _read(raw: Path, relative: str) -> pd.DataFrame:
    return pd.read_csv(raw / relative, dtype=str, keep_default_na=False)


def _as_int(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.replace("", np.nan)).astype("Int64")
