import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.access import suppress_table
from kompilot_data.engine import indicators
from kompilot_data.engine.reach import DEFAULT_RADIUS_KM
from kompilot_data.present import figures

ui.page_header("region_title")
lang = ui.language()
municipalities = kd.load_municipalities()
choices = list(kd.SUBREGIONS) + list(municipalities.index)
filters = ui.current_filters()
default = (filters.kommuner or filters.delregioner or ("Namdalen",))[0]
chosen = ui.page_param("profil", default)
region = st.selectbox(
    ui.T("region_choose"),
    choices,
    index=choices.index(chosen) if chosen in choices else 0,
    format_func=lambda c: c if c in kd.SUBREGIONS else f"{municipalities.at[c, 'navn']} ({c})",
    key="region_choice",
)
if region != chosen:
    ui.set_page_param("profil", region)
codes = indicators.region_codes(region)
name = region if region in kd.SUBREGIONS else municipalities.at[region, "navn"]
ui.briefing_downloads(region, "region")
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

needs, offers = ui.filtered()
region_needs = needs[needs["kommunenummer"].isin(codes).to_numpy()]
left, right = st.columns(2)
with left:
    st.subheader(ui.T("top_needs"))
    counts = figures.count_by(
        region_needs, "kompetanseomrade", "kompetanseomrade", lang, "antall_deltakere", ui.min_businesses()
    )
    counts = counts[counts.isna() | (counts > 0)]
    if counts.empty:
        st.info(ui.T("no_data"))
    else:
        ui.figure(
            figures.bar_counts(counts, lang, ui.T("participants"), figures.records_source(lang, region_needs)),
            key="region_behov",
        )
with right:
    st.subheader(ui.T("offers_in_reach"))
    table = ui.municipality_table()
    reach = table.loc[codes, ["navn", "tilbud_innen_rekkevidde", "ettersporsel", "tilbud", "mismatch", "bedrifter"]]
    if ui.min_businesses():
        reach = suppress_table(reach, "bedrifter", ["ettersporsel", "mismatch"], ui.min_businesses())
    reach = reach.drop(columns="bedrifter")
    reach["mismatch"] = [v if isinstance(v, str) else ui.number(v, 2) for v in reach["mismatch"]]
    st.dataframe(
        reach.rename(
            columns={
                "navn": ui.T("filter_municipality"),
                "tilbud_innen_rekkevidde": ui.T("ind_tilbud_innen_rekkevidde"),
                "ettersporsel": ui.T("demand"),
                "tilbud": ui.T("supply"),
                "mismatch": ui.T("ind_mismatch"),
            }
        ),
        width="stretch",
    )
    st.caption(ui.T("reach_note", radius=int(DEFAULT_RADIUS_KM)) + " " + ui.records_source())
