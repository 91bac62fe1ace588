"""Reach: which offers each municipality can reach, and the open needs and active offers that count.

* **Open needs**: status ``kartlagt`` or ``koblet`` (needs with an established or
  completed offer are being met; closed needs are gone).
* **Active offers**: status ``planlagt``, ``apen`` or ``pagar``.
* Offers without a study place (online, in-company) reach every municipality.
* Offers with a place reach the municipalities within the :class:`ReachSetting`:
  by default 90 minutes of modelled travel time by road and ferry from the
  municipality's administrative centre (the threshold SSB's centrality index
  uses), or, as an option, a straight-line ("luftlinje", great-circle) radius in km.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import kompilot_data.engine.travel as travel
from kompilot_data.reference import evu, load_municipalities

EARTH_RADIUS_KM = 6371.0088
DEFAULT_RADIUS_KM = 90.0
OPEN_NEED_STATUSES = ("kartlagt", "koblet")
ACTIVE_OFFER_STATUSES = ("planlagt", "apen", "pagar")
TRAVEL_TIME = "reisetid"
STRAIGHT_LINE = "luftlinje"


@dataclass(frozen=True)
class ReachSetting:
    """How far a business can travel to an offer: ``limit`` minutes of travel time (``"reisetid"``)
    or ``limit`` km straight line (``"luftlinje"``)."""

    method: str = STRAIGHT_LINE
    limit: float = DEFAULT_RADIUS_KM

    def __post_init__(self) -> None:
        if self.method not in (TRAVEL_TIME, STRAIGHT_LINE):
            raise ValueError(f"unknown reach method {self.method!r}: use {TRAVEL_TIME!r} or {STRAIGHT_LINE!r}")
        if not self.limit > 0:
            raise ValueError(f"reach limit must be positive, got {self.limit!r}")

    @property
    def unit(self) -> str:
        return "min" if self.method == TRAVEL_TIME else "km"


DEFAULT_REACH = ReachSetting(TRAVEL_TIME, 90.0)


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
    setting : ReachSetting
        The rule that decided ``reachable``.
    minutes : numpy.ndarray or None
        Modelled travel time by road and ferry (float32, NaN for offers without a place);
        None when reach is straight-line.
    ferry : numpy.ndarray or None
        Index into ``ferry_labels`` of the ferries on the route (int32, -1 = none).
    ferry_labels : tuple of str
        e.g. ``("Brekstad–Valset",)``.
    """

    municipalities: pd.Index
    offer_ids: pd.Index
    reachable: np.ndarray
    distance_km: np.ndarray
    setting: ReachSetting = DEFAULT_REACH
    minutes: np.ndarray | None = field(default=None, repr=False)
    ferry: np.ndarray | None = field(default=None, repr=False)
    ferry_labels: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        return self.setting.method

    @property
    def cost(self) -> np.ndarray:
        """The measure compared with the limit: minutes for travel time, km for straight line."""
        return self.minutes if self.setting.method == TRAVEL_TIME and self.minutes is not None else self.distance_km


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km; arguments broadcast (degrees)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def active_offers(offers: pd.DataFrame) -> pd.DataFrame:
    return offers[offers["status"].isin(ACTIVE_OFFER_STATUSES).to_numpy()]


def available_seats(offers: pd.DataFrame) -> np.ndarray:
    """Seats of each offer: the capacity of the intake (``plasser``, issue 20). Applicants are context
    (``sokere_per_plass``), never subtracted: the former rule ``kapasitet - sokere_forstevalg`` counted 74 % of
    the active real programmes as zero seats."""
    column = offers["plasser"] if "plasser" in offers else offers["kapasitet"]
    return pd.to_numeric(column, errors="coerce").to_numpy(float)


def open_needs(needs: pd.DataFrame) -> pd.DataFrame:
    return needs[needs["status"].isin(OPEN_NEED_STATUSES).to_numpy()]


def compute_reach(
    offers: pd.DataFrame,
    setting: ReachSetting | None = None,
    travel_minutes: pd.DataFrame | None = None,
    radius_km: float | None = None,
    by_study_mode: bool = False,
) -> Reach:
    """Reach of each offer from each municipality.

    Parameters
    ----------
    offers : pandas.DataFrame
        Typed offers (``lat``, ``lon`` NaN for offers without a place).
    setting : ReachSetting, optional
        Travel time or straight line, and the limit (default :data:`DEFAULT_REACH`).
    travel_minutes : pandas.DataFrame, optional
        Measured pairs: columns ``kommunenummer``, ``tilbud_id``, ``minutter``. Where a pair is
        present it replaces the model (reachable if ``minutter`` ≤ the limit in minutes).
    radius_km : float, optional
        Shorthand for ``ReachSetting("luftlinje", radius_km)``.
    by_study_mode : bool
        Each offer's limit follows its study mode (:data:`kompilot_data.reference.evu.REKKEVIDDE_MIN`, scaled by
        the setting's limit / 90): session-based offers reach twice as far as weekly campus teaching, and
        online or in-company offers (no travel) reach every municipality even when they name a place.
    """
    if setting is None:
        setting = ReachSetting(STRAIGHT_LINE, radius_km) if radius_km is not None else DEFAULT_REACH
    municipalities = load_municipalities()
    lat = offers["lat"].to_numpy(float)
    lon = offers["lon"].to_numpy(float)
    row_lat, row_lon = _municipality_points(municipalities)
    distance = haversine_km(row_lat[:, None], row_lon[:, None], lat, lon).astype(np.float32)
    placeless = np.isnan(lat)
    minutes = ferry = None
    ferry_labels: tuple[str, ...] = ()
    if setting.method == TRAVEL_TIME:
        times = travel.travel_to_points(lat, lon, offers["kommunenummer"].astype("string").to_numpy())
        minutes, ferry, ferry_labels = times.minutes.astype(np.float32), times.ferry, times.ferry_labels
        if travel_minutes is not None and len(travel_minutes):
            minutes = minutes.copy()
            rows = municipalities.index.get_indexer(travel_minutes["kommunenummer"])
            cols = pd.Index(offers["tilbud_id"]).get_indexer(travel_minutes["tilbud_id"])
            known = (rows >= 0) & (cols >= 0)
            minutes[rows[known], cols[known]] = travel_minutes["minutter"].to_numpy(np.float32)[known]
    limit: float | np.ndarray = setting.limit
    if by_study_mode:
        limit = evu.reach_limits(offers, setting.limit)
        placeless = placeless | np.isnan(limit)
        limit = np.nan_to_num(limit, nan=setting.limit)[None, :]
    if setting.method == TRAVEL_TIME:
        reachable = placeless[None, :] | (minutes <= limit)
    else:
        reachable = placeless[None, :] | (distance <= limit)
    return Reach(
        municipalities.index,
        pd.Index(offers["tilbud_id"]),
        reachable,
        distance,
        setting,
        minutes,
        ferry,
        ferry_labels,
    )


def _municipality_points(municipalities: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Where a municipality's businesses travel from: the administrative centre when the reference data
    has it, else the representative point."""
    if "senter_lat" in municipalities:
        return municipalities["senter_lat"].to_numpy(float), municipalities["senter_lon"].to_numpy(float)
    return municipalities["punkt_lat"].to_numpy(float), municipalities["punkt_lon"].to_numpy(float)


def municipality_rows(codes: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each kommunenummer in ``index`` (-1 if unknown); free for typed (categorical) columns."""
    if isinstance(codes.dtype, pd.CategoricalDtype) and list(codes.cat.categories) == list(index):
        return codes.cat.codes.to_numpy(np.int64)
    return index.get_indexer(codes.astype("string"))
