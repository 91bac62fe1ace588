"""Demand and supply of competence: seats shared by a two-step floating catchment (2SFCA, Luo & Wang 2003).

Definitions (also on the app's "Om data" page):

* **Demand** (etterspørsel) D: participants in *open* needs (status ``kartlagt``, or ``koblet`` whose course
  has not ended), per municipality and **cell** (competence area × level). History (every need since 2021) is
  never part of it.
* **Background demand** B: the municipality's own workers who also want further education - employed persons
  by industry (SSB 07984) mapped to competence areas × the share in formal further education (7 %, SSB LVM 2022;
  :mod:`kompilot_data.reference.background`), split over the levels in proportion to the county's seats in the
  area. It competes for the seats in step 1; ``bakgrunn=False`` ("bare registrerte behov") leaves it out.
* **Supply** S_j: the seats (``plasser``: the capacity of the intake) of an *active* offer j that counts as
  supply (``i_tilbud``: EVU classes, not ordinary full-time degrees; :mod:`kompilot_data.reference.evu`).
  Nothing is subtracted for applicants.
* **Reach** by study mode: weekly campus teaching within 90 min of travel by road and ferry, session-based
  within 180 min (``rekkevidde_min``, scaled by the chosen limit / 90); online offers and a provider's mobile
  in-company course reach every municipality (one county-wide pool per cell); a business's own in-company
  course serves that business's needs only.
* **2SFCA**. Step 1: each offer's seats are divided among all demand in its catchment and cell,
  R_j = S_j / Σ_{i reaches j} (D_ic + B_ic). Step 2: each municipality sums the ratios of the offers it reaches,
  A_ic = Σ_{j reached from i} R_j (seats per participant). **Apportioned supply** (tilbud fordelt) = A_ic · D_ic:
  the registered needs' share. With a distance decay (E2SFCA, Luo & Qi 2009) both sums are weighted by W(t_ij).
* **Unmet demand** (udekket) = Σ max(0, D − apportioned) over municipality × cell; **surplus** (overskudd) =
  Σ max(0, apportioned − D). Gap = udekket − overskudd (net; a region's surplus in one place no longer hides
  a shortfall in another when udekket is shown). **Coverage** (dekning) = apportioned / D; **index** (indeks)
  = (D − A) / (D + A) in [−1, 1]; undefined when both are zero.
* Any grouping (municipality, sub-region, county; area, level or both) is a plain sum of the municipality × cell
  figures, so parts always add up to the whole.
* **Reachable seats** (plasser innen rekkevidde): all seats of reachable offers in the cell, not shared - used only
  to say whether *any* offer is within reach.
* **White spot** (hvit flekk): a municipality × competence area with open demand and no active offer of that
  area within reach (at any level).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kompilot_data.engine.reach import (
    Reach,
    active_offers,
    available_seats,
    compute_reach,
    municipality_rows,
    open_needs,
)
from kompilot_data.reference import evu, load_municipalities, taxonomy
from kompilot_data.reference.background import load_background_demand

CELL_ATTRIBUTES = ("kompetanseomrade", "niva")
PLACE_KEYS = ("kommunenummer", "delregion", "sentralitetsklasse", "fylke")
COUNTY = "Trøndelag"
DECAYS = ("ingen", "gauss")
#: E2SFCA Gaussian decay: the weight falls to this value at the reach limit.
GAUSS_WEIGHT_AT_LIMIT = 0.01
VALUE_COLUMNS = ("ettersporsel", "tilbud_fordelt", "gap", "udekket", "overskudd", "dekning", "indeks")


@dataclass(frozen=True)
class Catchment:
    """2SFCA result for every municipality × cell (competence area × level).

    Attributes
    ----------
    municipalities : pandas.Index
        kommunenummer (the 38, in reference order).
    cells : pandas.MultiIndex
        (kompetanseomrade, niva).
    demand : numpy.ndarray
        Open participants (registered needs), municipalities × cells.
    apportioned : numpy.ndarray
        Seats apportioned by 2SFCA to the registered needs, municipalities × cells.
    reachable_seats : numpy.ndarray
        All seats of offers within reach (not shared), municipalities × cells.
    seats_per_participant : numpy.ndarray
        R_j per offer (NaN where no demand is in the offer's catchment and cell).
    unused_seats : numpy.ndarray
        Seats per cell whose catchment holds no demand in that cell.
    offer_ids : pandas.Index
        The offers in supply, in the order of ``seats_per_participant``.
    needs : pandas.DataFrame
        The open needs behind ``demand``; ``need_municipality``/``need_cell`` give their positions.
    decay : str
        ``"ingen"`` (2SFCA) or ``"gauss"`` (E2SFCA).
    background : numpy.ndarray
        Background demand B (participants per year), municipalities × cells; zeros with ``bakgrunn=False``.
    reachable : numpy.ndarray
        Municipalities × offers in supply: inside the offer's catchment (per study mode).
    """

    municipalities: pd.Index
    cells: pd.MultiIndex
    demand: np.ndarray
    apportioned: np.ndarray
    reachable_seats: np.ndarray
    seats_per_participant: np.ndarray
    unused_seats: np.ndarray
    offer_ids: pd.Index
    needs: pd.DataFrame
    need_municipality: np.ndarray
    need_cell: np.ndarray
    decay: str = "ingen"
    background: np.ndarray | None = None
    reachable: np.ndarray | None = None

    @property
    def total_seats_reached(self) -> float:
        """Seats apportioned to registered needs (= apportioned supply summed over everything)."""
        return float(self.apportioned.sum())

    @property
    def unmet(self) -> np.ndarray:
        """max(0, D − apportioned) per municipality × cell."""
        return np.clip(self.demand - self.apportioned, 0, None)

    @property
    def surplus(self) -> np.ndarray:
        """max(0, apportioned − D) per municipality × cell."""
        return np.clip(self.apportioned - self.demand, 0, None)


def cell_codes(frame: pd.DataFrame, attributes: tuple[str, ...] = CELL_ATTRIBUTES) -> np.ndarray:
    """Flat cell position per row (row-major over the attributes' code lists)."""
    flat = np.zeros(len(frame), dtype=np.int64)
    for attribute in attributes:
        codes = taxonomy.codes(attribute)
        column = frame[attribute]
        if not isinstance(column.dtype, pd.CategoricalDtype) or list(column.cat.categories) != codes:
            column = pd.Series(pd.Categorical(column.astype("string"), categories=codes), index=frame.index)
        position = column.cat.codes.to_numpy(np.int64)
        if (position < 0).any():
            raise ValueError(f"unknown or missing {attribute} in {int((position < 0).sum())} rows")
        flat = flat * len(codes) + position
    return flat


def supply_offers(offers: pd.DataFrame, ordinaere: bool = False) -> pd.DataFrame:
    """Active offers that count as supply: ``i_tilbud`` (every EVU class but ordinary full-time degrees), or
    every class with ``ordinaere`` (the lens "ordinære studier")."""
    active = active_offers(offers)
    if "evu_klasse" in active:
        return active[evu.in_supply(active["evu_klasse"], ordinaere)]
    return active


def background_demand(municipalities: pd.Index, offer_cell: np.ndarray, seats: np.ndarray, n_cells: int) -> np.ndarray:
    """Background demand B per municipality × cell: the area's background participants
    (:func:`~kompilot_data.reference.background.load_background_demand`) split over the levels in proportion to
    the seats in supply per level of that area (county-wide), so it weighs on every level alike."""
    areas, levels = taxonomy.codes("kompetanseomrade"), taxonomy.codes("niva")
    frame = load_background_demand()
    per_area = (
        frame.pivot_table(index="kommunenummer", columns="kompetanseomrade", values="deltakere", aggfunc="sum")
        .reindex(index=municipalities, columns=areas)
        .fillna(0.0)
        .to_numpy(float)
    )
    seats_per_cell = np.bincount(offer_cell, weights=seats, minlength=n_cells).reshape(len(areas), len(levels))
    area_seats = seats_per_cell.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        level_share = np.where(area_seats > 0, seats_per_cell / area_seats, 0.0)
    return (per_area[:, :, None] * level_share[None, :, :]).reshape(len(municipalities), n_cells)


def _weights(reach: Reach, inside: np.ndarray, columns: np.ndarray, decay: str) -> np.ndarray:
    """Municipalities × offers weights: 1 inside the catchment (2SFCA) or a Gaussian of the cost (E2SFCA)."""
    if decay == "ingen":
        return inside.astype(np.float64)
    if decay != "gauss":
        raise ValueError(f"unknown decay {decay!r}: use one of {DECAYS}")
    cost = np.nan_to_num(reach.cost[:, columns].astype(np.float64), nan=0.0)  # placeless offers: weight 1
    scale = reach.setting.limit / np.sqrt(-2 * np.log(GAUSS_WEIGHT_AT_LIMIT))
    return np.where(inside, np.exp(-0.5 * (cost / scale) ** 2), 0.0)


def catchment(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    reach: Reach | None = None,
    decay: str = "ingen",
    bakgrunn: bool = True,
) -> Catchment:
    """Apportion the seats of the offers in supply among the open needs within reach (2SFCA or E2SFCA).

    ``needs`` should be every need that competes for the seats (the filter without its place part:
    a sub-region view must not get the seats that its neighbours also reach). ``offers`` are filtered to
    :func:`supply_offers` here. ``bakgrunn``: add the background demand of every municipality to step 1
    (off = "only registered needs").
    """
    municipalities = load_municipalities().index
    cells = pd.MultiIndex.from_product([taxonomy.codes(a) for a in CELL_ATTRIBUTES], names=list(CELL_ATTRIBUTES))
    n_m, n_c = len(municipalities), len(cells)

    demand_rows = open_needs(needs)
    need_municipality = municipality_rows(demand_rows["kommunenummer"], municipalities)
    need_cell = cell_codes(demand_rows)
    known = need_municipality >= 0
    demand = np.bincount(
        need_municipality[known] * n_c + need_cell[known],
        weights=demand_rows["antall_deltakere"].to_numpy(float)[known],
        minlength=n_m * n_c,
    ).reshape(n_m, n_c)

    active = supply_offers(offers)
    # Reach by study mode (weekly 90 min, session-based 180 min, online and in-company everywhere): pass a reach
    # computed with ``compute_reach(..., by_study_mode=True)``, as the View does.
    reach = reach if reach is not None else compute_reach(active, by_study_mode=True)
    columns = reach.offer_ids.get_indexer(active["tilbud_id"])
    if (columns < 0).any():
        raise ValueError("reach was computed for other offers than those given")
    offer_cell = cell_codes(active)
    seats = np.nan_to_num(available_seats(active))
    inside = reach.reachable[:, columns]
    own = (
        active["bedriftskurs"].astype("string").fillna("").to_numpy(dtype=object) == evu.OWN_COMPANY
        if "bedriftskurs" in active
        else np.zeros(len(active), dtype=bool)
    )
    inside = inside & ~own[None, :]  # a business's own course is apportioned to that business below
    weights = _weights(reach, inside, columns, decay)  # municipalities × offers
    background = (
        background_demand(municipalities, offer_cell[~own], seats[~own], n_c) if bakgrunn else np.zeros((n_m, n_c))
    )
    competing = demand + background

    # Step 1: seats per participant of the (weighted) demand in each offer's catchment and cell.
    catchment_demand = np.einsum("mo,mo->o", weights, competing[:, offer_cell])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(catchment_demand > 0, seats / catchment_demand, np.nan)
    # Step 2: each municipality sums the ratios of the offers it reaches, per cell.
    by_cell = np.zeros((len(active), n_c))
    by_cell[np.arange(len(active)), offer_cell] = np.nan_to_num(ratio)
    accessibility = weights @ by_cell
    apportioned = accessibility * demand
    unused_mask = catchment_demand <= 0
    if own.any():  # own in-company courses: the seats serve the owner's open needs in the cell, up to their size
        owner = demand_rows["bedrift_id"].astype("string").to_numpy(dtype=object)
        participants = demand_rows["antall_deltakere"].to_numpy(float)
        for j in np.flatnonzero(own):
            mine = known & (owner == active["bedrift_id"].iloc[j]) & (need_cell == offer_cell[j])
            left = seats[j]
            for m in np.unique(need_municipality[mine]):
                wanted = participants[mine & (need_municipality == m)].sum()
                given = min(left, wanted)
                apportioned[m, offer_cell[j]] += given
                left -= given
            ratio[j] = seats[j] / participants[mine].sum() if mine.any() else np.nan
            unused_mask[j] = not mine.any()
        inside = inside.copy()
        for j in np.flatnonzero(own):
            mine = known & (owner == active["bedrift_id"].iloc[j])
            inside[np.unique(need_municipality[mine]), j] = True

    seats_by_cell = np.zeros((len(active), n_c))
    seats_by_cell[np.arange(len(active)), offer_cell] = seats
    reachable_seats = inside.astype(np.float64) @ seats_by_cell
    unused = np.bincount(offer_cell[unused_mask], weights=seats[unused_mask], minlength=n_c)
    return Catchment(
        municipalities,
        cells,
        demand,
        apportioned,
        reachable_seats,
        ratio,
        unused,
        pd.Index(active["tilbud_id"]),
        demand_rows,
        need_municipality,
        need_cell,
        decay,
        background,
        inside,
    )


def place_groups(place: str, groups: pd.Series | None = None) -> pd.Series:
    """kommunenummer -> group label for a place key (or the given ``groups``; NaN = left out)."""
    municipalities = load_municipalities()
    if groups is not None:
        return groups.reindex(municipalities.index).astype(object)
    if place == "kommunenummer":
        return pd.Series(municipalities.index, index=municipalities.index, dtype=object)
    if place == "delregion":
        return municipalities["delregion"].astype(str).astype(object)
    if place == "sentralitetsklasse":
        return municipalities["sentralitetsklasse"].astype(object)
    if place == "fylke":
        return pd.Series(COUNTY, index=municipalities.index, dtype=object)
    raise ValueError(f"unknown place key {place!r}: use one of {PLACE_KEYS} or pass groups")


def aggregate(
    result: Catchment,
    by: tuple[str, ...] = ("kommunenummer", "kompetanseomrade"),
    places: list[str] | None = None,
    groups: pd.Series | None = None,
    count_businesses: bool = True,
) -> pd.DataFrame:
    """Demand, apportioned supply, gap, coverage and index per group: plain sums of the municipality × cell figures.

    Parameters
    ----------
    by : tuple of str
        A place key first (``kommunenummer``, ``delregion``, ``sentralitetsklasse``, ``fylke``, or any
        name when ``groups`` maps kommunenummer to labels), then any of ``kompetanseomrade`` and ``niva``.
    places : list of str, optional
        Only these municipalities count (the place filter); others are left out of every group.
    """
    place, *attributes = by
    if any(a not in CELL_ATTRIBUTES for a in attributes):
        raise ValueError(f"cells can be grouped by {CELL_ATTRIBUTES}, not {attributes}")
    group_of = place_groups(place, groups)
    if places is not None:
        group_of = group_of.where(group_of.index.isin(places))
    labels = pd.Index(pd.unique(group_of.dropna()), name=place)
    if place == "delregion":  # the pilot's order, then "Utenfor pilot"
        order = list(load_municipalities()["delregion"].cat.categories)
        labels = pd.Index(sorted(labels, key=order.index), name=place)
    else:
        labels = labels.sort_values()
    member = labels.get_indexer(group_of)  # per municipality: group position, -1 = left out
    membership = np.zeros((len(labels), len(result.municipalities)))
    membership[member[member >= 0], np.flatnonzero(member >= 0)] = 1.0

    code_lists = [taxonomy.codes(a) for a in CELL_ATTRIBUTES]
    kept = [CELL_ATTRIBUTES.index(a) for a in attributes]
    level_cell = np.array(
        [
            np.ravel_multi_index(tuple(idx[k] for k in kept), [len(code_lists[k]) for k in kept]) if kept else 0
            for idx in np.ndindex(*[len(c) for c in code_lists])
        ]
    )
    n_out = int(np.prod([len(code_lists[k]) for k in kept])) if kept else 1
    cell_map = np.zeros((len(result.cells), n_out))
    cell_map[np.arange(len(result.cells)), level_cell] = 1.0

    demand = membership @ result.demand @ cell_map
    apportioned = membership @ result.apportioned @ cell_map
    unmet = membership @ result.unmet @ cell_map
    surplus = membership @ result.surplus @ cell_map
    reachable = (membership @ result.reachable_seats @ cell_map) > 0
    present = (demand > 0) | (apportioned > 0)
    place_pos, cell_pos = np.nonzero(present)
    out_cells = pd.MultiIndex.from_product([code_lists[k] for k in kept], names=list(attributes)) if kept else None
    if out_cells is None:
        index = pd.Index(labels[place_pos], name=place)
    else:
        arrays = [labels[place_pos]] + [out_cells.get_level_values(i)[cell_pos] for i in range(len(kept))]
        index = pd.MultiIndex.from_arrays(arrays, names=list(by))
    table = pd.DataFrame(
        {
            "ettersporsel": demand[place_pos, cell_pos],
            "tilbud_fordelt": apportioned[place_pos, cell_pos],
            "tilbud_innen_rekkevidde": reachable[place_pos, cell_pos],
            "udekket": unmet[place_pos, cell_pos],
            "overskudd": surplus[place_pos, cell_pos],
        },
        index=index,
    )
    if count_businesses:
        needs = result.needs
        need_group = np.where(result.need_municipality >= 0, member[np.maximum(result.need_municipality, 0)], -1)
        inside = need_group >= 0
        flat = need_group[inside] * n_out + level_cell[result.need_cell[inside]]
        businesses = _distinct_per_cell(needs["bedrift_id"], inside, flat, len(labels) * n_out)
        table["bedrifter"] = businesses.reshape(len(labels), n_out)[place_pos, cell_pos]
    return add_gap_columns(table)


def _distinct_per_cell(business_ids: pd.Series, rows: np.ndarray, cell: np.ndarray, n_cells: int) -> np.ndarray:
    """Number of distinct businesses in each flat cell (``rows`` selects the needs that have a cell)."""
    codes, uniques = business_ids.factorize()
    width = max(len(uniques), 1)
    pairs = np.unique(cell.astype(np.int64) * width + codes[rows])
    return np.bincount(pairs // width, minlength=n_cells)


def add_gap_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``gap`` (D − A), ``dekning`` (A / D) and ``indeks`` ((D − A) / (D + A)) to a demand/supply table
    (and ``udekket``/``overskudd`` from the net gap when the table has no finer figures)."""
    demand = table["ettersporsel"].to_numpy(float)
    supply = table["tilbud_fordelt"].to_numpy(float)
    total = demand + supply
    with np.errstate(divide="ignore", invalid="ignore"):
        if "udekket" not in table:
            table = table.assign(udekket=np.clip(demand - supply, 0, None), overskudd=np.clip(supply - demand, 0, None))
        return table.assign(
            gap=demand - supply,
            dekning=np.where(demand > 0, supply / demand, np.nan),
            indeks=np.where(total > 0, (demand - supply) / total, np.nan),
        )


def demand_supply(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    by: tuple[str, ...] = ("kommunenummer", "kompetanseomrade"),
    reach: Reach | None = None,
    groups: pd.Series | None = None,
    places: list[str] | None = None,
    decay: str = "ingen",
    bakgrunn: bool = True,
) -> pd.DataFrame:
    """:func:`catchment` then :func:`aggregate` (see both). Columns: ``ettersporsel``, ``tilbud_fordelt``,
    ``tilbud_innen_rekkevidde`` (any seat in reach), ``udekket``, ``overskudd``, ``bedrifter``, ``gap``,
    ``dekning``, ``indeks``."""
    return aggregate(catchment(needs, offers, reach, decay, bakgrunn), by, places, groups)


def white_spots(result: Catchment, places: list[str] | None = None) -> pd.DataFrame:
    """Municipality × competence area with open demand and no active offer of that area within reach."""
    n_levels = len(taxonomy.codes("niva"))
    n_areas = len(result.cells) // n_levels
    demand = result.demand.reshape(len(result.municipalities), n_areas, n_levels).sum(axis=2)
    reachable = result.reachable_seats.reshape(len(result.municipalities), n_areas, n_levels).sum(axis=2)
    spot = (demand > 0) & (reachable == 0)
    if places is not None:
        spot &= result.municipalities.isin(places)[:, None]
    need_area = result.need_cell // n_levels
    valid = result.need_municipality >= 0
    in_spot = np.zeros(len(result.needs), dtype=bool)
    in_spot[valid] = spot[result.need_municipality[valid], need_area[valid]]
    rows = result.needs[in_spot]
    areas = taxonomy.codes("kompetanseomrade")
    keys = pd.DataFrame(
        {
            "kommunenummer": result.municipalities[result.need_municipality[in_spot]],
            "kompetanseomrade": np.asarray(areas, dtype=object)[need_area[in_spot]],
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
    spots = spots.sort_values(["ettersporsel", "kommunenummer", "kompetanseomrade"], ascending=[False, True, True])
    return spots.reset_index(drop=True)


def needs_with_offer_in_reach(result: Catchment) -> np.ndarray:
    """Per open need (rows of ``result.needs``): is any active offer in the same area and level within reach?"""
    valid = result.need_municipality >= 0
    out = np.zeros(len(result.needs), dtype=bool)
    out[valid] = result.reachable_seats[result.need_municipality[valid], result.need_cell[valid]] > 0
    return out


def needs_matched_share(result: Catchment, places: list[str] | None = None) -> float:
    """Share of open needs (in ``places``) with at least one active offer in the same area and level within reach."""
    matched = needs_with_offer_in_reach(result)
    keep = np.ones(len(matched), dtype=bool)
    if places is not None:
        keep = result.needs["kommunenummer"].isin(places).to_numpy()
    return float(matched[keep].mean()) if keep.any() else float("nan")


def nearest_place_minutes(result: Catchment, reach: Reach, offers: pd.DataFrame) -> np.ndarray:
    """Per open need (rows of ``result.needs``): the cost (minutes, or km for straight-line reach) to the nearest
    active offer with a study place in the same area and level, NaN if there is none in the county.

    Online and in-company offers are left out: they need no travel.
    """
    active = supply_offers(offers)
    columns = reach.offer_ids.get_indexer(active["tilbud_id"])
    cost = reach.cost[:, columns].astype(float)
    placed = ~np.isnan(active["lat"].to_numpy(float))
    offer_cell = cell_codes(active)
    nearest = np.full((len(result.municipalities), len(result.cells)), np.nan)
    for cell in np.unique(offer_cell[placed]):
        chosen = placed & (offer_cell == cell)
        nearest[:, cell] = np.nanmin(cost[:, chosen], axis=1)
    out = np.full(len(result.needs), np.nan)
    valid = result.need_municipality >= 0
    out[valid] = nearest[result.need_municipality[valid], result.need_cell[valid]]
    return out


#: Offer statuses after which a linked course has ended (or will not run).
ENDED_OFFER_STATUSES = ("avsluttet", "avlyst")


def open_demand(needs: pd.DataFrame, offers: pd.DataFrame) -> pd.DataFrame:
    """Open needs: ``kartlagt``, and ``koblet`` whose linked course has not ended (its offer is not
    ``avsluttet``/``avlyst``). ``offers`` are all offers (to look the linked one up)."""
    rows = open_needs(needs)
    if "tilbud_id" not in rows or not len(rows):
        return rows
    ended_ids = offers.loc[offers["status"].isin(ENDED_OFFER_STATUSES).to_numpy(), "tilbud_id"]
    ended = pd.Index(pd.unique(ended_ids.to_numpy(dtype=object, na_value="")))
    linked = rows["status"].to_numpy() == "koblet"
    gone = np.zeros(len(rows), dtype=bool)
    linked_ids = rows["tilbud_id"].iloc[np.flatnonzero(linked)].to_numpy(dtype=object, na_value="")
    gone[linked] = ended.get_indexer(linked_ids) >= 0  # hashed lookup (isin on Arrow strings is slow)
    return rows[~gone]
