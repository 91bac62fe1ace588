"""Text alternatives of charts and maps: one or two sentences a screen reader (or a reader in a hurry) gets
instead of the picture, in bokmål or English, computed from the same table the chart draws."""

from __future__ import annotations

import pandas as pd

from kompilot_data.engine.disclosure import COMPLEMENTARY
from kompilot_data.reference import OUTSIDE_PILOT, SUBREGIONS
from kompilot_data.reference.i18n import format_number, format_percent, t
from kompilot_data.reference.indicators import INDICATORS


def _value(value, language: str, percent: bool = False, decimals: int = 0) -> str:
    if value is None or pd.isna(value):
        return COMPLEMENTARY  # hidden, reason unknown here: ":" claims no number of businesses (disclosure.marker)
    return format_percent(value, language, decimals) if percent else format_number(value, language, decimals)


def _listing(items: list[str], language: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (" og " if language == "nb" else " and ") + items[-1]


def ranking(values: pd.Series, language: str, what: str, top: int = 3, percent: bool = False, decimals: int = 0) -> str:
    """ "Flest deltakere: Helse og omsorg (883), Reiseliv … (610) og IKT (370). Færrest: Språk (37)." from a
    Series indexed by label; hidden values (NaN) are counted at the end ("2 verdier er skjult for å skjerme små
    tall."), without claiming why each is hidden: a NaN here may rest on fewer than 3 businesses ("<3") or be
    hidden as a complement (":"), and the Series does not say which."""
    known = values.dropna().sort_values(ascending=False)
    if known.empty:
        return t("summary_nothing", language, what=what)
    head = [f"{label} ({_value(v, language, percent, decimals)})" for label, v in known.head(top).items()]
    text = t("summary_most", language, what=what, items=_listing(head, language))
    if len(known) > top:
        label, v = next(iter(known.tail(1).items()))
        text += " " + t("summary_least", language, item=f"{label} ({_value(v, language, percent, decimals)})")
    hidden = values.index[values.isna()]
    if len(hidden):
        text += " " + t("summary_hidden", language, count=len(hidden))
    return text


def map_summary(table: pd.DataFrame, indicator: str, language: str) -> str:
    """What the map shows, in words: the sub-regions and their size, or the highest and lowest municipalities."""
    spec = INDICATORS[indicator]
    label = t(f"ind_{indicator}", language)
    label = label[0].lower() + label[1:] if label[1:2].islower() else label
    if indicator == "delregion":
        sizes = table["delregion"].value_counts()
        parts = [f"{name} ({format_number(sizes.get(name, 0), language)})" for name in SUBREGIONS]
        return t(
            "summary_map_regions",
            language,
            regions=_listing(parts, language),
            outside=format_number(sizes.get(OUTSIDE_PILOT, 0), language),
        )
    values = table.set_index("navn")[spec.column].astype(float)
    if "skjult" in table:
        values = values.where(~table.set_index("navn")["skjult"].astype(bool))
    decimals = 1 if spec.percent else (2 if indicator == "mismatch" else 1 if indicator == "behov_per_1000" else 0)
    known = values.dropna().sort_values(ascending=False)
    if known.empty:
        return t("summary_map_empty", language, indicator=label)
    high = [f"{n} ({_value(v, language, spec.percent, decimals)})" for n, v in known.head(3).items()]
    low = [f"{n} ({_value(v, language, spec.percent, decimals)})" for n, v in known.tail(3)[::-1].items()]
    text = t("summary_map", language, indicator=label, high=_listing(high, language), low=_listing(low, language))
    hidden = int(values.isna().sum())
    if hidden:
        text += " " + t("summary_hidden_places", language, count=hidden)
    return text
