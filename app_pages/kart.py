import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.engine.indicators import INDICATORS
from kompilot_data.present import figures

ui.page_header("map_title", "map_intro")
view = ui.view()
lang = view.language

indicator_keys = list(INDICATORS)
chosen = ui.page_param("indikator", "delregion")
controls = st.columns([3, 2, 2, 2])
indicator = controls[0].selectbox(
    ui.T("map_indicator"),
    indicator_keys,
    index=indicator_keys.index(chosen) if chosen in indicator_keys else 0,
    format_func=lambda key: ui.T(f"ind_{key}"),
    key="map_indicator",
)
if indicator != chosen:
    ui.set_page_param("indikator", None if indicator == "delregion" else indicator)
show_places = controls[1].toggle(ui.T("map_show_places"), value=True)
show_outlines = controls[2].toggle(ui.T("map_show_outlines"), value=True)
basemap = controls[3].toggle(ui.T("map_basemap"), value=False)


def on_map_select():
    points = st.session_state["kart"].selection.get("points", [])
    codes = [p.get("location") for p in points if p.get("location")]
    if codes:
        ui.toggle_municipality(codes[0])


table = view.municipality_table
fig = figures.choropleth_map(
    table,
    indicator,
    lang,
    places=kd.load_study_places() if show_places else None,
    records=view.records_source(),
    show_outlines=show_outlines,
    selected=list(view.filters.kommuner),
    basemap=basemap,
    **ui.map_geometry(),  # the polygons as static files: a rerun sends only the values (issue 17)
)
ui.figure(fig, key="kart", on_select=on_map_select, selection_mode="points")
if INDICATORS[indicator].estimate:
    st.caption(ui.reach_caption() + " " + view.records_source())

with st.expander(ui.T("map_table")):
    spec = INDICATORS[indicator]
    shown = table[["navn", "delregion"]].copy()
    if spec.column != "delregion":
        hidden = table["skjult"] & spec.estimate
        shown[ui.T(f"ind_{indicator}")] = [
            ui.protected(None) if h else figures.format_indicator(indicator, v, lang)
            for v, h in zip(table[spec.column], hidden, strict=True)
        ]
    st.dataframe(
        shown.rename(columns={"navn": ui.T("filter_municipality"), "delregion": ui.T("filter_region")}), width="stretch"
    )
