"""One computed view of the data for one audience: what every page, slide, briefing, download and the CLI reads.

A :class:`View` holds the records and a :class:`~kompilot_data.view.key.ViewKey` - the filters, the audience
(coordinator or viewer, with the minimum number of businesses behind a published cell), the reach setting, the
language and the data version. Everything shown is computed from it once (``view.lazy.computed``) and, for
viewers, comes out **protected**: cells built on fewer than ``min_businesses`` businesses and their complementary
cells are hidden (``NaN`` values and ``skjult = True``), so a suppressed cell cannot reach a figure, a hover, a
table, a download, a PNG or a slide - no page calls suppression itself.

Competition for seats is computed over every need that passes the filter *without its place part*
(sub-region, municipality, centrality): a Namdalen view gets the same share of a Steinkjer course as the
county view gives Namdalen. The place part only selects which places are shown.

Two helpers the View owns hold its larger parts: ``view.time`` (:class:`~kompilot_data.view.time_series.TimeSeries`:
trends per quarter and since the last forum) and ``view.brokering``
(:class:`~kompilot_data.view.brokering.Brokering`: candidates, course opportunities and flows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kompilot_data.engine import disclosure, indicators, supply
from kompilot_data.engine.reach import Reach, compute_reach
from kompilot_data.reference import taxonomy
from kompilot_data.reference.regions import Region
from kompilot_data.reference.sources import records_source
from kompilot_data.view.brokering import Brokering
from kompilot_data.view.filters import Filters, filter_needs, filter_offers
from kompilot_data.view.grouping import full_index, lines, need_key, need_keys, weights
from kompilot_data.view.key import Audience, ViewKey, memoized
from kompilot_data.view.lazy import computed
from kompilot_data.view.numbers import Numbers, build_numbers
from kompilot_data.view.protection import perturb_table, perturb_total
from kompilot_data.view.time_series import TimeSeries

#: Pipeline stages in order (a closed need reached "kartlagt" only).
FUNNEL_STAGES = ("kartlagt", "koblet", "etablert", "gjennomfort")


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
        # The settings, from the (frozen) key: the threshold is the audience's minimum number of businesses.
        self.filters: Filters = self.key.filters
        self.audience: Audience = self.key.audience
        self.language: str = self.key.language
        self.threshold: int = self.audience.min_businesses

    # --- settings ---------------------------------------------------------------------------

    @computed
    def places(self) -> list[str] | None:
        """kommunenummer selected by the place part of the filter (None = all 38)."""
        return self.filters.municipality_codes()

    # --- records ----------------------------------------------------------------------------

    @computed
    def needs(self) -> pd.DataFrame:
        """Needs under the whole filter (record level: coordinators only)."""
        return filter_needs(self.all_needs, self.filters)

    @computed
    def offers(self) -> pd.DataFrame:
        """Offers under the whole filter (offers are public: shown to everyone)."""
        return filter_offers(self.all_offers, self.filters)

    @computed
    def competing_needs(self) -> pd.DataFrame:
        """Needs under the filter without its place part: all demand that competes for the seats."""
        return supply.open_demand(filter_needs(self.all_needs, self.filters.without_place()), self.all_offers)

    @computed
    def supply_offers(self) -> pd.DataFrame:
        """Active offers in supply (EVU classes) under the filter without its place part (reach decides which
        places they serve)."""
        lens = bool(getattr(self.filters, "ordinaere", False))  # "ordinære studier" adds ordinary degrees
        return supply.supply_offers(filter_offers(self.all_offers, self.filters.without_place()), ordinaere=lens)

    @computed
    def demo(self) -> bool:
        return bool(self.all_needs["demo"].any() or self.all_offers["demo"].any())

    # --- engine -----------------------------------------------------------------------------

    @computed
    def reach(self) -> Reach:
        return compute_reach(self.supply_offers, self.key.reach, by_study_mode=True)  # per-mode thresholds

    @computed
    def catchment(self) -> supply.Catchment:
        return supply.catchment(
            self.competing_needs, self.supply_offers, self.reach, self.key.decay, self.background_demand
        )

    @property
    def background_demand(self) -> bool:
        """Does background demand compete in 2SFCA's first step? Off with the key's ``bakgrunn=False`` (CLI
        ``gap --bare-registrerte``) or the switch «bare registrerte behov» (``?bare_registrerte=ja``)."""
        return bool(self.key.bakgrunn) and not self.filters.bare_registrerte

    def protect(
        self,
        table: pd.DataFrame,
        values: list[str],
        published: dict[str, tuple[str, ...]],
        keys_per_need: pd.DataFrame,
    ) -> tuple[pd.DataFrame, frozenset]:
        """Hide what a viewer must not see or derive (no-op for coordinators); also return the hidden totals.

        ``table`` is indexed by its keys; ``published`` names the totals a reader sees (see
        :func:`kompilot_data.engine.disclosure.protect`); ``keys_per_need`` has, per need behind the table, the same
        key columns, ``bedrift_id`` and ``behov_id``, so every published total knows its exact number of businesses
        and every cell its cell key. For viewers the visible counts are then perturbed with the cell key method
        (:mod:`kompilot_data.view.protection`).
        """
        keys = list(table.index.names)
        flat = table.reset_index()
        line_businesses = None
        if self.threshold:
            line_businesses = {}
            for name, fixed in published.items():
                if fixed:
                    line_businesses[name] = keys_per_need.groupby(list(fixed), observed=True)["bedrift_id"].nunique()
                    missing = set(map(tuple, flat[list(fixed)].drop_duplicates().to_numpy().tolist()))
                    present = {k if isinstance(k, tuple) else (k,) for k in line_businesses[name].index}
                    for key in missing - present:  # a line with no needs at all
                        line_businesses[name].loc[key if len(key) > 1 else key[0]] = 0
                else:
                    line_businesses[name] = keys_per_need["bedrift_id"].nunique()
        protected = disclosure.protect(
            flat, values, "bedrifter", published, self.threshold, keys=keys, line_businesses=line_businesses
        )
        self.protections.append((f"{keys} {values[0]}", protected))
        result = protected.table.set_index(keys)
        if self.threshold:
            result = perturb_table(result, values, keys_per_need, self.all_needs)
        return result, protected.hidden_totals

    @memoized
    def demand_supply(self, by: tuple[str, ...] = ("delregion", "kompetanseomrade")) -> pd.DataFrame:
        """Demand, apportioned supply, gap, coverage and index per group, for the selected places; protected.

        Hidden cells have NaN in every value column and ``skjult = True``.
        """
        table = supply.aggregate(self.catchment, by, places=self.places)
        table["tilbud_innen_rekkevidde"] = table["tilbud_innen_rekkevidde"].astype(float)
        values = [
            "ettersporsel",
            "tilbud_fordelt",
            "gap",
            "udekket",
            "overskudd",
            "dekning",
            "indeks",
            "tilbud_innen_rekkevidde",
        ]
        needs = self.catchment.needs
        if self.places is not None:
            needs = needs[needs["kommunenummer"].isin(self.places).to_numpy()]
        keys = need_keys(needs, by)
        published = lines(by)
        if by[0] == "kommunenummer":  # municipalities add up to their sub-region (shown beside them)
            table = table.assign(delregion=need_key(table.reset_index(), "delregion").to_numpy())
            keys["delregion"] = need_key(needs, "delregion").to_numpy()
            published.update(
                {"per_delregion": ("delregion",)} | {f"per_delregion_{k}": ("delregion", k) for k in by[1:]}
            )
        return self.protect(table, values, published, keys)[0]

    # --- counts of needs --------------------------------------------------------------------

    def counts(self, by: tuple[str, ...], measure: str = "behov") -> pd.DataFrame:
        """Needs (``behov``: how many; ``deltakere``: participants) per group of ``by``; protected.

        ``by`` are need columns (e.g. ``kompetanseomrade``, ``niva``, ``status``, ``naering``, ``kilde``,
        ``kommunenummer``) or derived keys (:data:`~kompilot_data.view.grouping.DERIVED_KEYS`). Every combination of the code lists
        appears (zeros included), so figures keep a stable order.
        """
        return self._counts(tuple(by), measure)[0]

    @memoized
    def _counts(self, by: tuple[str, ...], measure: str) -> tuple[pd.DataFrame, frozenset]:
        needs = self.needs
        keys = need_keys(needs, by)
        grouped = keys.assign(_v=weights(needs, measure).to_numpy()).groupby(list(by), observed=False, dropna=False)
        table = grouped.agg(**{measure: ("_v", "sum"), "bedrifter": ("bedrift_id", "nunique")})
        table = table.reindex(full_index(by, table.index)).fillna({measure: 0.0, "bedrifter": 0})
        table["bedrifter"] = table["bedrifter"].astype(int)
        return self.protect(table, [measure], lines(by), keys)

    def offer_counts(self, key: str, measure: str = "tilbud") -> pd.Series:
        """Offers (``tilbud``) or seats (``plasser``) per code of ``key``; offers are public, nothing is hidden."""
        offers = self.offers
        values = offers["kapasitet"].astype(float) if measure == "plasser" else pd.Series(1.0, index=offers.index)
        return values.groupby(offers[key], observed=False).sum().rename(measure)

    def total(self, measure: str = "behov") -> float:
        """One key figure for the whole selection: ``behov``, ``deltakere``, ``bedrifter`` or ``apne_behov`` (open
        needs: status kartlagt or koblet); NaN when hidden.

        The selection's total is also the grand total of the sub-region × area table, so it follows that
        table's protection too. Open needs are the needs less those further along the pipeline or closed, so
        they are hidden whenever a cell of the status table is (the difference would give it back).
        """
        needs = self.needs
        businesses = needs["bedrift_id"].nunique()
        values = {"behov": len(needs), "deltakere": needs["antall_deltakere"].sum(), "bedrifter": businesses}
        value = len(self.open_needs) if measure == "apne_behov" else values[measure]
        if disclosure.protect_total(value, businesses, self.threshold) is None:
            return float("nan")
        if self.threshold and ("total", ()) in self._counts(("delregion", "kompetanseomrade"), "deltakere")[1]:
            return float("nan")
        if self.threshold and measure == "apne_behov" and self.counts(("fylke", "status"))["skjult"].any():
            return float("nan")
        if self.threshold:  # a cell of its own (cell key method), not a sum of perturbed parts
            rows = self.open_needs if measure == "apne_behov" else needs
            return perturb_total(float(value), rows, self.all_needs, measure)
        return float(value)

    @property
    def total_mark(self) -> str:
        """The mark a hidden key figure of the whole selection shows: "<3" when the selection rests on fewer
        businesses than the threshold, ":" when it is hidden as the total of a table with a hidden cell."""
        return disclosure.total_marker(self.needs["bedrift_id"].nunique(), self.threshold or disclosure.MIN_BUSINESSES)

    @memoized
    def pipeline(self, by: str = "delregion") -> pd.DataFrame:
        """Needs that reached each stage (cumulative), per group of ``by``; protected.

        Built from the protected ``by`` × status counts: a cumulative value is shown only when none of
        the statuses it adds up is hidden, so no difference of two shown values recovers a hidden cell. For
        viewers each shown cumulative value is a cell of its own, perturbed with the cell key of the needs it
        counts (cell key method), never a sum of perturbed parts.
        """
        cells = self.counts((by, "status"), "behov")
        stage = taxonomy.attribute("behov_status", "trinn")
        groups = need_key(self.needs, by).to_numpy() if self.threshold else None
        statuses = self.needs["status"].astype(str).to_numpy() if self.threshold else None
        rows = []
        for group, part in cells.groupby(level=0, observed=False, sort=False):
            part = part.droplevel(0)
            total_hidden = part["skjult"].any()
            for k, code in enumerate(FUNNEL_STAGES):
                included = [s for s in part.index if int(stage[s]) >= k + 1] if code != "kartlagt" else list(part.index)
                hidden = bool(part.loc[included, "skjult"].any()) or (code == "kartlagt" and total_hidden)
                if hidden:
                    value = float("nan")
                elif self.threshold:
                    counted = self.needs[(groups == group) & np.isin(statuses, [str(s) for s in included])]
                    value = perturb_total(float(len(counted)), counted, self.all_needs, "behov")
                else:
                    value = float(part.loc[included, "behov"].sum())
                rows.append({by: group, "trinn": code, "behov": value, "skjult": hidden})
        return pd.DataFrame(rows).set_index([by, "trinn"])

    # --- places -----------------------------------------------------------------------------

    @computed
    def municipality_table(self) -> pd.DataFrame:
        """One row per municipality with every map indicator; ``skjult`` marks the protected ones.

        Computed indicators (needs per 1,000, apportioned supply, gap, index) are NaN where hidden;
        SSB statistics and offers within reach are public and never hidden. Municipalities outside
        the place filter keep their statistics and show no computed values.
        """
        # Open needs only (issue 20): the map's needs per 1,000 is today's demand, not history.
        table = indicators.municipality_table(self.open_needs, self.catchment, self.reach)
        if self.places is not None:
            outside = ~table.index.isin(self.places)
            table.loc[outside, indicators.COMPUTED_COLUMNS] = np.nan
            table.loc[outside, "bedrifter"] = 0
        table.index.name = "kommunenummer"
        published = {"delregion": ("delregion",), "total": ()}
        counts = self.protect(
            table,
            list(indicators.COUNT_COLUMNS),
            published,
            need_keys(self.open_needs, ("kommunenummer", "delregion")),
        )[0]
        open_demand = self.catchment.needs
        if self.places is not None:
            open_demand = open_demand[open_demand["kommunenummer"].isin(self.places).to_numpy()]
        gaps = self.protect(
            table.rename(columns={"bedrifter": "_alle", "bedrifter_etterspurt": "bedrifter"}),
            list(indicators.GAP_COLUMNS),
            published,
            need_keys(open_demand, ("kommunenummer", "delregion")),
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

    @computed
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
        # the same cells as demand_supply by municipality × area, perturbed with the same cell keys
        by = ["kommunenummer", "kompetanseomrade"]
        rows = need_keys(self.catchment.needs, tuple(by))
        rows["kommunenummer"] = rows["kommunenummer"].astype(str)
        perturbed = perturb_table(spots.set_index(by), ["ettersporsel", "behov"], rows, self.all_needs)
        return perturbed.reset_index()[spots.columns]

    @computed
    def matched_share(self) -> float:
        """Share of open needs in the selection with an offer in the same area and level within reach."""
        if not protected_ok(self.needs, self.threshold):
            return float("nan")
        return supply.needs_matched_share(self.catchment, self.places)

    @computed
    def open_needs(self) -> pd.DataFrame:
        """Open needs of the selection: kartlagt, and koblet whose course has not ended (the competing open needs
        that pass the place filter too)."""
        competing = self.competing_needs
        return competing[competing.index.isin(self.needs.index)]

    @computed
    def centrality_table(self) -> pd.DataFrame:
        """Per SSB centrality class (1 = most central … 6 = least central) of the selected places: needs, open
        participants, the share of open needs with an offer in the same area and level within reach, and the
        mean travel (minutes, or km) to the nearest such offer with a study place; protected."""
        result = self.catchment
        needs = result.needs
        keep = np.ones(len(needs), dtype=bool)
        if self.places is not None:
            keep = needs["kommunenummer"].isin(self.places).to_numpy()
        classes = need_key(needs, "sentralitetsklasse").to_numpy()
        frame = pd.DataFrame(
            {
                "sentralitetsklasse": classes,
                "innen_rekkevidde": supply.needs_with_offer_in_reach(result),
                "naermeste": supply.nearest_place_minutes(result, self.reach, self.supply_offers),
                "deltakere": needs["antall_deltakere"].to_numpy(float),
                "bedrift_id": needs["bedrift_id"].to_numpy(),
                "behov_id": needs["behov_id"].to_numpy(),
            },
            index=needs.index,
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
        return self.protect(table, values, {"total": ()}, frame[["sentralitetsklasse", "bedrift_id", "behov_id"]])[0]

    @computed
    def offers_in_reach(self) -> pd.DataFrame:
        """Active offers (under the filter without its place part) within reach of at least one selected
        municipality (of any, without a place filter). Offers are public: nothing is hidden."""
        offers, result = self.supply_offers, self.catchment
        rows = result.municipalities.get_indexer(self.places if self.places is not None else result.municipalities)
        columns = result.offer_ids.get_indexer(offers["tilbud_id"])
        return offers[result.reachable[rows][:, columns].any(axis=0)]

    # --- public statistics of the selected places ----------------------------------------

    def profile(self, county: bool = False) -> dict[str, float]:
        """The SSB figures of the selected places (population-weighted; ``county``: of all 38), public."""
        return indicators.area_profile(None if county else self.places)

    def population_index(self, county: bool = False) -> pd.Series:
        """Population per year of the selected places (``county``: of all 38) as an index, 2020 = 100; public."""
        return indicators.population_index(None if county else self.places)

    # --- another region, the same records -------------------------------------------------

    def for_region(self, region: Region, audience: Audience | None = None) -> View:
        """The View of ``region`` (the place filter replaced by it) on the same records, for ``audience``."""
        return View(self.all_needs, self.all_offers, self.key.for_region(region, audience), self.rejected)

    # --- the helpers it owns -----------------------------------------------------------------

    @computed
    def time(self) -> TimeSeries:
        """Trends: needs and pipeline steps per quarter, what happened since the last forum, offers per semester."""
        return TimeSeries(self)

    @computed
    def brokering(self) -> Brokering:
        """Candidates (coordinators), course opportunities and the flow map's data."""
        return Brokering(self)

    # --- one set of numbers (issue 20) -------------------------------------------------------

    @memoized
    def numbers(self) -> Numbers:
        """Every figure about demand, supply and unmet demand of this selection, for every surface
        (:mod:`kompilot_data.view.numbers`)."""
        return build_numbers(self)

    # --- sources ----------------------------------------------------------------------------

    @memoized  # every chart of a page asks for it; the records do not change within a View
    def records_source(self, needs: bool = True, offers: str | None = "filtered") -> str:
        """The source line of figures computed from the selection's needs (``needs``) and offers: ``"filtered"``
        (under the whole filter), ``"supply"`` (the active offers that compete for the needs), ``"reach"``
        (:attr:`offers_in_reach`) or None."""
        chosen = {"filtered": self.offers, "supply": self.supply_offers, "reach": self.offers_in_reach, None: None}
        return records_source(self.language, self.needs if needs else None, chosen[offers])


def protected_ok(needs: pd.DataFrame, threshold: int) -> bool:
    """Whether a figure over all of ``needs`` may be shown (enough businesses behind it)."""
    return disclosure.protect_total(len(needs), needs["bedrift_id"].nunique(), threshold) is not None
