"""Pure filter helpers shared by the app, the CLI and notebooks.

A :class:`Filters` value describes the shared view (sub-region, municipality,
competence area, level, mode, status, period). It converts to and from URL
query parameters, so a filtered view can be shared as a link.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

import pandas as pd

from kompilot_data.reference import SUBREGIONS, load_municipalities, taxonomy

# Filter field -> (query parameter, allowed values or None for dates)
QUERY_KEYS = {
    "delregioner": "region",
    "kommuner": "kommune",
    "omrader": "omrade",
    "nivaer": "niva",
    "former": "form",
    "statuser": "status",
    "fra": "fra",
    "til": "til",
}


def _allowed(field: str) -> list[str]:
    return {
        "delregioner": list(SUBREGIONS),
        "kommuner": list(load_municipalities().index),
        "omrader": taxonomy.codes("kompetanseomrade"),
        "nivaer": taxonomy.codes("niva"),
        "former": taxonomy.codes("laeringsform"),
        "statuser": taxonomy.codes("behov_status"),
    }[field]


@dataclass(frozen=True)
class Filters:
    """The shared filter state. Empty tuples mean "all"."""

    delregioner: tuple[str, ...] = ()
    kommuner: tuple[str, ...] = ()
    omrader: tuple[str, ...] = ()
    nivaer: tuple[str, ...] = ()
    former: tuple[str, ...] = ()
    statuser: tuple[str, ...] = ()
    fra: date | None = None
    til: date | None = None

    def is_empty(self) -> bool:
        return self == Filters()

    def with_(self, **changes) -> Filters:
        return replace(self, **changes)

    def to_query(self) -> dict[str, list[str] | str]:
        """Query parameters for the non-empty fields (lists repeat the key in the URL)."""
        query: dict[str, list[str] | str] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if not value:
                continue
            key = QUERY_KEYS[field.name]
            query[key] = value.isoformat() if isinstance(value, date) else list(value)
        return query

    @classmethod
    def from_query(cls, query: dict[str, str | list[str]]) -> Filters:
        """Build filters from query parameters; unknown values are dropped, not fatal."""
        values = {}
        for field, key in QUERY_KEYS.items():
            raw = query.get(key)
            if raw in (None, "", []):
                continue
            items = [raw] if isinstance(raw, str) else list(raw)
            if field in ("fra", "til"):
                try:
                    values[field] = date.fromisoformat(items[0])
                except ValueError:
                    continue
            else:
                allowed = _allowed(field)
                values[field] = tuple(v for v in allowed if v in items)
        return cls(**values)

    def municipality_codes(self) -> list[str] | None:
        """Municipalities selected by sub-region and municipality filters (None = all)."""
        if not self.delregioner and not self.kommuner:
            return None
        municipalities = load_municipalities()
        selected = municipalities.index
        if self.delregioner:
            selected = selected[municipalities["delregion"].isin(self.delregioner).to_numpy()]
        if self.kommuner:
            selected = selected.intersection(pd.Index(self.kommuner), sort=False)
        return list(selected)


def _in_period(dates: pd.Series, start: date | None, end: date | None) -> pd.Series:
    keep = pd.Series(True, index=dates.index)
    if start:
        keep &= dates >= pd.Timestamp(start)
    if end:
        keep &= dates <= pd.Timestamp(end)
    return keep


def _isin(series: pd.Series, values: tuple[str, ...]) -> pd.Series:
    return series.isin(values) if values else pd.Series(True, index=series.index)


def filter_needs(needs: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Needs matching ``filters``: region/municipality of the business, area, level,
    preferred mode (needs without a preference always pass), status, and the
    registration date within the period."""
    keep = _isin(needs["kompetanseomrade"], filters.omrader)
    keep &= _isin(needs["niva"], filters.nivaer)
    keep &= _isin(needs["status"], filters.statuser)
    if filters.former:
        keep &= needs["laeringsform"].isin(filters.former) | needs["laeringsform"].isna()
    codes = filters.municipality_codes()
    if codes is not None:
        keep &= needs["kommunenummer"].isin(codes)
    keep &= _in_period(needs["registrert"], filters.fra, filters.til)
    return needs[keep.to_numpy()]


def filter_offers(offers: pd.DataFrame, filters: Filters, include_online: bool = True) -> pd.DataFrame:
    """Offers matching ``filters``: area, level, mode, a study place in the selected
    municipalities (offers without a place, i.e. online and in-company, pass when
    ``include_online``), and the start date within the period. The pipeline
    status filter applies to needs only."""
    keep = _isin(offers["kompetanseomrade"], filters.omrader)
    keep &= _isin(offers["niva"], filters.nivaer)
    keep &= _isin(offers["laeringsform"], filters.former)
    codes = filters.municipality_codes()
    if codes is not None:
        placed = offers["kommunenummer"].isin(codes)
        keep &= placed | (offers["kommunenummer"].isna() if include_online else False)
    keep &= _in_period(offers["oppstart"], filters.fra, filters.til)
    return offers[keep.to_numpy()]
