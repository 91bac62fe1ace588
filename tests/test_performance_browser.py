"""Issue 17: what a filter change sends to the browser.

* An unchanged figure gives an identical message (Streamlit's message cache then sends a reference, not the
  figure): nothing in a figure or its config depends on the filters unless the figure does.
* The map's geometry is a static file the browser fetches once; a rerun sends the values only. Figures saved
  on their own (``geojson=None``) keep the geometry inline and work offline as one file.

The first tests run the figures and the app in-process; the ``browser`` ones count websocket bytes in Chromium.
Timings are not tested here (``scripts/bench_app.py`` prints them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest

import kompilot_data as kd
from kompilot_data.present import figures
from kompilot_data.reference import SUBREGIONS, load_geojson
from kompilot_data.view import View

ROOT = Path(__file__).resolve().parents[1]
URLS = {"geojson": "app/static/geo/kommuner-x.json", "outlines": "app/static/geo/delregioner-x.json"}


@pytest.fixture(scope="module")
def table():
    return View(kd.load_needs(), kd.load_offers()).municipality_table


def _coordinates_in(value) -> int:
    """How many GeoJSON ``coordinates`` members ``value`` (parsed JSON) holds."""
    if isinstance(value, dict):
        return ("coordinates" in value) + sum(_coordinates_in(v) for v in value.values())
    if isinstance(value, list):
        return sum(_coordinates_in(v) for v in value)
    return 0


def _counts():
    import pandas as pd

    return pd.Series({"Helse": 12.0, "Bygg": 3.0})


def test_layout_gives_the_plotly_white_template_unchanged():
    fig = figures.bar_counts(_counts(), "nb", "Behov", "Kilde: test")
    assert fig.layout.template.to_plotly_json() == pio.templates["plotly_white"].to_plotly_json()
    validated = go.Figure().update_layout(template="plotly_white")  # what plotly gives when it validates
    assert json.loads(fig.to_json())["layout"]["template"] == json.loads(validated.to_json())["layout"]["template"]
    # The shared template is a copy in each figure: changing one figure's template changes no other figure.
    fig.layout.template.layout.paper_bgcolor = "red"
    assert figures.bar_counts(_counts(), "nb", "Behov", "Kilde: test").layout.template.layout.paper_bgcolor == ("white")


def test_map_with_geometry_urls_sends_values_and_no_coordinates(table):
    fig = figures.choropleth_map(table, "behov_per_1000", places=kd.load_study_places(), selected=["5007"], **URLS)
    data = json.loads(fig.to_json())
    assert _coordinates_in(data) == 0
    maps = [trace for trace in data["data"] if trace["type"] == "choroplethmap"]
    polygons = [trace for trace in maps if trace["featureidkey"] == "properties.kommunenummer"]
    outlines = [trace for trace in maps if trace["featureidkey"] == "properties.delregion"]
    assert {trace["geojson"] for trace in polygons} == {URLS["geojson"]}
    assert {trace["geojson"] for trace in outlines} == {URLS["outlines"]}
    coloured = [trace for trace in polygons if trace.get("hoverinfo") != "skip"]
    assert sorted(code for trace in coloured for code in trace["locations"]) == sorted(table.index.astype(str))
    assert [trace["locations"] for trace in outlines] == [list(SUBREGIONS)]
    selection = [trace for trace in polygons if trace.get("hoverinfo") == "skip"]
    assert selection and all(trace["locations"] == ["5007"] for trace in selection)  # clicks go to the colours
    assert len(fig.to_json()) < 30_000


def test_inline_map_keeps_the_geometry_in_the_figure(table):
    fig = figures.choropleth_map(table, "delregion", selected=["5007"])
    data = json.loads(fig.to_json())
    polygons = data["data"][0]
    assert polygons["geojson"]["features"] == json.loads(json.dumps(load_geojson()))["features"]
    (outlines,) = [t for t in data["data"] if t.get("featureidkey") == "properties.delregion"]
    assert [f["properties"]["delregion"] for f in outlines["geojson"]["features"]] == list(SUBREGIONS)
    assert outlines["hoverinfo"] == "skip"
    selection = [t for t in data["data"] if t["type"] == "scattermap" and t.get("mode") == "lines"]
    assert selection and len(selection[-1]["lon"]) > 100  # the selection, drawn as lines with its coordinates
    offers = figures.offer_map(table, kd.load_offers().dropna(subset=["lat", "lon"]), "nb")
    assert offers.data[0].geojson["features"][0]["properties"]["kommunenummer"]


def test_write_map_geometry_names_files_by_content_and_keeps_one_version(tmp_path):
    names = figures.write_map_geometry(tmp_path)
    assert re.fullmatch(r"kommuner-[0-9a-f]{12}\.json", names["geojson"])
    assert re.fullmatch(r"delregioner-[0-9a-f]{12}\.json", names["outlines"])
    written = json.loads((tmp_path / names["geojson"]).read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(load_geojson()))
    outlines = json.loads((tmp_path / names["outlines"]).read_text(encoding="utf-8"))
    assert outlines == json.loads(json.dumps(figures.subregion_geojson()))
    stamp = (tmp_path / names["geojson"]).stat().st_mtime_ns
    (tmp_path / "kommuner-000000000000.json").write_text("{}")  # an outdated version
    assert figures.write_map_geometry(tmp_path) == names
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names.values())
    assert (tmp_path / names["geojson"]).stat().st_mtime_ns == stamp  # unchanged: not rewritten


def test_map_message_is_the_same_after_a_filter_change_that_leaves_the_map_alone():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app.run()
    app.switch_page("app_pages/kart.py").run()
    assert not app.exception, [e.value for e in app.exception]
    (before,) = [chart.proto for chart in app.get("plotly_chart")]
    urls = {t["geojson"] for t in json.loads(before.spec)["data"] if "geojson" in t}
    assert {url.rsplit("-", 1)[0] for url in urls} == {"app/static/geo/kommuner", "app/static/geo/delregioner"}
    assert len(before.spec) < 30_000
    assert "kompilot_kart_" in json.loads(before.config)["toImageButtonOptions"]["filename"]
    # The sub-region colours do not depend on the competence areas; nothing else on the map does either.
    app.multiselect(key="filter_omrader").set_value(["helse"]).run()
    assert not app.exception, [e.value for e in app.exception]
    (after,) = [chart.proto for chart in app.get("plotly_chart")]
    assert (after.id, after.spec, after.config) == (before.id, before.spec, before.config)
    # Whatever a sub-region filter changes on the map (values, an outline), it sends no coordinates.
    app.multiselect(key="filter_delregioner").set_value(["Namdalen"]).run()
    (changed,) = [chart.proto for chart in app.get("plotly_chart")]
    assert _coordinates_in(json.loads(changed.spec)) == 0 and len(changed.spec) < 30_000
