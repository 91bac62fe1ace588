"""Reach: which offers each municipality can reach, and the open needs and active offers that count.

* **Open needs**: status ``kartlagt`` or ``koblet`` (needs with an established or
  completed offer are being met; closed needs are gone).
* **Active offers**: status ``planlagt``, ``apen`` or ``pagar``.
* Offers without a study place (online, in-company) reach every municipality;
  offers with a place reach the municipalities within ``radius_km``
  straight-line (great-circle) distance, or within ``max_minutes`` when a
  travel-time matrix is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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


def municipality_rows(codes: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each kommunenummer in ``index`` (-1 if unknown); free for typed (categorical) columns."""
    if isinstance(codes.dtype, pd.CategoricalDtype) and list(codes.cat.categories) == list(index):
        return codes.cat.codes.to_numpy(np.int64)
    return index.get_indexer(codes.astype("string"))


def offers_within_reach(offers: pd.DataFrame, reach: Reach | None = None) -> pd.Series:
    """Number of active offers within reach of each municipality."""
    active = active_offers(offers)
    reach = reach if reach is not None else compute_reach(active)
    columns = reach.offer_ids.get_indexer(active["tilbud_id"])
    return pd.Series(
        reach.reachable[:, columns].sum(axis=1), index=reach.municipalities, name="tilbud_innen_rekkevidde"
    )
