import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.engine import indicators
from kompilot_data.present import figures
from kompilot_data.reference.regions import default_region, region_choices, resolve_region

ui.page_header("region_title")
lang = ui.language()
municipalities = kd.load_municipalities()
choices = {region.key: region for region in region_choices()}
try:  # ?profil= takes what a person types: "namdalen", "røros", "5025"
    chosen = resolve_region(ui.page_param("profil", "")).key
except ValueError:
    chosen = default_region(ui.current_filters()).key
key = st.selectbox(
    ui.T("region_choose"),
    list(choices),
    index=list(choices).index(chosen) if chosen in choices else 0,
    format_func=lambda k: choices[k].label,
    key="region_choice",
)
if key != chosen:
    ui.set_page_param("profil", key)
region = choices[key]
codes, name = list(region.codes), region.name
view = ui.region_view(region)
ui.briefing_downloads(region.key, "region")
profile = indicators.area_profile(codes)
county = indicators.area_profile()

columns = st.columns(4)
columns[0].metric(
    ui.T("ind_befolkning"),
    ui.number(profile["befolkning"]),
    help=kd.source_line("befolkning", lang, int(municipalities["befolkning_aar"].iloc[0])),
)
columns[1].metric(
    ui.T("ind_befolkningsendring"),
    ui.percent(profile["endring_befolkning_2020"], 1),
    delta=f"{ui.T('county')}: {ui.percent(county['endring_befolkning_2020'], 1)}",
    delta_color="off",
)
columns[2].metric(
    ui.T("ind_hoyere_utdanning"),
    ui.percent(profile["andel_hoyere_utdanning"], 1),
    delta=f"{ui.T('county')}: {ui.percent(county['andel_hoyere_utdanning'], 1)}",
    delta_color="off",
)
columns[3].metric(
    ui.T("centrality_weighted"),
    ui.number(profile["sentralitetsindeks"]),
    delta=f"{ui.T('county')}: {ui.number(county['sentralitetsindeks'])}",
    delta_color="off",
)

left, right = st.columns(2)
with left:
    st.subheader(ui.T("region_vs_county"))
    ui.figure(figures.profile_comparison(profile, county, name, lang), key="region_profil")
with right:
    st.subheader(ui.T("population_trend"))
    series = {name: indicators.population_index(codes), ui.T("county"): indicators.population_index()}
    ui.figure(figures.population_trend(series, lang), key="region_befolkning")

source = view.records_source()
left, right = st.columns(2)
with left:
    st.subheader(ui.T("top_needs"))
    counts = view.counts(("kompetanseomrade",), "deltakere")["deltakere"]
    counts = counts[counts.isna() | (counts > 0)]
    if counts.empty:
        st.info(ui.T("no_data"))
    else:
        ui.figure(
            figures.bar_counts(figures.labelled(counts, "kompetanseomrade", lang), lang, ui.T("participants"), source),
            key="region_behov",
        )
with right:
    st.subheader(ui.T("offers_in_reach"))
    table = view.municipality_table.loc[codes]
    shown = table[["navn", "tilbud_innen_rekkevidde"]].copy()
    for column in ("ettersporsel", "tilbud_fordelt"):
        shown[column] = [ui.protected(v) for v in table[column]]
    shown["indeks"] = [ui.protected(v, 2) for v in table["indeks"]]
    st.dataframe(
        shown.rename(
            columns={
                "navn": ui.T("filter_municipality"),
                "tilbud_innen_rekkevidde": ui.T("ind_tilbud_innen_rekkevidde"),
                "ettersporsel": ui.T("demand"),
                "tilbud_fordelt": ui.T("supply"),
                "indeks": ui.T("ind_mismatch"),
            }
        ),
        width="stretch",
    )
    st.caption(ui.reach_caption() + " " + source)
