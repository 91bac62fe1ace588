import pandas as pd
import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.engine import indicators
from kompilot_data.present import figures, unmet
from kompilot_data.reference.regions import default_region, region_choices, resolve_region
from kompilot_data.view import parse_since
from ui import story

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
ui.briefing_downloads(region.key, "region", parse_since(ui.page_param("siden"), view.key.today))
profile = indicators.area_profile(codes)
county = indicators.area_profile()

year = int(municipalities["befolkning_aar"].iloc[0])
ssb_source = "; ".join(
    [
        kd.source_line("befolkning", lang, year),
        kd.source_line("utdanning", lang, int(municipalities["utdanning_aar"].iloc[0])),
        kd.source_line("kommuner", lang, 2024),
    ]
)
ui.key_figures(  # official statistics: a source line, never a demo tag
    [
        (ui.T("ind_befolkning"), ui.number(profile["befolkning"]), kd.source_line("befolkning", lang, year)),
        (
            ui.T("ind_befolkningsendring"),
            ui.percent(profile["endring_befolkning_2020"], 1),
            None,
            f"{ui.T('county')}: {ui.percent(county['endring_befolkning_2020'], 1)}",
        ),
        (
            ui.T("ind_hoyere_utdanning"),
            ui.percent(profile["andel_hoyere_utdanning"], 1),
            None,
            f"{ui.T('county')}: {ui.percent(county['andel_hoyere_utdanning'], 1)}",
        ),
        (
            ui.T("centrality_weighted"),
            ui.number(profile["sentralitetsindeks"]),
            None,
            f"{ui.T('county')}: {ui.number(county['sentralitetsindeks'])}",
        ),
    ],
    source=ssb_source,
    key="kpis_region",
)

left, right = st.columns(2, gap="medium")
with left:
    ui.section(ui.T("region_vs_county"))
    title = ui.T("region_profile_title", region=name)
    ui.figure(figures.profile_comparison(profile, county, name, lang, title=title), key="region_profil", alt=title)
    keys = {
        "andel_hoyere_utdanning": ui.T("ind_hoyere_utdanning"),
        "endring_befolkning_2020": ui.T("ind_befolkningsendring"),
        "andel_sentralitet_5_6": ui.T("share_central_5_6"),
    }
    ui.chart_alternative(
        title,
        pd.DataFrame(
            {
                ui.T("map_indicator"): list(keys.values()),
                name: [ui.percent(profile[k], 1) for k in keys],
                ui.T("county"): [ui.percent(county[k], 1) for k in keys],
            }
        ),
    )
with right:
    ui.section(ui.T("population_trend"))
    series = {name: indicators.population_index(codes), ui.T("county"): indicators.population_index()}
    title = ui.T("region_trend_title")
    ui.figure(figures.population_trend(series, lang, title=title), key="region_befolkning", alt=title)
    trend = pd.DataFrame({label: values.round(1) for label, values in series.items()})
    trend.index = trend.index.astype(str)
    trend = trend.rename_axis(ui.T("col_year")).reset_index()
    for label in series:
        trend[label] = [ui.number(v, 1) for v in trend[label]]
    ui.chart_alternative(title, trend)

source = view.records_source(offers="supply")
# Open demand and unmet demand of the region: the same View.numbers() as Oversikt, Kart, the briefing and `gap`.
numbers = view.numbers()
within_short = unmet.within_words(view.key.reach, lang, short=True)
ui.section(ui.T("story_region_unmet"))
ui.key_figures(
    [
        (ui.T("story_kpi_open_participants"), ui.protected(numbers.deltakere, mark=view.total_mark)),
        (ui.T("story_kpi_shared"), ui.protected(numbers.tilbud_fordelt, mark=view.total_mark)),
        (ui.T("story_kpi_unmet"), ui.protected(numbers.udekket, mark=view.total_mark), ui.T("story_kpi_unmet_help")),
        (ui.T("story_kpi_surplus"), ui.protected(numbers.overskudd, mark=view.total_mark)),
    ],
    source=source,
    demo=numbers.demo,
    key="kpis_region_unmet",
)
story.shortfalls(numbers, lang, within_short)
if numbers.ettersporsel > 0 or numbers.tilbud_fordelt > 0:
    story.area_unmet(numbers, lang, source, key="region_udekket")
else:
    st.info(ui.T("no_data"))
# Full width: five columns with long headers do not fit half the page (the last one was cut off).
ui.section(ui.T("offers_in_reach"))
table = view.municipality_table.loc[codes].sort_values("navn")
ui.show_table(
    ui.display(
        table.reset_index(),
        columns=["navn", "tilbud_innen_rekkevidde", "ettersporsel", "tilbud_fordelt", "udekket", "overskudd"],
    ),
    alt=ui.T("region_reach_table_title"),
)
st.caption(ui.reach_caption() + " " + ui.T("story_seats_note") + " " + source)
