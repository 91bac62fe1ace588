"""The business form (issue 27): what ``?skjema=<token>`` opens, without login and without the rest of the app.

:func:`run_form_only` is called by ``app.py`` before anything else of the app is built: the navigation then holds
the form page alone (no menu, no filters, no data, no access decision), so nothing else is reachable through a form
link. The page (``app_pages/skjema.py``) calls :func:`form`.
"""

from __future__ import annotations

import streamlit as st

from kompilot_data.present.safe_text import plain
from kompilot_data.records import innsending
from kompilot_data.records.access import region_municipalities
from kompilot_data.reference import i18n
from kompilot_data.reference.tables import load_municipalities
from ui.cached import engine
from ui.design import localise_streamlit, page_style
from ui.state import LANGUAGE_KEY, T, language

FORM_PARAM = "skjema"
SENT_KEY = "_form_sent"
FORM_STYLE = '<style>[data-testid="stMainBlockContainer"] { max-width: 48rem; }</style>'
"""A form reads best in one narrow column, also on a wide screen."""


def form_link_opened() -> bool:
    """Whether this request opened a form link (``?skjema=…``)."""
    return FORM_PARAM in st.query_params


def run_form_only() -> None:
    """Run the form as the only page, then stop the script (nothing else of the app runs)."""
    page = st.Page("app_pages/skjema.py", title=T("form_page_title"), url_path="skjema", default=True)
    navigation = st.navigation([page], position="hidden")
    st.set_page_config(page_title=f"{T('form_page_title')} – {T('app_title')}")
    page_style()
    st.html(FORM_STYLE)
    localise_streamlit()
    navigation.run()
    st.stop()


def _language_switch() -> None:
    names = list(i18n.LANGUAGE_NAMES)
    choice = st.segmented_control(
        T("form_language"),
        names,
        default=language(),
        format_func=lambda code: i18n.LANGUAGE_NAMES[code],
        key="form_language",
        label_visibility="collapsed",
    )
    if choice and choice != language():
        st.session_state[LANGUAGE_KEY] = choice
        st.rerun()


def _refused(error: innsending.FormRefused) -> None:
    """The refusal in the user's language: each problem of an entry on its own line."""
    problems = error.problems(language())
    if problems:
        listed = "\n".join(f"- {plain(problem)}" for problem in problems)
        st.error(f"{T('form_not_saved')}\n\n{listed}", icon=":material/block:")
    else:
        st.error(plain(error.message(language())), icon=":material/block:")


def form() -> None:
    """The form for the link in the URL; a clear refusal for an unknown or revoked link."""
    _language_switch()
    token = st.query_params.get(FORM_PARAM, "")
    st.title(T("form_page_title"), anchor=False)
    try:
        link = innsending.open_link(engine(), token)
    except innsending.FormRefused as error:
        _refused(error)
        st.stop()
    region = link.delregion
    st.markdown(T("form_intro", region=plain(region)))
    if st.session_state.get(SENT_KEY) == token:
        st.success(T("form_thanks", region=plain(region)), icon=":material/check_circle:")
        if st.button(T("form_another")):
            st.session_state.pop(SENT_KEY, None)
            st.rerun()
        st.stop()
    municipalities = load_municipalities()
    places = sorted(region_municipalities(region), key=lambda code: municipalities.at[code, "navn"])
    modes = [None, *innsending.MODES]
    with st.form("business_form", enter_to_submit=False, border=False):
        st.subheader(T("form_section_need"), anchor=False)
        text = st.text_area(
            T("form_field_tekst"), max_chars=innsending.MAX_TEXT, help=T("form_help_tekst", most=innsending.MAX_TEXT)
        )
        left, right = st.columns(2)
        participants = left.number_input(T("form_field_deltakere"), min_value=1, max_value=100_000, value=None, step=1)
        when = right.selectbox(T("form_field_naar"), list(innsending.WHEN), format_func=lambda c: T(f"form_when_{c}"))
        mode = st.radio(T("form_field_laeringsform"), modes, format_func=lambda c: T(f"form_mode_{c or 'none'}"))
        st.subheader(T("form_section_business"), anchor=False)
        business = st.text_input(T("form_field_virksomhet"), max_chars=innsending.MAX_SHORT)
        left, right = st.columns(2)
        orgnr = left.text_input(T("form_field_orgnr"), max_chars=11)
        place = right.selectbox(
            T("form_field_kommunenummer"), places, index=None, format_func=lambda c: municipalities.at[c, "navn"]
        )
        employees = st.number_input(
            T("form_field_ansatte"), min_value=1, max_value=innsending.MAX_EMPLOYEES, value=None, step=1
        )
        st.subheader(T("form_section_contact"), anchor=False)
        name = st.text_input(T("form_field_kontakt_navn"), max_chars=innsending.MAX_SHORT)
        left, right = st.columns(2)
        email = left.text_input(T("form_field_kontakt_epost"), max_chars=innsending.MAX_SHORT)
        phone = right.text_input(T("form_field_kontakt_telefon"), max_chars=20)
        consent_text = T("form_consent_text", region=plain(region))
        st.markdown(consent_text)
        consent = st.checkbox(T("form_consent_check"))
        sent = st.form_submit_button(T("form_submit"), type="primary")
    if not sent:
        return
    entry = {
        "tekst": text,
        "ansatte": "" if employees is None else str(int(employees)),
        "deltakere": "" if participants is None else str(int(participants)),
        "kommunenummer": place or "",
        "naar": when,
        "laeringsform": mode,
        "orgnr": orgnr,
        "virksomhet": business,
        "kontakt_navn": name,
        "kontakt_epost": email,
        "kontakt_telefon": phone,
        "samtykke": consent_text if consent else "",
    }
    try:
        innsending.submit(engine(), token, entry)
    except innsending.FormRefused as error:
        _refused(error)
        return
    st.session_state[SENT_KEY] = token
    st.rerun()
