"""Presentation mode in real headless Chromium at projector sizes: every step fits the screen without scrolling,
headline figures are not cut, real keys (→, PageDown, ←, PageUp, Esc) navigate, the English interface is
English, and real statistics carry their source while demo-derived steps carry the demo tag.

Screenshots of the six steps at 1920×1080 go to ``test-artifacts/screenshots/presentasjon_1920_<step>.png``.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from browser_support import offline_browser

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(
    os.environ.get("KOMPILOT_SCREENSHOTS", Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots")
)
TITLES = {
    "nb": [
        "Situasjonen",
        "Kompetansebehov",
        "Tilbud innen rekkevidde",
        "Underskudd og hvite flekker",
        "Kursmuligheter",
        "Siden sist",
    ],
    "en": [
        "The situation",
        "Competence needs",
        "Offers within reach",
        "Gaps and white spots",
        "Course opportunities",
        "Since last time",
    ],
}
LAST = len(TITLES["nb"])

# The step is drawn: the script has finished, nothing is stale, the main chart (or table) is on the page.
READY = """(title) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const heading = document.querySelector('.st-key-present_head h1');
  const body = document.querySelector('.st-key-present_body');
  if (!heading || heading.innerText.trim() !== title || !body) return false;
  const svg = body.querySelector('.main-svg');
  return !!(body.querySelector('table') || (svg && svg.getBoundingClientRect().height > 100));
}"""

# Everything a presenter needs is inside the viewport, nothing scrolls, nothing is cut.
MEASURE = """() => {
  const rect = (el) => el.getBoundingClientRect();
  const main = document.querySelector('[data-testid="stMain"]');
  const body = document.querySelector('.st-key-present_body');
  const nav = document.querySelector('.st-key-present_nav');
  const headline = [...document.querySelectorAll(
    '.st-key-present_kpis [data-testid="stMetricValue"], .st-key-present_kpis [data-testid="stMetricValue"] *,'
    + ' .st-key-present_kpis [data-testid="stMetricLabel"], .st-key-present_kpis [data-testid="stMetricLabel"] *')];
  const inBody = [...body.querySelectorAll('.main-svg, table, p')];
  const title = document.querySelector('.st-key-present_body .gtitle');
  return {
    viewport: window.innerHeight,
    scrollHeight: document.scrollingElement.scrollHeight,
    mainScroll: main.scrollHeight, mainClient: main.clientHeight,
    bodyScroll: body.scrollHeight, bodyClient: body.clientHeight,
    bodyBottom: rect(body).bottom,
    lowestInBody: Math.max(...inBody.map((el) => rect(el).bottom)),
    navTop: rect(nav).top, navBottom: rect(nav).bottom,
    cut: headline.filter((el) => el.scrollWidth > el.clientWidth).map((el) => el.textContent),
    headlines: document.querySelectorAll('.st-key-present_kpis [data-testid="stMetricValue"]').length,
    modebars: [...document.querySelectorAll('.modebar-btn')].filter((el) => el.offsetParent !== null).length,
    chartTitlePx: title ? parseFloat(getComputedStyle(title.querySelector('text') || title).fontSize) : null,
    sourcePx: [...document.querySelectorAll('.present-chart-source, .present-source')].map(
      (el) => parseFloat(getComputedStyle(el).fontSize)),
    demoTags: document.querySelectorAll('.present-demo').length,
    text: document.querySelector('[data-testid="stMain"]').innerText,
  };
}"""


@pytest.fixture(scope="module")
def app_url(app_server):
    return app_server.url


def wait_for_step(page, name: str, title: str) -> None:
    page.wait_for_function(READY, arg=f"{name}: {title}", timeout=90_000)
    page.wait_for_timeout(700)  # plotly settles its size to the space that is left


def step_in_url(page) -> str:
    return parse_qs(urlparse(page.url).query)["steg"][0]


def check_fits(page, where: str) -> dict:
    m = page.evaluate(MEASURE)
    assert m["scrollHeight"] <= m["viewport"], f"{where}: the page scrolls ({m['scrollHeight']} px)"
    assert m["mainScroll"] <= m["mainClient"], f"{where}: the main area overflows ({m['mainScroll']} px)"
    assert m["bodyScroll"] <= m["bodyClient"] + 1, f"{where}: the chart area overflows"
    assert m["lowestInBody"] <= m["bodyBottom"] + 1, f"{where}: chart or source line cut off at the bottom"
    assert m["lowestInBody"] <= m["navTop"], f"{where}: the chart runs into the navigation"
    assert m["navBottom"] <= m["viewport"], f"{where}: the navigation is off-screen"
    assert m["headlines"] >= 3 and m["cut"] == [], f"{where}: headline figures cut: {m['cut']}"
    assert m["modebars"] == 0, f"{where}: the Plotly toolbar is shown"
    assert m["chartTitlePx"] is None or m["chartTitlePx"] >= 24, f"{where}: chart title {m['chartTitlePx']} px"
    assert min(m["sourcePx"]) >= 12, f"{where}: source lines {m['sourcePx']} px"
    return m


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)], ids=["1920x1080", "1366x768"])
def test_every_step_fits_and_keys_navigate(app_url, size):
    width, height = size
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with offline_browser(size) as (page, blocked):
        page.goto(f"{app_url}/presentasjon?profil=Namdalen&steg=1&fra=2020-01-01")  # a filter that keeps all
        for step, title in enumerate(TITLES["nb"], start=1):
            wait_for_step(page, "Namdalen", title)
            assert step_in_url(page) == str(step)
            m = check_fits(page, f"{width}×{height} step {step}")
            if step == 1:  # real statistics: source and year, never the demo tag
                assert m["demoTags"] == 0 and "Kilde: SSB, tabell 07459 (" in m["text"]
                assert "Trøndelag: " in m["text"] and "DEMO-DATA" not in m["text"]
            else:  # computed from demo records: the tag is on the step and on the chart itself
                assert m["demoTags"] == 1 and "demodata" in m["text"]
                assert "DEMO-DATA" in page.locator(".st-key-present_body .js-plotly-plot").first.inner_html()
            if width == 1920:
                page.screenshot(path=SCREENSHOTS / f"presentasjon_{width}_{step}.png")
            if step == LAST:  # since last time: the finding counts from three months back, the default
                assert "Siden " in m["text"] and "nye behov" in m["text"] and "Kurs etablert" in m["text"]
            if step < LAST:  # what a clicker sends: alternately → and PageDown
                page.keyboard.press("ArrowRight" if step % 2 else "PageDown")
                page.wait_for_url(f"**steg={step + 1}**", timeout=30_000)
        page.keyboard.press("PageDown")  # on the last step: stays
        page.wait_for_timeout(1500)
        assert step_in_url(page) == str(LAST)
        page.keyboard.press("ArrowLeft")
        page.wait_for_url(f"**steg={LAST - 1}**", timeout=30_000)
        wait_for_step(page, "Namdalen", TITLES["nb"][LAST - 2])
        page.keyboard.press("PageUp")
        page.wait_for_url(f"**steg={LAST - 2}**", timeout=30_000)
        wait_for_step(page, "Namdalen", TITLES["nb"][LAST - 3])
        page.keyboard.press("Escape")  # leaves, keeping the filters and the region
        page.wait_for_url("**/region?**", timeout=30_000)
        page.get_by_role("heading", name="Regionprofil").first.wait_for(timeout=60_000)
        query = parse_qs(urlparse(page.url).query)
        assert query["fra"] == ["2020-01-01"] and query["profil"] == ["Namdalen"]
        assert page.locator("[data-testid='stSidebar']").is_visible()
        assert blocked == []


def test_visible_exit_link_and_english_interface(app_url):
    with offline_browser((1366, 768)) as (page, blocked):
        page.goto(f"{app_url}/presentasjon?profil=Fosen&steg=2&lang=en")
        wait_for_step(page, "Fosen", TITLES["en"][1])
        m = check_fits(page, "English step 2")
        for norwegian in ("Kilde", "Beregnet", "Neste", "Avslutt", "Deltakere", "DEMO-DATA"):
            assert norwegian not in m["text"], norwegian
        assert "DEMO DATA" in m["text"] and "Next ▶" in m["text"]
        page.keyboard.press("ArrowLeft")
        wait_for_step(page, "Fosen", TITLES["en"][0])
        assert "Source: Statistics Norway, table 07459 (" in page.evaluate(MEASURE)["text"]
        page.get_by_role("link", name="Exit").click()
        page.wait_for_url("**/region?**", timeout=30_000)
        query = parse_qs(urlparse(page.url).query)
        assert query["lang"] == ["en"] and query["profil"] == ["Fosen"]
        page.get_by_role("heading", name="Regional profile").first.wait_for(timeout=60_000)
        assert blocked == []


def test_since_last_time_counts_from_the_date_in_the_link(app_url):
    with offline_browser((1920, 1080)) as (page, blocked):
        page.goto(f"{app_url}/presentasjon?profil=Namdalen&steg={LAST}&siden=2026-09-01")
        wait_for_step(page, "Namdalen", TITLES["nb"][LAST - 1])
        m = check_fits(page, "since 01.09.2026")
        assert "Siden 01.09.2026: " in m["text"] and m["demoTags"] == 1
        assert "Behov per kvartal" in page.locator(".st-key-present_body .js-plotly-plot").first.inner_html()
        page.screenshot(path=SCREENSHOTS / "presentasjon_1920_siden_2026-09-01.png")
        page.goto(f"{app_url}/presentasjon?profil=Namdalen&steg={LAST}&siden=2026-09-01&lang=en")
        wait_for_step(page, "Namdalen", TITLES["en"][LAST - 1])
        assert "Since 1 Sep 2026: " in page.evaluate(MEASURE)["text"]
        assert blocked == []
