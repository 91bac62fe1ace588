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


ATTRIBUTE_TAXONOMY = {"kompetanseomrade": "kompetanseomrade", "niva": "niva"}


@dataclass(frozen=True)
class _Dense:
    """Demand and supply as dense place × cell arrays (cells = combinations of the attributes)."""

    places: pd.Index
    cells: pd.MultiIndex | None
    demand: np.ndarray  # places × cells
    supply: np.ndarray  # places × cells
    businesses: np.ndarray | None  # places × cells: distinct businesses behind the demand (when counted)
    need_place: np.ndarray  # per open need: place position, -1 if outside the groups
    need_cell: np.ndarray  # per open need: cell position
    needs: pd.DataFrame  # the open needs


def _attribute_codes(frame: pd.DataFrame, attributes: list[str]) -> tuple[np.ndarray, list[list[str]]]:
    """Flat cell code per row (row-major over the attributes' code lists), and those code lists."""
    code_lists = [taxonomy.codes(ATTRIBUTE_TAXONOMY[a]) for a in attributes]
    flat = np.zeros(len(frame), dtype=np.int64)
    for attribute, codes in zip(attributes, code_lists, strict=True):
        column = frame[attribute]
        if not isinstance(column.dtype, pd.CategoricalDtype) or list(column.cat.categories) != codes:
            column = pd.Series(pd.Categorical(column.astype("string"), categories=codes), index=frame.index)
        position = column.cat.codes.to_numpy(np.int64)
        if (position < 0).any():
            raise ValueError(f"unknown or missing {attribute} in {int((position < 0).sum())} rows")
        flat = flat * len(codes) + position
    return flat, code_lists


def _dense(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    by: tuple[str, ...],
    reach: Reach | None,
    radius_km: float,
    groups: pd.Series | None,
    count_businesses: bool = True,
) -> _Dense:
    place, *attributes = by
    municipalities = load_municipalities()
    group_of = _place_groups(place, municipalities.index, groups).reindex(municipalities.index)
    places = pd.Index(sorted(group_of.dropna().unique()), name=place)
    municipality_place = places.get_indexer(group_of)  # -1 for municipalities outside the groups

    demand_rows = open_needs(needs)
    active = active_offers(offers)
    reach = reach if reach is not None else compute_reach(active, radius_km)
    columns = reach.offer_ids.get_indexer(active["tilbud_id"])
    if (columns < 0).any():
        raise ValueError("reach was computed for other offers than those given")

    need_cell, code_lists = _attribute_codes(demand_rows, attributes)
    offer_cell, _ = _attribute_codes(active, attributes)
    n_cells = int(np.prod([len(c) for c in code_lists])) if attributes else 1
    municipality_row = municipality_rows(demand_rows["kommunenummer"], municipalities.index)
    need_place = np.where(municipality_row >= 0, municipality_place[municipality_row], -1)

    inside = need_place >= 0
    weights = demand_rows["antall_deltakere"].to_numpy(float)[inside]
    flat = need_place[inside] * n_cells + need_cell[inside]
    demand = np.bincount(flat, weights=weights, minlength=len(places) * n_cells).reshape(len(places), n_cells)
    businesses = None
    if count_businesses:
        businesses = _distinct_per_cell(demand_rows["bedrift_id"], inside, flat, len(places) * n_cells)
        businesses = businesses.reshape(len(places), n_cells)

    membership = np.zeros((len(places), len(municipalities)), dtype=np.float64)
    known = municipality_place >= 0
    membership[municipality_place[known], np.flatnonzero(known)] = 1
    place_reach = (membership @ reach.reachable[:, columns]) > 0
    seats = np.zeros((len(active), n_cells))
    seats[np.arange(len(active)), offer_cell] = active["kapasitet"].to_numpy(float)
    supply = place_reach.astype(np.float64) @ seats

    cells = pd.MultiIndex.from_product(code_lists, names=attributes) if attributes else None
    return _Dense(places, cells, demand, supply, businesses, need_place, need_cell, demand_rows)


def municipality_rows(codes: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each kommunenummer in ``index`` (-1 if unknown); free for typed (categorical) columns."""
    if isinstance(codes.dtype, pd.CategoricalDtype) and list(codes.cat.categories) == list(index):
        return codes.cat.codes.to_numpy(np.int64)
    return index.get_indexer(codes.astype("string"))


def _distinct_per_cell(business_ids: pd.Series, rows: np.ndarray, cell: np.ndarray, n_cells: int) -> np.ndarray:
    """Number of distinct businesses in each flat cell (``rows`` selects the needs that have a cell)."""
    codes, uniques = business_ids.factorize()
    width = max(len(uniques), 1)
    pairs = np.unique(cell.astype(np.int64) * width + codes[rows])
    return np.bincount(pairs // width, minlength=n_cells)


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
        ``tilbud`` (seats), ``bedrifter`` (distinct businesses behind the demand),
        ``gap``, ``dekning`` and ``mismatch``.
    """
    dense = _dense(needs, offers, by, reach, radius_km, groups)
    place_pos, cell_pos = np.nonzero((dense.demand > 0) | (dense.supply > 0))
    if dense.cells is None:
        index = pd.Index(dense.places[place_pos], name=by[0])
    else:
        arrays = [dense.places[place_pos]] + [
            dense.cells.get_level_values(level)[cell_pos] for level in range(dense.cells.nlevels)
        ]
        index = pd.MultiIndex.from_arrays(arrays, names=list(by))
    table = pd.DataFrame(
        {
            "ettersporsel": dense.demand[place_pos, cell_pos],
            "tilbud": dense.supply[place_pos, cell_pos],
            "bedrifter": dense.businesses[place_pos, cell_pos],
        },
        index=index,
    )
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
    dense = _dense(needs, offers, (place, "kompetanseomrade", "niva"), reach, DEFAULT_RADIUS_KM, None, False)
    wanted = dense.demand > 0
    demand = np.where(wanted, dense.demand, 0.0)
    supply = np.where(wanted, dense.supply, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cell_index = np.where(wanted, (demand - supply) / (demand + supply), 0.0)
        total = demand.sum(axis=1)
        weighted = np.where(total > 0, (demand * cell_index).sum(axis=1) / total, np.nan)
    inside = dense.need_place >= 0
    businesses = _distinct_per_cell(dense.needs["bedrift_id"], inside, dense.need_place[inside], len(dense.places))
    table = pd.DataFrame(
        {"ettersporsel": total, "tilbud": supply.sum(axis=1), "mismatch": weighted, "bedrifter": businesses},
        index=dense.places,
    )
    return table[total > 0]


def white_spots(needs: pd.DataFrame, offers: pd.DataFrame, reach: Reach | None = None) -> pd.DataFrame:
    """Municipality × competence area cells with open demand and no reachable active offer."""
    dense = _dense(needs, offers, ("kommunenummer", "kompetanseomrade"), reach, DEFAULT_RADIUS_KM, None, False)
    spot = (dense.demand > 0) & (dense.supply == 0)
    in_spot = spot[dense.need_place, dense.need_cell]
    rows = dense.needs[in_spot]
    keys = pd.DataFrame(
        {
            "kommunenummer": dense.places[dense.need_place[in_spot]],
            "kompetanseomrade": dense.cells.get_level_values(0)[dense.need_cell[in_spot]],
            "ettersporsel": rows["antall_deltakere"].to_numpy(float),
            "bedrift_id": rows["bedrift_id"].to_numpy(),
        }
    )
    spots = keys.groupby(["kommunenummer", "kompetanseomrade"], sort=False).agg(
        ettersporsel=("ettersporsel", "sum"), behov=("bedrift_id", "size"), bedrifter=("bedrift_id", "nunique")
    )
    spots = spots.reset_index()
    municipalities = load_municipalities()
    spots.insert(1, "kommune", spots["kommunenummer"].map(municipalities["navn"]))
    spots.insert(2, "delregion", spots["kommunenummer"].map(municipalities["delregion"].astype(str)))
    spots.insert(5, "tilbud", 0.0)
    spots = spots.sort_values(["ettersporsel", "kommunenummer", "kompetanseomrade"], ascending=[False, True, True])
    return spots.reset_index(drop=True)


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
    dense = _dense(needs, offers, ("kommunenummer", "kompetanseomrade", "niva"), reach, DEFAULT_RADIUS_KM, None, False)
    if len(dense.needs) == 0:
        return float("nan")
    return float((dense.supply[dense.need_place, dense.need_cell] > 0).mean())
