import plotly.graph_objects as go
import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.present.briefing import STEP_TITLES, STEPS

lang = ui.language()
municipalities = kd.load_municipalities()
choices = list(kd.SUBREGIONS) + list(municipalities.index)
filters = ui.current_filters()
region = ui.page_param("profil", (filters.kommuner or filters.delregioner or ("Namdalen",))[0])
region = region if region in choices else "Namdalen"
try:
    step = min(max(int(ui.page_param("steg", "1")), 1), len(STEPS))
except ValueError:
    step = 1

# Projector styling: large type, no sidebar, no toolbar.
st.html(
    """<style>
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stToolbar"],
    [data-testid="stHeader"] { display: none !important; }
    .block-container { padding-top: 1.2rem; max-width: 96vw; }
    [data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] td { font-size: 1.35rem; }
    [data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 3.2rem !important; font-weight: 700; color: #00509E; }
    [data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { font-size: 1.3rem !important; }
    table.kompilot { width: 100%; border-collapse: collapse; }
    table.kompilot td, table.kompilot th { font-size: 1.3rem; padding: 0.4rem 0.6rem; border-bottom: 1px solid #DDD; text-align: left; }
    h1 { font-size: 3rem !important; }
    </style>"""
)


def go_to(new_step: int) -> None:
    ui.set_page_param("steg", str(new_step))


name = region if region in kd.SUBREGIONS else municipalities.at[region, "navn"]
current = ui.briefing(region)
key = STEPS[step - 1]
st.title(f"{name}: {STEP_TITLES[key][lang]}")
if current.demo:
    st.caption(ui.T("demo_badge"))

key_figures, step_figures, step_tables = current.for_step(key)
if key_figures:
    for column, (_, label, value) in zip(st.columns(len(key_figures)), key_figures, strict=True):
        column.metric(label, value)
for item in step_figures[:2] if key != "situasjon" else step_figures[:1]:
    figure = go.Figure(item.figure)  # a copy: the briefing is cached
    figure.update_layout(font={"size": 18}, height=560)
    ui.figure(figure, key=f"present_{item.slug}", filename=current.file_stem(item.slug))
for item in step_tables:
    st.subheader(item.title)
    st.html(item.frame.to_html(index=False, escape=True, border=0, classes="kompilot"))

left, middle, right = st.columns([1, 2, 1])
left.button(
    ui.T("present_previous"),
    on_click=go_to,
    args=(step - 1,),
    disabled=step == 1,
    width="stretch",
    key="present_previous",
)
middle.markdown(f"<div style='text-align:center;font-size:1.4rem'>{step} / {len(STEPS)}</div>", unsafe_allow_html=True)
right.button(
    ui.T("present_next"),
    on_click=go_to,
    args=(step + 1,),
    disabled=step == len(STEPS),
    width="stretch",
    key="present_next",
)
with st.expander(ui.T("region_choose")):
    chosen = st.selectbox(
        ui.T("region_choose"),
        choices,
        index=choices.index(region),
        key="present_region",
        format_func=lambda c: c if c in kd.SUBREGIONS else f"{municipalities.at[c, 'navn']} ({c})",
    )
    if chosen != region:
        ui.set_page_param("profil", chosen)
        ui.set_page_param("steg", "1")
        st.rerun()
    ui.briefing_downloads(region, "present")
