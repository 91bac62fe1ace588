"""Kompetansepilot Trøndelag – entry point: page registry, shared filters, language."""

import streamlit as st

import ui
import ui.business_form

st.set_page_config(page_title="Kompetansepilot Trøndelag", page_icon="🎓", layout="wide")

PAGES = {
    "nav_group_overview": [("app_pages/oversikt.py", "nav_overview", "oversikt", ":material/dashboard:", True)],
    "nav_group_explore": [
        ("app_pages/kart.py", "nav_map", "kart", ":material/map:", False),
        ("app_pages/behov.py", "nav_needs", "behov", ":material/work:", False),
        ("app_pages/tilbud.py", "nav_offers", "tilbud", ":material/school:", False),
    ],
    "nav_group_analysis": [
        ("app_pages/mismatch.py", "nav_mismatch", "mismatch", ":material/compare_arrows:", False),
        ("app_pages/region.py", "nav_region", "region", ":material/location_city:", False),
    ],
    "nav_group_present": [
        ("app_pages/presentasjon.py", "nav_present", "presentasjon", ":material/slideshow:", False),
    ],
    "nav_group_about": [
        ("app_pages/data.py", "nav_data", "data", ":material/database:", False),
        ("app_pages/innsendinger.py", "nav_review", "innsendinger", ":material/inbox:", False),
        ("app_pages/om_data.py", "nav_about", "om-data", ":material/info:", False),
        ("app_pages/tilgjengelighet.py", "nav_accessibility", "tilgjengelighet", ":material/accessibility:", False),
    ],
}

# The language is known before the menu is built, so the menu is in the right language.
if "language" not in st.session_state:
    lang = st.query_params.get("lang", "nb")
    st.session_state["language"] = lang if lang in ("nb", "en") else "nb"
if ui.business_form.form_link_opened():  # a business's form link (issue 27): the form alone, nothing else of the app
    ui.business_form.run_form_only()

# The menu is drawn by ui.sidebar_navigation (links under group headings): Streamlit's sectioned menu is not a
# valid list for screen readers.
groups = {
    ui.T(group): [
        st.Page(path, title=ui.T(title), url_path=url, icon=icon, default=default)
        for path, title, url, icon, default in pages
    ]
    for group, pages in PAGES.items()
}
navigation = st.navigation(groups, position="hidden")
# Each page has its own title in the browser tab and for screen readers (WCAG 2.4.2).
st.set_page_config(page_title=f"{navigation.title} – {ui.T('app_title')}")
ui.page_style()
ui.localise_streamlit()
ui.sync_from_url(navigation.url_path)
ui.access()  # a configuration error stops the app here, before the database is opened
ui.refresh_data_version()
if st.query_params.get("present") == "1" and navigation.url_path != "presentasjon":
    # ?present=1 on any page opens the presentation with the same filters.
    kept = {key: st.query_params.get_all(key) for key in st.query_params.keys() if key != "present"}  # noqa: SIM118
    st.switch_page("app_pages/presentasjon.py", query_params=kept)
ui.sidebar_navigation(groups)
ui.sidebar_access()
ui.sidebar_filters()
ui.write_url()
navigation.run()
