import streamlit as st

import ui
from kompilot_data.present import figures

ui.page_header("needs_title")
needs, _ = ui.filtered()
lang = ui.language()
if needs.empty:
    st.info(ui.T("no_data"))
    st.stop()
source = figures.records_source(lang, needs)
minimum = ui.min_businesses()

left, right = st.columns(2)
with left:
    st.subheader(ui.T("by_area"))
    counts = figures.count_by(needs, "kompetanseomrade", "kompetanseomrade", lang, "antall_deltakere", minimum)
    ui.figure(figures.bar_counts(counts, lang, ui.T("participants"), source), key="behov_omrade")
with right:
    st.subheader(ui.T("area_x_level"))
    ui.figure(figures.treemap_area_level(needs, lang, minimum), key="behov_treemap")

left, middle, right = st.columns(3)
with left:
    st.subheader(ui.T("by_level"))
    counts = figures.count_by(needs, "niva", "niva", lang, min_businesses=minimum)
    ui.figure(figures.bar_counts(counts, lang, ui.T("count_needs"), source, colour="#E69F00"), key="behov_niva")
with middle:
    st.subheader(ui.T("by_status"))
    counts = figures.count_by(needs, "status", "behov_status", lang, min_businesses=minimum)
    ui.figure(figures.bar_counts(counts, lang, ui.T("count_needs"), source, colour="#009E73"), key="behov_status")
with right:
    st.subheader(ui.T("by_industry"))
    counts = figures.count_by(needs, "naering", "naering", lang, min_businesses=minimum)
    counts = counts[counts.isna() | (counts > 0)]
    ui.figure(figures.bar_counts(counts, lang, ui.T("count_needs"), source, colour="#CC79A7"), key="behov_naering")

st.subheader(ui.T("records"))
if not ui.access().sees_records:
    st.info(ui.T("records_hidden"))
    st.stop()
table = ui.labelled(needs)
ui.record_table(table, "behov_tabell", "kompilot_behov")
