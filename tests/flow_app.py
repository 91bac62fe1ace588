"""A tiny Streamlit script for the flow map's browser test: a View of the embedded demo data, drawn by
``ui.flows.flow_map``. Query parameters: ``lang=en``, ``rolle=leser`` (viewer), ``reach=reisetid`` or
``reach=luftlinje`` (90 minutes or km; default: the app's default reach)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st

import kompilot_data as kd
from kompilot_data.engine.reach import DEFAULT_REACH, ReachSetting
from kompilot_data.view import Audience, View
from ui.flows import flow_map

st.set_page_config(page_title="Flytkart", layout="wide")
params = st.query_params
language = params.get("lang", "nb")
audience = Audience.viewer() if params.get("rolle") == "leser" else Audience.coordinator()
reach = ReachSetting(params["reach"], 90) if params.get("reach") in ("reisetid", "luftlinje") else DEFAULT_REACH


@st.cache_resource
def view(language: str, audience: Audience, reach: ReachSetting) -> View:
    return View(kd.load_needs(), kd.load_offers(), language=language, audience=audience, reach=reach)


flow_map(view(language, audience, reach))
