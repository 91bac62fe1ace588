"""Source lines: the short "Kilde: …" caption under every figure, slide and table, and whether it marks demo data.

Reference statistics name their table and the years shown (:func:`source_line`, from ``kilder.json``); figures
computed from needs and offers say whether the records are demo or registered, and their years
(:func:`records_source`); a map indicator takes the one of its source (:func:`indicator_source`).
"""

from __future__ import annotations

import pandas as pd

from kompilot_data.reference.i18n import t
from kompilot_data.reference.indicators import INDICATORS
from kompilot_data.reference.tables import load_sources


def source_line(key: str, language: str = "nb", year: int | str | None = None) -> str:
    """A short "Kilde: …, (år)" caption for figures built on data set ``key``.

    ``year`` names the year actually shown; by default the data set's whole span.
    """
    source = load_sources()[key]
    return t(
        "source_line", language, source=source["kort_" + language], year=year if year is not None else source["aar"]
    )


def records_source(language: str, needs: pd.DataFrame | None = None, offers: pd.DataFrame | None = None) -> str:
    """Source line for figures computed from needs and offers: demo or registered records, and their years."""
    frames = [(f, column) for f, column in ((needs, "registrert"), (offers, "oppstart")) if f is not None and len(f)]
    demo = any(bool(frame["demo"].any()) for frame, _ in frames)
    years = sorted({int(y) for frame, column in frames for y in frame[column].dt.year.dropna().unique()})
    span = "" if not years else f" ({years[0]}–{years[-1]})" if years[0] != years[-1] else f" ({years[0]})"
    line = t("records_source_demo" if demo else "records_source", language, span=span)
    real = (
        offers is not None and "datakilde" in offers and offers["datakilde"].astype("string").str.startswith("HK-dir")
    )
    if real is not False and real.fillna(False).any():
        line = line.rstrip(".") + ". " + t("records_source_hkdir", language)  # real programmes: source, caveat
    return line


def indicator_source(key: str, language: str, table: pd.DataFrame | None = None, records: str | None = None) -> str:
    """Source line of a map indicator; ``records`` is the :func:`records_source` line for needs-based ones."""
    indicator = INDICATORS[key]
    if indicator.source == "demo":
        return records or t("records_source", language, span="")
    year = None
    if indicator.source == "befolkning" and table is not None:
        versus = (" mot 2020" if language == "nb" else " vs 2020") if key == "befolkningsendring" else ""
        year = f"{int(table['befolkning_aar'].iloc[0])}{versus}"
    elif indicator.source == "utdanning" and table is not None:
        year = int(table["utdanning_aar"].iloc[0])
    elif indicator.source == "kommuner":
        year = 2024
    return source_line(indicator.source, language, year=year)


def is_demo_source(source: str, language: str) -> bool:
    """Whether a source line is the one of figures computed from demo data (:func:`records_source`)."""
    marker = t("records_source_demo", language, span="")
    return marker[: marker.index(".")] in source if "." in marker else marker in source
