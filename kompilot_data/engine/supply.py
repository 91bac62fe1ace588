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

from kompilot_data.engine.reach import (
    DEFAULT_RADIUS_KM,
    Reach,
    active_offers,
    compute_reach,
    municipality_rows,
    open_needs,
)
from kompilot_data.reference import load_municipalities, taxonomy

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
    reach = reach if reach is not None else compute_reach(active, radius_km=radius_km)
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


def needs_matched_share(needs: pd.DataFrame, offers: pd.DataFrame, reach: Reach | None = None) -> float:
    """Share of open needs that have at least one active offer in the same area and level within reach."""
    dense = _dense(needs, offers, ("kommunenummer", "kompetanseomrade", "niva"), reach, DEFAULT_RADIUS_KM, None, False)
    if len(dense.needs) == 0:
        return float("nan")
    return float((dense.supply[dense.need_place, dense.need_cell] > 0).mean())
