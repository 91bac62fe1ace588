"""Browser tests in real headless Chromium, offline: every page renders, the map draws, a click filters.

Screenshots go to ``test-artifacts/screenshots`` (printed at the end of the run).
"""

import io
import os
from pathlib import Path

import numpy as np
import pytest
from plotly.colors import sample_colorscale

from browser_support import lonlat_to_pixel, offline_browser, wait_for_app
from kompilot_data.present import maps

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(
    os.environ.get("KOMPILOT_SCREENSHOTS", Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots")
)
PAGES = {
    "": "Oversikt",
    "kart": "Kart",
    "behov": "Kompetansebehov",
    "tilbud": "Tilbud (etter- og videreutdanning)",
    "mismatch": "Behov mot tilbud: hvor mangler det plasser?",
    "region": "Regionprofil",
    "om-data": "Om data",
    "tilgjengelighet": "Tilgjengelighetserklæring",
    "data": "Data: import, redigering og eksport",
}


@pytest.fixture(scope="module")
def app_url(app_server):
    return app_server.url


@pytest.fixture(scope="module")
def browser_page():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with offline_browser() as (page, blocked):
        yield page, blocked
    print(f"\nscreenshots: {SCREENSHOTS}")


def open_page(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)


def active_filters(page) -> str:
    return page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text()


def wait_for_map(page, key: str = "kart"):
    """The plotly map's MapLibre canvas inside the element with ``key``; waits until it is drawn."""
    container = page.locator(f".st-key-{key}")
    container.locator("canvas.maplibregl-canvas").wait_for(timeout=30_000)
    page.wait_for_timeout(2500)
    return container.locator(".js-plotly-plot").first


def colour_share(png: bytes, rgb: tuple[int, int, int], tolerance: int = 12) -> float:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(image.get_flattened_data())
    hits = sum(1 for p in pixels if all(abs(p[i] - rgb[i]) <= tolerance for i in range(3)))
    return hits / len(pixels)


@pytest.mark.parametrize(("path", "title"), PAGES.items())
def test_page_renders_offline(app_url, browser_page, path, title):
    page, blocked = browser_page
    open_page(page, f"{app_url}/{path}")
    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=SCREENSHOTS / f"{path or 'oversikt'}.png")
    assert blocked == [], f"the page tried to reach the internet: {blocked[:3]}"


def test_map_draws_polygons_and_a_click_sets_the_filter(app_url, browser_page):
    page, blocked = browser_page
    open_page(page, f"{app_url}/kart")
    plot = wait_for_map(page)
    png = plot.screenshot()
    (SCREENSHOTS / "kart_kart.png").write_bytes(png)
    # The map opens on unmet demand in quintile classes (issue 20): the lightest and the darkest class are drawn
    # as polygons (a legend swatch alone is under 0.1 % of the picture), at their 0.9 opacity over white.
    classes = sample_colorscale(maps.SEQUENTIAL, list(np.linspace(0.25, 1.0, 5)))
    for colour in (classes[0], classes[-1]):
        rgb = tuple(round(0.9 * float(c) + 0.1 * 255) for c in colour[4:-1].split(","))
        assert colour_share(png, rgb, tolerance=6) > 0.005, f"the unmet-demand polygons in {colour} are not drawn"
    # The sub-regions' own colours: Namdalen's blue at the polygons' 0.9 opacity over white.
    open_page(page, f"{app_url}/kart?indikator=delregion")
    plot = wait_for_map(page)
    png = plot.screenshot()
    (SCREENSHOTS / "kart_delregion.png").write_bytes(png)
    namdalen_blue = tuple(round(0.9 * c + 0.1 * 255) for c in (0, 0x72, 0xB2))
    assert colour_share(png, namdalen_blue) > 0.015, "Namdalen's polygons are not drawn"
    sor_orange = tuple(round(0.9 * c + 0.1 * 255) for c in (0xE6, 0x9F, 0x00))
    assert colour_share(png, sor_orange) > 0.015, "Trøndelag sør's polygons are not drawn"

    box = plot.locator(".maplibregl-canvas").bounding_box()
    x, y = lonlat_to_pixel(11.12, 64.255, maps.MAP_CENTER, maps.MAP_ZOOM, (box["width"], box["height"]))
    page.mouse.click(box["x"] + x, box["y"] + y)  # Namsos' representative point
    page.wait_for_url("**kommune=5007**", timeout=20_000)
    wait_for_app(page)
    assert "Aktive filtre: Namsos" in active_filters(page)
    page.screenshot(path=SCREENSHOTS / "kart_valgt_namsos.png")
    # After the click every municipality keeps its colour (the map is drawn without the place filter), and the
    # selection is a near-black outline, not the orange of Trøndelag sør.
    after = wait_for_map(page).screenshot()
    assert colour_share(after, namdalen_blue) > 0.012, "Namdalen's other municipalities lost their colour"
    assert colour_share(after, sor_orange) > 0.015, "Trøndelag sør lost its colour after the click"
    assert colour_share(after, (0x11, 0x11, 0x11), tolerance=10) > 0.0005, "no dark outline around Namsos"
    assert blocked == []


def test_filter_in_link_survives_reload_and_page_switch(app_url, browser_page):
    page, _ = browser_page
    open_page(page, f"{app_url}/behov?region=Fosen&omrade=helse")
    assert active_filters(page) == "Aktive filtre: Fosen · Helse og omsorg"
    page.reload()
    wait_for_app(page)
    assert active_filters(page) == "Aktive filtre: Fosen · Helse og omsorg"
    page.get_by_role("link", name="Tilbud", exact=True).click()
    page.wait_for_url("**/tilbud?**", timeout=20_000)
    wait_for_app(page)
    assert "region=Fosen" in page.url and "omrade=helse" in page.url
    assert active_filters(page) == "Aktive filtre: Fosen · Helse og omsorg"


def test_english_link(app_url, browser_page):
    page, _ = browser_page
    open_page(page, f"{app_url}/kart?lang=en&indikator=hoyere_utdanning")
    page.get_by_role("heading", name="Map").first.wait_for(timeout=30_000)
    wait_for_map(page)
    page.screenshot(path=SCREENSHOTS / "kart_en_hoyere_utdanning.png")
