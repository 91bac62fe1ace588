"""Matching needs to offers (koble): a ranked, explained list of candidate offers per need.

A candidate must be an *active* offer (planlagt, åpen, gjennomføres) in the
**same competence area**, **within reach** of the need's municipality (see
:mod:`kompilot_data.engine.reach`). Candidates are scored in [0, 1] as the
weighted sum of five parts, each in [0, 1]; the weights are in :data:`WEIGHTS`:

* ``niva`` – 1 for the wanted level, 0.5 one step away, else 0;
* ``form`` – how well the offer's mode suits the need's preference
  (:data:`MODE_FIT`; 1 when the need has no preference);
* ``avstand`` – 1 for offers without a place, else 1 − d / radius
  (samlingsbasert: 1 − 0.5·d / radius, as one travels only for sessions);
* ``tidsramme`` – 1 when the start date is inside the need's timeframe, falling
  linearly to 0 at :data:`TIMEFRAME_SLACK_DAYS` outside it;
* ``kapasitet`` – 1 when the offer has seats for all the need's participants,
  else seats / participants.

Ties are broken by offer id, so the ranking is deterministic.
"""

from __future__ import annotations

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
from kompilot_data.i18n import format_date, format_number
from kompilot_data.reference import taxonomy

WEIGHTS = {"niva": 0.30, "form": 0.20, "avstand": 0.20, "tidsramme": 0.20, "kapasitet": 0.10}
TIMEFRAME_SLACK_DAYS = 180.0
MODES = ("stedlig", "samlingsbasert", "nettbasert", "bedriftsintern")
# MODE_FIT[need's preference][offer's mode]
MODE_FIT = {
    "stedlig": {"stedlig": 1.0, "samlingsbasert": 0.6, "nettbasert": 0.3, "bedriftsintern": 0.8},
    "samlingsbasert": {"stedlig": 0.6, "samlingsbasert": 1.0, "nettbasert": 0.6, "bedriftsintern": 0.6},
    "nettbasert": {"stedlig": 0.2, "samlingsbasert": 0.6, "nettbasert": 1.0, "bedriftsintern": 0.5},
    "bedriftsintern": {"stedlig": 0.4, "samlingsbasert": 0.5, "nettbasert": 0.6, "bedriftsintern": 1.0},
}
PARTS = tuple(WEIGHTS)
CHUNK_CELLS = 2_000_000  # needs × offers evaluated at once (bounds memory: ~8 float32 arrays of this size)


def _mode_fit_matrix() -> np.ndarray:
    """Rows: need preference (0 = none, then MODES); columns: offer mode (MODES)."""
    rows = [np.ones(len(MODES))] + [[MODE_FIT[need][offer] for offer in MODES] for need in MODES]
    return np.array(rows, dtype=np.float32)


def _prepare(needs: pd.DataFrame, offers: pd.DataFrame, reach: Reach):
    rank = taxonomy.attribute("niva", "rang")
    mode_index = {m: i for i, m in enumerate(MODES)}
    need_arrays = {
        "row": municipality_rows(needs["kommunenummer"], reach.municipalities),
        "area": needs["kompetanseomrade"].astype(str).to_numpy(),
        "level": needs["niva"].astype(str).map(rank).to_numpy(np.float32),
        "mode": needs["laeringsform"]
        .astype(object)
        .map(lambda m: 0 if pd.isna(m) else mode_index[m] + 1)
        .to_numpy(int),
        "start": needs["tidsramme_fra"].to_numpy("datetime64[D]").astype(np.int64),
        "end": needs["tidsramme_til"].to_numpy("datetime64[D]").astype(np.int64),
        "participants": needs["antall_deltakere"].to_numpy(np.float32),
    }
    offer_arrays = {
        "column": reach.offer_ids.get_indexer(offers["tilbud_id"]),
        "area": offers["kompetanseomrade"].astype(str).to_numpy(),
        "level": offers["niva"].astype(str).map(rank).to_numpy(np.float32),
        "mode": offers["laeringsform"].astype(str).map(mode_index).to_numpy(int),
        "start": offers["oppstart"].to_numpy("datetime64[D]").astype(np.int64),
        "capacity": offers["kapasitet"].to_numpy(np.float32),
        "placeless": offers["lat"].isna().to_numpy(),
        "gathering": (offers["laeringsform"].astype(str) == "samlingsbasert").to_numpy(),
    }
    return need_arrays, offer_arrays


def _score_block(n: dict, o: dict, distance: np.ndarray, radius_km: float, fit: np.ndarray):
    """Parts and total score for needs (rows) of one municipality × reachable offers (columns) of one area."""
    level_gap = np.abs(n["level"][:, None] - o["level"][None, :])
    parts = {
        "niva": np.where(level_gap == 0, 1.0, np.where(level_gap == 1, 0.5, 0.0)).astype(np.float32),
        "form": fit[n["mode"][:, None], o["mode"][None, :]],
    }
    travel = np.where(o["gathering"], 0.5, 1.0) * distance / radius_km
    distance_part = np.where(o["placeless"], 1.0, np.clip(1 - travel, 0, 1)).astype(np.float32)
    parts["avstand"] = np.broadcast_to(distance_part, level_gap.shape)
    outside = np.maximum(n["start"][:, None] - o["start"][None, :], o["start"][None, :] - n["end"][:, None])
    parts["tidsramme"] = np.clip(1 - np.maximum(outside, 0) / TIMEFRAME_SLACK_DAYS, 0, 1).astype(np.float32)
    parts["kapasitet"] = np.minimum(1, o["capacity"][None, :] / n["participants"][:, None]).astype(np.float32)
    score = sum(WEIGHTS[p] * parts[p] for p in PARTS).astype(np.float32)
    return score, parts


def _top_k(score: np.ndarray, k: int) -> np.ndarray:
    """Column positions of the k best scores per row, best first; equal scores by column (= offer id) order."""
    key = score.astype(np.float64) - np.arange(score.shape[1]) * 1e-12
    if k < score.shape[1]:
        candidates = np.argpartition(-key, k - 1, axis=1)[:, :k]
    else:
        candidates = np.broadcast_to(np.arange(score.shape[1]), score.shape)
    order = np.argsort(-np.take_along_axis(key, candidates, axis=1), axis=1, kind="stable")
    return np.take_along_axis(candidates, order, axis=1)


def rank_candidates(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    top: int = 5,
    radius_km: float = DEFAULT_RADIUS_KM,
    reach: Reach | None = None,
    only_open: bool = True,
) -> pd.DataFrame:
    """The ``top`` best offers for every need, vectorised per competence area × municipality.

    Each block scores the needs of one municipality against the offers of one
    area that municipality can reach, in chunks of at most :data:`CHUNK_CELLS`
    cells, so memory stays bounded (no dense needs × offers matrix).

    Returns
    -------
    pandas.DataFrame
        Long format: ``behov_id``, ``rang`` (1 = best), ``tilbud_id``,
        ``poeng`` and one column per part (see :data:`WEIGHTS`), plus
        ``avstand_km`` (NaN for offers without a place).
    """
    if only_open:
        needs = open_needs(needs)
    offers = active_offers(offers)
    reach = reach if reach is not None else compute_reach(offers, radius_km=radius_km)
    n_all, o_all = _prepare(needs, offers, reach)
    fit = _mode_fit_matrix()
    need_ids = needs["behov_id"].to_numpy()
    offer_ids = offers["tilbud_id"].to_numpy()
    results = []
    for area in np.unique(n_all["area"]):
        area_offers = np.flatnonzero(o_all["area"] == area)
        if len(area_offers) == 0:
            continue
        area_offers = area_offers[np.argsort(offer_ids[area_offers], kind="stable")]
        area_needs = np.flatnonzero(n_all["area"] == area)
        for row in np.unique(n_all["row"][area_needs]):
            reachable = reach.reachable[row, o_all["column"][area_offers]]
            offer_rows = area_offers[reachable]
            if len(offer_rows) == 0:
                continue
            o = {key: value[offer_rows] for key, value in o_all.items()}
            distance = reach.distance_km[row, o["column"]]
            block = area_needs[n_all["row"][area_needs] == row]
            chunk = max(1, CHUNK_CELLS // len(offer_rows))
            for start in range(0, len(block), chunk):
                rows = block[start : start + chunk]
                n = {key: value[rows] for key, value in n_all.items()}
                score, parts = _score_block(n, o, distance, radius_km, fit)
                best = _top_k(score, min(top, len(offer_rows)))
                need_index = np.repeat(np.arange(len(rows)), best.shape[1])
                columns = best.ravel()
                frame = {
                    "behov_id": need_ids[rows][need_index],
                    "rang": np.tile(np.arange(1, best.shape[1] + 1), len(rows)),
                    "tilbud_id": offer_ids[offer_rows][columns],
                    "poeng": score[need_index, columns],
                }
                for part in PARTS:
                    frame[part] = parts[part][need_index, columns]
                frame["avstand_km"] = np.where(o["placeless"][columns], np.nan, distance[columns])
                results.append(pd.DataFrame(frame))
    columns = ["behov_id", "rang", "tilbud_id", "poeng", *PARTS, "avstand_km"]
    if not results:
        return pd.DataFrame(columns=columns)
    ranked = pd.concat(results, ignore_index=True)[columns]
    return ranked.sort_values(["behov_id", "rang"], kind="stable").reset_index(drop=True)


def rank_candidates_rowwise(
    needs: pd.DataFrame, offers: pd.DataFrame, top: int = 5, radius_km: float = DEFAULT_RADIUS_KM
) -> pd.DataFrame:
    """Reference implementation: one need and one offer at a time (for tests and the benchmark)."""
    from kompilot_data.engine.reach import haversine_km
    from kompilot_data.reference import load_municipalities

    needs = open_needs(needs)
    offers = active_offers(offers)
    municipalities = load_municipalities()
    rank = taxonomy.attribute("niva", "rang")
    rows = []
    for need in needs.itertuples(index=False):
        point = municipalities.loc[str(need.kommunenummer), ["punkt_lat", "punkt_lon"]]
        scored = []
        for offer in offers.itertuples(index=False):
            if offer.kompetanseomrade != need.kompetanseomrade:
                continue
            placeless = pd.isna(offer.lat)
            distance = np.nan if placeless else float(haversine_km(point.iloc[0], point.iloc[1], offer.lat, offer.lon))
            if not placeless and np.float32(distance) > radius_km:
                continue
            gap = abs(rank[str(need.niva)] - rank[str(offer.niva)])
            part = {"niva": 1.0 if gap == 0 else 0.5 if gap == 1 else 0.0}
            part["form"] = 1.0 if pd.isna(need.laeringsform) else MODE_FIT[need.laeringsform][offer.laeringsform]
            travel = (0.5 if offer.laeringsform == "samlingsbasert" else 1.0) * distance / radius_km
            part["avstand"] = 1.0 if placeless else min(1.0, max(0.0, 1 - travel))
            outside = max((need.tidsramme_fra - offer.oppstart).days, (offer.oppstart - need.tidsramme_til).days, 0)
            part["tidsramme"] = min(1.0, max(0.0, 1 - outside / TIMEFRAME_SLACK_DAYS))
            part["kapasitet"] = min(1.0, offer.kapasitet / need.antall_deltakere)
            score = sum(WEIGHTS[p] * part[p] for p in PARTS)
            scored.append((-round(score, 5), offer.tilbud_id, score, part))
        scored.sort(key=lambda item: (item[0], item[1]))
        for position, (_, offer_id, score, part) in enumerate(scored[:top], start=1):
            rows.append({"behov_id": need.behov_id, "rang": position, "tilbud_id": offer_id, "poeng": score, **part})
    return pd.DataFrame(rows, columns=["behov_id", "rang", "tilbud_id", "poeng", *PARTS])


def reasons(candidate: pd.Series, need: pd.Series, offer: pd.Series, language: str = "nb") -> list[str]:
    """Plain-language reasons for one candidate (a row of :func:`rank_candidates`)."""
    nb = language == "nb"
    levels = taxonomy.labels("niva", language)
    modes = taxonomy.labels("laeringsform", language)
    out = ["Samme kompetanseområde" if nb else "Same competence area"]
    if candidate["niva"] == 1:
        out.append(("Samme nivå: " if nb else "Same level: ") + levels[str(offer["niva"])])
    elif candidate["niva"] > 0:
        out.append(
            f"{'Nivå nær ønsket' if nb else 'Level close to wanted'}: {levels[str(offer['niva'])]} "
            f"({'ønsket' if nb else 'wanted'} {levels[str(need['niva'])]})"
        )
    else:
        out.append(("Annet nivå: " if nb else "Different level: ") + levels[str(offer["niva"])])
    preference = need["laeringsform"]
    if pd.isna(preference):
        out.append(f"{modes[str(offer['laeringsform'])]} ({'ingen preferanse' if nb else 'no preference'})")
    else:
        fit = "passer" if candidate["form"] == 1 else "delvis" if candidate["form"] >= 0.5 else "passer dårlig"
        fit_en = "fits" if candidate["form"] == 1 else "partly" if candidate["form"] >= 0.5 else "poor fit"
        out.append(
            f"{modes[str(offer['laeringsform'])]}: {fit if nb else fit_en} "
            f"({'ønsket' if nb else 'wanted'} {modes[str(preference)].lower()})"
        )
    if pd.isna(candidate["avstand_km"]):
        out.append("Uten studiested – ingen reise" if nb else "No study place – no travel")
    else:
        distance = format_number(candidate["avstand_km"], language)
        out.append(f"{distance} km {'luftlinje' if nb else 'straight line'}")
    start = format_date(offer["oppstart"], language)
    if candidate["tidsramme"] == 1:
        out.append(
            f"{'Oppstart' if nb else 'Start'} {start} {'innenfor ønsket tidsrom' if nb else 'within the wanted timeframe'}"
        )
    else:
        out.append(
            f"{'Oppstart' if nb else 'Start'} {start} {'utenfor ønsket tidsrom' if nb else 'outside the wanted timeframe'}"
        )
    seats = format_number(offer["kapasitet"], language)
    if candidate["kapasitet"] == 1:
        out.append(f"{seats} {'plasser – nok til alle' if nb else 'seats – enough for all'}")
    else:
        out.append(f"{'Bare' if nb else 'Only'} {seats} {'plasser' if nb else 'seats'}")
    return out


def needs_for_offer(
    offer_id: str, needs: pd.DataFrame, offers: pd.DataFrame, top: int = 20, radius_km: float = DEFAULT_RADIUS_KM
) -> pd.DataFrame:
    """The reverse view: open needs an offer could serve, best first (same scoring)."""
    offer = offers[offers["tilbud_id"] == offer_id]
    if offer.empty:
        raise KeyError(f"unknown offer {offer_id!r}")
    area_needs = needs[(needs["kompetanseomrade"] == offer["kompetanseomrade"].iloc[0]).to_numpy()]
    ranked = rank_candidates(area_needs, offer, top=1, radius_km=radius_km)
    ranked = ranked.sort_values(["poeng", "behov_id"], ascending=[False, True], kind="stable").head(top)
    return ranked.reset_index(drop=True).drop(columns="rang")
