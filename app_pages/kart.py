import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.present import maps, summaries
from kompilot_data.reference.indicators import INDICATORS

ui.page_header("map_title")
view = ui.view()
lang = view.language
# The map colours every municipality: its view is the filter without its place part. The place filter
# (a clicked municipality, a sub-region) is drawn as an outline, so the others stay coloured and clickable.
map_view = ui.view(view.filters.without_place())

indicator_keys = list(INDICATORS)
DEFAULT_INDICATOR = "udekket"  # the map opens on unmet demand (issue 20 §4)
chosen = ui.page_param("indikator", DEFAULT_INDICATOR)
controls = st.columns([3, 2, 2])
indicator = controls[0].selectbox(
    ui.T("map_indicator"),
    indicator_keys,
    index=indicator_keys.index(chosen) if chosen in indicator_keys else 0,
    format_func=lambda key: ui.T(f"ind_{key}"),
    key="map_indicator",
)
if indicator != chosen:
    ui.set_page_param("indikator", None if indicator == DEFAULT_INDICATOR else indicator)
show_places = controls[1].toggle(ui.T("map_show_places"), value=True)
show_labels = controls[1].toggle(ui.T("map_labels"), value=False)
show_outlines = controls[2].toggle(ui.T("map_show_outlines"), value=True)
basemap = controls[2].toggle(ui.T("map_basemap"), value=False)

table = map_view.municipality_table
municipality_codes = set(table.index.astype(str))


def on_map_select():
    points = st.session_state["kart"].selection.get("points", [])
    codes = [p.get("location") for p in points if p.get("location") in municipality_codes]
    if codes:
        ui.toggle_municipality(codes[0])


spec = INDICATORS[indicator]
label = ui.T(f"ind_{indicator}")
fig = maps.choropleth_map(
    table,
    indicator,
    lang,
    places=kd.load_study_places() if show_places else None,
    records=map_view.records_source(),
    show_outlines=show_outlines,
    selected=list(view.filters.kommuner),
    regions=list(view.filters.delregioner),
    basemap=basemap,
    labels=show_labels,
    **ui.map_geometry(),  # the polygons as static files: a rerun sends only the values (issue 17)
)
shown = maps.map_table(table, indicator)  # its marks and the hover's come from one function (issue 23)
if view.places is not None:  # the text and the table follow the place filter; the map keeps every municipality
    shown = shown[shown.index.isin(view.places)]
summary = summaries.map_summary(shown, indicator, lang)

left, right = st.columns([3, 2], gap="medium")
with left:
    ui.figure(fig, key="kart", on_select=on_map_select, selection_mode="points", alt=summary)
    if show_labels:
        st.caption(ui.T("map_labels_note"))
with right:
    st.markdown(ui.T("map_intro"))
    st.markdown(summary)
    if spec.estimate:
        st.caption(ui.reach_caption() + " " + map_view.records_source())
    columns = ["navn", "delregion"] + ([spec.column] if spec.column != "delregion" else [])
    ui.show_table(ui.display(shown, columns=columns), height=360, alt=summary)
