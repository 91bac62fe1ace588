"""The business form and the review queue in headless Chromium (issue 27): a business fills in the form from a
coordinator's link without logging in, sees nothing else of the app, and the coordinator finds the entry in the
queue with the classifier's suggestions; accepting it creates a need with the confirmed area. A revoked link is
refused. Screenshots in test-artifacts/screenshots/.
"""

from __future__ import annotations

import os

import pytest
from test_innsending import ENTRY

from browser_support import ROOT, WEBSOCKET_PROBE, offline_browser, probe_mark, served_app, wait_for_run
from kompilot_data.records import innsending, storage

pytestmark = pytest.mark.browser
SHOTS = ROOT / "test-artifacts" / "screenshots"
TEXT = "Vi trenger sveisesertifikat for 3 ansatte på verkstedet"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    from records_support import sqlite_copy

    url = sqlite_copy(tmp_path_factory.mktemp("skjema") / "skjema.sqlite", seeded=True)
    engine = storage.make_engine(url, migrate=False)
    yield url, engine
    engine.dispose()


@pytest.fixture(scope="module")
def app_url(database):
    url, _ = database
    with served_app(env={"KOMPILOT_DATABASE_URL": url}, timeout=180) as server:
        yield server.url


def _open(page, url: str) -> None:
    page.add_init_script(WEBSOCKET_PROBE)
    page.goto(url, wait_until="networkidle")
    wait_for_run(page, 0, timeout=180)


def _rerun(page, action) -> None:
    mark = probe_mark(page)
    action()
    wait_for_run(page, mark, timeout=180)


def _choose(scope, label: str, option: str) -> None:
    """Pick ``option`` in the select box ``label`` inside ``scope``: type it, then take it from the list (which opens
    at the page's top level)."""
    page = scope.page if hasattr(scope, "page") else scope
    box = scope.get_by_label(label)
    box.click()
    box.press_sequentially(option)
    page.get_by_role("option", name=option, exact=True).click(timeout=60_000)


def test_a_business_fills_in_the_form_and_the_coordinator_accepts_it(app_url, database):
    _, engine = database
    _, token = innsending.create_link(engine, "Namdalen", "Næringsforum", "koordinator@test")
    needs_before = storage.count(engine, "needs")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with offline_browser((390, 844)) as (page, blocked):
        _open(page, f"{app_url}/?skjema={token}")
        page.get_by_role("button", name="Send inn").wait_for(timeout=60_000)
        # the form alone: no menu, no sidebar, no filters, no figures
        assert page.locator("[data-testid='stSidebar']").count() == 0
        assert page.locator("[data-testid='stPlotlyChart']").count() == 0
        assert page.get_by_text("Namdalen").count() >= 1
        page.get_by_role("textbox", name="Beskriv behovet med egne ord").fill(TEXT)
        page.get_by_label("Hvor mange trenger opplæringen?").fill("3")
        _choose(page, "Når trenger dere det?", "I løpet av året")
        page.get_by_text("Samlingsbasert (noen samlinger, resten hjemme)").click()
        page.get_by_label("Bedriftens navn").fill("Namsos Sveis AS")
        page.get_by_label("Organisasjonsnummer (9 siffer)").fill("974760674")  # wrong check digit first
        _choose(page, "Kommune", "Namsos")
        page.get_by_label("Antall ansatte i bedriften").fill("12")
        page.get_by_label("Navn", exact=True).fill("Kari Nordmann")
        page.get_by_label("E-post").fill("kari@example.no")
        page.get_by_text("Jeg har lest dette og samtykker").click()
        _rerun(page, lambda: page.get_by_role("button", name="Send inn").click())
        error = page.locator("[data-testid='stAlertContentError']")
        assert "Organisasjonsnummeret er ikke gyldig" in error.inner_text()
        assert innsending.queue(engine).empty  # refused: nothing stored
        page.get_by_label("Organisasjonsnummer (9 siffer)").fill("974760673")
        _rerun(page, lambda: page.get_by_role("button", name="Send inn").click())
        page.get_by_text("Takk! Behovet er sendt til koordinatoren for Namdalen").wait_for(timeout=60_000)
        page.screenshot(path=str(SHOTS / "skjema_takk_390.png"))
        assert blocked == []
    waiting = innsending.queue(engine)
    assert waiting["tekst"].tolist() == [TEXT]
    assert storage.count(engine, "needs") == needs_before  # not in the data before review

    with offline_browser((1440, 900)) as (page, blocked):  # local mode: the one user is a coordinator of all
        _open(page, f"{app_url}/innsendinger")
        card = page.locator(f".st-key-entry_{int(waiting.iloc[0]['id'])}")
        card.wait_for(timeout=120_000)
        card.get_by_text("Forslag, kompetanseområde").wait_for(timeout=120_000)
        assert TEXT in card.inner_text()
        assert "Industri og teknikk" in card.inner_text()  # the classifier's first suggestion
        assert "7212 Sveisere" in card.inner_text()
        _choose(card, "Næring", "Industri")
        _choose(card, "Nivå", "Kurs uten studiepoeng")
        page.screenshot(path=str(SHOTS / "skjema_koe_1440.png"))
        _rerun(page, lambda: card.get_by_role("button", name="Godkjenn og opprett behov").click())
        page.get_by_text("er opprettet (Industri og teknikk)").wait_for(timeout=60_000)
        assert blocked == []
    need_id = f"skjema-{int(waiting.iloc[0]['id'])}"
    needs = storage.read_frame(engine, "needs").set_index("behov_id")
    assert storage.count(engine, "needs") == needs_before + 1
    assert (needs.at[need_id, "kompetanseomrade"], needs.at[need_id, "naering"]) == ("industri", "C")
    assert innsending.confirmed_labels(engine)["styrk"].tolist() == ["7212"]


def test_a_revoked_link_is_refused_in_the_users_language(app_url, database):
    _, engine = database
    link_id, token = innsending.create_link(engine, "Fosen", "Gammel", "koordinator@test")
    innsending.revoke_link(engine, link_id, "koordinator@test")
    with offline_browser((390, 844)) as (page, _):
        _open(page, f"{app_url}/kart?skjema={token}&lang=en")
        alert = page.locator("[data-testid='stAlertContentError']")
        alert.wait_for(timeout=60_000)
        assert "The link to the form has been revoked" in alert.inner_text()
        assert page.get_by_role("button", name="Send").count() == 0
        assert page.locator("[data-testid='stSidebar']").count() == 0


@pytest.mark.parametrize("language", ["nb", "en"])
def test_axe_finds_no_serious_violation_on_the_form_and_the_queue(app_url, database, language):
    from test_accessibility import AXE, audit, describe

    if not AXE.exists():
        if os.environ.get("KOMPILOT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"axe-core is not installed: run `npm ci --prefix .ci/axe` ({AXE} is missing)")
        pytest.skip("axe-core is not installed: run `npm ci --prefix .ci/axe`")
    _, engine = database
    _, token = innsending.create_link(engine, "Trøndelag sør", "Axe", "koordinator@test")
    innsending.submit(engine, token, {**ENTRY, "kommunenummer": "5025"})  # Røros: the queue has an entry
    suffix = "&lang=en" if language == "en" else ""
    with offline_browser((1440, 900)) as (page, _):
        _open(page, f"{app_url}/?skjema={token}{suffix}")
        page.locator("[data-testid='stForm']").wait_for(timeout=60_000)
        found = {"skjema": audit(page, str(AXE))}
        _open(page, f"{app_url}/innsendinger?{suffix[1:]}")
        page.locator("[class*='st-key-entry_']").first.wait_for(timeout=120_000)
        found["innsendinger"] = audit(page, str(AXE))
        page.get_by_role("tab", name="Form links" if language == "en" else "Skjemalenker").click()
        page.wait_for_timeout(1000)
        found["lenker"] = audit(page, str(AXE))
    assert not any(found.values()), "\n".join(f"{k}:\n{describe(v)}" for k, v in found.items() if v)
