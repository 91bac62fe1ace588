import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.access import SUPPRESSED
from kompilot_data.present import figures

ui.page_header("overview_title", "overview_intro")
needs, offers = ui.filtered()
lang = ui.language()
minimum = ui.min_businesses()
few = needs["bedrift_id"].nunique() < minimum


def shown(value) -> str:
    return SUPPRESSED if few else ui.number(value)


columns = st.columns(5)
columns[0].metric(ui.T("kpi_businesses"), shown(needs["bedrift_id"].nunique()))
columns[1].metric(ui.T("kpi_needs"), shown(len(needs)))
columns[2].metric(ui.T("kpi_participants"), shown(needs["antall_deltakere"].sum()))
columns[3].metric(ui.T("kpi_offers"), ui.number(len(offers)))
columns[4].metric(ui.T("kpi_matched"), ui.percent(ui.matched_share()), help=ui.T("kpi_matched_help"))
st.caption(ui.records_source())

if needs.empty or few:
    st.info(ui.T("records_hidden") if few else ui.T("no_data"))
    st.stop()

st.subheader(ui.T("per_subregion"))
ui.figure(figures.small_multiple_figures(needs, lang, minimum), key="smamultipler")

left, right = st.columns(2)
with left:
    st.subheader(ui.T("pipeline_by_region"))
    ui.figure(figures.funnel_by_region(needs, lang, minimum), key="trakt")
with right:
    st.subheader(ui.T("pipeline_over_time"))
    ui.figure(figures.monthly_status(needs, lang, minimum), key="maaned")

st.subheader(ui.T("pipeline_by_source"))
ui.figure(figures.pipeline_by_source(needs, lang, minimum), key="arbeidsmaater")
st.caption(kd.source_line("delregioner", lang))
