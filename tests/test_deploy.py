"""The county's deployment end to end (issue 26): PostgreSQL, the migration run once, two replicas behind HAProxy
(deploy/haproxy.cfg, cookie stickiness, one shared cookie_secret) and a real OIDC login (oidc-provider-mock on
loopback), driven through HAProxy in headless Chromium.

One deployment for the module (starting it is most of the cost); the steps of the main test print their times.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import re
import shutil
import time
import zipfile
from hashlib import sha256
from io import BytesIO

import pytest

from browser_support import shared_browser, wait_for_app
from deploy_support import STICKY_COOKIE, Deployment
from kompilot_data.records import storage

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

ANNE = {
    "email": "anne@namdal.no",
    "email_verified": True,
    "name": "Anne Koordinator",
    "roles": ["kompilot.koordinator.namdalen"],
}
# logged in nine hours ago: older than the deployment's okt_minutter (480)
OLD = {"email": "ola@trondelagfylke.no", "roles": ["kompilot.koordinator.alle"], "auth_time": 0}
HEADER = (
    "behov_id;registrert;bedrift_id;kommunenummer;naering;storrelse;kompetanseomrade;niva;antall_deltakere;"
    "tidsramme_fra;tidsramme_til;status;kilde"
)
NAMDALEN_ROWS = [
    "DRIFT-1;01.12.2026;DRIFT-V1;Namsos;C;20-49;helse;fagskole;4;01.02.2027;30.06.2027;kartlagt;bedriftsbesok",
    "DRIFT-2;01.12.2026;DRIFT-V2;Leka;A;5-19;bygg;fagbrev;2;01.02.2027;30.06.2027;kartlagt;bedriftsbesok",
    "DRIFT-3;01.12.2026;DRIFT-V3;Nærøysund;C;50-99;ikt;kurs;6;01.03.2027;30.09.2027;kartlagt;bedriftsbesok",
]
FOSEN_ROW = "DRIFT-9;01.12.2026;DRIFT-V9;Ørland;C;20-49;helse;fagskole;3;01.02.2027;30.06.2027;kartlagt;bedriftsbesok"
TIMES: dict[str, float] = {}


@pytest.fixture(scope="module")
def deployment():
    url = os.environ.get("KOMPILOT_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("KOMPILOT_REQUIRE_POSTGRES") == "1":
            pytest.fail("KOMPILOT_TEST_POSTGRES_URL is not set, but CI requires the deployment test")
        pytest.skip("no PostgreSQL (set KOMPILOT_TEST_POSTGRES_URL)")
    if not (shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")):
        if os.environ.get("CI"):
            pytest.fail("haproxy is not installed (apt-get install haproxy)")
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    started = time.perf_counter()
    with Deployment(url, users={"anne": ANNE, "ola": {**OLD, "auth_time": int(time.time()) - 9 * 3600}}) as running:
        TIMES.update({f"start: {k}": v for k, v in running.timings.items()})
        TIMES["start (total)"] = time.perf_counter() - started
        yield running
    print("\n" + "\n".join(f"  {name:<48} {seconds:6.1f} s" for name, seconds in TIMES.items()))


@pytest.fixture(scope="module")
def browser():
    """The process's shared Chromium (a second sync_playwright in one process is refused)."""
    return shared_browser()


@contextlib.contextmanager
def step(name: str):
    started = time.perf_counter()
    yield
    TIMES[name] = time.perf_counter() - started


def new_context(browser, deployment, replica: str | None = None):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="nb-NO", accept_downloads=True)
    if replica:  # pin the browser to one replica, as HAProxy's cookie would after a first visit there
        context.add_cookies([{"name": STICKY_COOKIE, "value": replica, "url": deployment.url}])
    return context


def replica_of(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == STICKY_COOKIE)


def sidebar_caption(page) -> str:
    return page.locator("[data-testid='stSidebar'] [data-testid='stCaptionContainer']").first.inner_text()


def log_in(page, deployment, subject: str) -> None:
    """The real flow: the app's button → the provider's form → /oauth2callback → the app."""
    page.goto(deployment.url + "/tilgjengelighet")  # a light page: the callback lands on Oversikt anyway
    wait_for_app(page)
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Logg inn").click()
    page.wait_for_url(f"{deployment.oidc_url}/oauth2/authorize*")
    page.locator(f"button[name='sub'][value='{subject}']").click()
    page.wait_for_url(f"{deployment.url}/**")
    wait_for_app(page)


def behov_metric(page) -> int:
    """The key figure «Åpne behov» (open needs in the selection; the imported needs are «kartlagt») on Oversikt."""
    page.get_by_test_id("stMetricLabel").filter(has_text=re.compile(r"^\s*Åpne behov\s*$")).first.wait_for(
        timeout=60_000
    )
    wait_for_app(page)
    for metric in page.locator("[data-testid='stMetric']").all():
        if metric.locator("[data-testid='stMetricLabel']").inner_text().strip() == "Åpne behov":
            value = metric.locator("[data-testid='stMetricValue']").inner_text()
            return int(value.replace("\u202f", "").replace("\xa0", "").replace(" ", ""))
    raise AssertionError("no key figure «Åpne behov» on the page")


def upload(page, deployment, name: str, rows: list[str]) -> None:
    page.goto(deployment.url + "/data")
    wait_for_app(page)
    page.locator(".st-key-data_upload input[type='file']").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": "\n".join([HEADER, *rows]).encode("utf-8")}
    )
    wait_for_app(page)


def rerun(page) -> None:
    """One rerun of the session (Streamlit's R shortcut), then wait until the script has finished."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("r")
    page.wait_for_timeout(300)
    wait_for_app(page)


def user_ref(deployment, email: str) -> str:
    """The operations log's pseudonym of a user: a keyed hash of the address (HMAC-SHA256, 16 hex digits)."""
    return hmac.new(deployment.log_key.encode(), email.encode(), sha256).hexdigest()[:16]


def operations_events(deployment) -> set[tuple]:
    return {
        (line["hendelse"], line.get("bruker_ref"), line.get("handling"), line.get("antall"))
        for line in deployment.operations_log()
    }


def assert_no_personal_data(deployment) -> None:
    text = "\n".join(str(line) for line in deployment.operations_log())
    assert "@" not in text and "Anne" not in text and "Ola" not in text


def namdalen_needs(deployment) -> int:
    engine = storage.make_engine(deployment.database_url, migrate=False)
    try:
        needs = storage.read_frame(engine, "needs")
    finally:
        engine.dispose()
    return int(needs["behov_id"].astype(str).str.startswith("DRIFT-").sum())


def test_health_url_and_sticky_cookie_through_haproxy(deployment):
    import urllib.request

    with urllib.request.urlopen(f"{deployment.url}/_stcore/health", timeout=5) as response:
        assert response.read() == b"ok"
    with urllib.request.urlopen(f"{deployment.url}/", timeout=5) as response:
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{STICKY_COOKIE}=replika") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert deployment.migrate_output == "Databaseskjema: tomt → 0006_innsending."


def test_coordinator_logs_in_imports_on_one_replica_and_the_other_sees_it(deployment, browser):
    with step("log in as a Namdalen coordinator (replica A)"):
        context_a = new_context(browser, deployment)
        page_a = context_a.new_page()
        log_in(page_a, deployment, "anne")
        page_a.get_by_text("Innlogget som anne@namdal.no · koordinator (Namdalen)").wait_for(timeout=30_000)
        replica_a = replica_of(context_a)
        replica_b = next(r.name for r in deployment.replicas if r.name != replica_a)

    with step("log in on replica B, read the Namdalen needs"):
        context_b = new_context(browser, deployment, replica_b)
        page_b = context_b.new_page()
        log_in(page_b, deployment, "anne")
        assert replica_of(context_b) == replica_b
        page_b.goto(deployment.url + "/?region=Namdalen")
        wait_for_app(page_b)
        before = behov_metric(page_b)

    with step("import 3 Namdalen needs on replica A"):
        upload(page_a, deployment, "behov-namdalen.csv", NAMDALEN_ROWS)
        page_a.locator(".st-key-data_confirm button").wait_for(timeout=30_000)
        page_a.locator(".st-key-data_confirm button").click()
        page_a.get_by_text("3 nye, 0 endret, 0 uendret, 0 avvist").wait_for(timeout=60_000)
        assert namdalen_needs(deployment) == 3

    with step("replica B sees them after one rerun"):
        rerun(page_b)
        assert behov_metric(page_b) == before + 3
        assert replica_of(context_b) == replica_b

    with step("a Fosen write is refused (upload on replica B)"):
        upload(page_b, deployment, "behov-fosen.csv", [FOSEN_ROW])
        refusal = page_b.get_by_text("«5057» er utenfor Namdalen, som du kan registrere behov for.")
        refusal.wait_for(timeout=30_000)
        assert page_b.locator("[data-testid='stAlert']").filter(has_text="er utenfor Namdalen").count() == 1
        assert page_b.locator(".st-key-data_confirm").count() == 0
        assert namdalen_needs(deployment) == 3

    with step("download a briefing (PowerPoint, replica B)"):
        page_b.goto(deployment.url + "/region?profil=Namdalen")
        wait_for_app(page_b)
        with page_b.expect_download(timeout=120_000) as download:
            page_b.locator(".st-key-region_pptx button").click()
        path = download.value.path()
        with zipfile.ZipFile(BytesIO(path.read_bytes())) as deck:
            slides = [name for name in deck.namelist() if name.startswith("ppt/slides/slide")]
            text = b"".join(deck.read(name) for name in slides).decode("utf-8", errors="replace")
        assert download.value.suggested_filename.endswith(".pptx") and len(slides) >= 5
        assert "Namdalen" in text
        assert replica_of(context_b) == replica_b

    with step("restart replica A; nothing is lost, the login holds"):
        replica = next(r for r in deployment.replicas if r.name == replica_a)
        deployment.restart_replica(replica)
        page_a.goto(deployment.url + "/?region=Namdalen")
        wait_for_app(page_a)
        assert sidebar_caption(page_a) == "Innlogget som anne@namdal.no · koordinator (Namdalen)"
        assert behov_metric(page_a) == before + 3
        assert namdalen_needs(deployment) == 3

    with step("log out"):
        page_a.locator("[data-testid='stSidebar']").get_by_role("button", name="Logg ut").click()
        page_a.wait_for_url(f"{deployment.oidc_url}/oauth2/end_session*")
        page_a.get_by_role("button", name="End session").click()
        page_a.wait_for_url(f"{deployment.url}/**")
        wait_for_app(page_a)
        page_a.locator("[data-testid='stSidebar']").get_by_role("button", name="Logg inn").wait_for(timeout=30_000)
        assert sidebar_caption(page_a) == "Du ser sammenstilte tall. Koordinatorer logger inn."
        page_a.goto(deployment.url + "/data")
        wait_for_app(page_a)
        page_a.get_by_text("Denne delen er for koordinatorer").first.wait_for(timeout=30_000)
    context_a.close()
    context_b.close()

    with step("the operations log says who did what, without personal data"):
        events = operations_events(deployment)
        anne = user_ref(deployment, "anne@namdal.no")
        assert ("innlogging", anne, None, None) in events
        assert ("skriving", anne, "import", 3) in events
        assert_no_personal_data(deployment)


def test_an_expired_session_gives_no_rights(deployment, browser):
    context = new_context(browser, deployment)
    page = context.new_page()
    with step("log in with a session older than okt_minutter"):
        log_in(page, deployment, "ola")
        notice = page.locator("[data-testid='stSidebar'] [data-testid='stAlertContentWarning']")
        notice.wait_for(timeout=30_000)
        warning = notice.inner_text()
        assert warning.endswith("Innloggingen din er utløpt. Logg inn på nytt for å redigere.")
        page.goto(deployment.url + "/data")
        wait_for_app(page)
        page.get_by_text("Denne delen er for koordinatorer").first.wait_for(timeout=30_000)
    context.close()
    lines = deployment.operations_log()
    assert any(line["hendelse"] == "innlogging_avvist" and line.get("merknad") == "login_expired" for line in lines)
    assert ("innlogging_avvist", user_ref(deployment, "ola@trondelagfylke.no"), None, None) in operations_events(
        deployment
    )
    assert_no_personal_data(deployment)
