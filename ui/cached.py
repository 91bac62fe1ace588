"""Cached data: the database, the records at a data version, and what is computed from them.

Every ``st.cache_*`` wrapper lives here (the OWID wizard's ``cached.py`` pattern).
"""

from __future__ import annotations

import os
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

import kompilot_data as kd
from kompilot_data.engine import indicators
from kompilot_data.engine.reach import DEFAULT_RADIUS_KM, Reach, active_offers, compute_reach
from kompilot_data.engine.supply import needs_matched_share
from kompilot_data.filters import Filters
from kompilot_data.records import storage
from ui.state import current_filters, language

# --- data (cached once per process) ---------------------------------------------------------


@st.cache_resource(show_spinner=False)
def engine():
    """The database (SQLite in KOMPILOT_DATA_DIR, or KOMPILOT_DATABASE_URL); seeded with demo data on first start."""
    database = storage.make_engine()
    storage.seed_demo_if_empty(database)
    return database


def files_mode() -> bool:
    """Read-only mode on files (KOMPILOT_NEEDS_FILE / KOMPILOT_OFFERS_FILE), e.g. for benchmarks."""
    return bool(os.environ.get("KOMPILOT_NEEDS_FILE") or os.environ.get("KOMPILOT_OFFERS_FILE"))


@st.cache_resource(show_spinner=False, max_entries=2)
def _records_at(version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    if files_mode():
        return (
            kd.load_needs(os.environ.get("KOMPILOT_NEEDS_FILE") or None),
            kd.load_offers(os.environ.get("KOMPILOT_OFFERS_FILE") or None),
        )
    return storage.read_frame(engine(), "needs"), storage.read_frame(engine(), "offers")


def data_version() -> int:
    """Changes whenever a record changes; read once per script run (see sync_from_url)."""
    if files_mode():
        return 0
    if "_data_version" not in st.session_state:
        refresh_data_version()
    return st.session_state["_data_version"]


def refresh_data_version() -> None:
    st.session_state["_data_version"] = 0 if files_mode() else storage.data_version(engine())


def _records() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _records_at(data_version())


def all_needs() -> pd.DataFrame:
    return _records()[0]


def all_offers() -> pd.DataFrame:
    return _records()[1]


def is_demo() -> bool:
    needs, offers = _records()
    return bool(needs["demo"].any() or offers["demo"].any())


@st.cache_resource(show_spinner=False, max_entries=64)
def _filtered(query_key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    filters = _filters_from_key(query_key)
    return kd.filter_needs(all_needs(), filters), kd.filter_offers(all_offers(), filters)


@st.cache_resource(show_spinner=False, max_entries=64)
def _supply(query_key: str) -> pd.DataFrame:
    """Offers under the filter except the place filters: reach decides which places count."""
    filters = _filters_from_key(query_key).with_(delregioner=(), kommuner=())
    return kd.filter_offers(all_offers(), filters)


@st.cache_resource(show_spinner=False, max_entries=64)
def _municipality_table(query_key: str, radius_km: float) -> pd.DataFrame:
    needs, _ = _filtered(query_key)
    return indicators.municipality_table(needs, _supply(query_key), radius_km, reach=_reach(query_key, radius_km))


@st.cache_resource(show_spinner=False, max_entries=64)
def _matched_share(query_key: str) -> float:
    needs, _ = _filtered(query_key)
    return needs_matched_share(needs, _supply(query_key), reach=_reach(query_key, DEFAULT_RADIUS_KM))


@st.cache_resource(show_spinner=False, max_entries=32)
def _reach(query_key: str, radius_km: float) -> Reach:
    return compute_reach(active_offers(_supply(query_key)), radius_km=radius_km)


@st.cache_resource(show_spinner=False, max_entries=16)
def _candidates(query_key: str, radius_km: float) -> pd.DataFrame:
    from kompilot_data.engine import matching

    needs, _ = _filtered(query_key)
    reach = _reach(query_key, radius_km)
    return matching.rank_candidates(needs, _supply(query_key), top=5, radius_km=radius_km, reach=reach)


@st.cache_resource(show_spinner=False, max_entries=16)
def _opportunities(query_key: str, radius_km: float, min_class: int, language: str) -> pd.DataFrame:
    from kompilot_data.engine import pooling

    needs, _ = _filtered(query_key)
    return pooling.course_opportunities(
        needs,
        _supply(query_key),
        radius_km=radius_km,
        min_class=min_class,
        reach=_reach(query_key, radius_km),
        language=language,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _briefing(query_key: str, region: str, language: str):
    from kompilot_data.present.briefing import build_briefing

    filters = _filters_from_key(query_key).with_(delregioner=(), kommuner=())
    needs = kd.filter_needs(all_needs(), filters)
    return build_briefing(region, needs, _supply(query_key), language=language)


def _filters_from_key(query_key: str) -> Filters:
    from urllib.parse import parse_qs

    return Filters.from_query(parse_qs(query_key))


def _key(filters: Filters) -> str:
    """Cache key: the filters and the data version (so an import or edit shows at once)."""
    return urlencode([*sorted(filters.to_query().items()), ("_versjon", data_version())], doseq=True)


def filtered() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Needs and offers under the current shared filters."""
    return _filtered(_key(current_filters()))


def records_source() -> str:
    """Source line for figures built on the filtered needs and offers (demo or registered, with years)."""
    from kompilot_data.present.figures import records_source as line

    needs, offers = filtered()
    return line(language(), needs, offers)


def supply() -> pd.DataFrame:
    """Offers that may serve the filtered needs: the filter without its place part (reach decides)."""
    return _supply(_key(current_filters()))


def municipality_table(radius_km: float = DEFAULT_RADIUS_KM) -> pd.DataFrame:
    return _municipality_table(_key(current_filters()), radius_km)


def matched_share() -> float:
    return _matched_share(_key(current_filters()))


def briefing(region: str):
    """The briefing for ``region`` under the current filters (place filters aside), in the current language."""
    return _briefing(_key(current_filters()), region, language())


def reach(radius_km: float) -> Reach:
    """Reach of the filtered active offers (cached per filter and radius)."""
    return _reach(_key(current_filters()), float(radius_km))


def candidates(radius_km: float) -> pd.DataFrame:
    """Top-5 candidate offers for every open need in the filter."""
    return _candidates(_key(current_filters()), float(radius_km))


def opportunities(radius_km: float, min_class: int) -> pd.DataFrame:
    """Course opportunities pooled from uncovered needs in the filter."""
    return _opportunities(_key(current_filters()), float(radius_km), int(min_class), language())


def prepared_upload(data: bytes, filename: str, kind: str | None):
    """An uploaded file read and checked once, not again on every rerun of the page."""
    import hashlib

    from kompilot_data.records.importer import prepare_file

    key = (hashlib.sha256(data).hexdigest(), filename, kind)
    if st.session_state.get("_upload_key") != key:
        st.session_state["_upload_key"] = key
        st.session_state["_upload_prepared"] = prepare_file(data, filename, kind)
    return st.session_state["_upload_prepared"]
