"""Supply and demand of competence: reach, gaps, the mismatch index and white spots.

Definitions (also shown on the app's "Om data" page):

* **Demand** (etterspørsel) D: participants in *open* needs, i.e. status
  ``kartlagt`` or ``koblet`` (needs with an established or completed offer are
  being met; closed needs are gone).
* **Supply** (tilbud) S: seats in *active* offers (``planlagt``, ``apen``,
  ``pagar``) **within reach** of a municipality. Offers without a study place
  (online, in-company) reach every municipality; offers with a place reach the
  municipalities whose representative point lies within ``radius_km``
  (default 90 km) straight-line (great-circle) distance, or within
  ``max_minutes`` when a travel-time matrix is given.
* **Gap** = D − S; **coverage** = S / D; **mismatch index** = (D − S) / (D + S),
  bounded in [−1, 1]: 1 = demand and no supply, 0 = balance, −1 = supply and no
  demand; undefined when both are zero.
* **Place mismatch** (for maps): the demand-weighted mean of the mismatch index
  over a place's competence area × level cells with demand,
  Σ D·m / Σ D. Supply in areas or levels nobody asked for does not pull it
  down; it is 1 when nothing wanted is reachable and near −1 when every
  wanted cell has plenty of seats.
* **White spot** (hvit flekk): a municipality × competence area with demand and
  no reachable supply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kompilot_data import taxonomy
from kompilot_data.reference import load_municipalities

EARTH_RADIUS_KM = 6371.0088
DEFAULT_RADIUS_KM = 90.0
OPEN_NEED_STATUSES = ("kartlagt", "koblet")
ACTIVE_OFFER_STATUSES = ("planlagt", "apen", "pagar")


@dataclass(frozen=True)
class Reach:
    """Which offers each municipality can reach.

    Attributes
    ----------
    municipalities : pandas.Index
        kommunenummer, the rows.
    offer_ids : pandas.Index
        tilbud_id, the columns.
    reachable : numpy.ndarray
        Boolean matrix municipalities × offers.
    distance_km : numpy.ndarray
        Straight-line distance (float32, NaN for offers without a place).
    method : str
        ``"luftlinje"`` (great-circle) or ``"reisetid"`` (travel-time matrix).
    """

    municipalities: pd.Index
    offer_ids: pd.Index
    reachable: np.ndarray
    distance_km: np.ndarray
    method: str


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km; arguments broadcast (degrees)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def active_offers(offers: pd.DataFrame) -> pd.DataFrame:
    return offers[offers["status"].isin(ACTIVE_OFFER_STATUSES).to_numpy()]


def open_needs(needs: pd.DataFrame) -> pd.DataFrame:
    return needs[needs["status"].isin(OPEN_NEED_STATUSES).to_numpy()]


def compute_reach(
    offers: pd.DataFrame,
    radius_km: float = DEFAULT_RADIUS_KM,
    travel_minutes: pd.DataFrame | None = None,
    max_minutes: float = 90.0,
) -> Reach:
    """Reach of each offer from each municipality's representative point.

    Parameters
    ----------
    offers : pandas.DataFrame
        Typed offers (``lat``, ``lon`` NaN for offers without a place).
    radius_km : float
        Straight-line reach for offers with a place.
    travel_minutes : pandas.DataFrame, optional
        Columns ``kommunenummer``, ``tilbud_id``, ``minutter``. Where a pair is
        present it replaces the straight-line rule (reachable if
        ``minutter <= max_minutes``).
    """
    municipalities = load_municipalities()
    lat = offers["lat"].to_numpy(float)
    lon = offers["lon"].to_numpy(float)
    distance = haversine_km(
        municipalities["punkt_lat"].to_numpy()[:, None], municipalities["punkt_lon"].to_numpy()[:, None], lat, lon
    ).astype(np.float32)
    placeless = np.isnan(lat)
    reachable = placeless[None, :] | (distance <= radius_km)
    method = "luftlinje"
    if travel_minutes is not None and len(travel_minutes):
        rows = municipalities.index.get_indexer(travel_minutes["kommunenummer"])
        cols = pd.Index(offers["tilbud_id"]).get_indexer(travel_minutes["tilbud_id"])
        known = (rows >= 0) & (cols >= 0)
        minutes = travel_minutes["minutter"].to_numpy(float)[known]
        reachable[rows[known], cols[known]] = minutes <= max_minutes
        method = "reisetid"
    return Reach(municipalities.index, pd.Index(offers["tilbud_id"]), reachable, distance, method)


def _cell_codes(frame: pd.DataFrame, keys: list[str]) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[keys].astype(str))


def demand_supply(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    by: tuple[str, ...] = ("kommunenummer", "kompetanseomrade"),
    reach: Reach | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
    groups: pd.Series | None = None,
) -> pd.DataFrame:
    """Demand, supply, gap, coverage and mismatch index per group.

    Parameters
    ----------
    needs, offers : pandas.DataFrame
        Typed needs and offers (already filtered as wanted). Only open needs
        and active offers count.
    by : tuple of str
        A place key first, then any of ``kompetanseomrade`` and ``niva``. The
        place key is ``kommunenummer``, ``delregion`` or any name when
        ``groups`` maps kommunenummer to group labels (municipalities not in
        ``groups`` are left out). A group's supply counts each offer once if it
        reaches any member municipality.

    Returns
    -------
    pandas.DataFrame
        One row per group present in demand or supply, columns ``ettersporsel``,
        ``tilbud`` (seats), ``gap``, ``dekning`` and ``mismatch``.
    """
    place, *attributes = by
    municipalities = load_municipalities()
    groups = _place_groups(place, municipalities.index, groups)
    demand_rows = open_needs(needs)
    active = active_offers(offers)
    reach = reach if reach is not None else compute_reach(active, radius_km)
    columns = reach.offer_ids.get_indexer(active["tilbud_id"])
    if (columns < 0).any():
        raise ValueError("reach was computed for other offers than those given")
    reachable = reach.reachable[:, columns]

    group_of = groups.reindex(municipalities.index)
    place_index = pd.Index(sorted(group_of.dropna().unique()), name=place)
    membership = (group_of.to_numpy()[None, :] == place_index.to_numpy()[:, None]).astype(np.int32)
    place_reach = (membership @ reachable.astype(np.int32)) > 0
    need_place = demand_rows["kommunenummer"].astype(str).map(group_of)
    demand_rows = demand_rows[need_place.notna().to_numpy()]
    need_place = need_place.dropna()

    demand_keys = pd.DataFrame({place: need_place.to_numpy()})
    for attribute in attributes:
        demand_keys[attribute] = demand_rows[attribute].astype(str).to_numpy()
    demand = (
        pd.Series(demand_rows["antall_deltakere"].to_numpy(float), index=pd.MultiIndex.from_frame(demand_keys))
        .groupby(level=list(range(len(by))))
        .sum()
    )

    if attributes:
        offer_cells = _cell_codes(active, attributes)
        cell_index = offer_cells.unique()
        onehot = np.zeros((len(active), len(cell_index)), dtype=np.float64)
        onehot[np.arange(len(active)), cell_index.get_indexer(offer_cells)] = active["kapasitet"].to_numpy(float)
        supply_matrix = place_reach.astype(np.float64) @ onehot
        supply = pd.DataFrame(supply_matrix, index=place_index, columns=cell_index).stack(
            list(range(len(attributes))), future_stack=True
        )
    else:
        supply = pd.Series(place_reach.astype(np.float64) @ active["kapasitet"].to_numpy(float), index=place_index)
    supply.index = supply.index.set_names(list(by))
    demand.index = demand.index.set_names(list(by))

    table = pd.concat({"ettersporsel": demand, "tilbud": supply}, axis=1).fillna(0.0)
    table = table[(table["ettersporsel"] > 0) | (table["tilbud"] > 0)]
    return add_gap_columns(table).sort_index()


def _place_groups(place: str, codes: pd.Index, groups: pd.Series | None) -> pd.Series:
    if groups is not None:
        return groups.astype(str)
    if place == "kommunenummer":
        return pd.Series(codes, index=codes)
    if place == "delregion":
        return load_municipalities()["delregion"].astype(str)
    raise ValueError(f"unknown place key {place!r}: use 'kommunenummer', 'delregion' or pass groups")


def add_gap_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``gap``, ``dekning`` (S/D) and ``mismatch`` ((D−S)/(D+S)) to a demand/supply table."""
    demand = table["ettersporsel"].to_numpy(float)
    supply = table["tilbud"].to_numpy(float)
    total = demand + supply
    with np.errstate(divide="ignore", invalid="ignore"):
        table = table.assign(
            gap=demand - supply,
            dekning=np.where(demand > 0, supply / demand, np.nan),
            mismatch=np.where(total > 0, (demand - supply) / total, np.nan),
        )
    return table


def place_mismatch(
    needs: pd.DataFrame, offers: pd.DataFrame, place: str = "kommunenummer", reach: Reach | None = None
) -> pd.DataFrame:
    """Per place: open demand, reachable supply in the wanted cells and the weighted mismatch index."""
    cells = demand_supply(needs, offers, (place, "kompetanseomrade", "niva"), reach=reach)
    wanted = cells[cells["ettersporsel"] > 0]
    weighted = (wanted["ettersporsel"] * wanted["mismatch"]).groupby(level=0).sum()
    grouped = wanted.groupby(level=0)[["ettersporsel", "tilbud"]].sum()
    grouped["mismatch"] = weighted / grouped["ettersporsel"]
    grouped.index.name = place
    return grouped


def white_spots(needs: pd.DataFrame, offers: pd.DataFrame, reach: Reach | None = None) -> pd.DataFrame:
    """Municipality × competence area cells with open demand and no reachable active offer."""
    table = demand_supply(needs, offers, ("kommunenummer", "kompetanseomrade"), reach=reach)
    spots = table[(table["ettersporsel"] > 0) & (table["tilbud"] == 0)].reset_index()
    counts = (
        open_needs(needs)
        .groupby([needs["kommunenummer"].astype(str), needs["kompetanseomrade"].astype(str)], observed=True)
        .agg(behov=("behov_id", "size"), bedrifter=("bedrift_id", "nunique"))
    )
    counts.index = counts.index.set_names(["kommunenummer", "kompetanseomrade"])
    spots = spots.join(counts, on=["kommunenummer", "kompetanseomrade"])
    municipalities = load_municipalities()
    spots.insert(1, "kommune", spots["kommunenummer"].map(municipalities["navn"]))
    spots.insert(2, "delregion", spots["kommunenummer"].map(municipalities["delregion"].astype(str)))
    return spots.sort_values(["ettersporsel", "kommunenummer"], ascending=[False, True]).reset_index(drop=True)


def offers_within_reach(offers: pd.DataFrame, reach: Reach | None = None) -> pd.Series:
    """Number of active offers within reach of each municipality."""
    active = active_offers(offers)
    reach = reach if reach is not None else compute_reach(active)
    columns = reach.offer_ids.get_indexer(active["tilbud_id"])
    return pd.Series(
        reach.reachable[:, columns].sum(axis=1), index=reach.municipalities, name="tilbud_innen_rekkevidde"
    )


def needs_matched_share(needs: pd.DataFrame, offers: pd.DataFrame, reach: Reach | None = None) -> float:
    """Share of open needs that have at least one active offer in the same area and level within reach."""
    demand = open_needs(needs)
    if demand.empty:
        return float("nan")
    table = demand_supply(demand, offers, ("kommunenummer", "kompetanseomrade", "niva"), reach=reach)
    covered = table.index[table["tilbud"] > 0]
    keys = pd.MultiIndex.from_arrays(
        [demand[c].astype(str).to_numpy() for c in ("kommunenummer", "kompetanseomrade", "niva")]
    )
    return float(keys.isin(covered).mean())


def area_labels(language: str = "nb") -> dict[str, str]:
    return taxonomy.labels("kompetanseomrade", language)
