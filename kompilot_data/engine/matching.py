"""Matching needs to offers (koble): a ranked, explained list of candidate offers per need.

Candidates
----------
A candidate for an open need (``kartlagt``, ``koblet``) is an offer that

* is open to the need's business: an in-company course held for one business (``bedriftskurs = egen``)
  is a candidate only for that business's needs (:func:`offer_owners`); a provider's course that can be held
  in any company (``mobil``) is open to all, with its real number of seats;
* is *active* (``planlagt``, ``apen``, ``pagar``) and **not already under way**: an offer with
  status ``pagar`` whose ``oppstart`` is before ``today`` has started and is not proposed
  (:func:`started_offers`);
* is in the **same competence area**;
* is **within reach** of the need's municipality (:class:`~kompilot_data.engine.reach.Reach`):
  modelled travel time by road and ferry (``reisetid``) or straight-line km (``luftlinje``).

Score
-----
Each candidate gets five parts, each in [0, 1]; the weights are in :data:`WEIGHTS` (the only place
for them):

* ``niva`` – 1 for the wanted level, 0.5 one step away, else 0;
* ``form`` – how well the offer's mode suits the need's preference (:data:`MODE_FIT`; 1 when the
  need has no preference);
* ``avstand`` – 1 for offers without a place; else 1 − c / L, where c is the reach's cost from the
  need's municipality to the offer (travel minutes in travel-time mode, km in straight-line mode)
  and L the reach's limit (e.g. 90 min); for ``samlingsbasert`` offers 1 − 0.5·c / L, as one
  travels only for the sessions; clipped to [0, 1];
* ``tidsramme`` – 1 when the start date is inside the need's window
  [``tidsramme_fra``, ``tidsramme_til``], falling linearly to 0 at :data:`TIMEFRAME_SLACK_DAYS`
  days outside it;
* ``kapasitet`` – min(1, seats / participants); a provider's mobile in-company course counts its share of
  the area × level pool of such courses (:func:`pooled_seats`).

The score is the weighted sum, kept in whole millionths::

    poeng = ( round(10⁶ · (w_niva·niva + w_form·form + w_avstand·avstand))
            + round(10⁶ · (w_tidsramme·tidsramme + w_kapasitet·kapasitet)) ) / 10⁶

so equal scores are exactly equal; ties are broken by offer id (ascending). The first three parts
(:data:`OFFER_PARTS`) depend only on the need's municipality, level and mode; the last two
(:data:`NEED_PARTS`) on the need's own window and size.

A need whose latest wanted start (``tidsramme_til``) is before ``today`` is still matched but
flagged: ``tidsvindu_utlopt`` in the candidates and a line in the reasons.

How the top candidates are found (linear in the number of needs)
----------------------------------------------------------------
Needs are taken per competence area, all municipalities at once (no Python loop per need or per
municipality). Needs of one municipality × level × mode (a *group*) share the offer parts, so for
each group the reachable offers are sorted once by offer parts (best first, then offer id), in
time slabs: offers split by start date into slabs of equal count, one per :data:`SLAB_DAYS` days
of the date span (at most :data:`MAX_SLABS`). Each need × slab is a *walker* that reads its slab's list from the top, in
rounds (:data:`FIRST_WIDTH` offers, then doubling up to :data:`MAX_WIDTH`; in the first round
only each need's most promising slabs). Candidates are merged into each need's running top-k. A
walker stops as soon as its next offer cannot beat the need's k-th best: that offer's offer parts
plus the most the need's own parts could add in the slab (the slab's start date nearest the
need's window, and its largest capacity). Keys are integers (score in millionths × number of
offers + id order), so the bound is exact and the ranking equals the row-by-row reference
:func:`kompilot_data.testing.rank_candidates_rowwise`. The offers a need reads do not grow with the number of offers
once its top is full; sorting costs groups × offers per area (groups are at most
municipalities × levels × modes). A round never scores more than :data:`CHUNK_CELLS` cells.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kompilot_data.engine.reach import (
    STRAIGHT_LINE,
    TRAVEL_TIME,
    Reach,
    ReachSetting,
    active_offers,
    compute_reach,
    municipality_rows,
    open_needs,
)
from kompilot_data.reference import evu, taxonomy
from kompilot_data.reference.i18n import format_date, format_number, t

WEIGHTS = {"niva": 0.30, "form": 0.20, "avstand": 0.20, "tidsramme": 0.20, "kapasitet": 0.10}
OFFER_PARTS = ("niva", "form", "avstand")
NEED_PARTS = ("tidsramme", "kapasitet")
PARTS = OFFER_PARTS + NEED_PARTS
assert set(PARTS) == set(WEIGHTS), "every part needs a weight"
SCALE = 1_000_000
"""Scores are kept in millionths (integers), so equal scores are exactly equal."""
TIMEFRAME_SLACK_DAYS = 180.0
MODES = ("stedlig", "samlingsbasert", "nettbasert", "bedriftsintern")
# MODE_FIT[need's preference][offer's mode]
MODE_FIT = {
    "stedlig": {"stedlig": 1.0, "samlingsbasert": 0.6, "nettbasert": 0.3, "bedriftsintern": 0.8},
    "samlingsbasert": {"stedlig": 0.6, "samlingsbasert": 1.0, "nettbasert": 0.6, "bedriftsintern": 0.6},
    "nettbasert": {"stedlig": 0.2, "samlingsbasert": 0.6, "nettbasert": 1.0, "bedriftsintern": 0.5},
    "bedriftsintern": {"stedlig": 0.4, "samlingsbasert": 0.5, "nettbasert": 0.6, "bedriftsintern": 1.0},
}
GATHERING_TRAVEL_SHARE = 0.5
FIRST_WIDTH = 4  # offers a walker reads in the first two rounds; then doubling up to MAX_WIDTH
MAX_WIDTH = 32
SLAB_DAYS = 60
MAX_SLABS = 16
MIN_SLAB_SIZE = 8
CHUNK_CELLS = 1_000_000  # need × offer cells scored at once in one round (bounds memory)
POOLED = "plasser_matching"
"""The offers' column of :func:`pooled_seats` (added once by :func:`rank_candidates`, for every need it ranks)."""
CANDIDATE_COLUMNS = [
    "behov_id",
    "rang",
    "tilbud_id",
    "poeng",
    *PARTS,
    "avstand_km",
    "reisetid_min",
    "ferje",
    "tidsvindu_utlopt",
]


# --- which offers and needs -----------------------------------------------------------------


def day(today: date | None) -> pd.Timestamp:
    return pd.Timestamp(today if today is not None else date.today()).normalize()


def started_offers(offers: pd.DataFrame, today: date | None = None) -> np.ndarray:
    """True for offers already under way: status ``pagar`` and ``oppstart`` before ``today``."""
    status = offers["status"].astype("string").to_numpy(dtype=object)
    start = pd.to_datetime(offers["oppstart"]).to_numpy("datetime64[ns]")
    return (status == "pagar") & (start < day(today).to_datetime64())


def proposable_offers(offers: pd.DataFrame, today: date | None = None) -> pd.DataFrame:
    """Offers matching may propose: active and not already under way."""
    active = active_offers(offers)
    return active[~started_offers(active, today)]


def expired_window(needs: pd.DataFrame, today: date | None = None) -> np.ndarray:
    """True for needs whose latest wanted start (``tidsramme_til``) is before ``today``."""
    end = pd.to_datetime(needs["tidsramme_til"]).to_numpy("datetime64[ns]")
    return end < day(today).to_datetime64()


def resolve_reach(
    offers: pd.DataFrame, reach: Reach | None, setting: ReachSetting | None, radius_km: float | None
) -> Reach:
    if reach is not None:
        return reach
    if setting is None and radius_km is not None:
        setting = ReachSetting(STRAIGHT_LINE, radius_km)
    return compute_reach(offers, setting)


# --- the score, in one place ----------------------------------------------------------------


def _mode_fit_matrix() -> np.ndarray:
    """Rows: need preference (0 = none, then MODES); columns: offer mode (MODES)."""
    rows = [np.ones(len(MODES))] + [[MODE_FIT[need][offer] for offer in MODES] for need in MODES]
    return np.array(rows, dtype=np.float64)


def _level_part(level_gap):
    return np.where(level_gap == 0, 1.0, np.where(level_gap == 1, 0.5, 0.0))


def _distance_part(cost, limit: float, placeless, gathering):
    travel = np.where(gathering, GATHERING_TRAVEL_SHARE, 1.0) * cost / limit
    return np.where(placeless, 1.0, np.clip(1 - np.nan_to_num(travel, nan=0.0), 0, 1))


def _timeframe_part(outside_days):
    return np.clip(1 - outside_days / TIMEFRAME_SLACK_DAYS, 0, 1)


def _offer_points(niva, form, avstand):
    """Offer parts in millionths (int64)."""
    total = WEIGHTS["niva"] * niva + WEIGHTS["form"] * form + WEIGHTS["avstand"] * avstand
    return np.rint(total * SCALE).astype(np.int64)


def _need_points(tidsramme, kapasitet):
    """Need parts in millionths (int64)."""
    total = WEIGHTS["tidsramme"] * tidsramme + WEIGHTS["kapasitet"] * kapasitet
    return np.rint(total * SCALE).astype(np.int64)


# --- vectorised ranking ---------------------------------------------------------------------


def _codes(column: pd.Series, categories, offset: int = 0) -> np.ndarray:
    """Position of each value in ``categories`` (+ offset); missing or unknown values give ``offset - 1``."""
    wanted = pd.Index(list(categories))
    if isinstance(column.dtype, pd.CategoricalDtype):
        position = wanted.get_indexer(column.cat.categories.astype(str))
        codes = column.cat.codes.to_numpy(np.int64)
        return np.where(codes >= 0, position[codes], -1).astype(np.int64) + offset
    values = column.astype(object).where(column.notna(), None)
    return wanted.get_indexer(values.map(lambda v: v if v is None else str(v))).astype(np.int64) + offset


def _days(column: pd.Series) -> np.ndarray:
    return pd.to_datetime(column).to_numpy("datetime64[D]").astype(np.int64)


def _prepare(needs: pd.DataFrame, offers: pd.DataFrame, reach: Reach) -> tuple[dict, dict]:
    rank = taxonomy.attribute("niva", "rang")
    levels = list(rank)
    areas = taxonomy.codes("kompetanseomrade")
    level_rank = np.array([rank[code] for code in levels], dtype=np.int64)
    need_level = _codes(needs["niva"], levels)
    offer_level = _codes(offers["niva"], levels)
    if (need_level < 0).any() or (offer_level < 0).any() or level_rank.max() > 7:
        raise ValueError("needs or offers with an unknown or missing niva cannot be matched")
    n = {
        "row": municipality_rows(needs["kommunenummer"], reach.municipalities).astype(np.int64),
        "area": _codes(needs["kompetanseomrade"], areas),
        "level": level_rank[need_level],
        "mode": _codes(needs["laeringsform"], MODES, offset=1),
        "start": _days(needs["tidsramme_fra"]),
        "end": _days(needs["tidsramme_til"]),
        "participants": needs["antall_deltakere"].to_numpy(np.float64),
    }
    offer_ids = offers["tilbud_id"].astype("string").to_numpy(dtype=object)
    by_id = np.argsort(offer_ids, kind="stable")
    id_rank = np.empty(len(offers), dtype=np.int64)
    id_rank[by_id] = np.arange(len(offers))
    mode = _codes(offers["laeringsform"], MODES)
    if (mode < 0).any():
        raise ValueError("offers with an unknown or missing laeringsform cannot be matched")
    o = {
        "column": reach.offer_ids.get_indexer(offers["tilbud_id"]),
        "area": _codes(offers["kompetanseomrade"], areas),
        "level": level_rank[offer_level],
        "mode": mode,
        "start": _days(offers["oppstart"]),
        "capacity": (offers[POOLED] if POOLED in offers else offers["kapasitet"]).to_numpy(np.float64),
        "placeless": offers["lat"].isna().to_numpy(),
        "gathering": mode == MODES.index("samlingsbasert"),
        "id_rank": id_rank,
    }
    if (o["column"] < 0).any():
        raise ValueError("reach was computed for other offers than those given")
    return n, o


def _slab_of(starts: np.ndarray) -> tuple[np.ndarray, int]:
    """Split offers into time slabs of about equal count by start date (:data:`SLAB_DAYS` of the date span
    each, at most :data:`MAX_SLABS`): the slab of each offer, and the number of slabs."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64), 1
    span = int(starts.max() - starts.min()) + 1
    slabs = int(min(MAX_SLABS, max(1, -(-span // SLAB_DAYS)), max(1, len(starts) // MIN_SLAB_SIZE)))
    slab = np.empty(len(starts), dtype=np.int64)
    slab[np.argsort(starts, kind="stable")] = np.arange(len(starts)) * slabs // len(starts)
    return slab, slabs


def _rank_area(n: dict, o: dict, members: np.ndarray, area_offers: np.ndarray, reach: Reach, top: int):
    """Top ``top`` offers (keys and offer positions, in no order) for the needs ``members`` of one
    competence area; ``area_offers`` are the area's offers in id order."""
    count = len(o["id_rank"])
    columns = o["column"][area_offers]
    # Groups: municipality × level × mode present among the members; all share the offer parts.
    code = (n["row"][members] * 8 + n["level"][members]) * 8 + n["mode"][members]
    codes, group = np.unique(code, return_inverse=True)
    row_of_group, level_of_group, mode_of_group = codes // 64, (codes // 8) % 8, codes % 8
    # Offer parts per municipality, level and mode, weighted, then summed per group (same order as the
    # reference: niva + form + avstand).
    rows, row_index = np.unique(row_of_group, return_inverse=True)
    levels, level_index = np.unique(level_of_group, return_inverse=True)
    modes, mode_index = np.unique(mode_of_group, return_inverse=True)
    reachable = reach.reachable[rows][:, columns][row_index]
    cost = reach.cost[rows][:, columns].astype(np.float64)
    avstand = WEIGHTS["avstand"] * _distance_part(
        cost, reach.setting.limit, o["placeless"][area_offers], o["gathering"][area_offers]
    )
    niva = WEIGHTS["niva"] * _level_part(np.abs(levels[:, None] - o["level"][area_offers][None, :]))
    form = WEIGHTS["form"] * _mode_fit_matrix()[modes[:, None], o["mode"][area_offers][None, :]]
    points = np.rint((niva[level_index] + form[mode_index] + avstand[row_index]) * SCALE).astype(np.int64)
    del cost, avstand, niva, form
    tie = count - 1 - o["id_rank"][area_offers]

    # Offers in time slabs; in each group × slab, reachable offers sorted by offer parts, then id.
    offer_start, offer_capacity = o["start"][area_offers], o["capacity"][area_offers]
    slab, slabs = _slab_of(offer_start)
    size = np.bincount(slab, minlength=slabs)
    width_slab = int(size.max())
    place = np.empty(len(area_offers), dtype=np.int64)
    by_slab = np.argsort(slab, kind="stable")
    place[by_slab] = slab[by_slab] * width_slab + (
        np.arange(len(area_offers)) - np.repeat(np.cumsum(size) - size, size)
    )
    offer_at = np.zeros(slabs * width_slab, dtype=np.int32)
    offer_at[place] = np.arange(len(area_offers))
    key = np.full((len(codes), slabs * width_slab), 1, dtype=np.int64)  # negated keys; 1 = no offer
    key[:, place] = np.where(reachable, -(points * count + tie[None, :]), 1)
    del points, reachable
    key = key.reshape(len(codes), slabs, width_slab)
    order = np.argsort(key, axis=2)
    length = (key <= 0).sum(axis=2).astype(np.int32)  # groups × slabs
    sorted_offer = offer_at.reshape(slabs, width_slab)[np.arange(slabs)[None, :, None], order]
    sorted_points = (np.take_along_axis(key, order, axis=2) // -count).astype(np.int32)
    del key, order

    # The most a need's own parts could add in each slab: nearest start date, largest capacity.
    first, last = n["start"][members], n["end"][members]
    participants = n["participants"][members]
    low = np.full(slabs, np.iinfo(np.int64).max)
    high = np.full(slabs, np.iinfo(np.int64).min)
    most = np.zeros(slabs)
    np.minimum.at(low, slab, offer_start)
    np.maximum.at(high, slab, offer_start)
    np.maximum.at(most, slab, offer_capacity)
    outside = np.maximum(np.maximum(low[None, :] - last[:, None], first[:, None] - high[None, :]), 0)
    bound = _need_points(_timeframe_part(outside), np.minimum(1.0, most[None, :] / participants[:, None]))

    best_key = np.full((len(members), top), -1, dtype=np.int64)
    best_local = np.zeros((len(members), top), dtype=np.int64)
    # Walkers: one per need × slab with reachable offers (sorted by need), each at its own position.
    walker_need, walker_slab = np.nonzero(length[group] > 0)
    walker_group = group[walker_need]
    position = np.zeros(len(walker_need), dtype=np.int64)

    def upper_bound(need, grp, slab, at):
        return (sorted_points[grp, slab, at] + bound[need, slab]) * count + tie[sorted_offer[grp, slab, at]]

    upper = upper_bound(walker_need, walker_group, walker_slab, position)
    width, first_round = FIRST_WIDTH, True
    while len(walker_need):
        # Drop walkers that cannot beat their need's k-th best (-1 while fewer are found).
        alive = upper > best_key.min(axis=1)[walker_need]
        walker_need, walker_group, walker_slab = walker_need[alive], walker_group[alive], walker_slab[alive]
        position, upper = position[alive], upper[alive]
        if not len(walker_need):
            break
        reading = np.arange(len(walker_need))
        if first_round:  # each need starts with its most promising slab(s)
            starts = np.flatnonzero(np.r_[True, walker_need[1:] != walker_need[:-1]])
            best = np.repeat(np.maximum.reduceat(upper, starts), np.diff(np.r_[starts, len(upper)]))
            reading = np.flatnonzero(upper == best)
        step = min(width, max(1, CHUNK_CELLS // len(reading)))
        need, grp, slab = walker_need[reading], walker_group[reading], walker_slab[reading]
        at = position[reading, None] + np.arange(step)
        valid = at < length[grp, slab][:, None]
        at = np.minimum(at, width_slab - 1)
        local = sorted_offer[grp[:, None], slab[:, None], at]
        start = offer_start[local]
        outside = np.maximum(np.maximum(first[need, None] - start, start - last[need, None]), 0)
        capacity = np.minimum(1.0, offer_capacity[local] / participants[need, None])
        points = sorted_points[grp[:, None], slab[:, None], at]
        key = (points + _need_points(_timeframe_part(outside), capacity)) * count + tie[local]
        _merge_top(best_key, best_local, need, np.where(valid, key, -1), local)
        position[reading] += step
        more = position < length[walker_group, walker_slab]
        walker_need, walker_group, walker_slab, position = (
            walker_need[more],
            walker_group[more],
            walker_slab[more],
            position[more],
        )
        upper = upper_bound(walker_need, walker_group, walker_slab, position)
        width, first_round = (width if first_round else min(2 * width, MAX_WIDTH)), False
    return best_key, area_offers[best_local]


def _merge_top(best_key: np.ndarray, best_local: np.ndarray, need: np.ndarray, key: np.ndarray, local: np.ndarray):
    """Merge the rows ``key``/``local`` (one per walker; ``need`` sorted; -1 = no offer) into each need's
    running top-k, in place: one ``np.argpartition`` over the need's k best and its walkers' offers."""
    top, step = best_key.shape[1], key.shape[1]
    first = np.r_[True, need[1:] != need[:-1]]
    touched = need[first]
    row = np.cumsum(first) - 1
    slot = np.arange(len(need)) - np.flatnonzero(first)[row]  # the walker's place among its need's walkers
    columns = top + slot[:, None] * step + np.arange(step)
    merged_key = np.full((len(touched), top + (int(slot.max()) + 1) * step), -1, dtype=np.int64)
    merged_local = np.zeros(merged_key.shape, dtype=np.int64)
    merged_key[:, :top], merged_local[:, :top] = best_key[touched], best_local[touched]
    merged_key[row[:, None], columns], merged_local[row[:, None], columns] = key, local
    keep = np.argpartition(-merged_key, top - 1, axis=1)[:, :top]
    rows = np.arange(len(touched))[:, None]
    best_key[touched], best_local[touched] = merged_key[rows, keep], merged_local[rows, keep]


def rank_candidates(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    top: int = 5,
    reach: Reach | None = None,
    *,
    setting: ReachSetting | None = None,
    radius_km: float | None = None,
    only_open: bool = True,
    today: date | None = None,
    rejected: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ``top`` best offers for every need, never a rejected one (``rejected``: ``behov_id``, ``tilbud_id``
    pairs a coordinator turned down). Needs with rejections are ranked ``top`` + their number of rejections deep,
    the rejected pairs dropped and the rest renumbered, so they still get their ``top`` best other offers
    (exactly as if the rejected offers did not exist for them). See :func:`_rank_candidates`."""
    usable = proposable_offers(offers, today)
    pooled = pd.Series(pooled_seats(usable, needs), index=usable.index)
    offers = offers.assign(**{POOLED: pooled.reindex(offers.index).to_numpy(np.float64)})
    if rejected is None or not len(rejected):
        return _rank_candidates(
            needs, offers, top, reach, setting=setting, radius_km=radius_km, only_open=only_open, today=today
        )
    if only_open:
        needs = open_needs(needs)
    reach = resolve_reach(proposable_offers(offers, today), reach, setting, radius_km)
    pairs = pd.DataFrame(
        {
            "behov_id": rejected["behov_id"].astype(str).to_numpy(),
            "tilbud_id": rejected["tilbud_id"].astype(str).to_numpy(),
        }
    ).drop_duplicates()
    need_ids = needs["behov_id"].astype(str)
    pairs = pairs[pairs["behov_id"].isin(need_ids)]
    affected = need_ids.isin(pairs["behov_id"]).to_numpy()
    if not affected.any():
        return _rank_candidates(needs, offers, top, reach, only_open=False, today=today)
    plain = _rank_candidates(needs[~affected], offers, top, reach, only_open=False, today=today)
    deeper = _rank_candidates(
        needs[affected], offers, top + int(pairs.groupby("behov_id").size().max()), reach, only_open=False, today=today
    )
    key = pd.MultiIndex.from_frame(deeper[["behov_id", "tilbud_id"]].astype(str))
    deeper = deeper[~key.isin(pd.MultiIndex.from_frame(pairs)).astype(bool)]
    deeper = deeper.assign(rang=deeper.groupby("behov_id", sort=False).cumcount().to_numpy() + 1)
    deeper = deeper[deeper["rang"] <= top]
    ranked = pd.concat([plain, deeper], ignore_index=True)
    position = pd.Series(np.arange(len(needs)), index=need_ids.to_numpy())
    order = np.lexsort((ranked["rang"].to_numpy(), position.reindex(ranked["behov_id"].astype(str)).to_numpy()))
    ranked = ranked.iloc[order].reset_index(drop=True)
    ranked["rang"] = ranked["rang"].astype(np.int64)
    ranked["ferje"] = pd.Categorical(ranked["ferje"], categories=plain["ferje"].cat.categories)
    return ranked


def _rank_candidates(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    top: int = 5,
    reach: Reach | None = None,
    *,
    setting: ReachSetting | None = None,
    radius_km: float | None = None,
    only_open: bool = True,
    today: date | None = None,
) -> pd.DataFrame:
    """The ``top`` best offers for every need (see the module text for candidates, score and method).

    Parameters
    ----------
    needs, offers : pandas.DataFrame
        Typed needs and offers. Only open needs (unless ``only_open=False``) and proposable offers
        (:func:`proposable_offers`) count.
    top : int
        Candidates per need.
    reach : Reach, optional
        Reach of (at least) the proposable offers; its setting decides the distance part.
        Computed from ``setting`` (or ``radius_km``, straight line) when not given.
    today : datetime.date, optional
        Decides which offers are under way and which windows have ended (default: today).

    Returns
    -------
    pandas.DataFrame
        Long format, in the needs' order then ``rang`` (1 = best): ``behov_id``, ``rang``,
        ``tilbud_id``, ``poeng``, one column per part (see :data:`WEIGHTS`), ``avstand_km``
        (straight line; NaN for offers without a place), ``reisetid_min`` (modelled travel minutes;
        NaN in straight-line mode and for offers without a place), ``ferje`` (ferries on the route,
        categorical, missing when none) and ``tidsvindu_utlopt`` (the need's window has ended).
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top!r}")
    if only_open:
        needs = open_needs(needs)
    offers = proposable_offers(offers, today)
    reach = resolve_reach(offers, reach, setting, radius_km)
    n, o = _prepare(needs, offers, reach)
    matchable = np.flatnonzero((n["row"] >= 0) & (n["area"] >= 0))
    best_key = np.full((len(needs), top), -1, dtype=np.int64)
    best_offer = np.zeros((len(needs), top), dtype=np.int64)
    owner = offer_owners(offers)
    owned = np.array([bool(o) for o in owner], dtype=bool)
    for area in np.unique(n["area"][matchable]):
        area_offers = np.flatnonzero((o["area"] == area) & ~owned)
        if len(area_offers) == 0:
            continue
        area_offers = area_offers[np.argsort(o["id_rank"][area_offers])]
        members = matchable[n["area"][matchable] == area]
        best_key[members], best_offer[members] = _rank_area(n, o, members, area_offers, reach, top)
    if owned.any():
        business = needs["bedrift_id"].astype("string").fillna("").to_numpy(dtype=object)
        _add_own_courses(n, o, matchable, business, owner, reach, best_key, best_offer)
    # Best first per need (keys are unique), needs in their order.
    order = np.argsort(-best_key, axis=1)
    best_key = np.take_along_axis(best_key, order, axis=1).ravel()
    best_offer = np.take_along_axis(best_offer, order, axis=1).ravel()
    found = best_key >= 0
    need = np.repeat(np.arange(len(needs)), top)[found]
    rank = np.tile(np.arange(1, top + 1), len(needs))[found]
    points = best_key[found] // len(o["id_rank"])
    return _candidates_frame(needs, offers, reach, n, o, need, best_offer[found], rank, points, today)


def offer_owners(offers: pd.DataFrame) -> np.ndarray:
    """Per offer, the businesses an in-company course belongs to (``bedriftskurs = egen``; a frozenset, empty for
    every other offer).

    Such a course is a candidate only for its own businesses' needs; a provider's course that can be held in any
    company (``mobil``) is a candidate for every business, with its share of the pool's seats."""
    out = np.empty(len(offers), dtype=object)
    out[:] = [frozenset()] * len(offers)
    if "bedriftskurs" not in offers or "bedrift_id" not in offers:
        return out
    own = offers["bedriftskurs"].astype("string").fillna("").to_numpy(dtype=object) == evu.OWN_COMPANY
    for position in np.flatnonzero(own):
        out[position] = evu.owners(offers["bedrift_id"].iloc[position])
    return out


def pooled_seats(offers: pd.DataFrame, needs: pd.DataFrame) -> np.ndarray:
    """Seats per offer for the capacity part: the capacity; for a provider's mobile in-company course
    (``bedriftskurs = mobil``), its share of the one pool of such courses per competence area × level.

    The pool's seats S are shared by the pool's demand D (participants of the open needs in that area and level):
    each mobile course counts ``kapasitet · min(1, S / D)`` seats, so 8 seats are never proposed as a full class
    to every business in the county (the pool is finite, never unlimited)."""
    seats = offers["kapasitet"].to_numpy(np.float64).copy()
    if "bedriftskurs" not in offers:
        return seats
    mobile = offers["bedriftskurs"].astype("string").fillna("").to_numpy(dtype=object) == evu.MOBILE
    if not mobile.any():
        return seats
    cell = ["kompetanseomrade", "niva"]
    offer_cell = pd.MultiIndex.from_frame(offers[cell].astype(str))
    pool = pd.Series(seats[mobile], index=offer_cell[mobile]).groupby(level=[0, 1]).sum()
    demand_rows = open_needs(needs)
    demand = (
        demand_rows["antall_deltakere"]
        .astype(float)
        .groupby([demand_rows[c].astype(str).to_numpy() for c in cell])
        .sum()
    )
    demand = demand.reindex(pool.index).fillna(0.0).to_numpy()
    share = pd.Series(
        np.where(demand > 0, np.minimum(1.0, pool.to_numpy() / np.maximum(demand, 1e-9)), 1.0), pool.index
    )
    seats[mobile] *= share.reindex(offer_cell[mobile]).to_numpy(np.float64)
    return seats


def _add_own_courses(n, o, matchable, business, owner, reach: Reach, best_key, best_offer) -> None:
    """Merge each business's own in-company courses into its needs' top lists (in place), scored exactly as
    :func:`_rank_area` scores every other offer."""
    count = len(o["id_rank"])
    for offer in np.flatnonzero([bool(o) for o in owner]):
        own = np.isin(business[matchable], list(owner[offer]))
        members = matchable[(n["area"][matchable] == o["area"][offer]) & own]
        members = members[reach.reachable[n["row"][members], o["column"][offer]]]
        if not len(members):
            continue
        row, column = n["row"][members], o["column"][offer]
        niva = _level_part(np.abs(n["level"][members] - o["level"][offer]))
        form = _mode_fit_matrix()[n["mode"][members], o["mode"][offer]]
        cost = reach.cost[row, column].astype(np.float64)
        avstand = _distance_part(cost, reach.setting.limit, o["placeless"][offer], o["gathering"][offer])
        start = o["start"][offer]
        outside = np.maximum(np.maximum(n["start"][members] - start, start - n["end"][members]), 0)
        kapasitet = np.minimum(1.0, o["capacity"][offer] / n["participants"][members])
        points = _offer_points(niva, form, avstand) + _need_points(_timeframe_part(outside), kapasitet)
        key = points * count + (count - 1 - o["id_rank"][offer])
        slot = np.argmin(best_key[members], axis=1)
        better = key > best_key[members, slot]
        best_key[members[better], slot[better]] = key[better]
        best_offer[members[better], slot[better]] = offer


def _candidates_frame(needs, offers, reach: Reach, n_all, o_all, need, offer, rank, points, today) -> pd.DataFrame:
    """The candidates table for (need position, offer position) pairs, with every part recomputed (column by
    column, so few temporaries of the table's length are alive at once)."""
    row, column = n_all["row"][need], o_all["column"][offer]
    placeless = o_all["placeless"][offer]
    niva = _level_part(np.abs(n_all["level"][need] - o_all["level"][offer]))
    form = _mode_fit_matrix()[n_all["mode"][need], o_all["mode"][offer]]
    cost = reach.cost[row, column].astype(np.float64)
    avstand = _distance_part(cost, reach.setting.limit, placeless, o_all["gathering"][offer])
    del cost
    start = o_all["start"][offer]
    outside = np.maximum(np.maximum(n_all["start"][need] - start, start - n_all["end"][need]), 0)
    del start
    tidsramme = _timeframe_part(outside)
    del outside
    kapasitet = np.minimum(1.0, o_all["capacity"][offer] / n_all["participants"][need])
    # The parts shown must add up to the score ranked on.
    if not np.array_equal(_offer_points(niva, form, avstand) + _need_points(tidsramme, kapasitet), points):
        raise AssertionError("matching: recomputed scores differ from the ranked scores")
    travel = reach.setting.method == TRAVEL_TIME and reach.minutes is not None
    minutes = np.where(placeless, np.nan, reach.minutes[row, column]) if travel else np.full(len(row), np.nan)
    ferry = np.full(len(row), -1, dtype=np.int64)
    if travel and reach.ferry is not None:
        ferry = np.where(placeless, -1, reach.ferry[row, column])
    labels = list(dict.fromkeys(reach.ferry_labels))
    label_code = np.array([labels.index(label) for label in reach.ferry_labels] + [-1], dtype=np.int64)
    frame = {
        "behov_id": needs["behov_id"].array.take(need),
        "rang": rank.astype(np.int64),
        "tilbud_id": offers["tilbud_id"].array.take(offer),
        "poeng": points / SCALE,
        "niva": niva,
        "form": form,
        "avstand": avstand,
        "tidsramme": tidsramme,
        "kapasitet": kapasitet,
        "avstand_km": np.where(placeless, np.nan, reach.distance_km[row, column]),
        "reisetid_min": minutes,
        "ferje": pd.Categorical.from_codes(label_code[ferry], categories=labels),
        "tidsvindu_utlopt": expired_window(needs, today)[need],
    }
    assert list(frame) == CANDIDATE_COLUMNS
    return pd.DataFrame(frame, copy=False)


# --- reasons and the reverse view -----------------------------------------------------------


def reasons(candidate: pd.Series, need: pd.Series, offer: pd.Series, language: str = "nb") -> list[str]:
    """Plain-language reasons for one candidate (a row of :func:`rank_candidates`)."""
    levels = taxonomy.labels("niva", language)
    modes = taxonomy.labels("laeringsform", language)
    level, wanted_level = levels[str(offer["niva"])], levels[str(need["niva"])]
    out = [t("match_reason_area", language)]
    if candidate["niva"] == 1:
        out.append(t("match_reason_level_same", language, level=level))
    elif candidate["niva"] > 0:
        out.append(t("match_reason_level_near", language, level=level, wanted=wanted_level))
    else:
        out.append(t("match_reason_level_other", language, level=level))
    mode = modes[str(offer["laeringsform"])]
    preference = need["laeringsform"]
    if pd.isna(preference):
        out.append(t("match_reason_mode_any", language, mode=mode))
    else:
        fit = "good" if candidate["form"] == 1 else "partly" if candidate["form"] >= 0.5 else "poor"
        fit_text = t(f"match_reason_fit_{fit}", language)
        out.append(t("match_reason_mode", language, mode=mode, fit=fit_text, wanted=modes[str(preference)].lower()))
    minutes = candidate.get("reisetid_min", np.nan)
    if pd.isna(candidate["avstand_km"]) and pd.isna(minutes):
        out.append(t("match_reason_no_place", language))
    elif not pd.isna(minutes):
        ferry = candidate.get("ferje")
        via = (
            "" if ferry is None or pd.isna(ferry) or not str(ferry) else t("match_reason_ferry", language, ferry=ferry)
        )
        out.append(t("match_reason_travel", language, minutes=format_number(minutes, language), via=via))
    else:
        out.append(t("match_reason_straight_line", language, km=format_number(candidate["avstand_km"], language)))
    start = format_date(offer["oppstart"], language)
    inside = "match_reason_start_inside" if candidate["tidsramme"] == 1 else "match_reason_start_outside"
    out.append(t(inside, language, start=start))
    seats = format_number(offer["kapasitet"], language)
    out.append(
        t("match_reason_seats_all" if candidate["kapasitet"] == 1 else "match_reason_seats_few", language, seats=seats)
    )
    if bool(candidate.get("tidsvindu_utlopt", False)):
        out.append(t("match_reason_window_ended", language, end=format_date(need["tidsramme_til"], language)))
    return out


def needs_for_offer(
    offer_id: str,
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    top: int = 20,
    reach: Reach | None = None,
    *,
    setting: ReachSetting | None = None,
    radius_km: float | None = None,
    today: date | None = None,
    rejected: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The reverse view: open needs an offer could serve, best first (same score; ties by need id).

    Empty when the offer is not proposable (inactive or already under way, see
    :func:`proposable_offers`). Needs that rejected the offer (``rejected`` pairs) are left out. Raises
    KeyError for an unknown offer id.
    """
    offer = offers[(offers["tilbud_id"] == offer_id).to_numpy()]
    if offer.empty:
        raise KeyError(f"unknown offer {offer_id!r}")
    area_needs = needs[(needs["kompetanseomrade"].astype(str) == str(offer["kompetanseomrade"].iloc[0])).to_numpy()]
    ranked = rank_candidates(
        area_needs, offer, top=1, reach=reach, setting=setting, radius_km=radius_km, today=today, rejected=rejected
    )
    ranked = ranked.sort_values(["poeng", "behov_id"], ascending=[False, True], kind="stable").head(top)
    return ranked.reset_index(drop=True).drop(columns="rang")
