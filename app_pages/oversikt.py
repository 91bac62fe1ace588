import streamlit as st

import ui
from kompilot_data.present import figures
from kompilot_data.reference import source_line

ui.page_header("overview_title", "overview_intro")
view = ui.view()
lang = view.language
source = view.records_source()

columns = st.columns(5)
columns[0].metric(ui.T("kpi_businesses"), ui.protected(view.total("bedrifter")))
columns[1].metric(ui.T("kpi_needs"), ui.protected(view.total("behov")))
columns[2].metric(ui.T("kpi_participants"), ui.protected(view.total("deltakere")))
columns[3].metric(ui.T("kpi_offers"), ui.number(len(view.offers)))
columns[4].metric(ui.T("kpi_matched"), ui.protected(view.matched_share, percent=True), help=ui.T("kpi_matched_help"))
st.caption(source)

if view.needs.empty:
    st.info(ui.T("no_data"))
    st.stop()

st.subheader(ui.T("per_subregion"))
ui.figure(
    figures.small_multiple_figures(view.counts(("delregion", "kompetanseomrade"), "deltakere"), lang, source),
    key="smamultipler",
)

left, right = st.columns(2)
with left:
    st.subheader(ui.T("pipeline_by_region"))
    ui.figure(figures.funnel_by_region(view.pipeline("delregion"), lang, source), key="trakt")
with right:
    st.subheader(ui.T("pipeline_over_time"))
    ui.figure(figures.monthly_status(view.counts(("maaned", "status"), "behov"), lang, source), key="maaned")

st.subheader(ui.T("centrality_title"))
st.caption(ui.T("centrality_intro"))
setting = view.key.reach
ui.figure(
    figures.centrality_access(view.centrality_table, lang, source, setting.limit, setting.unit),
    key="sentralitet",
)

st.subheader(ui.T("pipeline_by_source"))
ui.figure(figures.pipeline_by_source(view.pipeline("kilde"), lang, source), key="arbeidsmaater")
st.caption(source_line("delregioner", lang))
