"""The review queue (issue 27): entries businesses sent through a form link, the classifier's suggestions beside
each, and the coordinator's confirmation (accept: a need is created) or rejection; the form links themselves.

Coordinators only, each for their own sub-region (a coordinator of all sub-regions sees all). Every text a business
wrote is shown through ``safe_text.plain``: markup shows as written, never rendered.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from kompilot_data.present.safe_text import plain, plain_lines
from kompilot_data.records import errors, innsending
from kompilot_data.reference import classify_corpus, taxonomy
from kompilot_data.reference.i18n import format_date
from kompilot_data.reference.tables import SUBREGIONS, load_municipalities
from ui.auth import require_coordinator
from ui.cached import engine, files_mode, refresh_data_version, suggestions
from ui.design import show_table
from ui.state import T, language, number

SHOWN = 20
"""Entries shown at once (oldest first); the rest follow when these are handled."""
FLASH_KEY = "_review_message"
TOKEN_KEY = "_review_new_link"


def _guarded(what: str, action):
    try:
        return action()
    except Exception as error:
        st.error(plain(errors.log(error, what, language())), icon=":material/error:")
        return None


def _flash(text: str) -> None:
    st.session_state[FLASH_KEY] = text
    refresh_data_version()
    st.rerun()


def _labels(name: str) -> dict[str, str]:
    return taxonomy.labels(name, language())


@st.cache_data(show_spinner=False)
def _occupations() -> dict[str, str]:
    table = classify_corpus.load_occupations()
    return dict(zip(table["kode"].astype(str), table["navn"], strict=True))


def page() -> None:
    st.title(T("review_title"), anchor=False)
    if files_mode():
        st.info(T("files_mode"))
        st.stop()
    current = require_coordinator()
    if FLASH_KEY in st.session_state:
        st.success(st.session_state.pop(FLASH_KEY), icon=":material/check_circle:")  # our own text
    st.markdown(T("review_intro"))
    waiting = innsending.queue(engine(), current)
    tab_queue, tab_links = st.tabs([T("review_tab_queue", n=len(waiting)), T("review_tab_links")])
    with tab_queue:
        queue_tab(waiting, current)
    with tab_links:
        links_tab(current)


def queue_tab(waiting: pd.DataFrame, current) -> None:
    if waiting.empty:
        st.info(T("review_empty"))
        return
    if len(waiting) > SHOWN:
        st.caption(T("review_more", shown=SHOWN, n=len(waiting)))
    shown = waiting.head(SHOWN)
    with st.spinner(T("review_suggesting")):
        suggested = suggestions(tuple(shown["tekst"]))
    for (_, entry), suggestion in zip(shown.iterrows(), suggested, strict=True):
        with st.container(border=True, key=f"entry_{int(entry['id'])}"):
            entry_card(entry, suggestion, current)


def entry_card(entry: pd.Series, suggestion: dict, current) -> None:
    lang = language()
    entry_id = int(entry["id"])
    names = load_municipalities()["navn"]
    areas = _labels("kompetanseomrade")
    occupations = _occupations()
    st.subheader(f"{plain(entry['virksomhet'])} · {plain(names.get(entry['kommunenummer'], ''))}", anchor=False)
    st.markdown(plain_lines(entry["tekst"]))
    mode = T(f"form_mode_{entry['laeringsform'] or 'none'}")
    st.caption(
        T(
            "review_facts",
            received=format_date(entry["mottatt"], lang),
            employees=number(entry["ansatte"]),
            participants=number(entry["deltakere"]),
            when=T(f"form_when_{entry['naar']}"),
            mode=mode,
            orgnr=entry["orgnr"],
            contact=plain(entry["kontakt_navn"]),
            email=plain(entry["kontakt_epost"]),
            phone=plain(entry["kontakt_telefon"] or "–"),
        )
    )
    suggested_areas = [a["kode"] for a in suggestion["kompetanseomrade"]]
    suggested_jobs = [o["kode"] for o in suggestion["styrk"]]
    if suggested_areas:
        area_text = " · ".join(f"{areas[a['kode']]} ({number(a['score'], 1)})" for a in suggestion["kompetanseomrade"])
        job_text = " · ".join(f"{o['kode']} {o['navn']} ({number(o['score'], 1)})" for o in suggestion["styrk"])
        st.markdown(f"{T('review_suggest_area')}: {plain(area_text)}  \n{T('review_suggest_styrk')}: {plain(job_text)}")
    else:
        st.markdown(T("review_suggest_none"))
    area_codes = list(areas)
    with st.form(f"accept_{entry_id}", border=False, enter_to_submit=False):
        left, right = st.columns(2)
        area = left.selectbox(
            T("review_confirm_area"),
            area_codes,
            index=area_codes.index(suggested_areas[0]) if suggested_areas else None,
            format_func=areas.get,
            key=f"area_{entry_id}",
        )
        jobs = right.multiselect(
            T("review_confirm_styrk"),
            list(occupations),
            default=suggested_jobs[:1],
            max_selections=3,
            format_func=lambda c: f"{c} {occupations[c]}",
            key=f"styrk_{entry_id}",
        )
        left, middle, right = st.columns(3)
        industry = left.selectbox(
            T("review_naering"),
            taxonomy.codes("naering"),
            index=None,
            format_func=_labels("naering").get,
            key=f"naering_{entry_id}",
        )
        level = middle.selectbox(
            T("review_niva"),
            taxonomy.codes("niva"),
            index=None,
            format_func=_labels("niva").get,
            key=f"niva_{entry_id}",
        )
        modes = [None, *taxonomy.codes("laeringsform")]
        mode_labels = _labels("laeringsform")
        learning = right.selectbox(
            T("review_laeringsform"),
            modes,
            index=modes.index(entry["laeringsform"]) if entry["laeringsform"] in modes else 0,
            format_func=lambda c: mode_labels.get(c) if c else T("form_mode_none"),
            key=f"mode_{entry_id}",
        )
        accepted = st.form_submit_button(T("review_accept"), type="primary")
    if accepted:
        if not (area and industry and level):
            st.error(T("review_choose_all"), icon=":material/error:")
        else:
            confirmed = {
                "kompetanseomrade": area,
                "styrk": jobs,
                "naering": industry,
                "niva": level,
                "laeringsform": learning,
            }
            need_id = _guarded(
                "innsending_godta",
                lambda: innsending.accept(engine(), entry_id, confirmed, current.user, current, suggestion),
            )
            if need_id:
                _flash(T("review_accepted", id=need_id, area=areas[area]))
    with st.form(f"reject_{entry_id}", border=False, enter_to_submit=False):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        reason = left.text_input(T("review_reject_reason"), max_chars=innsending.MAX_SHORT, key=f"reason_{entry_id}")
        rejected = right.form_submit_button(T("review_reject"))
    if rejected and _guarded(
        "innsending_avvis", lambda: innsending.reject(engine(), entry_id, reason, current.user, current) or True
    ):
        _flash(T("review_rejected", id=entry_id))


def _form_url(token: str) -> str:
    """The link a business opens: this server's address with ``?skjema=<token>``."""
    try:
        parts = urlsplit(st.context.url or "")
        base = f"{parts.scheme}://{parts.netloc}/" if parts.netloc else "/"
    except Exception:  # no request context
        base = "/"
    return f"{base}?skjema={token}"


def links_tab(current) -> None:
    created = st.session_state.pop(TOKEN_KEY, None)
    if created:
        st.success(T("review_link_created", name=plain(created[0])), icon=":material/link:")
        st.code(_form_url(created[1]), language=None)
        st.caption(T("review_link_once"))
    st.subheader(T("review_link_create_title"), anchor=False)
    with st.form("create_link", border=False, enter_to_submit=False):
        left, right = st.columns(2)
        regions = [current.region] if current.region else list(SUBREGIONS)
        region = left.selectbox(T("review_link_region"), regions, disabled=len(regions) == 1)
        name = right.text_input(T("review_link_name"), max_chars=innsending.MAX_SHORT)
        create = st.form_submit_button(T("review_link_create"), type="primary")
    if create:
        made = _guarded("lenke_opprett", lambda: innsending.create_link(engine(), region, name, current.user, current))
        if made:
            st.session_state[TOKEN_KEY] = (" ".join(name.split()), made[1])
            st.rerun()
    st.subheader(T("review_links_title"), anchor=False)
    table = innsending.links(engine(), current)
    if table.empty:
        st.info(T("review_links_none"))
        return
    lang = language()
    shown = pd.DataFrame(
        {
            T("review_col_name"): table["navn"],
            T("review_col_region"): table["delregion"],
            T("review_col_created"): [format_date(d, lang) for d in table["opprettet"]],
            T("review_col_by"): table["opprettet_av"],
            T("review_col_state"): [
                T("review_link_active") if pd.isna(r) else T("review_link_revoked_on", when=format_date(r, lang))
                for r in table["tilbakekalt"]
            ],
            T("review_col_waiting"): table["venter"].astype(int),
        }
    )
    show_table(shown, hide_index=True, alt=T("review_links_title"))
    active = table[table["tilbakekalt"].isna()]
    if active.empty:
        return
    with st.form("revoke_link", border=False, enter_to_submit=False):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        choice = left.selectbox(
            T("review_link_revoke_choose"),
            active["id"].tolist(),
            index=None,
            format_func=dict(zip(active["id"], active["navn"], strict=True)).get,
        )
        revoke = right.form_submit_button(T("review_link_revoke"))
    if (
        revoke
        and choice is not None
        and _guarded(
            "lenke_tilbakekall", lambda: innsending.revoke_link(engine(), choice, current.user, current) or True
        )
    ):
        _flash(T("review_link_revoked"))
