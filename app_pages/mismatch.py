import pandas as pd
import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data import figures, mismatch

ui.page_header("mismatch_title")
lang = ui.language()
needs, offers = ui.filtered()
radius = st.slider(ui.T("radius"), 20, 200, int(mismatch.DEFAULT_RADIUS_KM), step=10, key="mismatch_radius")
active = mismatch.active_offers(offers)
reach = mismatch.compute_reach(active, radius)
st.caption(ui.T("reach_note", radius=radius) + " " + ui.T("estimate_note"))

by_region = mismatch.demand_supply(needs, active, ("delregion", "kompetanseomrade"), reach=reach)
if by_region.empty:
    st.info(ui.T("no_data"))
    st.stop()
st.subheader(ui.T("filter_region") + " × " + ui.T("filter_area"))
region_names = {kd.OUTSIDE_PILOT: ui.T("outside_pilot")}
ui.figure(figures.gap_heatmap(by_region, lang, region_names), key="mismatch_heatmap_region")

municipalities = kd.load_municipalities()
by_municipality = mismatch.demand_supply(needs, active, ("kommunenummer", "kompetanseomrade"), reach=reach)
codes = ui.current_filters().municipality_codes()
if codes is None:
    codes = list(municipalities.index[municipalities["delregion"] != kd.OUTSIDE_PILOT])
by_municipality = by_municipality[by_municipality.index.get_level_values(0).isin(codes)]
st.subheader(ui.T("filter_municipality") + " × " + ui.T("filter_area"))
ui.figure(figures.gap_heatmap(by_municipality, lang, municipalities["navn"].to_dict()), key="mismatch_heatmap_kommune")

st.subheader(ui.T("demand") + " / " + ui.T("supply"))
selection = ui.current_filters().municipality_codes() or list(municipalities.index)
per_area = mismatch.demand_supply(
    needs, active, ("utvalg", "kompetanseomrade"), reach=reach, groups=pd.Series("utvalg", index=selection)
).droplevel("utvalg")
st.caption(
    "Plasser som når minst én kommune i utvalget; hver plass telles én gang."
    if lang == "nb"
    else "Seats reaching at least one municipality in the selection; each seat counts once."
)
ui.figure(figures.demand_supply_bars(per_area, lang), key="mismatch_stolper")

st.subheader(ui.T("white_spots"))
spots = mismatch.white_spots(needs, active, reach=reach)
if spots.empty:
    st.success("Ingen hvite flekker i utvalget." if lang == "nb" else "No white spots in the selection.")
else:
    shown = ui.labelled(spots[["kommunenummer", "delregion", "kompetanseomrade", "ettersporsel", "behov", "bedrifter"]])
    st.dataframe(shown, width="stretch", hide_index=True)
    ui.downloads(shown, "kompilot_hvite_flekker")
