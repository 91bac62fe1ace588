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
from kompilot_data.present import maps as map_figures
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
    white = pio.templates["plotly_white"].to_plotly_json()
    template = fig.layout.template.to_plotly_json()
    assert template["data"] == {"bar": white["data"]["bar"]}  # defaults of the figure's trace types only
    assert template["layout"] == {
        k: v for k, v in white["layout"].items() if k not in {"scene", "polar", "ternary", "geo"}
    }
    # The shared template is a copy in each figure: changing one figure's template changes no other figure.
    fig.layout.template.layout.paper_bgcolor = "red"
    assert figures.bar_counts(_counts(), "nb", "Behov", "Kilde: test").layout.template.layout.paper_bgcolor == ("white")


@pytest.mark.browser
def test_template_for_the_trace_types_draws_the_same_pixels(table):
    """The figure's template keeps plotly_white's defaults for its own trace types only; drawn, nothing differs."""
    view = View(kd.load_needs(), kd.load_offers())
    for fig in (
        figures.bar_counts(_counts(), "nb", "Behov", "Kilde: test"),
        figures.gap_heatmap(view.demand_supply(("delregion", "kompetanseomrade")), "nb", "Kilde: test"),
    ):
        assert set(fig.layout.template.data.to_plotly_json()) == {trace.type for trace in fig.data}
        full = go.Figure(fig).update_layout(template="plotly_white")
        assert len(full.layout.template.data.to_plotly_json()) > 20
        assert pio.to_image(fig, format="png", width=900, height=500) == pio.to_image(
            full, format="png", width=900, height=500
        )


def test_map_with_geometry_urls_sends_values_and_no_coordinates(table):
    fig = map_figures.choropleth_map(table, "behov_per_1000", places=kd.load_study_places(), selected=["5007"], **URLS)
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
    fig = map_figures.choropleth_map(table, "delregion", selected=["5007"])
    data = json.loads(fig.to_json())
    polygons = data["data"][0]
    assert polygons["geojson"]["features"] == json.loads(json.dumps(load_geojson()))["features"]
    (outlines,) = [t for t in data["data"] if t.get("featureidkey") == "properties.delregion"]
    assert [f["properties"]["delregion"] for f in outlines["geojson"]["features"]] == list(SUBREGIONS)
    assert outlines["hoverinfo"] == "skip"
    selection = [t for t in data["data"] if t["type"] == "scattermap" and t.get("mode") == "lines"]
    assert selection and len(selection[-1]["lon"]) > 100  # the selection, drawn as lines with its coordinates
    offers = map_figures.offer_map(table, kd.load_offers().dropna(subset=["lat", "lon"]), "nb")
    assert offers.data[0].geojson["features"][0]["properties"]["kommunenummer"]


def test_write_map_geometry_names_files_by_content_and_keeps_one_version(tmp_path):
    names = map_figures.write_map_geometry(tmp_path)
    assert re.fullmatch(r"kommuner-[0-9a-f]{12}\.json", names["geojson"])
    assert re.fullmatch(r"delregioner-[0-9a-f]{12}\.json", names["outlines"])
    written = json.loads((tmp_path / names["geojson"]).read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(load_geojson()))
    outlines = json.loads((tmp_path / names["outlines"]).read_text(encoding="utf-8"))
    assert outlines == json.loads(json.dumps(map_figures.subregion_geojson()))
    stamp = (tmp_path / names["geojson"]).stat().st_mtime_ns
    (tmp_path / "kommuner-000000000000.json").write_text("{}")  # an outdated version
    assert map_figures.write_map_geometry(tmp_path) == names
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names.values())
    assert (tmp_path / names["geojson"]).stat().st_mtime_ns == stamp  # unchanged: not rewritten


def test_map_message_is_the_same_after_a_filter_change_that_leaves_the_map_alone():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app.run()
    app.switch_page("app_pages/kart.py").run()
    assert not app.exception, [e.value for e in app.exception]
    # The map opens on unmet demand (issue 20): a rerun with nothing changed gives the same message (no per-run
    # noise such as a date or an id in it), which Streamlit then does not send again.
    (opened,) = [chart.proto for chart in app.get("plotly_chart")]
    app.run()
    (again,) = [chart.proto for chart in app.get("plotly_chart")]
    assert (again.id, again.spec, again.config) == (opened.id, opened.spec, opened.config)
    # Unmet demand depends on the competence areas; the sub-region colours do not.
    app.selectbox(key="map_indicator").set_value("delregion").run()
    (before,) = [chart.proto for chart in app.get("plotly_chart")]
    assert before.spec != opened.spec
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


# --- in Chromium: what crosses the websocket -------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(app_server):
    return app_server


@pytest.fixture
def browser_page():
    from browser_support import WEBSOCKET_PROBE, offline_browser

    with offline_browser() as (page, blocked):
        page.add_init_script(WEBSOCKET_PROBE)
        frames: list[bytes] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
        geometry: list[str] = []
        page.on("request", lambda request: geometry.append(request.url) if "/app/static/geo/" in request.url else None)
        yield page, blocked, frames, geometry


def _choose_area(page, label: str) -> None:
    from browser_support import choose_option

    choose_option(page, "filter_omrader", label)


def _messages(frames: list) -> list[tuple[int, str, tuple[int, ...]]]:
    """(size, kind, delta path) of each binary websocket frame; kind is e.g. ``plotly_chart`` or ``ref_hash``."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    messages = []
    for payload in frames:
        if isinstance(payload, str):
            continue
        message = ForwardMsg()
        message.ParseFromString(payload)
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            kind = message.delta.new_element.WhichOneof("type")
        messages.append((len(payload), kind, tuple(message.metadata.delta_path)))
    return messages


def _plot_values(page) -> list:
    return page.evaluate(
        "() => document.querySelector('.st-key-kart .js-plotly-plot').data"
        ".filter(t => t.type === 'choroplethmap' && t.hoverinfo !== 'skip').map(t => [t.locations, t.z])"
    )


@pytest.mark.browser
def test_a_filter_change_that_leaves_the_map_alone_does_not_send_it_again(served, browser_page):
    from browser_support import probe_mark, wait_for_run

    page, blocked, frames, geometry = browser_page
    page.goto(f"{served.url}/kart?indikator=delregion")  # unmet demand, the map's default, depends on the areas
    wait_for_run(page, timeout=300)
    first = _messages(frames)
    (map_path,) = {path for _, kind, path in first if kind == "plotly_chart"}
    assert sum(size for size, *_ in first) < 250_000  # the map's polygons are not in it
    frames.clear()
    mark = probe_mark(page)
    _choose_area(page, "Helse og omsorg")  # the sub-region colours do not depend on the competence area
    wait_for_run(page, mark, timeout=300)
    change = _messages(frames)
    on_map = [(size, kind) for size, kind, path in change if path == map_path]
    assert [kind for _, kind in on_map] == ["ref_hash"]  # Streamlit's cache: a reference, not the figure
    assert sum(size for size, _ in on_map) < 5_000
    # Everything else is the page's small elements (under Streamlit's 10 kB cache size), sent on every run.
    assert sum(size for size, *_ in change) < 25_000
    assert len(geometry) == 2 and blocked == []  # polygons and outlines fetched once, from this server


@pytest.mark.browser
def test_a_sub_region_change_on_the_map_moves_at_most_30_kb(served, browser_page):
    from browser_support import choose_option, probe_mark, wait_for_run

    page, blocked, frames, geometry = browser_page
    page.goto(f"{served.url}/kart")
    wait_for_run(page, timeout=300)
    frames.clear()
    mark = probe_mark(page)
    choose_option(page, "filter_delregioner", "Namdalen")  # the sub-region is outlined on the map
    wait_for_run(page, mark, timeout=300)
    change = _messages(frames)
    assert sum(size for size, *_ in change) <= 30_000, sorted(change, reverse=True)[:12]
    assert len(geometry) == 2 and blocked == []


@pytest.mark.browser
def test_new_map_values_move_at_most_30_kb_and_are_drawn(served, browser_page):
    from browser_support import probe_mark, wait_for_run

    page, blocked, frames, geometry = browser_page
    page.goto(f"{served.url}/kart?indikator=behov_per_1000")
    wait_for_run(page, timeout=300)
    page.locator(".st-key-kart canvas.maplibregl-canvas").wait_for(timeout=30_000)
    before = _plot_values(page)
    frames.clear()
    mark = probe_mark(page)
    _choose_area(page, "Helse og omsorg")  # needs per 1,000 inhabitants: health needs only
    wait_for_run(page, mark, timeout=300)
    change = _messages(frames)
    (map_bytes,) = [size for size, kind, _ in change if kind == "plotly_chart"]  # the map did change
    assert map_bytes <= 30_000
    # The rest: the values table beside the map, Streamlit's per-run messages and the sidebar.
    assert sum(size for size, *_ in change) <= 40_000, sorted(change, reverse=True)[:12]
    after = _plot_values(page)
    assert after != before and sorted(c for locations, _ in after for c in locations) == sorted(
        c for locations, _ in before for c in locations
    )  # the same 38 municipalities, new values, drawn from the polygons fetched once
    assert len(geometry) == 2 and blocked == []


@pytest.mark.browser
def test_inline_map_renders_offline_as_one_file(table, tmp_path):
    import functools
    import http.server
    import threading

    from test_browser import colour_share

    from browser_support import offline_browser

    map_figures.choropleth_map(table, "delregion", selected=["5007"]).write_html(
        tmp_path / "kart.html", include_plotlyjs=True
    )
    assert [p.name for p in tmp_path.iterdir()] == ["kart.html"]  # plotly.js, the figure and its polygons
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with offline_browser(viewport=(1200, 900)) as (page, blocked):
            page.goto(f"http://127.0.0.1:{server.server_port}/kart.html")
            page.locator("canvas.maplibregl-canvas").wait_for(timeout=30_000)
            page.wait_for_timeout(3000)
            png = page.screenshot()
    finally:
        server.shutdown()
    namdalen_blue = tuple(round(0.9 * c + 0.1 * 255) for c in (0, 0x72, 0xB2))
    assert colour_share(png, namdalen_blue) > 0.005
    assert colour_share(png, (0x1B, 0x27, 0x33), tolerance=30) > 0.001  # the sub-region outlines
    assert blocked == []
