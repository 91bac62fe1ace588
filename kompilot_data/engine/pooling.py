"""Demand pooling (tilrettelegge): turn uncovered needs into proposed course opportunities.

1. **Uncovered needs**: open needs with no offer matching could propose (active and not already
   under way, see :func:`kompilot_data.engine.matching.proposable_offers`) in the same
   competence area **and level** within reach of their municipality.
2. **Hosts**: every municipality's centre (the point reach travels from) and every study place
   with coordinates. A host *reaches* a need when it lies within the reach limit from the need's
   municipality, on the same :class:`~kompilot_data.engine.reach.ReachSetting` as the reach:
   modelled minutes by road and ferry (``reisetid``) or straight-line km (``luftlinje``).
3. Per area × level, greedily:

   a. the host that reaches the most participants among the needs left seeds a pool (ties: less
      total participant travel, then host order); the pool is every need left that it reaches;
   b. the pool's host is the place that reaches **all** its needs with the **least total
      participant travel** (minutes, or km in straight-line mode); ties: a host in the pool's
      sub-region, then host order (study places before centres);
   c. repeat with the needs left.

4. **Region label** (``delregion``): the sub-region holding most of the pool's participants
   (ties: more needs, then name) – never the host's region.
5. **Sub-region filter**: only the needs passed in are pooled. Filter them first (e.g. Fosen's
   needs); since a host must reach every pooled need, a Fosen pool is hosted where Fosen's
   businesses can travel to, not somewhere that only straight-line distance across the fjord
   makes near.
6. Each pool is a course opportunity: participants, businesses, municipalities, total and
   longest travel, ferries on the way, whether the minimum class size (default 12) is reached,
   and a suggested mode: ``samlingsbasert eller nettbasert`` when the farthest participant
   travels more than :data:`LONG_TRAVEL_MINUTES` (or :data:`LONG_DISTANCE_KM` straight line),
   else ``stedlig``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from kompilot_data.engine.matching import proposable_offers, resolve_reach
from kompilot_data.engine.reach import (
    TRAVEL_TIME,
    Reach,
    ReachSetting,
    _municipality_points,
    compute_reach,
    municipality_rows,
    open_needs,
)
from kompilot_data.reference import OUTSIDE_PILOT, load_municipalities, load_study_places, taxonomy
from kompilot_data.reference.errors import KompilotError
from kompilot_data.reference.i18n import format_number, t

DEFAULT_MIN_CLASS = 12
LONG_DISTANCE_KM = 60.0
LONG_TRAVEL_MINUTES = 60.0
"""Farthest one-way trip (modelled minutes) above which sessions or online teaching are suggested."""
MODE_LOCAL = "stedlig"
MODE_DISTRIBUTED = "samlingsbasert eller nettbasert"
COLUMNS = [
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
    "sum_reisetid_min",
    "maks_reisetid_min",
    "ferjer",
    "min_klasse_naadd",
    "foreslaatt_form",
    "beskrivelse",
    "behov_ids",
]


def uncovered_needs(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    reach: Reach | None = None,
    *,
    setting: ReachSetting | None = None,
    radius_km: float | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Open needs with no proposable offer of the same area and level within reach of their municipality."""
    demand = open_needs(needs)
    offers = proposable_offers(offers, today)
    if demand.empty:
        return demand
    reach = resolve_reach(offers, reach, setting, radius_km)
    columns = reach.offer_ids.get_indexer(offers["tilbud_id"])
    if (columns < 0).any():
        raise ValueError("reach was computed for other offers than those given")
    areas, levels = taxonomy.codes("kompetanseomrade"), taxonomy.codes("niva")

    def cell(frame: pd.DataFrame) -> np.ndarray:
        area = pd.Index(areas).get_indexer(frame["kompetanseomrade"].astype(str))
        level = pd.Index(levels).get_indexer(frame["niva"].astype(str))
        return np.where((area >= 0) & (level >= 0), area * len(levels) + level, -1)

    n_cells = len(areas) * len(levels)
    offer_cell = cell(offers)
    seats = np.zeros((len(offers), n_cells), dtype=np.float32)
    known = offer_cell >= 0
    seats[np.flatnonzero(known), offer_cell[known]] = 1
    covered = (reach.reachable[:, columns].astype(np.float32) @ seats) > 0  # municipalities × cells
    rows = municipality_rows(demand["kommunenummer"], reach.municipalities)
    need_cell = cell(demand)
    inside = (rows >= 0) & (need_cell >= 0)
    is_covered = np.zeros(len(demand), dtype=bool)
    is_covered[inside] = covered[rows[inside], need_cell[inside]]
    return demand[~is_covered]


def _centre_id(kommunenummer) -> str:
    return f"K{kommunenummer}"


def hosts() -> pd.DataFrame:
    """Host candidates: study places with coordinates (first), then every municipality's centre.

    Columns ``vert_id`` (the study place's id, or ``K`` + kommunenummer for a centre), ``vert`` (name),
    ``vert_type`` (``studiested``/``kommune``), ``kommunenummer``, ``delregion``, ``lat``, ``lon``.
    """
    return _hosts().copy()


@lru_cache(maxsize=1)
def _hosts() -> pd.DataFrame:
    municipalities = load_municipalities()
    lat, lon = _municipality_points(municipalities)
    centres = pd.DataFrame(
        {
            "vert_id": [_centre_id(code) for code in municipalities.index],
            "vert": municipalities["navn"].to_numpy(),
            "vert_type": "kommune",
            "kommunenummer": municipalities.index.astype(str),
            "lat": lat,
            "lon": lon,
        }
    )
    places = load_study_places().dropna(subset=["lat", "lon"])
    places = places[~places.duplicated(subset=["navn", "lat", "lon"])]
    studies = pd.DataFrame(
        {
            "vert_id": places.index.astype(str),
            "vert": (places["navn"].astype(str) + " (" + places["sted"].astype(str) + ")").to_numpy(),
            "vert_type": "studiested",
            "kommunenummer": places["kommunenummer"].astype(str).to_numpy(),
            "lat": places["lat"].to_numpy(float),
            "lon": places["lon"].to_numpy(float),
        }
    )
    frame = pd.concat([studies, centres], ignore_index=True)
    frame["delregion"] = frame["kommunenummer"].map(municipalities["delregion"].astype(str)).fillna(OUTSIDE_PILOT)
    return frame[["vert_id", "vert", "vert_type", "kommunenummer", "delregion", "lat", "lon"]]


def host_reach(setting: ReachSetting, host_frame: pd.DataFrame | None = None) -> Reach:
    """Reach from every municipality to every host (columns = ``vert_id``), on ``setting``. For the
    default hosts it is computed once per setting and process (as the travel model is)."""
    if host_frame is None:
        return _default_host_reach(setting)
    return _host_reach(setting, host_frame)


@lru_cache(maxsize=8)
def _default_host_reach(setting: ReachSetting) -> Reach:
    return _host_reach(setting, _hosts())


def _host_reach(setting: ReachSetting, frame: pd.DataFrame) -> Reach:
    points = pd.DataFrame(
        {
            "tilbud_id": frame["vert_id"].to_numpy(),
            "lat": frame["lat"].to_numpy(float),
            "lon": frame["lon"].to_numpy(float),
            "kommunenummer": frame["kommunenummer"].astype(str).to_numpy(),
        }
    )
    return compute_reach(points, setting)


def course_opportunities(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    reach: Reach | None = None,
    *,
    setting: ReachSetting | None = None,
    radius_km: float | None = None,
    min_class: int = DEFAULT_MIN_CLASS,
    language: str = "nb",
    today: date | None = None,
    host_frame: pd.DataFrame | None = None,
    host_travel: Reach | None = None,
) -> pd.DataFrame:
    """Proposed course opportunities from uncovered open needs (see the module text).

    Parameters
    ----------
    needs, offers : pandas.DataFrame
        Typed needs (already filtered: only these are pooled) and offers.
    reach : Reach, optional
        Reach of (at least) the proposable offers; its setting is the pooling's too. Computed from
        ``setting`` (or ``radius_km``, straight line) when not given.
    host_frame, host_travel : optional
        Host candidates (as :func:`hosts`) and the reach from every municipality to them (as
        :func:`host_reach`); computed on the reach's setting when not given.

    Returns
    -------
    pandas.DataFrame
        One row per pool, largest first: ``kompetanseomrade``, ``niva``, ``delregion`` (where most
        participants are), ``vert`` and ``vert_kommunenummer``, ``deltakere``, ``bedrifter``,
        ``behov``, ``kommuner``, ``sum_avstand_km`` (participant-weighted, straight line) and
        ``maks_avstand_km``, ``sum_reisetid_min`` and ``maks_reisetid_min`` (modelled; NaN in
        straight-line mode), ``ferjer`` (ferries between participants and host, "; "-separated),
        ``min_klasse_naadd``, ``foreslaatt_form``, a one-line ``beskrivelse``, and ``behov_ids``
        (the pooled needs, ";"-separated).
    """
    offers = proposable_offers(offers, today)
    reach = resolve_reach(offers, reach, setting, radius_km)
    pending = uncovered_needs(needs, offers, reach, today=today)
    if pending.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = host_frame if host_frame is not None else _hosts()
    travel = host_travel if host_travel is not None else host_reach(reach.setting, host_frame)
    if list(travel.offer_ids) != list(frame["vert_id"]):
        raise ValueError("host_travel was computed for other hosts than host_frame")
    pools = _pool_all(pending, frame, travel, min_class)
    result = pd.DataFrame(pools, columns=[c for c in COLUMNS if c != "beskrivelse"])
    minutes_mode = travel.setting.method == TRAVEL_TIME and travel.minutes is not None
    result["beskrivelse"] = [_describe(row, language, minutes_mode) for row in result.itertuples(index=False)]
    result = result.sort_values(["deltakere", "bedrifter", "vert"], ascending=[False, False, True], kind="stable")
    return result.reset_index(drop=True)[COLUMNS]


def _pool_all(pending: pd.DataFrame, frame: pd.DataFrame, travel: Reach, min_class: int) -> list[dict]:
    municipalities = load_municipalities().reindex(travel.municipalities)
    row_region = municipalities["delregion"].astype(str).to_numpy()
    row_name = municipalities["navn"].astype(str).to_numpy()
    within = travel.reachable.astype(np.float64)  # municipalities × hosts
    cost = np.where(travel.reachable, np.nan_to_num(travel.cost.astype(np.float64), nan=0.0), 0.0)
    minutes_mode = travel.setting.method == TRAVEL_TIME and travel.minutes is not None
    host_order = np.arange(len(frame))
    host_region = frame["delregion"].astype(str).to_numpy()
    host_name = frame["vert"].astype(str).to_numpy()
    host_code = frame["kommunenummer"].astype(str).to_numpy()
    centre_of_row = pd.Index(frame["vert_id"]).get_indexer([_centre_id(code) for code in travel.municipalities])
    rows = municipality_rows(pending["kommunenummer"], travel.municipalities)
    participants = pending["antall_deltakere"].to_numpy(np.float64)
    business = pd.factorize(pending["bedrift_id"])[0]
    need_ids = pending["behov_id"].astype(str).to_numpy(dtype=object)
    area = pending["kompetanseomrade"].astype(str).to_numpy()
    level = pending["niva"].astype(str).to_numpy()
    pools = []
    for key in sorted(set(zip(area, level, strict=True))):
        chosen = np.flatnonzero((area == key[0]) & (level == key[1]) & (rows >= 0))
        people = np.bincount(rows[chosen], weights=participants[chosen], minlength=len(travel.municipalities))
        needs_per_row = np.bincount(rows[chosen], minlength=len(travel.municipalities))
        left = needs_per_row > 0
        while left.any():
            weight = np.where(left, people, 0.0)
            seed = np.lexsort((host_order, weight @ cost, -(weight @ within)))[0]
            members = left & travel.reachable[:, seed]
            if not members.any():  # no host reaches what is left: the first municipality on its own
                members = np.zeros_like(left)
                members[np.flatnonzero(left)[0]] = True
            region = _region(row_region[members], people[members], needs_per_row[members])
            reaches_all = travel.reachable[members].all(axis=0)
            if reaches_all.any():
                sums = np.where(reaches_all, weight[members] @ cost[members], np.inf)
                host = int(np.lexsort((host_order, host_region != region, sums))[0])
            else:
                host = int(centre_of_row[np.flatnonzero(members)[0]])
            pooled = chosen[members[rows[chosen]]]
            where = rows[pooled]
            weights = participants[pooled]
            km = travel.distance_km[where, host].astype(np.float64)
            minutes = travel.minutes[where, host].astype(np.float64) if minutes_mode else np.full(len(where), np.nan)
            ferries = ""
            if minutes_mode and travel.ferry is not None:
                codes = sorted({int(code) for code in travel.ferry[where, host] if code >= 0})
                ferries = "; ".join(dict.fromkeys(travel.ferry_labels[code] for code in codes))
            longest = float(np.nanmax(minutes)) if minutes_mode else float(np.nanmax(km))
            distributed = longest > (LONG_TRAVEL_MINUTES if minutes_mode else LONG_DISTANCE_KM)
            total = int(weights.sum())
            pools.append(
                {
                    "kompetanseomrade": key[0],
                    "niva": key[1],
                    "delregion": region,
                    "vert": host_name[host],
                    "vert_kommunenummer": host_code[host],
                    "deltakere": total,
                    "bedrifter": len(np.unique(business[pooled])),
                    "behov": len(pooled),
                    "kommuner": ", ".join(sorted(set(row_name[where]))),
                    "sum_avstand_km": round(float((weights * km).sum()), 1),
                    "maks_avstand_km": round(float(np.nanmax(km)), 1),
                    "sum_reisetid_min": round(float((weights * minutes).sum())) if minutes_mode else np.nan,
                    "maks_reisetid_min": round(float(np.nanmax(minutes))) if minutes_mode else np.nan,
                    "ferjer": ferries,
                    "min_klasse_naadd": total >= min_class,
                    "foreslaatt_form": MODE_DISTRIBUTED if distributed else MODE_LOCAL,
                    "behov_ids": ";".join(need_ids[pooled]),
                }
            )
            left &= ~members
    return pools


def _region(regions: np.ndarray, people: np.ndarray, needs: np.ndarray) -> str:
    """The sub-region with most participants (ties: more needs, then name)."""
    totals: dict[str, list[float]] = {}
    for region, count, number in zip(regions, people, needs, strict=True):
        entry = totals.setdefault(str(region), [0.0, 0])
        entry[0] += float(count)
        entry[1] += int(number)
    return min(totals, key=lambda region: (-totals[region][0], -totals[region][1], region))


def _describe(row, language: str, minutes_mode: bool) -> str:
    area = taxonomy.labels("kompetanseomrade", language)[row.kompetanseomrade]
    level = taxonomy.labels("niva", language)[row.niva]
    if row.delregion == OUTSIDE_PILOT:
        where = t("pool_where_outside", language)
    else:
        where = t("pool_where_region", language, region=row.delregion)
    if minutes_mode:
        via = t("pool_travel_ferry", language, ferries=row.ferjer) if row.ferjer else ""
        travel = t("pool_travel_minutes", language, minutes=format_number(row.sum_reisetid_min, language), via=via)
    else:
        travel = t("pool_travel_km", language, km=format_number(row.sum_avstand_km, language))
    return t(
        "pool_description",
        language,
        people=format_number(row.deltakere, language),
        businesses=format_number(row.bedrifter, language),
        where=where,
        level=level.lower(),
        area=area.lower(),
        host=row.vert,
        travel=travel,
    )


# --- a course opportunity as a planned offer -------------------------------------------------------------

#: ``datakilde`` of an offer made from a course opportunity.
POOL_SOURCE = "Kompetansepilot: opprettet fra kursmulighet"


class PoolError(KompilotError, ValueError):
    """A course opportunity that cannot become an offer as it is shown (the message says why)."""


def pool_offer(pool: Mapping, needs: pd.DataFrame, min_class: int, language: str = "nb") -> dict:
    """A planned offer proposed for a course opportunity (a row of :meth:`kompilot_data.view.View.brokering.pools`), as text
    in the import format, for the coordinator to check and change before :func:`kompilot_data.records.brokering.offer_from_pool`.

    * place: the pool's host; a study place gives its provider, place and coordinates, a municipality its
      centre (the provider is then left for the coordinator to fill in);
    * mode: ``stedlig``, or ``samlingsbasert`` when the pool suggests sessions or online teaching;
    * start: the latest earliest-wanted start among the pooled needs, if it is within every need's window
      (else the earliest latest-wanted start); seats: the pooled participants, at least ``min_class``;
      minimum class size: ``min_class``.
    """
    ids = pool_need_ids(pool)
    pooled = needs[needs["behov_id"].astype(str).isin(ids).to_numpy()]
    frame = hosts()
    host = frame[(frame["vert"] == pool["vert"]) & (frame["kommunenummer"] == str(pool["vert_kommunenummer"]))]
    host = host.iloc[0] if len(host) else None
    provider, place = "", ""
    if host is not None and host["vert_type"] == "studiested":
        provider, _, rest = str(host["vert"]).rpartition(" (")
        place = rest.rstrip(")")
    elif host is not None:
        place = str(host["vert"])
    area = taxonomy.labels("kompetanseomrade", language)[str(pool["kompetanseomrade"])]
    level = taxonomy.labels("niva", language)[str(pool["niva"])]
    latest_from = pooled["tidsramme_fra"].max()
    earliest_to = pooled["tidsramme_til"].min()
    start = latest_from if latest_from <= earliest_to else earliest_to
    participants = int(pooled["antall_deltakere"].sum())
    return {
        "tilbud_id": "",
        "tilbyder": provider,
        "tittel": f"{area} – {level.lower()} ({place or pool['vert']})",
        "kompetanseomrade": str(pool["kompetanseomrade"]),
        "niva": str(pool["niva"]),
        "laeringsform": "stedlig" if pool.get("foreslaatt_form") == MODE_LOCAL else "samlingsbasert",
        "kommunenummer": str(pool["vert_kommunenummer"]),
        "studiested": place,
        "lat": "" if host is None else f"{float(host['lat']):.5f}",
        "lon": "" if host is None else f"{float(host['lon']):.5f}",
        "oppstart": pd.Timestamp(start).date().isoformat(),
        "kapasitet": str(max(participants, min_class, 1)),
        "min_deltakere": str(max(min_class, 1)),
        "status": "planlagt",
        "datakilde": POOL_SOURCE,
        "demo": "ja" if len(pooled) and bool(pooled["demo"].all()) else "nei",
    }


def pool_need_ids(pool: Mapping) -> list[str]:
    """The pooled needs of a course opportunity (its ``behov_ids``, ";"-separated)."""
    text = pool.get("behov_ids")
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        raise PoolError("err_pool_ids_hidden")
    return [part for part in str(text).split(";") if part]


# --- what a viewer sees of a course opportunity -----------------------------------------------------------

#: Columns a viewer never sees: they name the member municipalities or rest on single members' travel (a pool
#: row's total travel, its longest trip and its members solve for one business's participants).
MEMBER_COLUMNS = ("kommuner", "vert", "vert_kommunenummer", "ferjer")
TRAVEL_COLUMNS = ("sum_avstand_km", "maks_avstand_km", "sum_reisetid_min", "maks_reisetid_min")


def for_viewers(pools: pd.DataFrame, min_class: int, language: str = "nb") -> pd.DataFrame:
    """Course opportunities as a viewer may see them: sub-region level only.

    The member municipalities, the host (chosen to minimise the members' travel, so it points at them), the ferries
    and every travel sum or maximum are replaced by the pool's sub-region (``delregion``: where most of its
    participants are) or left out (NaN); the class-size flag follows the shown participants; the description says
    only what is left. ``pools`` comes with its counts already protected (suppressed and perturbed).
    """
    out = pools.copy()
    region = out["delregion"].astype(str)
    for column in MEMBER_COLUMNS:
        out[column] = "" if column == "ferjer" else region
    for column in TRAVEL_COLUMNS:
        out[column] = np.nan
    shown = pd.to_numeric(out["deltakere"], errors="coerce")
    out["min_klasse_naadd"] = (shown >= min_class).to_numpy(dtype=bool)
    out["foreslaatt_form"] = None
    areas = taxonomy.labels("kompetanseomrade", language)
    levels = taxonomy.labels("niva", language)
    descriptions = []
    for row in out.itertuples(index=False):
        if not np.isfinite(getattr(row, "deltakere", np.nan)):
            descriptions.append(None)
            continue
        where = (
            t("pool_where_outside", language)
            if row.delregion == OUTSIDE_PILOT
            else t("pool_where_region", language, region=row.delregion)
        )
        descriptions.append(
            t(
                "pool_description_viewer",
                language,
                people=format_number(row.deltakere, language),
                businesses=format_number(row.bedrifter, language),
                where=where,
                level=levels[row.niva].lower(),
                area=areas[row.kompetanseomrade].lower(),
            )
        )
    out["beskrivelse"] = descriptions
    return out
