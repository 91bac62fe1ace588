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
            view.needs, view.supply_offers, top=5, reach=view.reach, today=view.key.today, rejected=view.rejected
        )

    @memoized
    def pools(self, min_class: int) -> pd.DataFrame:
        """Course opportunities pooled from the selection's uncovered needs; protected for viewers."""
        view = self.view
        pools = pooling.course_opportunities(
            view.needs,
            view.supply_offers,
            reach=view.reach,
            min_class=min_class,
            language=view.language,
            today=view.key.today,
        )
        if pools.empty or not view.threshold:
            return pools.assign(skjult=False)
        pools = pools.drop(columns=["behov_ids"], errors="ignore")
        pools.index.name = "pool"
        protected = view.protect(
            pools.set_index(["kompetanseomrade", "niva"], append=True),
            POOL_VALUES,
            {"alle": ()},
            pd.DataFrame({"bedrift_id": view.open_needs["bedrift_id"].to_numpy()}),
        )[0]
        protected.loc[protected["skjult"], POOL_DESCRIPTION] = None
        return protected.reset_index(["kompetanseomrade", "niva"])

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
            best = matching.rank_candidates(view.needs, view.supply_offers, top=1, reach=view.reach)
        if best.empty:
            best = pd.DataFrame(columns=BEST_COLUMNS)
        flows = need_flows(best, view.open_needs, view.supply_offers)
        places = None if view.places is None else tuple(view.places)
        data, protected = flows_from(flows, view.threshold, view.key.reach, places)
        view.protections.append(("flytkart kommunenummer × type × studiested × kompetanseomrade", protected))
        return data
