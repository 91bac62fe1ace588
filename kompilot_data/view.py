"""One computed view of the data for one audience: what every page, slide, download and the CLI reads.

A :class:`View` holds the records and a :class:`ViewKey` - the filters, the audience (coordinator or
viewer, with the minimum number of businesses behind a published cell), the reach setting, the
language and the data version. Everything shown is computed from it once (``functools.cached_property``)
and, for viewers, comes out **protected**: cells built on fewer than ``min_businesses`` businesses and
their complementary cells are hidden (``NaN`` values and ``skjult = True``), so a suppressed cell cannot
reach a figure, a hover, a table, a download, a PNG or a slide - no page calls suppression itself.

Competition for seats is computed over every need that passes the filter *without its place part*
(sub-region, municipality, centrality): a Namdalen view gets the same share of a Steinkjer course as the
county view gives Namdalen. The place part only selects which places are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, wraps

import numpy as np
import pandas as pd

from kompilot_data import filters as filtering
from kompilot_data.engine import disclosure, indicators, supply
from kompilot_data.engine.reach import DEFAULT_REACH, Reach, ReachSetting, active_offers, compute_reach, open_needs
from kompilot_data.reference import OUTSIDE_PILOT, SUBREGIONS, load_municipalities, taxonomy

COORDINATOR = "koordinator"
VIEWER = "leser"

#: Needs columns a count table can be grouped by, besides the record's own code columns.
DERIVED_KEYS = ("delregion", "sentralitetsklasse", "maaned", "kvartal", "aar")
#: Pipeline stages in order (a closed need reached "kartlagt" only).
FUNNEL_STAGES = ("kartlagt", "koblet", "etablert", "gjennomfort")


@dataclass(frozen=True)
class Audience:
    """Who looks: a coordinator sees everything; a viewer sees no cell built on fewer than ``min_businesses``."""

    role: str = COORDINATOR
    min_businesses: int = 0

    @classmethod
    def coordinator(cls) -> Audience:
        return cls(COORDINATOR, 0)

    @classmethod
    def viewer(cls, min_businesses: int = disclosure.MIN_BUSINESSES) -> Audience:
        return cls(VIEWER, min_businesses)

    @property
    def sees_records(self) -> bool:
        return self.role == COORDINATOR


@dataclass(frozen=True)
class ViewKey:
    """Everything a view depends on besides the records; hashable, so the app caches one View per key."""

    filters: filtering.Filters = field(default_factory=filtering.Filters)
    audience: Audience = field(default_factory=Audience)
    reach: ReachSetting = DEFAULT_REACH
    language: str = "nb"
    data_version: int = 0
    decay: str = "ingen"
    #: The day the view is computed for (offers under way and ended time windows depend on it).
    today: date = field(default_factory=date.today)


def _memo(method: Callable) -> Callable:
    """Cache a View method's result per arguments on the instance (the View is immutable once built; callers
    must not modify what it returns)."""

    @wraps(method)
    def cached(self, *args, **kwargs):
        key = (method.__name__, args, tuple(sorted(kwargs.items())))
        if key not in self._memo:
            self._memo[key] = method(self, *args, **kwargs)
        return self._memo[key]

    return cached


class View:
    """The records seen through one :class:`ViewKey`.

    Parameters
    ----------
    needs, offers : pandas.DataFrame
        All typed records (the app's database or files); never modified.
    key : ViewKey
    rejected : pandas.DataFrame, optional
        Rejected candidates (``behov_id``, ``tilbud_id``, as ``storage.rejected_candidates``): never proposed
        again for that need.
    """

    def __init__(
        self,
        needs: pd.DataFrame,
        offers: pd.DataFrame,
        key: ViewKey | None = None,
        rejected: pd.DataFrame | None = None,
        **changes,
    ):
        self.all_needs = needs
        self.all_offers = offers
        self.rejected = rejected if rejected is not None else pd.DataFrame(columns=["behov_id", "tilbud_id"])
        self.key = key if key is not None else ViewKey(**changes)
        if key is not None and changes:
            raise TypeError("give either a key or its fields, not both")
        self._memo: dict[tuple, object] = {}
        #: Every protection this view applied, for audits: (what, disclosure.Protected).
        self.protections: list[tuple[str, disclosure.Protected]] = []

    # --- settings ---------------------------------------------------------------------------

    @property
    def filters(self) -> filtering.Filters:
        return self.key.filters

    @property
    def audience(self) -> Audience:
        return self.key.audience

    @property
    def language(self) -> str:
        return self.key.language

    @property
    def threshold(self) -> int:
        return self.audience.min_businesses

    @cached_property
    def places(self) -> list[str] | None:
        """kommunenummer selected by the place part of the filter (None = all 38)."""
        return self.filters.municipality_codes()

    # --- records ----------------------------------------------------------------------------

    @cached_property
    def needs(self) -> pd.DataFrame:
        """Needs under the whole filter (record level: coordinators only)."""
        return filtering.filter_needs(self.all_needs, self.filters)

    @cached_property
    def offers(self) -> pd.DataFrame:
        """Offers under the whole filter (offers are public: shown to everyone)."""
        return filtering.filter_offers(self.all_offers, self.filters)

    @cached_property
    def competing_needs(self) -> pd.DataFrame:
        """Needs under the filter without its place part: all demand that competes for the seats."""
        return filtering.filter_needs(self.all_needs, self.filters.without_place())

    @cached_property
    def supply_offers(self) -> pd.DataFrame:
        """Active offers under the filter without its place part (reach decides which places they serve)."""
        return active_offers(filtering.filter_offers(self.all_offers, self.filters.without_place()))

    @cached_property
    def demo(self) -> bool:
        return bool(self.all_needs["demo"].any() or self.all_offers["demo"].any())

    # --- engine -----------------------------------------------------------------------------

    @cached_property
    def reach(self) -> Reach:
        return compute_reach(self.supply_offers, self.key.reach)

    @cached_property
    def catchment(self) -> supply.Catchment:
        return supply.catchment(self.competing_needs, self.supply_offers, self.reach, self.key.decay)

    def _protect(
        self,
        table: pd.DataFrame,
        values: list[str],
        lines: dict[str, tuple[str, ...]],
        need_keys: pd.DataFrame,
    ) -> tuple[pd.DataFrame, frozenset]:
        """Hide what a viewer must not see or derive (no-op for coordinators); also return the hidden totals.

        ``table`` is indexed by its keys; ``need_keys`` has, per need behind the table, the same key
        columns and ``bedrift_id``, so every published total knows its exact number of businesses.
        """
        keys = list(table.index.names)
        flat = table.reset_index()
        line_businesses = None
        if self.threshold:
            line_businesses = {}
            for name, fixed in lines.items():
                if fixed:
                    line_businesses[name] = need_keys.groupby(list(fixed), observed=True)["bedrift_id"].nunique()
                    missing = set(map(tuple, flat[list(fixed)].drop_duplicates().to_numpy().tolist()))
                    present = {k if isinstance(k, tuple) else (k,) for k in line_businesses[name].index}
                    for key in missing - present:  # a line with no needs at all
                        line_businesses[name].loc[key if len(key) > 1 else key[0]] = 0
                else:
                    line_businesses[name] = need_keys["bedrift_id"].nunique()
        protected = disclosure.protect(
            flat, values, "bedrifter", lines, self.threshold, keys=keys, line_businesses=line_businesses
        )
        self.protections.append((f"{keys} {values[0]}", protected))
        return protected.table.set_index(keys), protected.hidden_totals

    @_memo
    def demand_supply(self, by: tuple[str, ...] = ("delregion", "kompetanseomrade")) -> pd.DataFrame:
        """Demand, apportioned supply, gap, coverage and index per group, for the selected places; protected.

        Hidden cells have NaN in every value column and ``skjult = True``.
        """
        table = supply.aggregate(self.catchment, by, places=self.places)
        table["tilbud_innen_rekkevidde"] = table["tilbud_innen_rekkevidde"].astype(float)
        values = ["ettersporsel", "tilbud_fordelt", "gap", "dekning", "indeks", "tilbud_innen_rekkevidde"]
        needs = self.catchment.needs
        if self.places is not None:
            needs = needs[needs["kommunenummer"].isin(self.places).to_numpy()]
        need_keys = _need_keys(needs, by)
        lines = _lines(by)
        if by[0] == "kommunenummer":  # municipalities add up to their sub-region (shown beside them)
            table = table.assign(delregion=_need_key(table.reset_index(), "delregion").to_numpy())
            need_keys["delregion"] = _need_key(needs, "delregion").to_numpy()
            lines.update({"per_delregion": ("delregion",)} | {f"per_delregion_{k}": ("delregion", k) for k in by[1:]})
        return self._protect(table, values, lines, need_keys)[0]

    # --- counts of needs --------------------------------------------------------------------

    def counts(self, by: tuple[str, ...], measure: str = "behov") -> pd.DataFrame:
        """Needs (``behov``: how many; ``deltakere``: participants) per group of ``by``; protected.

        ``by`` are need columns (e.g. ``kompetanseomrade``, ``niva``, ``status``, ``naering``, ``kilde``,
        ``kommunenummer``) or derived keys (:data:`DERIVED_KEYS`). Every combination of the code lists
        appears (zeros included), so figures keep a stable order.
        """
        return self._counts(tuple(by), measure)[0]

    @_memo
    def _counts(self, by: tuple[str, ...], measure: str) -> tuple[pd.DataFrame, frozenset]:
        needs = self.needs
        keys = _need_keys(needs, by)
        weights = needs["antall_deltakere"].astype(float) if measure == "deltakere" else pd.Series(1.0, needs.index)
        grouped = keys.assign(_v=weights.to_numpy()).groupby(list(by), observed=False, dropna=False)
        table = grouped.agg(**{measure: ("_v", "sum"), "bedrifter": ("bedrift_id", "nunique")})
        table = table.reindex(_full_index(by, table.index)).fillna({measure: 0.0, "bedrifter": 0})
        table["bedrifter"] = table["bedrifter"].astype(int)
        return self._protect(table, [measure], _lines(by), keys)

    def offer_counts(self, key: str, measure: str = "tilbud") -> pd.Series:
        """Offers (``tilbud``) or seats (``plasser``) per code of ``key``; offers are public, nothing is hidden."""
        offers = self.offers
        values = offers["kapasitet"].astype(float) if measure == "plasser" else pd.Series(1.0, index=offers.index)
        return values.groupby(offers[key], observed=False).sum().rename(measure)

    def total(self, measure: str = "behov") -> float:
        """One key figure for the whole selection: ``behov``, ``deltakere`` or ``bedrifter`` (NaN when hidden).

        The selection's total is also the grand total of the sub-region × area table, so it follows that
        table's protection too.
        """
        needs = self.needs
        businesses = needs["bedrift_id"].nunique()
        value = {"behov": len(needs), "deltakere": needs["antall_deltakere"].sum(), "bedrifter": businesses}[measure]
        if disclosure.protect_total(value, businesses, self.threshold) is None:
            return float("nan")
        if self.threshold and ("total", ()) in self._counts(("delregion", "kompetanseomrade"), "deltakere")[1]:
            return float("nan")
        return float(value)

    @property
    def total_mark(self) -> str:
        """The mark a hidden key figure of the whole selection shows: "<3" when the selection rests on fewer
        businesses than the threshold, ":" when it is hidden as the total of a table with a hidden cell."""
        return disclosure.total_marker(self.needs["bedrift_id"].nunique(), self.threshold or disclosure.MIN_BUSINESSES)

    @_memo
    def pipeline(self, by: str = "delregion") -> pd.DataFrame:
        """Needs that reached each stage (cumulative), per group of ``by``; protected.

        Built from the protected ``by`` × status counts: a cumulative value is shown only when none of
        the statuses it adds up is hidden, so no difference of two shown values recovers a hidden cell.
        """
        cells = self.counts((by, "status"), "behov")
        stage = taxonomy.attribute("behov_status", "trinn")
        rows = []
        for group, part in cells.groupby(level=0, observed=False, sort=False):
            part = part.droplevel(0)
            total_hidden = part["skjult"].any()
            for k, code in enumerate(FUNNEL_STAGES):
                included = [s for s in part.index if int(stage[s]) >= k + 1] if code != "kartlagt" else list(part.index)
                hidden = bool(part.loc[included, "skjult"].any()) or (code == "kartlagt" and total_hidden)
                value = float("nan") if hidden else float(part.loc[included, "behov"].sum())
                rows.append({by: group, "trinn": code, "behov": value, "skjult": hidden})
        return pd.DataFrame(rows).set_index([by, "trinn"])

    # --- places -----------------------------------------------------------------------------

    @cached_property
    def municipality_table(self) -> pd.DataFrame:
        """One row per municipality with every map indicator; ``skjult`` marks the protected ones.

        Computed indicators (needs per 1,000, apportioned supply, gap, index) are NaN where hidden;
        SSB statistics and offers within reach are public and never hidden. Municipalities outside
        the place filter keep their statistics and show no computed values.
        """
        table = indicators.municipality_table(self.needs, self.catchment, self.reach)
        if self.places is not None:
            outside = ~table.index.isin(self.places)
            table.loc[outside, indicators.COMPUTED_COLUMNS] = np.nan
            table.loc[outside, "bedrifter"] = 0
        table.index.name = "kommunenummer"
        lines = {"delregion": ("delregion",), "total": ()}
        counts = self._protect(table, list(indicators.COUNT_COLUMNS), lines, _need_keys(self.needs, ("delregion",)))[0]
        open_demand = self.catchment.needs
        if self.places is not None:
            open_demand = open_demand[open_demand["kommunenummer"].isin(self.places).to_numpy()]
        gaps = self._protect(
            table.rename(columns={"bedrifter": "_alle", "bedrifter_etterspurt": "bedrifter"}),
            list(indicators.GAP_COLUMNS),
            lines,
            _need_keys(open_demand, ("delregion",)),
        )[0]
        for column in indicators.GAP_COLUMNS:
            counts[column] = gaps[column]
        if "primaer" in counts and "primaer" in gaps:
            # One mark per row: "<3" only where every protection that hid the row found too few businesses
            # (the needs, or the open demand); ":" - hidden, true of any hidden value - otherwise.
            primary = (counts["primaer"] | ~counts["skjult"]) & (gaps["primaer"] | ~gaps["skjult"])
            counts["skjult"] = counts["skjult"] | gaps["skjult"]
            counts["primaer"] = counts["skjult"] & primary
            counts["sekundaer"] = counts["skjult"] & ~primary
        else:
            counts["skjult"] = counts["skjult"] | gaps["skjult"]
        return counts

    @cached_property
    def white_spots(self) -> pd.DataFrame:
        """Municipality × area cells with open demand and no offer of the area within reach; protected
        consistently with :meth:`demand_supply` by municipality × area."""
        spots = supply.white_spots(self.catchment, self.places)
        if spots.empty or not self.threshold:
            return spots.assign(skjult=False)
        cells = self.demand_supply(("kommunenummer", "kompetanseomrade"))
        hidden = cells["skjult"].reindex(pd.MultiIndex.from_frame(spots[["kommunenummer", "kompetanseomrade"]]))
        spots["skjult"] = hidden.fillna(True).to_numpy()
        spots.loc[spots["skjult"], ["ettersporsel", "behov", "bedrifter"]] = np.nan
        return spots

    @cached_property
    def matched_share(self) -> float:
        """Share of open needs in the selection with an offer in the same area and level within reach."""
        if not protected_ok(self.needs, self.threshold):
            return float("nan")
        return supply.needs_matched_share(self.catchment, self.places)

    @cached_property
    def open_needs(self) -> pd.DataFrame:
        return open_needs(self.needs)

    @cached_property
    def centrality_table(self) -> pd.DataFrame:
        """Per SSB centrality class (1 = most central … 6 = least central) of the selected places: needs, open
        participants, the share of open needs with an offer in the same area and level within reach, and the
        mean travel (minutes, or km) to the nearest such offer with a study place; protected."""
        result = self.catchment
        needs = result.needs
        keep = np.ones(len(needs), dtype=bool)
        if self.places is not None:
            keep = needs["kommunenummer"].isin(self.places).to_numpy()
        classes = _need_key(needs, "sentralitetsklasse").to_numpy()
        frame = pd.DataFrame(
            {
                "sentralitetsklasse": classes,
                "innen_rekkevidde": supply.needs_with_offer_in_reach(result),
                "naermeste": supply.nearest_place_minutes(result, self.reach, self.supply_offers),
                "deltakere": needs["antall_deltakere"].to_numpy(float),
                "bedrift_id": needs["bedrift_id"].to_numpy(),
            }
        )[keep]
        grouped = frame.groupby("sentralitetsklasse")
        table = pd.DataFrame(
            {
                "apne_behov": grouped.size().astype(float),
                "deltakere": grouped["deltakere"].sum(),
                "andel_innen_rekkevidde": grouped["innen_rekkevidde"].mean(),
                "naermeste_snitt": grouped["naermeste"].mean(),
                "bedrifter": grouped["bedrift_id"].nunique(),
            }
        ).reindex(range(1, 7))
        table = table.fillna({"apne_behov": 0.0, "deltakere": 0.0, "bedrifter": 0}).astype({"bedrifter": int})
        table.index.name = "sentralitetsklasse"
        values = ["apne_behov", "deltakere", "andel_innen_rekkevidde", "naermeste_snitt"]
        return self._protect(table, values, {"total": ()}, frame[["sentralitetsklasse", "bedrift_id"]])[0]

    # --- matching and pooling (record level: coordinators) ----------------------------------

    @cached_property
    def candidates(self) -> pd.DataFrame:
        """Top-5 candidate offers for every open need in the selection (coordinators only; empty for viewers)."""
        from kompilot_data.engine import matching

        if not self.audience.sees_records:
            return pd.DataFrame()
        return matching.rank_candidates(
            self.needs, self.supply_offers, top=5, reach=self.reach, today=self.key.today, rejected=self.rejected
        )

    @_memo
    def pools(self, min_class: int) -> pd.DataFrame:
        """Course opportunities pooled from the selection's uncovered needs; protected for viewers."""
        from kompilot_data.engine import pooling

        pools = pooling.course_opportunities(
            self.needs,
            self.supply_offers,
            reach=self.reach,
            min_class=min_class,
            language=self.language,
            today=self.key.today,
        )
        if pools.empty or not self.threshold:
            return pools.assign(skjult=False)
        pools = pools.drop(columns=["behov_ids"], errors="ignore")
        pools.index.name = "pool"
        protected = self._protect(
            pools.set_index(["kompetanseomrade", "niva"], append=True),
            ["deltakere", "behov", "sum_avstand_km", "maks_avstand_km", "sum_reisetid_min", "maks_reisetid_min"],
            {"alle": ()},
            pd.DataFrame({"bedrift_id": self.open_needs["bedrift_id"].to_numpy()}),
        )[0]
        protected.loc[protected["skjult"], ["kommuner", "beskrivelse", "vert", "vert_kommunenummer", "ferjer"]] = None
        return protected.reset_index(["kompetanseomrade", "niva"])

    # --- briefings ---------------------------------------------------------------------------

    @_memo
    def briefing(self, region: str, since: date | None = None):
        """The briefing for a sub-region or municipality, made on the view's day, its "since last time" step
        counted from ``since`` (default three months back): the filter without its place part decides the
        records; a briefing is handed out, so it is always protected as for viewers."""
        from kompilot_data.present.briefing import build_briefing

        offers = filtering.filter_offers(self.all_offers, self.filters.without_place())
        return build_briefing(
            region, self.competing_needs, offers, language=self.language, made=self.key.today, since=since
        )

    # --- sources ----------------------------------------------------------------------------

    @_memo  # every chart of a page asks for it; the records do not change within a View
    def records_source(self) -> str:
        from kompilot_data.present.figures import records_source

        return records_source(self.language, self.needs, self.offers)

    # --- time ---------------------------------------------------------------------------------
    # Trends (issue 10 §4): what changed since the last forum. Every count of needs is protected for viewers
    # like the tables above; offers are public. Added by the trends work; the methods below only read.

    @cached_property
    def quarters(self) -> pd.DatetimeIndex:
        """Every quarter (its first day) from the first registration to the last dated event of the view's
        needs (registration or a pipeline step), so a time axis has no holes."""
        needs = self.needs
        dates = [needs["registrert"], *(needs[c] for c in STAGE_DATES.values() if c in needs.columns)]
        stamps = pd.concat([pd.Series(pd.to_datetime(d).to_numpy()) for d in dates], ignore_index=True).dropna()
        if stamps.empty:
            return pd.DatetimeIndex([], name="kvartal")
        first, last = stamps.min().to_period("Q"), stamps.max().to_period("Q")
        return pd.period_range(first, last, freq="Q").to_timestamp().rename("kvartal")

    def needs_per_quarter(self, measure: str = "behov") -> pd.DataFrame:
        """Needs registered (``behov``; ``deltakere``: their participants) per quarter (``kvartal``: the
        quarter's first day) and sub-region (``delregion``, outside the pilot included); protected.

        Every quarter of :attr:`quarters` and every sub-region appear (zeros included). Published totals: each
        quarter's, each sub-region's and the grand total (hidden ones in :meth:`needs_per_quarter_totals`).
        """
        return self._needs_per_quarter(measure)[0]

    def needs_per_quarter_totals(self, measure: str = "behov") -> pd.DataFrame:
        """Per quarter, the needs registered in all sub-regions together: ``behov`` (NaN where the total must be
        hidden) and ``skjult``, from the same protection as :meth:`needs_per_quarter`."""
        hidden = self._needs_per_quarter(measure)[1]
        needs = self.needs
        weights = needs["antall_deltakere"].astype(float) if measure == "deltakere" else pd.Series(1.0, needs.index)
        totals = weights.groupby(_quarter_of(needs["registrert"]).to_numpy()).sum()
        totals = totals.reindex(self.quarters, fill_value=0.0).rename(measure).to_frame()
        totals["skjult"] = [("per_kvartal", (q,)) in hidden for q in totals.index]
        totals.loc[totals["skjult"], measure] = np.nan
        totals.index.name = "kvartal"
        return totals

    @_memo
    def _needs_per_quarter(self, measure: str) -> tuple[pd.DataFrame, frozenset]:
        needs = self.needs
        keys = pd.DataFrame(
            {
                "kvartal": _quarter_of(needs["registrert"]).to_numpy(),
                "delregion": _need_key(needs, "delregion").to_numpy(),
                "bedrift_id": needs["bedrift_id"].to_numpy(),
            },
            index=needs.index,
        )
        weights = needs["antall_deltakere"].astype(float) if measure == "deltakere" else pd.Series(1.0, needs.index)
        index = pd.MultiIndex.from_product(
            [self.quarters, [*SUBREGIONS, OUTSIDE_PILOT]], names=["kvartal", "delregion"]
        )
        table = _count_table(keys, weights, ["kvartal", "delregion"], index, measure)
        return self._protect(table, [measure], _lines(("kvartal", "delregion")), keys)

    @_memo
    def pipeline_per_quarter(self) -> pd.DataFrame:
        """Needs that reached each pipeline step (``trinn``: koblet, etablert, gjennomfort) per quarter of the
        **date they reached it** (``koblet_dato``, ``etablert_dato``, ``gjennomfort_dato``), not of their
        registration; protected. A need counts once for every step it has a date for; a missing date counts
        nowhere (:meth:`undated_steps` says how many).

        Index (``kvartal``, ``trinn``) over :attr:`quarters` × the three steps; columns ``behov``,
        ``bedrifter``, ``skjult``. Published totals: per step (the funnel shows how many reached each step)
        and the grand total; a quarter's sum over the steps is shown nowhere, so it is no line.
        """
        events = self._step_events()
        index = pd.MultiIndex.from_product([self.quarters, list(STAGE_DATES)], names=["kvartal", "trinn"])
        keys = events[["kvartal", "trinn", "bedrift_id"]]
        table = _count_table(keys, pd.Series(1.0, index=events.index), ["kvartal", "trinn"], index, "behov")
        return self._protect(table, ["behov"], {"total": (), "per_trinn": ("trinn",)}, keys)[0]

    def has_step_dates(self) -> bool:
        """Whether any need in the records has a date for a pipeline step (files from before the dates were
        recorded have none)."""
        needs = self.all_needs
        return any(c in needs.columns and bool(needs[c].notna().any()) for c in STAGE_DATES.values())

    @_memo
    def undated_steps(self) -> pd.Series:
        """Per step: needs whose status says they reached it but that have no date for it (counted in no quarter);
        NaN for viewers when fewer than ``min_businesses`` businesses are behind the number."""
        needs = self.needs
        stage = needs["status"].map(taxonomy.attribute("behov_status", "trinn")).astype(float)
        counts = {}
        for k, (step, column) in enumerate(STAGE_DATES.items(), start=2):
            dates = needs[column] if column in needs.columns else pd.Series(pd.NaT, index=needs.index)
            missing = (stage.to_numpy() >= k) & dates.isna().to_numpy()
            value = disclosure.protect_total(
                int(missing.sum()), needs.loc[missing, "bedrift_id"].nunique(), self.threshold
            )
            counts[step] = float("nan") if value is None else float(value)
        return pd.Series(counts, name="behov")

    def _step_events(self) -> pd.DataFrame:
        """One row per (need, step it has a date for): ``trinn``, ``dato``, ``kvartal``, ``bedrift_id``, ``tilbud_id``."""
        needs = self.needs
        frames = []
        for step, column in STAGE_DATES.items():
            if column not in needs.columns:
                continue
            dated = needs[needs[column].notna().to_numpy()]
            dates = pd.to_datetime(dated[column])
            frames.append(
                pd.DataFrame(
                    {
                        "trinn": step,
                        "dato": dates.to_numpy(),
                        "kvartal": _quarter_of(dates).to_numpy(),
                        "bedrift_id": dated["bedrift_id"].to_numpy(),
                        "tilbud_id": (
                            dated["tilbud_id"].astype("string").to_numpy()
                            if "tilbud_id" in dated.columns
                            else pd.array([pd.NA] * len(dated), dtype="string")
                        ),
                        "behov_id": dated["behov_id"].to_numpy(),
                    }
                )
            )
        if not frames:
            return pd.DataFrame(
                {
                    c: pd.Series(dtype=t)
                    for c, t in [
                        ("trinn", object),
                        ("dato", "datetime64[ns]"),
                        ("kvartal", "datetime64[ns]"),
                        ("bedrift_id", object),
                        ("tilbud_id", "string"),
                        ("behov_id", object),
                    ]
                }
            )
        return pd.concat(frames, ignore_index=True)

    @_memo
    def since(self, start: date) -> pd.DataFrame:
        """What happened on or after ``start`` (the last forum): per event (``hendelse``) - ``registrert`` (new
        needs), ``koblet`` (needs matched to an offer), ``etablert`` (needs whose course was established),
        ``gjennomfort`` - the needs (``behov``), ``skjult``, and ``kurs``: the distinct offers (``tilbud_id``)
        behind the established and completed ones (a need without ``tilbud_id`` counts as its own course).

        Protected for viewers: per event, the needs that reached it before ``start`` and since ``start`` add up
        to those that reached it at all (which the funnel shows), and with those never (yet) reaching it to the
        view's needs; so a hidden "since" cell hides the "before" cell too. (Comparing two start dates, or a
        start date with the quarters of :meth:`pipeline_per_quarter`, is comparing two selections, which no
        protection covers - see the About page.)
        """
        start = pd.Timestamp(start)
        needs = self.needs
        frames = [
            pd.DataFrame(
                {
                    "hendelse": "registrert",
                    "periode": np.where(needs["registrert"] >= start, "siden", "for"),
                    "bedrift_id": needs["bedrift_id"].to_numpy(),
                    "tilbud_id": pd.array([pd.NA] * len(needs), dtype="string"),
                }
            )
        ]
        for step, column in STAGE_DATES.items():
            dates = pd.to_datetime(needs[column]) if column in needs.columns else pd.Series(pd.NaT, index=needs.index)
            period = np.where(dates.isna(), "ikke", np.where(dates >= start, "siden", "for"))
            offer = needs["tilbud_id"].astype("string") if "tilbud_id" in needs.columns else None
            frames.append(
                pd.DataFrame(
                    {
                        "hendelse": step,
                        "periode": period,
                        "bedrift_id": needs["bedrift_id"].to_numpy(),
                        "tilbud_id": offer.to_numpy()
                        if offer is not None
                        else pd.array([pd.NA] * len(needs), dtype="string"),
                    }
                )
            )
        events = pd.concat(frames, ignore_index=True)
        events["naadd"] = np.where(events["periode"] == "ikke", "nei", "ja")
        by = ["hendelse", "naadd", "periode"]
        index = pd.MultiIndex.from_tuples(
            [(e, "nei" if p == "ikke" else "ja", p) for e in SINCE_EVENTS for p in SINCE_PERIODS], names=by
        )
        keys = events[[*by, "bedrift_id"]]
        table = _count_table(keys, pd.Series(1.0, index=events.index), by, index, "behov")
        lines = {"per_hendelse": ("hendelse",), "per_hendelse_naadd": ("hendelse", "naadd")}
        protected = self._protect(table, ["behov"], lines, keys)[0]
        result = protected.xs("siden", level="periode").droplevel("naadd")[["behov", "bedrifter", "skjult"]].copy()
        recent = events[events["periode"] == "siden"]
        courses = {}
        for event in SINCE_EVENTS:
            part = recent[recent["hendelse"] == event]
            offers = part["tilbud_id"].dropna()
            courses[event] = float(offers.nunique() + part["tilbud_id"].isna().sum())
        result["kurs"] = pd.Series(courses).reindex(result.index)
        result.loc[result["skjult"], "kurs"] = np.nan
        result.loc[result.index == "registrert", "kurs"] = np.nan
        return result

    @_memo
    def offers_per_semester(self) -> pd.DataFrame:
        """Offers per semester of their start (``semester``: 1 January for spring, 1 July for autumn) and origin
        (``opprinnelse``: ``reell`` - real offers, e.g. HK-dir's catalogue - or ``demo``); cancelled offers are
        left out. ``tilbud`` and ``plasser``: offers that have started (on or before the view's day);
        ``planlagt`` and ``planlagte_plasser``: offers still to start. Offers are public: nothing is hidden.
        """
        offers = self.offers
        offers = offers[(offers["status"].astype("string") != "avlyst").to_numpy(dtype=bool, na_value=True)]
        offers = offers[offers["oppstart"].notna().to_numpy()]
        semester = _semester_of(offers["oppstart"])
        started = (offers["oppstart"] <= pd.Timestamp(self.key.today)).to_numpy()
        seats = offers["kapasitet"].astype(float).fillna(0).to_numpy()
        frame = pd.DataFrame(
            {
                "semester": semester.to_numpy(),
                "opprinnelse": np.where(offers["demo"].to_numpy(dtype=bool), "demo", "reell"),
                "tilbud": started.astype(float),
                "plasser": np.where(started, seats, 0.0),
                "planlagt": (~started).astype(float),
                "planlagte_plasser": np.where(started, 0.0, seats),
            }
        )
        if len(frame):
            first, last = frame["semester"].min(), frame["semester"].max()
            semesters = pd.date_range(first, last, freq="6MS")
        else:
            semesters = pd.DatetimeIndex([])
        index = pd.MultiIndex.from_product([semesters, list(ORIGINS)], names=["semester", "opprinnelse"])
        table = frame.groupby(["semester", "opprinnelse"]).sum().reindex(index, fill_value=0.0)
        table["skjult"] = False
        return table


def protected_ok(needs: pd.DataFrame, threshold: int) -> bool:
    """Whether a figure over all of ``needs`` may be shown (enough businesses behind it)."""
    return disclosure.protect_total(len(needs), needs["bedrift_id"].nunique(), threshold) is not None


def _need_keys(needs: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """Per need: the key columns ``by`` (derived where needed) and ``bedrift_id``."""
    keys = pd.DataFrame({key: _need_key(needs, key).to_numpy() for key in by}, index=needs.index)
    keys["bedrift_id"] = needs["bedrift_id"].to_numpy()
    return keys


def _need_key(needs: pd.DataFrame, key: str) -> pd.Series:
    municipalities = load_municipalities()
    if key == "delregion":
        return _by_municipality(needs["kommunenummer"], municipalities["delregion"].astype(str))
    if key == "sentralitetsklasse":
        return _by_municipality(needs["kommunenummer"], municipalities["sentralitetsklasse"])
    if key == "fylke":
        return pd.Series(supply.COUNTY, index=needs.index)
    if key == "maaned":
        return needs["registrert"].dt.to_period("M").dt.to_timestamp()
    if key == "kvartal":
        return needs["registrert"].dt.to_period("Q").dt.to_timestamp()
    if key == "aar":
        return needs["registrert"].dt.year
    return needs[key]


def _by_municipality(codes: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` (indexed by kommunenummer) per row of ``codes``; a categorical column is mapped once per
    category instead of once per row (100,000 needs: 38 lookups)."""
    if isinstance(codes.dtype, pd.CategoricalDtype):
        per_category = pd.Series(codes.cat.categories.astype(str), dtype=object).map(values).to_numpy(dtype=object)
        position = codes.cat.codes.to_numpy()
        mapped = np.where(position >= 0, per_category[position] if len(per_category) else None, None)
        return pd.Series(mapped, index=codes.index).infer_objects()
    return codes.astype("string").map(values)


def _full_index(by: tuple[str, ...], present: pd.Index) -> pd.MultiIndex | pd.Index:
    """Every combination of the code lists of ``by`` (time keys: the periods present)."""
    lists = []
    for position, key in enumerate(by):
        values = present.get_level_values(position) if isinstance(present, pd.MultiIndex) else present
        if key == "delregion":
            lists.append([*SUBREGIONS, OUTSIDE_PILOT])
        elif key in taxonomy.taxonomy_names() or key in _TAXONOMY_OF:
            lists.append(taxonomy.codes(_TAXONOMY_OF.get(key, key)))
        elif key == "kommunenummer":
            lists.append(list(load_municipalities().index))
        else:
            lists.append(sorted(pd.unique(values.dropna())))
    if len(by) == 1:
        return pd.Index(lists[0], name=by[0])
    return pd.MultiIndex.from_product(lists, names=list(by))


_TAXONOMY_OF = {"status": "behov_status", "kilde": "behov_kilde", "laeringsform": "laeringsform"}


def _lines(by: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The totals a viewer can subtract from: each key held fixed (the other keys summed), and the grand total;
    municipalities also add up to their sub-region."""
    lines: dict[str, tuple[str, ...]] = {"total": ()}
    if len(by) > 1:
        for key in by:
            lines[f"per_{key}"] = (key,)
    return lines


# --- time (helpers of the "time" section of View) ---------------------------------------------------------

#: Pipeline steps after registration and the need column holding the date each was reached (issue 13).
STAGE_DATES = {"koblet": "koblet_dato", "etablert": "etablert_dato", "gjennomfort": "gjennomfort_dato"}
#: What :meth:`View.since` counts, and the periods its protection adds up.
SINCE_EVENTS = ("registrert", *STAGE_DATES)
SINCE_PERIODS = ("for", "siden", "ikke")
#: Origins of offers: real (HK-dir's catalogue, registered offers) and demo.
ORIGINS = ("reell", "demo")
#: The default "last forum": this many months before the view's day.
SINCE_MONTHS = 3


def default_since(today: date) -> date:
    """The default start of "since the last forum": :data:`SINCE_MONTHS` months before ``today``
    (the same day of the month, or the month's last day)."""
    return (pd.Timestamp(today) - pd.DateOffset(months=SINCE_MONTHS)).date()


def parse_since(text: str | None, today: date) -> date:
    """The ``siden`` page parameter (``2026-09-01``) as a date; :func:`default_since` when it is missing, not a
    date, or after ``today``."""
    try:
        value = date.fromisoformat(str(text).strip()) if text else None
    except ValueError:
        value = None
    return value if value is not None and filtering.DATE_MIN <= value <= today else default_since(today)


def _quarter_of(dates: pd.Series) -> pd.Series:
    """The first day of each date's quarter."""
    return pd.to_datetime(dates).dt.to_period("Q").dt.to_timestamp()


def _semester_of(dates: pd.Series) -> pd.Series:
    """The first day of each date's semester: 1 January (spring, January-June) or 1 July (autumn)."""
    dates = pd.to_datetime(dates)
    months = np.where(dates.dt.month.to_numpy() <= 6, 1, 7)
    return pd.Series(pd.to_datetime({"year": dates.dt.year, "month": months, "day": 1}).to_numpy(), index=dates.index)


def _count_table(
    keys: pd.DataFrame, weights: pd.Series, by: list[str], index: pd.MultiIndex, measure: str
) -> pd.DataFrame:
    """``measure`` (sum of ``weights``) and distinct ``bedrifter`` per cell of ``index`` (zeros for empty cells)."""
    grouped = keys.assign(_v=weights.to_numpy()).groupby(by, observed=True)
    table = grouped.agg(**{measure: ("_v", "sum"), "bedrifter": ("bedrift_id", "nunique")})
    table = table.reindex(index).fillna({measure: 0.0, "bedrifter": 0})
    table["bedrifter"] = table["bedrifter"].astype(int)
    return table
