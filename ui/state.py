"""Session state and the URL: language, the shared filters and page parameters, bound to the query string."""

from __future__ import annotations

import streamlit as st

from kompilot_data.reference import i18n
from kompilot_data.view.filters import FILTER_SPECS, Filters

FILTER_FIELDS = tuple(spec.field for spec in FILTER_SPECS)
FILTER_URL_KEYS = frozenset(spec.key for spec in FILTER_SPECS)
WIDGET_KEY = {field: f"filter_{field}" for field in FILTER_FIELDS}
LANGUAGE_KEY = "language"
PAGE_PARAMS_KEY = "_page_params"

# --- language ---------------------------------------------------------------------------------


def language() -> str:
    return st.session_state.get(LANGUAGE_KEY, i18n.DEFAULT_LANGUAGE)


def T(key: str, **values) -> str:
    return i18n.t(key, language(), **values)


def number(value, decimals: int = 0) -> str:
    return i18n.format_number(value, language(), decimals)


def percent(value, decimals: int = 0) -> str:
    return i18n.format_percent(value, language(), decimals)


# --- filters bound to the URL -----------------------------------------------------------------


def _url_state() -> dict[str, list[str]]:
    params = st.query_params
    return {key: params.get_all(key) for key in params.keys()}  # noqa: SIM118 - QueryParamsProxy


def _apply_url(state: dict[str, list[str]]) -> None:
    filters = Filters.from_query(state)
    for field in FILTER_FIELDS:
        value = getattr(filters, field)
        st.session_state[WIDGET_KEY[field]] = list(value) if isinstance(value, tuple) else value
    lang = (state.get("lang") or [i18n.DEFAULT_LANGUAGE])[0]
    st.session_state[LANGUAGE_KEY] = lang if lang in i18n.LANGUAGE_NAMES else i18n.DEFAULT_LANGUAGE
    st.session_state[PAGE_PARAMS_KEY] = {k: v for k, v in state.items() if k not in FILTER_URL_KEYS and k != "lang"}


def sync_from_url(page: str) -> None:
    """Before widgets render: take the filters from the URL on first load and when the user
    changed the URL (typed it, pressed back). A page switch from the menu drops the query
    string; then the session's filters stay and are written back to the URL."""
    state = _url_state()
    last_state = st.session_state.get("_last_url_state")
    last_page = st.session_state.get("_last_page")
    if last_state is None:
        _apply_url(state)
    elif state != last_state:
        switched_page_without_query = page != last_page and not state
        if not switched_page_without_query:
            _apply_url(state)
    st.session_state["_last_page"] = page


def current_filters() -> Filters:
    """The filters the sidebar widgets hold (unknown values dropped, codes in display order)."""
    return Filters.cleaned(**{field: st.session_state.get(WIDGET_KEY[field]) for field in FILTER_FIELDS})


def page_param(name: str, default: str | None = None) -> str | None:
    """A page-specific URL parameter (e.g. the map's indicator)."""
    values = st.session_state.get(PAGE_PARAMS_KEY, {}).get(name)
    return values[0] if values else default


def set_page_param(name: str, value: str | None) -> None:
    params = dict(st.session_state.get(PAGE_PARAMS_KEY, {}))
    if value is None:
        params.pop(name, None)
    else:
        params[name] = [value]
    st.session_state[PAGE_PARAMS_KEY] = params
    write_url()


def write_url() -> None:
    """Write filters, language and page parameters to the URL (only when they changed)."""
    state: dict[str, list[str]] = {}
    for key, value in current_filters().to_query().items():
        state[key] = value if isinstance(value, list) else [value]
    if language() != i18n.DEFAULT_LANGUAGE:
        state["lang"] = [language()]
    state.update(st.session_state.get(PAGE_PARAMS_KEY, {}))
    if state != _url_state():
        st.query_params.from_dict(state)
    st.session_state["_last_url_state"] = state


def reset_filters() -> None:
    """Every filter back to "all" (the widgets' values of an empty :class:`Filters`)."""
    empty = Filters()
    for field in FILTER_FIELDS:
        value = getattr(empty, field)
        st.session_state[WIDGET_KEY[field]] = list(value) if isinstance(value, tuple) else value


def toggle_municipality(code: str) -> None:
    """Map click: filter on the municipality, or remove it if it is already the filter."""
    key = WIDGET_KEY["kommuner"]
    st.session_state[key] = [] if st.session_state.get(key) == [code] else [code]


def describe_filters() -> str:
    """The active filters as one line in the current language (see :meth:`Filters.describe`)."""
    return current_filters().describe(language())
