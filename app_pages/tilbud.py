import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.present import figures, maps, summaries

ui.page_header("offers_title")
view = ui.view()
offers = view.offers
lang = view.language
if offers.empty:
    st.info(ui.T("no_data"))
    st.stop()
source = view.records_source(needs=False)


def bars(counts, axis: str, chart_key: str, title: str, what: str, category: str) -> None:
    """Bars of offers (or seats) per ``category`` (a ``th_`` column), largest on top, with the text alternative."""
    counts = counts[counts > 0]
    summary = summaries.ranking(counts, lang, what)
    ui.figure(figures.bar_counts(counts, lang, axis, source, title), key=chart_key, alt=summary)
    frame = counts.rename(axis).rename_axis(ui.T(f"th_{category}")).reset_index()
    frame[axis] = [ui.number(v) for v in frame[axis]]
    ui.chart_alternative(title, frame, summary)


ui.section(ui.T("offers_what_title"))
left, right = st.columns(2, gap="medium")
with left:
    counts = offers.groupby(offers["tilbyder"].astype(str)).size().nlargest(12)
    bars(
        counts,
        ui.T("offers_count"),
        "tilbud_tilbyder",
        ui.T("offers_by_provider_title"),
        ui.T("unit_offers"),
        "tilbyder",
    )
with right:
    counts = figures.labelled(view.offer_counts("kompetanseomrade", "plasser"), "kompetanseomrade", lang)
    bars(
        counts,
        ui.T("seats"),
        "tilbud_omrade",
        ui.T("offers_seats_by_area_title"),
        ui.T("unit_seats"),
        "kompetanseomrade",
    )
    st.caption(ui.T("seats_available_note"))  # why Behov mot tilbud counts fewer seats than this chart

left, right = st.columns(2, gap="medium")
with left:
    counts = figures.labelled(view.offer_counts("niva"), "niva", lang)
    bars(counts, ui.T("offers_count"), "tilbud_niva", ui.T("offers_by_level_title"), ui.T("unit_offers"), "niva")
with right:
    counts = figures.labelled(view.offer_counts("laeringsform"), "laeringsform", lang)
    bars(counts, ui.T("offers_count"), "tilbud_form", ui.T("offers_by_mode_title"), ui.T("unit_offers"), "laeringsform")

ui.section(ui.T("start_timeline"))
title = ui.T("offers_timeline_title")
ui.figure(figures.offers_timeline(offers, lang, title=title), key="tilbud_tidslinje", alt=title)
ui.chart_alternative(
    title,
    ui.display(
        offers.sort_values("oppstart"), columns=["oppstart", "tittel", "tilbyder", "kompetanseomrade", "kapasitet"]
    ),
)

ui.section(ui.T("offers_map"))
placed = offers.dropna(subset=["lat", "lon"])
table = view.municipality_table
title = ui.T("offers_map_title")
fig = maps.offer_map(table, placed, lang, title=title, **ui.map_geometry())  # polygons as static files (issue 17)
ui.figure(fig, key="tilbud_kart", alt=title)
st.caption(f"{ui.T('online')}: {ui.number(offers['lat'].isna().sum())} · " + kd.source_line("studiesteder", lang))

ui.section(ui.T("records"))
ui.record_table(offers, "tilbud_tabell", ui.T("file_offers"), kind="offers")
