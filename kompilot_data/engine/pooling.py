"""Demand pooling (tilrettelegge): turn uncovered needs into proposed course opportunities.

1. Take open needs with **no reachable active offer in the same competence area
   and level** (their municipality × area × level cell has zero supply).
2. Per area × level, cluster them around hosts. Host candidates are the
   municipalities' representative points and the study places with
   coordinates. Greedily, the host that gathers the most participants within
   ``radius_km`` wins (ties: smaller participant-weighted distance, then
   name); its needs form a pool; repeat with the rest.
3. Each pool is a course opportunity: participants, businesses, municipalities,
   distances, whether the minimum class size (default 12) is reached, and a
   suggested delivery mode (samlingsbasert/nettbasert when the farthest
   participant is more than :data:`LONG_DISTANCE_KM` away).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kompilot_data.engine.reach import DEFAULT_RADIUS_KM, Reach, haversine_km, open_needs
from kompilot_data.engine.supply import catchment, needs_with_offer_in_reach
from kompilot_data.i18n import format_number
from kompilot_data.reference import OUTSIDE_PILOT, load_municipalities, load_study_places, taxonomy

DEFAULT_MIN_CLASS = 12
LONG_DISTANCE_KM = 60.0


def uncovered_needs(needs: pd.DataFrame, offers: pd.DataFrame, reach: Reach | None = None) -> pd.DataFrame:
    """Open needs whose municipality × area × level has no reachable active offer."""
    demand = open_needs(needs)
    if demand.empty:
        return demand
    shared = catchment(demand, offers, reach)
    return shared.needs[~needs_with_offer_in_reach(shared)]


def _hosts() -> pd.DataFrame:
    municipalities = load_municipalities()
    centres = pd.DataFrame(
        {
            "vert": municipalities["navn"].to_numpy(),
            "vert_type": "kommune",
            "kommunenummer": municipalities.index.to_numpy(),
            "lat": municipalities["punkt_lat"].to_numpy(float),
            "lon": municipalities["punkt_lon"].to_numpy(float),
        }
    )
    places = load_study_places().dropna(subset=["lat", "lon"])
    places = places.drop_duplicates(subset=["navn", "lat", "lon"])
    studies = pd.DataFrame(
        {
            "vert": (places["navn"] + " (" + places["sted"].astype(str) + ")").to_numpy(),
            "vert_type": "studiested",
            "kommunenummer": places["kommunenummer"].to_numpy(),
            "lat": places["lat"].to_numpy(float),
            "lon": places["lon"].to_numpy(float),
        }
    )
    return pd.concat([studies, centres], ignore_index=True)


def course_opportunities(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    radius_km: float = DEFAULT_RADIUS_KM,
    min_class: int = DEFAULT_MIN_CLASS,
    reach: Reach | None = None,
    language: str = "nb",
) -> pd.DataFrame:
    """Proposed course opportunities from uncovered open needs (see the module text).

    Returns
    -------
    pandas.DataFrame
        One row per pool, largest first: ``kompetanseomrade``, ``niva``,
        ``delregion`` (where most participants are), ``vert`` and
        ``vert_kommunenummer``, ``deltakere``, ``bedrifter``, ``behov``,
        ``kommuner``, ``sum_avstand_km`` (participant-weighted),
        ``maks_avstand_km``, ``min_klasse_naadd``, ``foreslaatt_form`` and a
        one-line ``beskrivelse``; ``behov_ids`` lists the pooled needs.
    """
    pending = uncovered_needs(needs, offers, reach=reach)
    columns = [
        "kompetanseomrade",
        "niva",
        "delregion",
        "vert",
        "vert_kommunenummer",
        "deltakere",
        "bedrifter",
        "behov",
        "kommuner",
        "sum_avstand_km",
        "maks_avstand_km",
        "min_klasse_naadd",
        "foreslaatt_form",
        "beskrivelse",
        "behov_ids",
    ]
    if pending.empty:
        return pd.DataFrame(columns=columns)
    municipalities = load_municipalities()
    hosts = _hosts()
    point = municipalities.loc[pending["kommunenummer"].astype(str), ["punkt_lat", "punkt_lon"]].to_numpy(float)
    distance = haversine_km(
        point[:, [0]], point[:, [1]], hosts["lat"].to_numpy()[None, :], hosts["lon"].to_numpy()[None, :]
    )
    participants = pending["antall_deltakere"].to_numpy(float)
    area = pending["kompetanseomrade"].astype(str).to_numpy()
    level = pending["niva"].astype(str).to_numpy()
    pools = []
    for key in sorted(set(zip(area, level, strict=True))):
        remaining = np.flatnonzero((area == key[0]) & (level == key[1]))
        while len(remaining):
            within = distance[remaining] <= radius_km
            gathered = (participants[remaining, None] * within).sum(axis=0)
            travel = (participants[remaining, None] * distance[remaining] * within).sum(axis=0)
            # Most participants, then least travel, then host order (study places before centres).
            best = np.lexsort((np.arange(len(hosts)), travel, -gathered))[0]
            members = remaining[within[:, best]]
            if len(members) == 0:  # every need is within reach of its own municipality's centre
                members = remaining[:1]
            pools.append(_pool(pending.iloc[members], distance[members, best], hosts.iloc[best], key, min_class))
            remaining = np.setdiff1d(remaining, members)
    frame = pd.DataFrame(pools, columns=[c for c in columns if c != "beskrivelse"])
    frame["beskrivelse"] = [_describe(row, language) for row in frame.itertuples(index=False)]
    return frame.sort_values(["deltakere", "bedrifter", "vert"], ascending=[False, False, True]).reset_index(drop=True)[
        columns
    ]


def _pool(group: pd.DataFrame, distances: np.ndarray, host: pd.Series, key: tuple[str, str], min_class: int) -> dict:
    municipalities = load_municipalities()
    weights = group["antall_deltakere"].to_numpy(float)
    regions = group["kommunenummer"].astype(str).map(municipalities["delregion"].astype(str))
    region = regions.groupby(regions).size().sort_index().idxmax()
    total = int(weights.sum())
    farthest = float(distances.max())
    return {
        "kompetanseomrade": key[0],
        "niva": key[1],
        "delregion": region,
        "vert": host["vert"],
        "vert_kommunenummer": host["kommunenummer"],
        "deltakere": total,
        "bedrifter": int(group["bedrift_id"].nunique()),
        "behov": len(group),
        "kommuner": ", ".join(sorted(municipalities.loc[group["kommunenummer"].astype(str).unique(), "navn"])),
        "sum_avstand_km": round(float((weights * distances).sum()), 1),
        "maks_avstand_km": round(farthest, 1),
        "min_klasse_naadd": total >= min_class,
        "foreslaatt_form": "samlingsbasert eller nettbasert" if farthest > LONG_DISTANCE_KM else "stedlig",
        "behov_ids": ";".join(group["behov_id"].astype(str)),
    }


def _describe(row, language: str) -> str:
    area = taxonomy.labels("kompetanseomrade", language)[row.kompetanseomrade]
    level = taxonomy.labels("niva", language)[row.niva]
    people = format_number(row.deltakere, language)
    distance = format_number(row.sum_avstand_km, language)
    outside = row.delregion == OUTSIDE_PILOT
    if language == "nb":
        where = "utenfor delregionene" if outside else f"i {row.delregion}"
        return (
            f"{people} deltakere fra {row.bedrifter} bedrifter {where} ønsker {level.lower()} i "
            f"{area.lower()}; beste vertssted: {row.vert} (sum avstand {distance} km)"
        )
    return (
        f"{people} participants from {row.bedrifter} businesses "
        f"{'outside the sub-regions' if outside else 'in ' + row.delregion} want {level.lower()} in "
        f"{area.lower()}; best host: {row.vert} (total distance {distance} km)"
    )
