"""The shared filters: one specification table, and everything derived from it.

:data:`FILTER_SPECS` gives, per filter, the :class:`Filters` field, the URL key, the record column it applies
to (needs and offers separately), the code list, the label key, the widget kind and whether it is a place
filter. The allowed values, the URL form (:meth:`Filters.from_query` / :meth:`Filters.to_query`),
:func:`filter_needs` / :func:`filter_offers`, the app's sidebar widgets and reset, and the "active filters"
sentence (:meth:`Filters.describe`) all read this one table.

Place filters (sub-region, municipality, centrality) select municipalities; they apply to a need's
municipality and an offer's study place. Supply that may serve the filtered needs ignores them
(:meth:`Filters.without_place`): reach decides which places count.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from kompilot_data.reference import SUBREGIONS, load_municipalities, taxonomy
from kompilot_data.reference.i18n import DEFAULT_LANGUAGE, format_date, t

CENTRALITY_CLASSES = (1, 2, 3, 4, 5, 6)
"""SSB's centrality classes (KLASS 128): 1 = most central, 6 = least central."""

DATE_MIN, DATE_MAX = date(2015, 1, 1), date(2035, 12, 31)
"""Dates the period filter accepts (the date widgets' range); others in a URL are dropped."""

PLACE_CODE_LISTS = ("delregion", "kommune", "sentralitetsklasse")
"""Code lists that select municipalities (the rest are taxonomy names)."""


@dataclass(frozen=True)
class Column:
    """The record column a filter applies to. ``missing_passes``: rows without a value pass the filter
    (needs without a preferred mode; offers without a study place, i.e. online and in-company)."""

    name: str
    missing_passes: bool = False


@dataclass(frozen=True)
class FilterSpec:
    """One filter: its field, URL key, columns, code list, label and widget."""

    field: str  # attribute of Filters
    key: str  # URL query key
    needs: Column | None  # column in needs (None: does not apply to needs)
    offers: Column | None  # column in offers (None: does not apply to offers)
    codes: str | None  # code list: a taxonomy name, "delregion", "kommune", "sentralitetsklasse"; None for dates
    label: str  # text key of the widget label
    widget: str  # "multiselect" | "date" | "toggle" (a lens: off keeps only rows whose ``offers`` column is true)
    place: bool = False  # selects municipalities; supply ignores it (reach decides)
    bound: str | None = None  # dates: "start" (on or after) or "end" (on or before)
    describe: str | None = None  # text key that prefixes the values in the sentence ("Sentralitetsklasse 5, 6")

    def allowed(self) -> tuple:
        """The values this filter accepts, in display order (empty for dates)."""
        if self.codes is None:
            return ()
        if self.codes == "delregion":
            return SUBREGIONS
        if self.codes == "kommune":
            return tuple(load_municipalities().index)
        if self.codes == "sentralitetsklasse":
            return CENTRALITY_CLASSES
        return tuple(taxonomy.codes(self.codes))

    def value_label(self, value, language: str = DEFAULT_LANGUAGE) -> str:
        """A value as the active-filters sentence shows it ("Namsos", "Helse og omsorg", "5")."""
        if self.codes == "kommune":
            return str(load_municipalities().at[value, "navn"])
        if self.codes in ("delregion", "sentralitetsklasse"):
            return str(value)
        return taxonomy.labels(self.codes, language)[value]

    def option_label(self, value, language: str = DEFAULT_LANGUAGE) -> str:
        """A value as the sidebar widget lists it ("Namsos (5007)", "Klasse 6 (minst sentral)")."""
        if self.codes == "kommune":
            return f"{self.value_label(value, language)} ({value})"
        if self.codes == "sentralitetsklasse":
            return t(f"centrality_class_{value}", language)
        return self.value_label(value, language)

    def municipalities(self, values: tuple) -> pd.Index:
        """Place filters: the kommunenummer the selected ``values`` stand for."""
        table = load_municipalities()
        if self.codes == "delregion":
            return table.index[table["delregion"].isin(values).to_numpy()]
        if self.codes == "kommune":
            return table.index[table.index.isin(values)]
        if self.codes == "sentralitetsklasse":
            return table.index[table["sentralitetsklasse"].isin(values).to_numpy()]
        raise ValueError(f"{self.field} is not a place filter")

    def parse(self, text: str):
        """One URL value as a filter value (None if it is not a valid value)."""
        text = text.strip()
        if self.widget == "toggle":
            return True if text.lower() in LENS_ON_WORDS else None
        if self.widget == "date":
            try:
                value = date.fromisoformat(text)
            except ValueError:
                return None
            return value if DATE_MIN <= value <= DATE_MAX else None
        if self.codes == "sentralitetsklasse":
            return int(text) if text.isdigit() and int(text) in CENTRALITY_CLASSES else None
        return text if text in self.allowed() else None


LENS_ON_WORDS = ("ja", "1", "true", "yes")
"""URL values that turn a lens on (``?ordinaere=ja``); anything else leaves it off."""

_PLACE = Column("kommunenummer")
_STUDY_PLACE = Column("kommunenummer", missing_passes=True)

FILTER_SPECS: tuple[FilterSpec, ...] = (
    FilterSpec("delregioner", "region", _PLACE, _STUDY_PLACE, "delregion", "filter_region", "multiselect", place=True),
    FilterSpec(
        "kommuner", "kommune", _PLACE, _STUDY_PLACE, "kommune", "filter_municipality", "multiselect", place=True
    ),
    FilterSpec(
        "sentralitet",
        "sentralitet",
        _PLACE,
        _STUDY_PLACE,
        "sentralitetsklasse",
        "filter_centrality",
        "multiselect",
        place=True,
        describe="filter_centrality_describe",
    ),
    FilterSpec(
        "omrader",
        "omrade",
        Column("kompetanseomrade"),
        Column("kompetanseomrade"),
        "kompetanseomrade",
        "filter_area",
        "multiselect",
    ),
    FilterSpec("nivaer", "niva", Column("niva"), Column("niva"), "niva", "filter_level", "multiselect"),
    FilterSpec(
        "former",
        "form",
        Column("laeringsform", missing_passes=True),
        Column("laeringsform"),
        "laeringsform",
        "filter_mode",
        "multiselect",
    ),
    FilterSpec("statuser", "status", Column("status"), None, "behov_status", "filter_status", "multiselect"),
    FilterSpec("fra", "fra", Column("registrert"), Column("oppstart"), None, "filter_from", "date", bound="start"),
    FilterSpec("til", "til", Column("registrert"), Column("oppstart"), None, "filter_to", "date", bound="end"),
    # The lens "ordinære studier" (issue 20): supply is every EVU class except ordinary full-time degrees
    # (``i_tilbud``, kompilot_data.reference.evu); on, the lens takes them in, and every page says so.
    FilterSpec(
        "ordinaere",
        "ordinaere",
        None,
        Column("i_tilbud"),
        None,
        "filter_ordinary",
        "toggle",
        describe="lens_ordinary_on",
    ),
    # "Only registered needs" (issue 20 §2): no row is filtered; the View's 2SFCA leaves the background demand out
    # (ViewKey.bakgrunn), and every page's filter line says so.
    FilterSpec(
        "bare_registrerte",
        "bare_registrerte",
        None,
        None,
        None,
        "story_background_toggle",
        "toggle",
        describe="lens_registered_on",
    ),
)
"""The filters, in sidebar order."""

SPECS: dict[str, FilterSpec] = {spec.field: spec for spec in FILTER_SPECS}
QUERY_KEYS: dict[str, str] = {spec.field: spec.key for spec in FILTER_SPECS}
"""Filter field -> URL query key."""


def _allowed(field: str) -> list:
    """The values filter ``field`` accepts (empty for dates)."""
    return list(SPECS[field].allowed())


@dataclass(frozen=True)
class Filters:
    """The shared filter state: tuples of codes (empty = all) and the period. Frozen and hashable."""

    delregioner: tuple[str, ...] = ()
    kommuner: tuple[str, ...] = ()
    omrader: tuple[str, ...] = ()
    nivaer: tuple[str, ...] = ()
    former: tuple[str, ...] = ()
    statuser: tuple[str, ...] = ()
    fra: date | None = None
    til: date | None = None
    sentralitet: tuple[int, ...] = ()
    ordinaere: bool = False
    bare_registrerte: bool = False

    def __post_init__(self) -> None:
        # Lists become tuples (hashable), centrality classes ints ("5" and 5 mean the same class).
        for spec in FILTER_SPECS:
            value = getattr(self, spec.field)
            if spec.widget == "multiselect" and not isinstance(value, tuple):
                object.__setattr__(self, spec.field, tuple(value or ()))
        if any(not isinstance(v, int) for v in self.sentralitet):
            object.__setattr__(self, "sentralitet", tuple(int(v) for v in self.sentralitet))

    @classmethod
    def cleaned(cls, **values) -> Filters:
        """Filters from widget-like values: unknown values dropped, codes in display order, so equal
        selections give equal (and equally hashed) filters."""
        kept = {}
        for field, value in values.items():
            spec = SPECS[field]
            if spec.widget == "date":
                kept[field] = value if isinstance(value, date) and DATE_MIN <= value <= DATE_MAX else None
            elif spec.widget == "toggle":
                kept[field] = bool(value)
            else:
                chosen = set(value or ())
                kept[field] = tuple(v for v in spec.allowed() if v in chosen)
        return cls(**kept)

    def is_empty(self) -> bool:
        return self == Filters()

    def with_(self, **changes) -> Filters:
        return replace(self, **changes)

    def without_place(self) -> Filters:
        """The filters without sub-region, municipality and centrality: for the supply that may serve the
        filtered needs, where reach decides which places count."""
        return replace(self, **{spec.field: () for spec in FILTER_SPECS if spec.place})

    def to_query(self) -> dict[str, list[str] | str]:
        """URL query parameters for the non-empty filters: a list (the key repeated in the URL) per
        multiselect, an ISO date per date."""
        query: dict[str, list[str] | str] = {}
        for spec in FILTER_SPECS:
            value = getattr(self, spec.field)
            if value is True:
                query[spec.key] = LENS_ON_WORDS[0]
            elif value:
                query[spec.key] = value.isoformat() if spec.widget == "date" else [str(v) for v in value]
        return query

    @classmethod
    def from_query(cls, query: dict[str, str | list[str]]) -> Filters:
        """Filters from URL query parameters. A key may repeat or hold comma-separated values
        (``sentralitet=5,6``); unknown values are dropped, not fatal."""
        values = {}
        for spec in FILTER_SPECS:
            raw = query.get(spec.key)
            if raw in (None, "", []):
                continue
            items = [raw] if isinstance(raw, str) else list(raw)
            parsed = [spec.parse(part) for item in items for part in str(item).split(",")]
            parsed = [value for value in parsed if value is not None]
            if spec.widget in ("date", "toggle"):
                values[spec.field] = parsed[0] if parsed else None
            else:
                values[spec.field] = parsed
        return cls.cleaned(**values)

    def municipality_codes(self) -> list[str] | None:
        """Municipalities selected by the place filters together (None = all, no place filter set)."""
        selected = None
        for spec in FILTER_SPECS:
            value = getattr(self, spec.field)
            if spec.place and value:
                codes = spec.municipalities(value)
                selected = codes if selected is None else selected.intersection(codes, sort=False)
        return None if selected is None else list(selected)

    def describe(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The active filters as one line, e.g. ``"Fosen · Helse og omsorg · fra 01.01.2026"``."""
        if self.is_empty():
            return t("no_filters", language)
        parts: list[str] = []
        for spec in FILTER_SPECS:
            value = getattr(self, spec.field)
            if spec.widget == "date" or not value:
                continue
            if spec.widget == "toggle":
                parts.append(t(spec.describe, language))
                continue
            labels = [spec.value_label(v, language) for v in value]
            parts += [f"{t(spec.describe, language)} {', '.join(labels)}"] if spec.describe else labels
        start, end = (getattr(self, spec.field) for spec in FILTER_SPECS if spec.widget == "date")
        if start and end:
            parts.append(f"{format_date(start, language)} – {format_date(end, language)}")
        elif start or end:
            key = "filter_period_from" if start else "filter_period_to"
            parts.append(t(key, language, date=format_date(start or end, language)))
        return " · ".join(parts)


def _keep(frame: pd.DataFrame, filters: Filters, side: str, include_online: bool = True) -> np.ndarray:
    """Rows of ``frame`` (needs or offers, by ``side``) that pass every filter in the specification."""
    keep = np.ones(len(frame), dtype=bool)
    for spec in FILTER_SPECS:
        column = spec.needs if side == "needs" else spec.offers
        value = getattr(filters, spec.field)
        if spec.widget == "toggle":
            if column is not None and not value and column.name in frame:
                keep &= frame[column.name].to_numpy(dtype=bool, na_value=False)
            continue
        if column is None or not value or spec.place:
            continue
        series = frame[column.name]
        if spec.widget == "date":
            match = series >= pd.Timestamp(value) if spec.bound == "start" else series <= pd.Timestamp(value)
        else:
            match = series.isin(value)
        if column.missing_passes:
            match |= series.isna()
        keep &= match.to_numpy(dtype=bool, na_value=False)
    codes = filters.municipality_codes()
    if codes is not None:
        column = next(s.needs if side == "needs" else s.offers for s in FILTER_SPECS if s.place)
        series = frame[column.name]
        match = series.isin(codes)
        if column.missing_passes and include_online:
            match |= series.isna()
        keep &= match.to_numpy(dtype=bool, na_value=False)
    return keep


def filter_needs(needs: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Needs matching ``filters``: the business's municipality (sub-region, municipality, centrality class),
    area, level, preferred mode (needs without a preference always pass), status, and the registration
    date within the period."""
    return needs[_keep(needs, filters, "needs")]


def filter_offers(offers: pd.DataFrame, filters: Filters, include_online: bool = True) -> pd.DataFrame:
    """Offers matching ``filters``: area, level, mode, a study place in the selected municipalities (offers
    without a place, i.e. online and in-company, pass when ``include_online``), the start date within
    the period, and the EVU class: only offers in supply (``i_tilbud``) unless the lens "ordinære studier" is
    on. The pipeline status filter applies to needs only."""
    return offers[_keep(offers, filters, "offers", include_online)]
