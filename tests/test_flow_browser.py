"""The pydeck flow map in real headless Chromium with every non-loopback request blocked: nothing is fetched from
outside (deck.gl comes from Streamlit's own bundle, there is no basemap), the arcs are drawn (pixels of the arc
colours in the canvas), and the tooltip speaks the user's language.

Runs ``tests/flow_app.py`` (a View of the embedded data drawn by ``ui.flows.flow_map``). Screenshots go to
``test-artifacts/screenshots/flow_map*.png``.
"""

import io
import os
import time
from pathlib import Path

import pytest

import kompilot_data as kd
from browser_support import offline_browser, running_app, wait_for_app
from kompilot_data.engine.reach import ReachSetting
from kompilot_data.present import flow_map
from kompilot_data.view import Audience, View

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(
    os.environ.get("KOMPILOT_SCREENSHOTS", Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots")
)
KM90 = ReachSetting("luftlinje", 90)  # the app is opened with ?reach=luftlinje: more arcs than 90 minutes


@pytest.fixture(scope="module")
def app_url():
    with running_app(script="tests/flow_app.py") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with offline_browser((1400, 1300)) as (page, blocked):
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        yield page, blocked, requests


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


def colour_pixels(png: bytes, hex_colour: str, tolerance: int = 30) -> list[tuple[int, int]]:
    """Pixels of the arc colour as drawn (alpha 235 over the light grey polygons or white)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    alpha = flow_map.ARC_ALPHA / 255
    targets = [
        tuple(round(c * alpha + b * (1 - alpha)) for c, b in zip(_rgb(hex_colour), background, strict=True))
        for background in (flow_map.SELECTED_FILL[:3], (255, 255, 255))
    ]
    width, height = image.size
    pixels = image.load()
    return [
        (x, y)
        for y in range(height)
        for x in range(width)
        if any(all(abs(pixels[x, y][i] - target[i]) <= tolerance for i in range(3)) for target in targets)
    ]


def open_flow_map(page, url: str):
    page.goto(url)
    wait_for_app(page)
    chart = page.locator("[data-testid='stDeckGlJsonChart']")
    chart.locator("canvas#deckgl-overlay").wait_for(timeout=120_000)  # the deck.gl chunk loads on first use
    return chart


def wait_for_arcs(chart, colour: str, minimum: int, timeout: float = 60) -> tuple[bytes, list[tuple[int, int]]]:
    deadline = time.monotonic() + timeout
    while True:
        png = chart.screenshot()
        found = colour_pixels(png, colour)
        if len(found) >= minimum or time.monotonic() > deadline:
            return png, found
        chart.page.wait_for_timeout(1000)


def test_flow_map_draws_arcs_offline(app_url, browser):
    page, blocked, requests = browser
    view = View(kd.load_needs(), kd.load_offers(), reach=KM90)
    data = view.brokering.flows
    legend = flow_map.flow_legend(data, "nb")
    assert len(legend) >= 2, "the embedded data should give arcs in at least two areas"
    chart = open_flow_map(page, f"{app_url}/?reach=luftlinje")
    page.get_by_role("heading", name="Hvor ville deltakerne reise?").wait_for(timeout=30_000)
    png, first = wait_for_arcs(chart, legend[0][1], minimum=200)
    page.screenshot(path=SCREENSHOTS / "flow_map.png", full_page=True)
    (SCREENSHOTS / "flow_map_canvas.png").write_bytes(png)

    assert blocked == [], f"the flow map tried to reach the internet: {blocked[:3]}"
    deck_bundle = [url for url in requests if "DeckGlJsonChart" in url and url.endswith(".js")]
    assert deck_bundle and all(url.startswith(app_url) for url in deck_bundle)
    assert page.locator("[data-testid='stException']").count() == 0

    # arcs: the largest area's colour is drawn, and the second area's too
    assert len(first) >= 200, f"{legend[0][0]}: {len(first)} pixels of {legend[0][1]} in the canvas"
    assert len(colour_pixels(png, legend[1][1])) >= 30, f"no pixels of {legend[1][0]} ({legend[1][1]})"
    # the municipality polygons are drawn (a share of the canvas in their grey); no basemap tiles behind them
    assert len(colour_pixels(png, "#E2E2E2", tolerance=3)) > 20_000

    # the words next to the map come from the same data
    assert page.get_by_text(flow_map.placeless_sentence(data, "nb")).count() == 1
    assert page.get_by_text("Tallene bak kartet").count() == 1

    # hover an arc: the tooltip names the route and the participants in bokmål
    box = chart.locator("canvas#deckgl-overlay").bounding_box()
    inside = set(first)
    solid = [(x, y) for x, y in first if all((x + dx, y + dy) in inside for dx in (-2, 0, 2) for dy in (-2, 0, 2))]
    assert solid, "no arc wide enough to hover"
    x, y = solid[len(solid) // 2]
    page.mouse.move(box["x"] + x, box["y"] + y)
    tooltip = page.locator(".deck-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    text = tooltip.inner_text()
    assert "→" in text and "deltaker" in text and legend[0][0] in text, text


def test_flow_map_for_viewers_in_english(app_url, browser):
    page, blocked, _ = browser
    view = View(kd.load_needs(), kd.load_offers(), reach=KM90, language="en", audience=Audience.viewer())
    data = view.brokering.flows
    chart = open_flow_map(page, f"{app_url}/?reach=luftlinje&lang=en&rolle=leser")
    page.get_by_role("heading", name="Where would participants travel?").wait_for(timeout=30_000)
    # a viewer's arcs are all areas together, in one colour (none when every arc rests on too few businesses)
    if not data.arcs.empty:
        _, found = wait_for_arcs(chart, flow_map.ARC_COLOURS[0], minimum=100)
        assert len(found) >= 100
    else:
        page.wait_for_timeout(3000)
    page.screenshot(path=SCREENSHOTS / "flow_map_en_viewer.png", full_page=True)
    assert blocked == [], f"the flow map tried to reach the internet: {blocked[:3]}"
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text(flow_map.placeless_sentence(data, "en")).count() == 1
    assert page.get_by_text("The figures behind the map").count() == 1
