import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.present import figures

ui.page_header("offers_title")
view = ui.view()
offers = view.offers
lang = view.language
if offers.empty:
    st.info(ui.T("no_data"))
    st.stop()
source = figures.records_source(lang, offers=offers)

left, right = st.columns(2)
with left:
    st.subheader(ui.T("by_provider"))
    counts = offers.groupby(offers["tilbyder"].astype(str)).size().nlargest(12)
    ui.figure(figures.bar_counts(counts, lang, ui.T("offers_count"), source), key="tilbud_tilbyder")
with right:
    st.subheader(ui.T("by_area"))
    counts = figures.labelled(view.offer_counts("kompetanseomrade", "plasser"), "kompetanseomrade", lang)
    ui.figure(figures.bar_counts(counts, lang, ui.T("seats"), source, colour="#E69F00"), key="tilbud_omrade")

left, right = st.columns(2)
with left:
    st.subheader(ui.T("by_level"))
    counts = figures.labelled(view.offer_counts("niva"), "niva", lang)
    ui.figure(figures.bar_counts(counts, lang, ui.T("offers_count"), source, colour="#009E73"), key="tilbud_niva")
with right:
    st.subheader(ui.T("by_mode"))
    counts = figures.labelled(view.offer_counts("laeringsform"), "laeringsform", lang)
    ui.figure(figures.bar_counts(counts, lang, ui.T("offers_count"), source, colour="#CC79A7"), key="tilbud_form")

st.subheader(ui.T("start_timeline"))
ui.figure(figures.offers_timeline(offers, lang), key="tilbud_tidslinje")

st.subheader(ui.T("offers_map"))
placed = offers.dropna(subset=["lat", "lon"])
table = view.municipality_table
fig = figures.offer_map(table, placed, lang, **ui.map_geometry())  # polygons as static files (issue 17)
ui.figure(fig, key="tilbud_kart")
st.caption(f"{ui.T('online')}: {ui.number(offers['lat'].isna().sum())} · " + kd.source_line("studiesteder", lang))

st.subheader(ui.T("records"))
shown = ui.labelled(offers)
ui.record_table(shown, "tilbud_tabell", "kompilot_tilbud")
