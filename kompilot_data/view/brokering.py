"""The View's brokering part: candidate offers for open needs, course opportunities pooled from uncovered needs,
and the flows to the best candidates (the flow map's data).

:class:`Brokering` is owned by a :class:`~kompilot_data.view.View` (``view.brokering``). Candidates are record
level (coordinators only); pools and flows come out protected for viewers.
"""

from __future__ import annotations

import pandas as pd

from kompilot_data.engine import matching, pooling
from kompilot_data.engine.flows import FlowData, flows_from, need_flows
from kompilot_data.view.key import ViewPart, memoized
from kompilot_data.view.lazy import computed
from kompilot_data.view.protection import perturb_total, record_keys

#: Columns of a candidate table, when there is none.
BEST_COLUMNS = ["behov_id", "rang", "tilbud_id", "avstand_km", "reisetid_min"]
#: What a hidden pool does not show (its numbers are NaN).
POOL_DESCRIPTION = ["kommuner", "beskrivelse", "vert", "vert_kommunenummer", "ferjer"]
POOL_VALUES = ["deltakere", "behov", "sum_avstand_km", "maks_avstand_km", "sum_reisetid_min", "maks_reisetid_min"]


class Brokering(ViewPart):
    """Matching, pooling and flows of one View's selection."""

    @computed
    def candidates(self) -> pd.DataFrame:
        """Top-5 candidate offers for every open need in the selection (coordinators only; empty for viewers)."""
        view = self.view
        if not view.audience.sees_records:
            return pd.DataFrame()
        return matching.rank_candidates(
            view.needs,
            view.supply_offers,
            top=5,
            reach=view.reach,
            today=view.key.today,
            rejected=view.rejected,
            seats=self.seats,
        )

    @computed
    def seats(self) -> pd.Series:
        """Seats per proposable offer for matching: mobile in-company courses share one pool per area × level among
        all competing needs (:func:`kompilot_data.engine.matching.pooled_seats`)."""
        view = self.view
        return matching.pooled_seats(view.supply_offers, view.competing_needs, view.key.today)

    @memoized
    def _course_opportunities(self, min_class: int) -> pd.DataFrame:
        """The exact course opportunities (record level: the needs of each pool); only for :meth:`pools` and
        :meth:`pooled_participants`."""
        view = self.view
        return pooling.course_opportunities(
            view.needs,
            view.supply_offers,
            reach=view.reach,
            min_class=min_class,
            language=view.language,
            today=view.key.today,
        )

    @memoized
    def pools(self, min_class: int) -> pd.DataFrame:
        """Course opportunities pooled from the selection's uncovered needs; protected for viewers."""
        view = self.view
        pools = self._course_opportunities(min_class)
        if pools.empty or not view.threshold:
            return pools.assign(skjult=False)
        # One row per pooled need, so each pool knows its businesses and its cell key (cell key method).
        pooled = pools["behov_ids"].astype(str).str.split(";").explode()
        needs = view.open_needs.set_index("behov_id", drop=False)
        rows = pd.DataFrame(
            {
                "pool": pooled.index.to_numpy(),
                "kompetanseomrade": pools.loc[pooled.index, "kompetanseomrade"].to_numpy(),
                "niva": pools.loc[pooled.index, "niva"].to_numpy(),
                "behov_id": pooled.to_numpy(),
                "bedrift_id": needs["bedrift_id"].reindex(pooled.to_numpy()).to_numpy(),
            }
        )
        pools = pools.drop(columns=["behov_ids"], errors="ignore")
        pools.index.name = "pool"
        protected = view.protect(
            pools.set_index(["kompetanseomrade", "niva"], append=True), POOL_VALUES, {"alle": ()}, rows
        )[0]
        protected.loc[protected["skjult"], POOL_DESCRIPTION] = None
        return pooling.for_viewers(protected.reset_index(["kompetanseomrade", "niva"]), min_class, view.language)

    @memoized
    def pooled_participants(self, min_class: int) -> float:
        """Participants in the course opportunities shown (not hidden): for viewers a count of its own, perturbed
        with the cell key of those pools' needs (cell key method), not the sum of the pools' perturbed figures."""
        view = self.view
        pools = self._course_opportunities(min_class)
        shown = self.pools(min_class)
        if pools.empty:
            return 0.0
        visible = ~shown["skjult"].to_numpy(bool)
        exact = float(pools["deltakere"].to_numpy(float)[visible].sum())
        if not view.threshold:
            return exact
        ids = [i for text in pools["behov_ids"].astype(str)[visible] for i in text.split(";") if i]
        rows = view.open_needs[view.open_needs["behov_id"].astype(str).isin(ids).to_numpy()]
        return perturb_total(exact, rows, view.all_needs, "deltakere")

    @computed
    def flows(self) -> FlowData:
        """The flow map's data: the selection's open needs to the study places of their best candidates, for the
        View's audience. Coordinators' arcs come from :attr:`candidates`; for a viewer the best candidates are
        ranked here (the View gives viewers no records) and only the protected aggregates leave. The protection
        is added to ``view.protections``."""
        view = self.view
        if view.audience.sees_records:
            best = self.candidates
        else:
            best = matching.rank_candidates(view.needs, view.supply_offers, top=1, reach=view.reach, seats=self.seats)
        if best.empty:
            best = pd.DataFrame(columns=BEST_COLUMNS)
        flows = need_flows(best, view.open_needs, view.supply_offers)
        places = None if view.places is None else tuple(view.places)
        keys = None
        if view.threshold:  # the record keys of the cell key method, from the View's records
            keys = record_keys(view.all_needs, flows.set_index(view.open_needs.index))
        data, protected = flows_from(flows, view.threshold, view.key.reach, places, record_keys=keys)
        view.protections.append(("flytkart kommunenummer × type × studiested × kompetanseomrade", protected))
        return data
