import streamlit as st

import ui
from kompilot_data.present import figures

ui.page_header("needs_title")
view = ui.view()
lang = view.language
if view.needs.empty:
    st.info(ui.T("no_data"))
    st.stop()
source = view.records_source()


def bars(key: str, taxonomy_name: str, measure: str, axis_label: str, chart_key: str, colour: str | None = None):
    counts = view.counts((key,), measure)[measure]
    counts = counts[counts.isna() | (counts > 0)]
    extra = {"colour": colour} if colour else {}
    ui.figure(
        figures.bar_counts(figures.labelled(counts, taxonomy_name, lang), lang, axis_label, source, **extra),
        key=chart_key,
    )


left, right = st.columns(2)
with left:
    st.subheader(ui.T("by_area"))
    bars("kompetanseomrade", "kompetanseomrade", "deltakere", ui.T("participants"), "behov_omrade")
with right:
    st.subheader(ui.T("area_x_level"))
    table = view.counts(("kompetanseomrade", "niva"), "deltakere")
    ui.figure(figures.treemap_area_level(table, lang, source), key="behov_treemap")

left, middle, right = st.columns(3)
with left:
    st.subheader(ui.T("by_level"))
    bars("niva", "niva", "behov", ui.T("count_needs"), "behov_niva", "#E69F00")
with middle:
    st.subheader(ui.T("by_status"))
    bars("status", "behov_status", "behov", ui.T("count_needs"), "behov_status", "#009E73")
with right:
    st.subheader(ui.T("by_industry"))
    bars("naering", "naering", "behov", ui.T("count_needs"), "behov_naering", "#CC79A7")

st.subheader(ui.T("records"))
if not view.audience.sees_records:
    st.info(ui.T("records_hidden"))
    st.stop()
ui.record_table(ui.labelled(view.needs), "behov_tabell", "kompilot_behov")
