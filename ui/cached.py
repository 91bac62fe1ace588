"""Cached data: the database, the records at a data version, and what is computed from them.

Every ``st.cache_*`` wrapper lives here (the OWID wizard's ``cached.py`` pattern).
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import TypeVar

import pandas as pd
import streamlit as st

import kompilot_data as kd
from kompilot_data.engine.reach import DEFAULT_REACH, ReachSetting
from kompilot_data.present import briefing as briefings
from kompilot_data.present.briefing_model import Briefing
from kompilot_data.records import beskrivelse, storage
from kompilot_data.reference.regions import Region, resolve_region
from kompilot_data.view import Audience, View, ViewKey
from kompilot_data.view.filters import Filters
from ui.auth import access
from ui.state import current_filters, language

REACH_KEY = "reach_setting"
T = TypeVar("T")

# --- data (cached once per process) ---------------------------------------------------------


def frozen_after(load: Callable[..., T]) -> Callable[..., T]:
    """``load``, followed by moving every object alive then (the modules, the records just read) out of the garbage
    collector's reach (``gc.freeze``), so Streamlit's full collection after each script run
    (``runner.postScriptGC``) no longer walks them. Before a reload the last freeze is undone and collected, so
    what the old records leave is freed rather than kept frozen."""

    @wraps(load)
    def loaded(*args, **kwargs):
        result = load(*args, **kwargs)
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        return result

    return loaded


@st.cache_resource(show_spinner=False)
def engine():
    """The database (SQLite in KOMPILOT_DATA_DIR, or KOMPILOT_DATABASE_URL); seeded with demo data on first start."""
    from kompilot_data.records import doctor

    if doctor.auto_migrate():
        database = storage.make_engine()
    else:  # a deployment: `python -m kompilot_data migrate` ran once before the replicas started
        database = storage.make_engine(migrate=False)
        current, head = doctor.schema_state(database)
        if current != head:
            from ui.state import T

            st.error(T("app_schema_behind", current=current or "–", head=head), icon=":material/database:")
            st.stop()
    storage.seed_demo_if_empty(database)
    return database


def files_mode() -> bool:
    """Read-only mode on files (KOMPILOT_NEEDS_FILE / KOMPILOT_OFFERS_FILE), e.g. for benchmarks."""
    return bool(os.environ.get("KOMPILOT_NEEDS_FILE") or os.environ.get("KOMPILOT_OFFERS_FILE"))


@st.cache_resource(show_spinner=False, max_entries=2)
@frozen_after  # issue 24: the collection after every script run no longer walks the records and the modules
def _records_at(version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    if files_mode():
        return (
            kd.load_needs(os.environ.get("KOMPILOT_NEEDS_FILE") or None),
            kd.load_offers(os.environ.get("KOMPILOT_OFFERS_FILE") or None),
        )
    return storage.read_frame(engine(), "needs"), storage.read_frame(engine(), "offers")


@st.cache_resource(show_spinner=False, max_entries=2)
def _rejected_at(version: int) -> pd.DataFrame:
    """Rejected candidates (brokering) at a data version: the View never proposes them again."""
    if files_mode():
        return pd.DataFrame(columns=["behov_id", "tilbud_id"])
    return storage.rejected_candidates(engine())


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


# --- the view of the data (one per key, shared by every session with the same key) -----------


@st.cache_resource(show_spinner=False, max_entries=32)
def _view(key: ViewKey) -> View:
    """Streamlit hashes the frozen ViewKey (filters, audience, reach, language, data version)."""
    needs, offers = _records_at(key.data_version)
    return View(needs, offers, key, rejected=_rejected_at(key.data_version))


def audience(filters: Filters | None = None) -> Audience:
    """Exact figures for a coordinator who may read every need behind them: one for all sub-regions, or one for a
    sub-region when the selection (``filters``, default the sidebar's) lies inside it. Anyone else, a sub-region's
    coordinator looking at the county or another sub-region included, sees what viewers see: protected figures
    (``Access.sees_exact``, issue 23)."""
    chosen = current_filters() if filters is None else filters
    return Audience.coordinator() if access().sees_exact(chosen.municipality_codes()) else Audience.viewer()


def reach_setting() -> ReachSetting:
    """The reach setting of this session (travel time or straight line, and the limit)."""
    return st.session_state.get(REACH_KEY, DEFAULT_REACH)


def view_key(filters: Filters | None = None) -> ViewKey:
    chosen = current_filters() if filters is None else filters
    return ViewKey(chosen, audience(chosen), reach_setting(), language(), data_version(), today=date.today())


def view(filters: Filters | None = None) -> View:
    """The current view: the filters (or ``filters``), audience, reach setting and language of this session."""
    return _view(view_key(filters))


def region_view(region: Region) -> View:
    """The current view narrowed to ``region`` (the sidebar's place filter replaced by the region), exact or
    protected for the region's selection (:func:`audience`)."""
    key = view_key().for_region(region)
    return _view(key.for_region(region, audience(key.filters)))


def records_view() -> View | None:
    """The view for record-level parts (tables of needs, cards, the Koble tab, downloads of records): the current
    selection narrowed to the needs this user may read (``Access.readable_municipalities``), with exact figures.
    None for a viewer, and when no municipality of the selection is readable."""
    current = access()
    if not current.sees_records:
        return None
    filters = current_filters()
    readable = current.readable_municipalities()
    if readable is not None:
        places = filters.municipality_codes()
        inside = readable if places is None else readable.intersection(places)
        if not inside:
            return None
        filters = filters.with_(kommuner=tuple(sorted(inside)))
    key = ViewKey(filters, Audience.coordinator(), reach_setting(), language(), data_version(), today=date.today())
    return _view(key)


@st.cache_resource(show_spinner=False, max_entries=16)
def _briefing(key: ViewKey, region: Region, since: date | None) -> Briefing:
    return briefings.briefing(_view(key), region, since)


def briefing(region: str | Region, since: date | None = None) -> Briefing:
    """The briefing for ``region`` under the current filters (place filters aside), in the current language,
    its last step counted from ``since`` (the page's ``siden``; default three months back). Built from the region's
    View for viewers (a briefing is handed out), whoever asks."""
    resolved = resolve_region(region)
    return _briefing(view_key().for_region(resolved, Audience.viewer()), resolved, since)


def records_source() -> str:
    """Source line for figures built on the filtered needs and offers (demo or registered, with years)."""
    return view().records_source()


def prepared_upload(data: bytes, filename: str, kind: str | None, accepted: dict[int, str] | None = None):
    """An uploaded file read and checked once, not again on every rerun of the page; ``accepted``: areas accepted
    from a ``beskrivelse`` column (issue 27, :mod:`kompilot_data.records.beskrivelse`)."""
    key = (hashlib.sha256(data).hexdigest(), filename, kind, tuple(sorted((accepted or {}).items())))
    if st.session_state.get("_upload_key") != key:
        st.session_state["_upload_key"] = key
        st.session_state["_upload_prepared"] = beskrivelse.prepare(data, filename, kind, accepted)
    return st.session_state["_upload_prepared"]


# --- suggestions from free text (issue 27) ----------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=1000)
def suggestions(texts: tuple[str, ...]) -> list[dict]:
    """The classifier's suggestions for need texts (:meth:`Suggestion.as_dict`), computed once per text set."""
    from kompilot_data.engine import classify

    return [s.as_dict() for s in classify.suggest_many(texts)]


@st.cache_resource(show_spinner=False, max_entries=2)
def _confirmed_at(version: int) -> pd.DataFrame:
    from kompilot_data.records import innsending

    return innsending.confirmed_labels(engine())[["behov_id", "styrk"]]


def confirmed_occupations() -> pd.DataFrame:
    """``behov_id``/``styrk`` of needs whose STYRK-08 occupations a coordinator confirmed (issue 27)."""
    return _confirmed_at(data_version())
