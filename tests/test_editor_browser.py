"""The Data page in headless Chromium (issue 13): typing "12" into a cell of the table editor stores 12, and the
import preview as a coordinator sees it (screenshot in test-artifacts/screenshots/).

Without the typing fix in ``ui/data_page.py`` (:func:`ui.data_page.typing_fix`) this test stores 2: the grid opens
a cell's editor on the first key, and the second key, typed before the editor has the focus, opens it again.

The tests share one ``streamlit run`` on one copy of the demo database (as several coordinators share one app):
each changes records of its own (the typing test DEMO-B0001, the preview test DEMO-B0004 to DEMO-B0006), so their
order does not matter.
"""

from __future__ import annotations

import contextlib

import pytest

from browser_support import ROOT, WEBSOCKET_PROBE, offline_browser, probe_mark, served_app, wait_for_run
from kompilot_data.records import importer, storage

pytestmark = pytest.mark.browser
SHOTS = ROOT / "test-artifacts" / "screenshots"
KARI = "kari@namdal.no"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    from records_support import sqlite_copy

    url = sqlite_copy(tmp_path_factory.mktemp("editor") / "editor.sqlite", seeded=True)
    engine = storage.make_engine(url, migrate=False)
    yield url, engine
    engine.dispose()


@pytest.fixture(scope="module")
def app_url(database):
    url, _ = database
    with served_app(env={"KOMPILOT_DATABASE_URL": url}, timeout=180) as server:
        yield server.url


@pytest.fixture
def engine(database):
    return database[1]


@contextlib.contextmanager
def _browser(viewport=(1600, 1000)):
    """A page with the websocket probe: the tests wait for the script run an action started to finish
    (``wait_for_run``), however long a loaded machine takes, rather than for a fixed time."""
    with offline_browser(viewport) as (page, blocked):
        page.add_init_script(WEBSOCKET_PROBE)
        yield page, blocked


def _open(page, url: str) -> None:
    page.goto(url, wait_until="networkidle")
    wait_for_run(page, 0, timeout=180)


def _rerun(page, action) -> None:
    """Do ``action`` (a click) and wait until the script run it starts has finished and the page is quiet."""
    mark = probe_mark(page)
    action()
    wait_for_run(page, mark, timeout=120)


def _wait_quiet(page, ms: int = 1500) -> None:
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60_000)
    page.wait_for_timeout(ms)


def _edit_tab(page, url: str) -> None:
    _open(page, f"{url}/data")
    page.get_by_role("tab", name="Rediger").click()
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
    _wait_quiet(page)


def test_typing_12_into_a_cell_stores_12(app_url, engine):
    record = storage.read_frame(engine, "needs", with_meta=True).iloc[0]
    assert record["behov_id"] == "DEMO-B0001" and record["antall_deltakere"] != 12
    # Glide's columns: 0 = row markers, 1 = the id (index), then the editor's columns in schema order.
    target = f"glide-cell-{2 + ['registrert', 'bedrift_id', 'orgnr', 'kommunenummer', 'naering', 'storrelse', 'kompetanseomrade', 'niva', 'laeringsform', 'antall_deltakere'].index('antall_deltakere')}-0"
    with _browser() as (page, blocked):
        _edit_tab(page, app_url)
        grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
        page.mouse.click(grid["x"] + 170, grid["y"] + 35 + 17)  # first record, an early column
        page.wait_for_function("() => document.activeElement.id.startsWith('glide-cell-')", timeout=10_000)
        for _ in range(
            40
        ):  # arrow keys to the participants' column (one at a time: the grid moves the focus a moment later)
            active = page.evaluate("() => document.activeElement.id")  # glide-cell-<column>-<row>
            if active == target or not active.startswith("glide-cell-"):
                break
            page.keyboard.press("ArrowRight" if int(active.split("-")[2]) < int(target.split("-")[2]) else "ArrowLeft")
            page.wait_for_function(f"() => document.activeElement.id !== '{active}'", timeout=10_000)
            page.wait_for_timeout(100)
        assert page.evaluate("() => document.activeElement.id") == target
        page.keyboard.type("12", delay=0)  # as fast as a person types, or faster
        page.keyboard.press("Enter")
        page.wait_for_timeout(1500)
        page.get_by_role("button", name="Lagre endringer").click()
        page.wait_for_selector("text=Lagret 1 endringer.", timeout=60_000)
        assert blocked == []
    saved = storage.read_frame(engine, "needs", with_meta=True).set_index("behov_id").loc["DEMO-B0001"]
    assert (saved["antall_deltakere"], saved["versjon"]) == (12, record["versjon"] + 1)
    log = storage.audit_log(engine)
    entry = log[log["post_id"] == "DEMO-B0001"].iloc[0]  # the record's latest entry (other tests write others)
    assert (entry["handling"], entry["post_id"]) == ("endring", "DEMO-B0001")
    assert '"antall_deltakere": 12' in entry["etter"]


def test_import_preview_screenshot(app_url, engine):
    """The preview of a re-import: one record edited in the app (kept by default), two changed by the file."""
    needs = storage.read_frame(engine, "needs").iloc[3:6]
    edited, by_file, noted = needs["behov_id"]  # DEMO-B0004 to DEMO-B0006
    version = storage.versions(engine, "needs", [edited])[edited]
    storage.update_record(engine, "needs", edited, {"antall_deltakere": 8}, expected_version=version, user=KARI)
    table = importer.as_import_format(needs, "needs", spreadsheet=False).set_index("behov_id", drop=False)
    table.loc[by_file, "antall_deltakere"] = "6"
    table.loc[noted, "merknad"] = "Ønsker samlinger i Namsos."
    data = importer.csv_bytes(table, title=None)
    with _browser((1400, 1300)) as (page, blocked):
        _open(page, f"{app_url}/data")
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
            files=[{"name": "behov_namdalen.csv", "mimeType": "text/csv", "buffer": data}]
        )
        page.wait_for_selector("text=Endret i appen", timeout=60_000)
        _wait_quiet(page)
        page.get_by_text("Dette endres fra filen").first.scroll_into_view_if_needed()
        text = page.locator("[data-testid='stMain']").inner_text()
        first = needs.set_index("behov_id").at[edited, "antall_deltakere"]
        assert f"{edited}: antall_deltakere 8 → {first} (endret i appen av kari@namdal.no," in text
        assert "Behold appens versjon (alle)" in text and "Importer: 0 nye og 2 endrede" in text
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "import_forhandsvisning.png"), full_page=True)
        assert blocked == []


def _select_row(page, table, row: int = 0) -> None:
    table.wait_for(timeout=90_000)
    table.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = table.bounding_box()
    # the row's selection box (rows are 35 px); the selection reruns the page
    _rerun(page, lambda: page.mouse.click(box["x"] + 12, box["y"] + 35 + 17 + 35 * row))


def test_candidate_card_koble_and_avvis_in_the_browser(app_url, engine):
    """Mismatch → Koble: a candidate card has Koble and Avvis; Koble links the need (screenshots of the card and of
    the rejection form)."""
    with _browser((1500, 1400)) as (page, blocked):
        _open(page, f"{app_url}/mismatch")
        page.get_by_role("tab", name="Koble behov og tilbud").click()
        heading = page.get_by_role("heading", name="Behov → tilbud")
        need_table = heading.locator("xpath=following::*[@data-testid='stDataFrame'][1]")
        koble = page.get_by_role("button", name="Koble", exact=True)
        for row in range(8):  # the first open need with candidates (some have none within reach)
            _select_row(page, need_table, row)
            if koble.count():
                break
        assert koble.count(), "no need among the first eight rows has a candidate with a Koble button"
        koble.first.scroll_into_view_if_needed()
        page.mouse.wheel(0, -300)
        page.wait_for_timeout(800)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "kandidatkort_koble_avvis.png"))
        page.get_by_role("button", name="Avvis").first.click()
        page.wait_for_selector("text=Hvorfor passer ikke tilbudet?", timeout=30_000)
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / "kandidatkort_avvis.png"))
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
        _rerun(page, koble.first.click)
        page.wait_for_selector("text=er koblet til tilbudet", timeout=60_000)
        message = page.locator("[data-testid='stAlertContentSuccess']").first.inner_text()
        assert blocked == []
    need_id, offer_id = message.split("«")[1].split("»")[0], message.split("«")[2].split("»")[0]
    stored = storage.read_frame(engine, "needs").set_index("behov_id").loc[need_id]
    assert (stored["status"], stored["tilbud_id"]) == ("koblet", offer_id)


def test_need_card_on_the_needs_page(app_url):
    """Behov: the selected need's card shows its status and the next steps (screenshot)."""
    with _browser((1500, 1400)) as (page, blocked):
        _open(page, f"{app_url}/behov?status=koblet")
        records = page.get_by_role("heading", name="Poster", exact=True).last
        table = records.locator("xpath=following::*[@data-testid='stDataFrame'][1]")
        _select_row(page, table)
        page.get_by_role("button", name="Et trinn tilbake (Kartlagt)").scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        text = page.locator("[data-testid='stMain']").inner_text()
        assert (
            "Status: Koblet til tilbud" in text and "Tilbud etablert" in text and "Et trinn tilbake (Kartlagt)" in text
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "behovskort_megling.png"))
        assert blocked == []
