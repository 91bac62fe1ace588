"""Information design (issue 14): what a reader sees in tables and charts.

* No table header is a raw column name (of the import format or of the View's tables), in bokmål and English,
  and no cell shows ``None``/``NaN``, an ISO date in bokmål, ``True``/``False`` or a code instead of its label.
* In real Chromium at 1440×900 and 390×844: no text of a Plotly chart extends outside its SVG (clipped value
  labels, category labels, axis titles or source lines); bokmål charts write "45 %" and whole numbers without
  "k"; key figures sit two to a row on a phone, sub-region panels one to a row; heatmaps become sorted bar lists
  on a phone; the map shows the whole county (Hitra and Frøya to Lierne and Røyrvik), above the fold on a desktop.
* Screenshots of Oversikt, Kart, Behov mot tilbud (mismatch) and Data at both sizes in both languages go to
  ``test-artifacts/screenshots/design_<page>_<language>_<width>.png``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from app_support import rendered

import kompilot_data as kd
from browser_support import settle
from kompilot_data.present import tables
from kompilot_data.records.schema import NEED_COLUMNS, OFFER_COLUMNS
from kompilot_data.reference import taxonomy
from kompilot_data.view import Audience, View, ViewKey

PAGES = ["oversikt", "kart", "behov", "tilbud", "mismatch", "region", "om_data", "tilgjengelighet", "data"]


def raw_column_names() -> set[str]:
    """Every internal column name a table could show: the import format's and the View's tables'."""
    view = View(kd.load_needs(), kd.load_offers(), ViewKey(audience=Audience.viewer()))
    frames = [
        view.municipality_table.reset_index(),
        view.demand_supply(("kommunenummer", "kompetanseomrade")).reset_index(),
        view.counts(("delregion", "kompetanseomrade"), "deltakere").reset_index(),
        view.pipeline("delregion").reset_index(),
        view.centrality_table.reset_index(),
        view.brokering.pools(12).reset_index(),
        view.white_spots,
    ]
    names = {spec.name for spec in (*NEED_COLUMNS, *OFFER_COLUMNS)}
    for frame in frames:
        names |= {str(column) for column in frame.columns}
    return names - {""}


@pytest.fixture(scope="module")
def raw_names() -> set[str]:
    return raw_column_names()


def shown_headers(element) -> list[str]:
    """The headers a reader sees: the column names, or the labels set in ``column_config``."""
    import json

    config = json.loads(element.proto.columns or "{}") if hasattr(element.proto, "columns") else {}
    headers = []
    for column in element.value.columns:
        label = (config.get(f"col:{column}") or config.get(str(column)) or {}).get("label")
        headers.append(str(label or column))
    return headers


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_no_table_header_is_a_raw_column_name(raw_names, page, language):
    app = rendered(f"app_pages/{page}.py", **({"lang": "en"} if language == "en" else {}))
    headers = {header for frame in app.dataframe for header in shown_headers(frame)}
    assert headers or page in {"tilgjengelighet", "region"}, f"{page}: no table found"
    raw = sorted(headers & raw_names)
    assert not raw, f"{page} ({language}) shows raw column names: {raw}"


INTERNAL_VALUES = {"None", "nan", "NaN", "NaT", "<NA>", "True", "False"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("page", ["behov", "tilbud", "mismatch", "kart", "oversikt", "region", "om_data"])
def test_table_cells_show_labels_dates_and_blanks(page, language):
    app = rendered(f"app_pages/{page}.py", **({"lang": "en"} if language == "en" else {}))
    codes = set()
    for name in ("kompetanseomrade", "niva", "laeringsform", "naering", "storrelse", "behov_status", "behov_kilde"):
        labels = taxonomy.labels(name, language)
        codes |= {code for code, label in labels.items() if code != label}
    problems = []
    for frame in (element.value for element in app.dataframe):
        for column in frame.columns:
            values = frame[column]
            assert not pd.api.types.is_bool_dtype(values), f"{page}: {column} shows True/False"
            assert not pd.api.types.is_datetime64_any_dtype(values), f"{page}: {column} shows raw dates"
            for value in values.dropna().astype(str).unique():
                if value in INTERNAL_VALUES or value in codes or (language == "nb" and ISO_DATE.match(value)):
                    problems.append((column, value))
    assert not problems, f"{page} ({language}): {problems[:10]}"


def test_every_schema_and_view_column_has_its_own_header(raw_names):
    missing = sorted(name for name in raw_names - set(tables.INTERNAL_COLUMNS) if not tables.has_header(name))
    assert not missing, f"add th_<column> labels to texts/labels/design.toml for: {missing}"
    assert tables.header("behov_id", "nb") == "Behov-ID"
    assert tables.header("ettersporsel", "en") == "Demand (participants)"


def test_display_table_formats_a_need_as_a_reader_reads_it():
    needs = kd.load_needs().head(3).copy()
    needs.loc[needs.index[0], "merknad"] = None
    shown = tables.display_table(needs, "nb", kind="needs")
    row = shown.iloc[0]
    first = needs.iloc[0]
    assert row["Registrert"] == first["registrert"].strftime("%d.%m.%Y")
    assert row["Kompetanseområde"] == taxonomy.labels("kompetanseomrade", "nb")[first["kompetanseomrade"]]
    assert row["Kommune"] == kd.load_municipalities().at[first["kommunenummer"], "navn"]
    assert row["Demodata"] == "ja"
    assert row["Merknad"] == ""
    english = tables.display_table(needs, "en", kind="needs")
    assert english.iloc[0]["Demo data"] == "yes"
    assert english.iloc[0]["Registered"] == first["registrert"].strftime("%-d %b %Y")


def test_hidden_cells_show_less_than_three_or_colon():
    # "<3" only where the cell rests on fewer than 3 businesses (primaer); a complement shows SSB's ":".
    frame = pd.DataFrame(
        {
            "kompetanseomrade": ["helse", "bygg", "ikt"],
            "behov": [12.0, float("nan"), float("nan")],
            "skjult": [False, True, True],
            "primaer": [False, True, False],
            "sekundaer": [False, False, True],
        }
    )
    shown = tables.display_table(frame, "nb")
    assert list(shown.columns) == ["Kompetanseområde", "Behov"]
    assert list(shown["Behov"]) == ["12", "<3", ":"]
    # hidden without a primaer flag: ":" (hidden to protect small numbers; claims no number of businesses)
    shown = tables.display_table(frame.drop(columns=["primaer", "sekundaer"]), "nb")
    assert list(shown["Behov"]) == ["12", ":", ":"]


# --- in the browser -------------------------------------------------------------------------------------

SCREENSHOTS = Path(
    os.environ.get("KOMPILOT_SCREENSHOTS", Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots")
)
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
SHOT_PAGES = {"oversikt": "", "kart": "kart", "mismatch": "mismatch", "data": "data"}

CLIPPED_TEXT = """() => {
  const out = [];
  document.querySelectorAll('[data-testid=stPlotlyChart]').forEach((chart, i) => {
    if (!chart.offsetParent) return;
    const svg = chart.querySelector('svg.main-svg');
    if (!svg) return;
    const box = svg.getBoundingClientRect();
    chart.querySelectorAll('svg.main-svg text').forEach((t) => {
      const style = getComputedStyle(t);
      if (!t.textContent.trim() || style.display === 'none' || style.visibility === 'hidden') return;
      if (t.closest('[style*="opacity: 0;"]') || parseFloat(style.opacity) === 0) return;
      const r = t.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        out.push({chart: chart.closest('[class*=st-key-]')?.className.match(/st-key-[^ ]+/)?.[0] || String(i),
                  text: t.textContent.slice(0, 60),
                  over: [box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom].map(Math.round)});
      }
    });
  });
  return out;
}"""
CHART_TEXT = """() => [...document.querySelectorAll('[data-testid=stPlotlyChart] svg.main-svg text')]
  .filter(t => t.closest('[data-testid=stPlotlyChart]').offsetParent).map(t => t.textContent)"""


@pytest.fixture(scope="module")
def app_url(app_server):
    return app_server.url


@pytest.fixture(scope="module", params=list(SIZES))
def sized_page(request, app_url):
    from browser_support import offline_browser

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with offline_browser(SIZES[request.param]) as (page, blocked):
        page.set_default_timeout(120_000)
        yield request.param, page, blocked


def full_screenshot(page, size: tuple[int, int], path: Path) -> None:
    """The whole page (Streamlit scrolls inside its main area, so the window is made as tall as the page); the window
    is given back its size for the next test, which loads its own page and waits for it."""
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size[0], "height": max(size[1], min(height, 9000))})
    page.wait_for_timeout(1500)
    settle(page)
    page.screenshot(path=path)
    page.set_viewport_size({"width": size[0], "height": size[1]})


@pytest.mark.browser
@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("name", list(SHOT_PAGES))
def test_charts_are_not_clipped_and_screenshots(app_url, sized_page, name, language):
    size_name, page, blocked = sized_page
    page.goto(f"{app_url}/{SHOT_PAGES[name]}" + ("?lang=en" if language == "en" else ""))
    settle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    clipped = page.evaluate(CLIPPED_TEXT)
    full_screenshot(page, SIZES[size_name], SCREENSHOTS / f"design_{name}_{language}_{SIZES[size_name][0]}.png")
    assert not clipped, f"{name} {language} {size_name}: text outside its chart: {clipped[:8]}"
    if language == "nb":
        texts = page.evaluate(CHART_TEXT)
        assert not [t for t in texts if re.search(r"\d%", t)], "bokmål writes 45 %, with a space"
        assert not [t for t in texts if re.fullmatch(r"−?\d+(,\d+)?k", t.strip())], "no SI 'k' ticks"
    assert blocked == []


@pytest.mark.browser
@pytest.mark.parametrize("path", ["behov", "tilbud", "region", "om-data", "tilgjengelighet"])
def test_other_pages_charts_are_not_clipped(app_url, sized_page, path):
    size_name, page, _ = sized_page
    page.goto(f"{app_url}/{path}")
    settle(page)
    clipped = page.evaluate(CLIPPED_TEXT)
    assert not clipped, f"{path} {size_name}: text outside its chart: {clipped[:8]}"


def tops(page, selector: str) -> list[tuple[int, int]]:
    return [
        (round(box["y"]), round(box["x"]))
        for box in (page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count()))
        if box
    ]


@pytest.mark.browser
def test_phone_layout(app_url, sized_page):
    size_name, page, _ = sized_page
    page.goto(f"{app_url}/")
    settle(page)
    metrics = tops(page, ".st-key-kpis_overview [data-testid='stMetric']")
    assert len(metrics) == 5
    rows = sorted({y for y, _ in metrics})
    per_row = [sum(1 for y, _ in metrics if y == row) for row in rows]
    # The sub-region panels (history: every need since 2021) sit behind their tab since issue 20.
    page.get_by_role("tab", name="Historikk: alle behov siden 2021").click()
    settle(page)
    panels = tops(page, "[class*='st-key-smamultipler_'] [data-testid='stPlotlyChart']")
    assert len(panels) == 4
    if size_name == "phone":
        assert per_row[:2] == [2, 2], f"key figures on a phone: {per_row}"
        assert len({y for y, _ in panels}) == 4, "one sub-region panel per row on a phone"
        page.goto(f"{app_url}/mismatch")
        settle(page)
        assert page.locator(".st-key-desktop_mismatch_region").is_hidden()
        assert page.locator(".st-key-phone_mismatch_region [data-testid='stPlotlyChart']").is_visible()
    else:
        assert per_row == [5], f"key figures on a desktop: {per_row}"
        assert len({y for y, _ in panels}) == 2, "two sub-region panels per row on a desktop"
        page.goto(f"{app_url}/mismatch")
        settle(page)
        assert page.locator(".st-key-phone_mismatch_region").is_hidden()


@pytest.mark.browser
def test_map_shows_the_whole_county(app_url, sized_page):
    from browser_support import lonlat_to_pixel
    from kompilot_data.present import maps
    from kompilot_data.reference import load_geometry

    size_name, page, _ = sized_page
    page.goto(f"{app_url}/kart")
    settle(page)
    canvas = page.locator(".st-key-kart canvas.maplibregl-canvas")
    canvas.wait_for()
    box = canvas.bounding_box()
    west, south, east, north = load_geometry().total_bounds  # Frøya/Hitra in the west, Lierne/Røyrvik in the east
    for lon, lat in ((west, south), (west, north), (east, south), (east, north)):
        x, y = lonlat_to_pixel(lon, lat, maps.MAP_CENTER, maps.MAP_ZOOM, (box["width"], box["height"]))
        assert 0 <= x <= box["width"] and 0 <= y <= box["height"], f"{size_name}: ({lon}, {lat}) outside the map"
    if size_name == "desktop":
        _, top_y = lonlat_to_pixel(west, north, maps.MAP_CENTER, maps.MAP_ZOOM, (box["width"], box["height"]))
        _, bottom_y = lonlat_to_pixel(west, south, maps.MAP_CENTER, maps.MAP_ZOOM, (box["width"], box["height"]))
        assert box["y"] + top_y >= 0 and box["y"] + bottom_y <= SIZES["desktop"][1], "the county is above the fold"
