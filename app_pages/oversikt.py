import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data import figures

ui.page_header("overview_title", "overview_intro")
needs, offers = ui.filtered()
lang = ui.language()

columns = st.columns(5)
columns[0].metric(ui.T("kpi_businesses"), ui.number(needs["bedrift_id"].nunique()))
columns[1].metric(ui.T("kpi_needs"), ui.number(len(needs)))
columns[2].metric(ui.T("kpi_participants"), ui.number(needs["antall_deltakere"].sum()))
columns[3].metric(ui.T("kpi_offers"), ui.number(len(offers)))
columns[4].metric(ui.T("kpi_matched"), ui.percent(ui.matched_share()), help=ui.T("kpi_matched_help"))
st.caption(figures.demo_source(lang))

if needs.empty:
    st.info(ui.T("no_data"))
    st.stop()

st.subheader(ui.T("per_subregion"))
ui.figure(figures.small_multiple_figures(needs, lang), key="smamultipler")

left, right = st.columns(2)
with left:
    st.subheader(ui.T("pipeline_by_region"))
    ui.figure(figures.funnel_by_region(needs, lang), key="trakt")
with right:
    st.subheader(ui.T("pipeline_over_time"))
    ui.figure(figures.monthly_status(needs, lang), key="maaned")

st.subheader(ui.T("pipeline_by_source"))
ui.figure(figures.pipeline_by_source(needs, lang), key="arbeidsmaater")
st.caption(kd.source_line("delregioner", lang))
