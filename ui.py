"""Streamlit glue for the kompilot pages: caching, shared filters bound to the URL, language, captions.

All ``st.cache_*`` wrappers and session-state handling live here; pages only
compose widgets and call figure builders from ``kompilot_data.figures``.
"""

from __future__ import annotations

import io
import os
from datetime import date
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

import kompilot_data as kd
from kompilot_data import access as access_rules
from kompilot_data import i18n, indicators, mismatch, storage, taxonomy
from kompilot_data.filters import QUERY_KEYS, Filters

FILTER_FIELDS = tuple(QUERY_KEYS)
WIDGET_KEY = {field: f"filter_{field}" for field in FILTER_FIELDS}
LANGUAGE_KEY = "language"
PAGE_PARAMS_KEY = "_page_params"


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
    return mismatch.needs_matched_share(needs, _supply(query_key), reach=_reach(query_key, mismatch.DEFAULT_RADIUS_KM))


@st.cache_resource(show_spinner=False, max_entries=32)
def _reach(query_key: str, radius_km: float) -> mismatch.Reach:
    return mismatch.compute_reach(mismatch.active_offers(_supply(query_key)), radius_km)


@st.cache_resource(show_spinner=False, max_entries=16)
def _candidates(query_key: str, radius_km: float) -> pd.DataFrame:
    from kompilot_data import matching

    needs, _ = _filtered(query_key)
    reach = _reach(query_key, radius_km)
    return matching.rank_candidates(needs, _supply(query_key), top=5, radius_km=radius_km, reach=reach)


@st.cache_resource(show_spinner=False, max_entries=16)
def _opportunities(query_key: str, radius_km: float, min_class: int, language: str) -> pd.DataFrame:
    from kompilot_data import pooling

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
    from kompilot_data.briefing import build_briefing

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
    from kompilot_data.figures import records_source as line

    needs, offers = filtered()
    return line(language(), needs, offers)


def supply() -> pd.DataFrame:
    """Offers that may serve the filtered needs: the filter without its place part (reach decides)."""
    return _supply(_key(current_filters()))


def municipality_table(radius_km: float = mismatch.DEFAULT_RADIUS_KM) -> pd.DataFrame:
    return _municipality_table(_key(current_filters()), radius_km)


def matched_share() -> float:
    return _matched_share(_key(current_filters()))


def briefing(region: str):
    """The briefing for ``region`` under the current filters (place filters aside), in the current language."""
    return _briefing(_key(current_filters()), region, language())


def briefing_downloads(region: str, key: str) -> None:
    """One-click PowerPoint and standalone HTML for ``region``; the briefing is built only when clicked."""
    import tempfile
    from pathlib import Path

    from kompilot_data.briefing import file_stem, write_html, write_pptx

    def made(writer, suffix: str) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            return writer(briefing(region), Path(folder) / f"briefing{suffix}").read_bytes()

    name = region if region in kd.SUBREGIONS else str(kd.load_municipalities().at[region, "navn"])
    stem = file_stem(name, "briefing", date.today())
    download_buttons(
        [
            (T("download_pptx"), lambda: made(write_pptx, ".pptx"), f"{stem}.pptx", PPTX),
            (T("download_html"), lambda: made(write_html, ".html"), f"{stem}.html", "text/html"),
        ],
        key=key,
    )


def reach(radius_km: float) -> mismatch.Reach:
    """Reach of the filtered active offers (cached per filter and radius)."""
    return _reach(_key(current_filters()), float(radius_km))


def candidates(radius_km: float) -> pd.DataFrame:
    """Top-5 candidate offers for every open need in the filter."""
    return _candidates(_key(current_filters()), float(radius_km))


def opportunities(radius_km: float, min_class: int) -> pd.DataFrame:
    """Course opportunities pooled from uncovered needs in the filter."""
    return _opportunities(_key(current_filters()), float(radius_km), int(min_class), language())


# --- access -----------------------------------------------------------------------------------


def _secrets_section(name: str) -> dict:
    try:
        return dict(st.secrets.get(name, {}))
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


def access() -> access_rules.Access:
    """The current user's role: local single-user mode without login, else by the allow-list in secrets."""
    login_configured = bool(_secrets_section("auth"))
    coordinators = _secrets_section("kompilot").get("koordinatorer", {})
    user = st.user
    logged_in = bool(user.get("is_logged_in", False)) if login_configured else False
    return access_rules.resolve_access(login_configured, logged_in, user.get("email"), dict(coordinators))


def prepared_upload(data: bytes, filename: str, kind: str | None):
    """An uploaded file read and checked once, not again on every rerun of the page."""
    import hashlib

    from kompilot_data.importer import prepare_file

    key = (hashlib.sha256(data).hexdigest(), filename, kind)
    if st.session_state.get("_upload_key") != key:
        st.session_state["_upload_key"] = key
        st.session_state["_upload_prepared"] = prepare_file(data, filename, kind)
    return st.session_state["_upload_prepared"]


def min_businesses() -> int:
    """0 for coordinators; for viewers, cells built on fewer businesses are suppressed."""
    return 0 if access().sees_records else access_rules.MIN_BUSINESSES


def require_coordinator() -> access_rules.Access:
    """Stop the page with a clear message unless the user is a coordinator."""
    current = access()
    if not current.can_edit:
        st.info(T("coordinators_only"))
        st.stop()
    return current


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
    st.session_state[PAGE_PARAMS_KEY] = {k: v for k, v in state.items() if k not in QUERY_KEYS.values() and k != "lang"}


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
    refresh_data_version()


def current_filters() -> Filters:
    values = {}
    for field in FILTER_FIELDS:
        value = st.session_state.get(WIDGET_KEY[field])
        if field in ("fra", "til"):
            values[field] = value or None
        else:
            values[field] = tuple(value or ())
    return Filters(**values)


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
    for field in FILTER_FIELDS:
        st.session_state[WIDGET_KEY[field]] = None if field in ("fra", "til") else []


def toggle_municipality(code: str) -> None:
    """Map click: filter on the municipality, or remove it if it is already the filter."""
    key = WIDGET_KEY["kommuner"]
    st.session_state[key] = [] if st.session_state.get(key) == [code] else [code]


def sidebar_access() -> None:
    """Who is using the app: local mode, log-in button, or the logged-in user and role."""
    current = access()
    with st.sidebar:
        if current.mode == "lokal":
            st.caption(T("local_mode"))
        elif current.mode == "anonym":
            st.caption(T("viewer_mode"))
            st.button(T("login"), on_click=st.login, width="stretch")
        else:
            role = T("role_coordinator") if current.can_edit else T("role_viewer")
            region = f" ({current.region})" if current.region else ""
            st.caption(f"{T('logged_in_as')} {current.user} · {role}{region}")
            st.button(T("logout"), on_click=st.logout, width="stretch")


def sidebar_filters() -> None:
    lang = language()
    with st.sidebar:
        st.radio(
            T("language"),
            list(i18n.LANGUAGE_NAMES),
            key=LANGUAGE_KEY,
            horizontal=True,
            format_func=i18n.LANGUAGE_NAMES.get,
        )
        st.header(T("filters"))
        municipalities = kd.load_municipalities()
        st.multiselect(
            T("filter_region"), list(kd.SUBREGIONS), key=WIDGET_KEY["delregioner"], placeholder=T("filter_all")
        )
        st.multiselect(
            T("filter_municipality"),
            list(municipalities.index),
            key=WIDGET_KEY["kommuner"],
            format_func=lambda code: f"{municipalities.at[code, 'navn']} ({code})",
            placeholder=T("filter_all"),
        )
        for field, name, label in [
            ("omrader", "kompetanseomrade", "filter_area"),
            ("nivaer", "niva", "filter_level"),
            ("former", "laeringsform", "filter_mode"),
            ("statuser", "behov_status", "filter_status"),
        ]:
            labels = taxonomy.labels(name, lang)
            st.multiselect(
                T(label), list(labels), key=WIDGET_KEY[field], format_func=labels.get, placeholder=T("filter_all")
            )
        st.caption(T("filter_period"))
        fmt = "DD.MM.YYYY" if lang == "nb" else "YYYY-MM-DD"
        for column, field, label in zip(st.columns(2), ("fra", "til"), ("filter_from", "filter_to"), strict=True):
            column.date_input(
                T(label),
                key=WIDGET_KEY[field],
                value=None,
                format=fmt,
                min_value=date(2015, 1, 1),
                max_value=date(2035, 12, 31),
            )
        st.button(T("filter_reset"), on_click=reset_filters, width="stretch")
        st.caption(T("filter_link_help"))


def describe_filters() -> str:
    filters = current_filters()
    if filters.is_empty():
        return T("no_filters")
    lang = language()
    municipalities = kd.load_municipalities()
    parts = list(filters.delregioner)
    parts += [municipalities.at[c, "navn"] for c in filters.kommuner]
    for field, name in [
        ("omrader", "kompetanseomrade"),
        ("nivaer", "niva"),
        ("former", "laeringsform"),
        ("statuser", "behov_status"),
    ]:
        labels = taxonomy.labels(name, lang)
        parts += [labels[c] for c in getattr(filters, field)]
    if filters.fra or filters.til:
        parts.append(f"{i18n.format_date(filters.fra, lang)} – {i18n.format_date(filters.til, lang)}")
    return " · ".join(parts)


# --- page furniture ---------------------------------------------------------------------------


def page_header(title_key: str, intro_key: str | None = None) -> None:
    st.title(T(title_key))
    if is_demo():
        st.warning(T("demo_badge"), icon=":material/science:")
    st.caption(f"{T('active_filters')}: {describe_filters()}")
    if intro_key:
        st.markdown(T(intro_key))


def figure(fig, key: str | None = None, filename: str | None = None, **kwargs):
    """Show a plotly figure; the mode bar saves a PNG at presentation resolution named region_indicator_date."""
    if filename is None:
        filters = current_filters()
        place = (filters.kommuner or filters.delregioner or ("trondelag",))[0]
        from kompilot_data.briefing import file_stem

        place = kd.load_municipalities()["navn"].get(place, place)
        filename = file_stem(str(place), key or "figur", date.today())
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "width": 1600, "height": 900, "scale": 1, "filename": filename},
    }
    # theme=None: the figure looks as designed (and as in exported PNGs and briefings).
    return st.plotly_chart(fig, key=key, config=config, theme=None, **kwargs)


def excel_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM: opens correctly in Norwegian Excel."""
    return frame.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def download_buttons(files: list[tuple[str, object, str, str]], key: str) -> None:
    """Side-by-side download buttons for ``(label, make_bytes, file_name, mime)``; files are made when clicked."""
    for column, (label, make, file_name, mime) in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            label,
            make,
            file_name,
            mime,
            width="stretch",
            on_click="ignore",
            key=f"{key}_{file_name.rsplit('.', 1)[-1]}",
        )


def downloads(frame: pd.DataFrame, name: str) -> None:
    """CSV and Excel download buttons for ``frame`` (cells neutralised against formula injection)."""
    from kompilot_data.importer import neutralise

    safe = frame.map(neutralise)
    download_buttons(
        [
            (T("download_csv"), lambda: csv_bytes(safe), f"{name}.csv", "text/csv"),
            (T("download_excel"), lambda: excel_bytes(safe), f"{name}.xlsx", XLSX),
        ],
        key=name,
    )


def selectable_table(frame: pd.DataFrame, key: str, height: int = 380) -> int | None:
    """A table where one row can be selected; returns the selected position or None."""
    event = st.dataframe(
        frame, width="stretch", hide_index=True, on_select="rerun", selection_mode="single-row", key=key, height=height
    )
    rows = event.selection.rows if event else []
    return rows[0] if rows else None


def record_table(frame: pd.DataFrame, key: str, download_name: str) -> None:
    """Records with a details panel for the selected row, and downloads."""
    position = selectable_table(frame, key)
    if position is None:
        st.caption(T("select_row_help"))
    else:
        st.subheader(T("details"))
        st.json(frame.iloc[position].astype(str).to_dict(), expanded=True)
    downloads(frame, download_name)


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Replace codes by labels in the current language (for tables and downloads)."""
    lang = language()
    out = frame.copy()
    for column, name in [
        ("kompetanseomrade", "kompetanseomrade"),
        ("niva", "niva"),
        ("laeringsform", "laeringsform"),
        ("naering", "naering"),
        ("storrelse", "storrelse"),
        ("kilde", "behov_kilde"),
    ]:
        if column in out:
            out[column] = out[column].astype("string").map(taxonomy.labels(name, lang))
    if "status" in out:
        name = "behov_status" if "behov_id" in out else "tilbud_status"
        out["status"] = out["status"].astype("string").map(taxonomy.labels(name, lang))
    if "kommunenummer" in out:
        names = kd.load_municipalities()["navn"]
        out.insert(out.columns.get_loc("kommunenummer") + 1, "kommune", out["kommunenummer"].map(names))
    return out
