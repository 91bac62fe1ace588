import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.engine import matching, pooling, travel
from kompilot_data.engine.reach import DEFAULT_REACH
from kompilot_data.present.cellkey_table import ptable_table
from kompilot_data.reference.i18n import format_date, page_text
from kompilot_data.reference.indicators import INDICATORS

lang = ui.language()
st.title(ui.T("about_title"))

offers = ui.all_offers()
labels = {f"ind_{key}": ui.T(f"ind_{key}") for key in INDICATORS}
st.markdown(
    page_text("om_data", lang).format(
        **labels,
        demand=ui.T("demand"),
        supply=ui.T("supply"),
        gap=ui.T("gap"),
        reach_minutes=ui.number(DEFAULT_REACH.limit),
        weights=", ".join(
            f"{ui.T(f'weight_{part}')} {ui.percent(weight)}" for part, weight in matching.WEIGHTS.items()
        ),
        min_class=pooling.DEFAULT_MIN_CLASS,
        long_km=int(pooling.LONG_DISTANCE_KM),
        long_minutes=int(pooling.LONG_TRAVEL_MINUTES),
        real_offers=ui.number(int(offers["datakilde"].astype("string").str.startswith("HK-dir").fillna(False).sum())),
        demo_offers=ui.number(int(offers["demo"].astype(bool).sum())),
    )
)

# --- issue 20: definitions of supply, demand, reach and unmet demand (story) ---
from kompilot_data.reference import background as story_background  # noqa: E402
from kompilot_data.reference import evu as story_evu  # noqa: E402

ui.section(ui.T("story_about_title"))
st.markdown(
    ui.T(
        "story_about_definitions",
        year=int(story_background.load_background_demand()["aar"].iloc[0]),
        rate=ui.percent(story_background.PARTICIPATION_RATE),
        rate_source=f"[{story_background.PARTICIPATION_SOURCE}]({story_background.PARTICIPATION_URL})",
        campus=ui.number(story_evu.REKKEVIDDE_MIN["stedlig"]),
        sessions=ui.number(story_evu.REKKEVIDDE_MIN["samlingsbasert"]),
    )
)
# --- end of the story block ---

ui.section(ui.T("about_travel_title"))
st.markdown(travel.model_note(lang))
calibration = travel.calibration()
st.caption(ui.T("about_travel_intro", rows=len(calibration)))
columns = {
    "fra": "col_from",
    "til": "col_to",
    "publisert_min": "col_published_min",
    "modell_min": "col_model_min",
    "feil_min": "col_error_min",
    "publisert_km": "col_published_km",
    "modell_km": "col_model_km",
    "veier": "col_roads",
}
decimals = {"modell_min": 1, "feil_min": 1}
shown = calibration[list(columns)].copy()
for column in list(columns)[2:-1]:
    digits = decimals.get(column, 0)
    shown[column] = [ui.number(value, digits) if value == value else "" for value in shown[column]]
shown = shown.rename(columns={key: ui.T(label) for key, label in columns.items()})
ui.show_table(shown, alt=ui.T("about_calibration_table"))

st.markdown(page_text("skjerming", lang))
# The cell key method's published p-table (issue 23): what noise a viewer's figure may carry.
st.caption(ui.T("ckm_ptable_caption"))
ui.show_table(ptable_table(lang), alt=ui.T("ckm_ptable_alt"))

ui.section(ui.T("about_methods_title"))
st.markdown(ui.T("about_methods"))

ui.section(ui.T("sources_title"))
columns = {
    "tittel": ui.T("col_dataset"),
    "utgiver": ui.T("col_source"),
    "aar": ui.T("col_year"),
    "lisens": ui.T("col_licence"),
    "kreditering": ui.T("col_attribution"),
    "url": ui.T("col_url"),
}
rows = [
    {
        columns["tittel"]: source[f"tittel_{lang}"],
        columns["utgiver"]: source.get(f"utgiver_{lang}") or source["utgiver"],
        columns["aar"]: str(source["aar"]),
        columns["lisens"]: source.get(f"lisens_{lang}") or source["lisens"],
        columns["kreditering"]: source["kreditering"],
        columns["url"]: source["url"],
    }
    for source in kd.load_sources().values()
]
st.caption(ui.T("attribution_note"))
ui.show_table(rows, column_config={columns["url"]: st.column_config.LinkColumn()}, alt=ui.T("sources_title"))

ui.section(ui.T("data_date"))
needs = ui.all_needs()
latest = format_date(needs["registrert"].max(), lang) if len(needs) else "–"
st.markdown(ui.T("data_date_text", latest=latest))
