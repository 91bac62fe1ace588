"""Accessibility in real headless Chromium (issue 14, WCAG 2.1 AA).

* axe-core (the npm package pinned in ``.ci/axe``; ``npm ci --prefix .ci/axe``) audits every page in bokmål
  and English, and every tab of the pages with tabs: no serious or critical violation is allowed.
* Keyboard: the page menu, the filters and the page's own controls are reached with Tab, and every focused
  control shows a visible focus indicator.
* Charts have a text alternative: an accessible name (``alt``) and the figures behind them in an expander.

Without ``.ci/axe/node_modules`` the axe tests skip locally and fail when ``KOMPILOT_REQUIRE_BROWSER`` is set (CI).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from browser_support import offline_browser, settle

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["", "kart", "behov", "tilbud", "mismatch", "region", "om-data", "data", "tilgjengelighet", "presentasjon"]
#: Pages with tabs: each tab is audited, since axe does not see the content of hidden tabs.
TABBED = {"mismatch", "data"}
SERIOUS = ("serious", "critical")

@pytest.fixture(scope="module")
def axe_script() -> str:
    if not AXE.exists():
        message = f"axe-core is not installed: run `npm ci --prefix .ci/axe` ({AXE} is missing)"
        if os.environ.get("KOMPILOT_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return str(AXE)


@pytest.fixture(scope="module")
def app_url(app_server):
    return app_server.url


@pytest.fixture(scope="module")
def browser_page(app_url):
    with offline_browser((1440, 900)) as (page, blocked):
        page.set_default_timeout(120_000)
        yield page, blocked


def audit(page, axe_script: str) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.0/2.1 A and AA rules and
    axe's best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=axe_script)
    violations = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 240)),
          }));
        }"""
    )
    return [v for v in violations if v["impact"] in SERIOUS]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations)


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_violation(app_url, browser_page, axe_script, path, language):
    page, blocked = browser_page
    page.goto(f"{app_url}/{path}" + ("?lang=en" if language == "en" else ""))
    settle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    found = {"": audit(page, axe_script)}
    if path in TABBED:
        tabs = page.get_by_role("tab")
        for index in range(1, tabs.count()):
            tab = tabs.nth(index)
            name = tab.inner_text()
            tab.click()
            settle(page)
            found[name] = audit(page, axe_script)
    problems = {tab: v for tab, v in found.items() if v}
    assert not problems, "\n".join(
        f"[{path or 'oversikt'} {language} {tab}]\n{describe(v)}" for tab, v in problems.items()
    )
    assert blocked == []


FOCUS_STYLE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const ring = s.boxShadow && s.boxShadow !== 'none';
  return {tag: e.tagName, label: (e.getAttribute('aria-label') || e.innerText || e.value || '').slice(0, 40),
          visible: r.width > 0 && r.height > 0, indicator: outline || ring,
          inSidebar: !!e.closest('[data-testid=stSidebar]'), inMain: !!e.closest('[data-testid=stMain]')};
}"""


def test_keyboard_reaches_menu_filters_and_page_controls_with_visible_focus(app_url, browser_page):
    page, _ = browser_page
    page.goto(f"{app_url}/kart")
    settle(page)
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STYLE)
        if state:
            seen.append(state)
    assert seen, "Tab reached no control"
    labels = [s["label"] for s in seen]
    assert any(s["inSidebar"] and s["tag"] == "A" and "Oversikt" in s["label"] for s in seen), labels
    assert any(s["inSidebar"] and s["tag"] == "INPUT" for s in seen), labels  # the filters
    assert any(s["inMain"] for s in seen), labels  # the page's own controls
    hidden_focus = [s for s in seen if s["visible"] and not s["indicator"]]
    assert not hidden_focus, f"focus not visible on: {hidden_focus[:5]}"


def test_every_chart_has_a_name_and_its_figures_in_an_expander(app_url, browser_page):
    page, _ = browser_page
    # Oversikt: the first screen's unmet-demand charts (issue 20) brought their own tables (8 + 2).
    firsts = {"": ["Udekket etterspørsel per kommune", "Udekket og overskudd per område"]}
    for path, tables in (("", 10), ("behov", 5), ("mismatch", 3)):
        page.goto(f"{app_url}/{path}")
        settle(page)
        charts = page.locator("[data-testid='stPlotlyChart']:visible")
        names = [
            charts.nth(i).evaluate(
                "e => e.getAttribute('aria-label') || e.querySelector('[aria-label]')?.getAttribute('aria-label')"
            )
            for i in range(charts.count())
        ]
        assert charts.count() > 0 and all(names), f"{path}: charts without an accessible name: {names}"
        expanders = page.locator("[data-testid='stExpander'] summary")
        texts = [expanders.nth(i).inner_text() for i in range(expanders.count())]
        assert sum("Tallene bak figuren:" in text for text in texts) == tables, texts
        for title in firsts.get(path, []):
            assert any(f"Tallene bak figuren: {title}" in text for text in texts), (title, texts)


@pytest.mark.parametrize(
    ("language", "title"), [("nb", "Kart – Kompetansepilot Trøndelag"), ("en", "Map – Kompetansepilot Trøndelag")]
)
def test_page_language_and_title(app_url, browser_page, language, title):
    page, _ = browser_page
    page.goto(f"{app_url}/kart" + ("?lang=en" if language == "en" else ""))
    settle(page)
    page.wait_for_function(f"() => document.documentElement.lang === '{language}'", timeout=30_000)
    assert page.title() == title
    if language == "nb":  # Streamlit's own strings in bokmål
        assert page.locator("[data-testid='stSkipToContent']").inner_text() == "Hopp til hovedinnholdet"
        assert page.locator("[aria-label='Velg dato']").count() == 2
        assert page.locator(".modebar-btn[data-title='Last ned figuren som PNG']").count() >= 1
