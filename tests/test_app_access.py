"""AppTest tests of roles, small-number suppression and the coordinators' Data page."""

from app_support import rendered, run_app
from streamlit.testing.v1 import AppTest

import kompilot_data as kd
from kompilot_data.records import storage

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "kompilot",
    "client_secret": "s",
    "server_metadata_url": "https://login.example/.well-known",
}
COORDINATORS = {"koordinatorer": {"anne@namdal.no": "Namdalen", "ola@trondelagfylke.no": "*"}}


def run(page: str | None = None, user: dict | None = None, login: bool = False, **query) -> AppTest:
    """The app for a test that clicks or uploads (on the test's own ``app_database``)."""
    return run_app(page, user=user, secrets={"auth": AUTH, "kompilot": COORDINATORS} if login else None, **query)


def page_for_reading(page: str | None = None, user: dict | None = None, login: bool = False, **query) -> AppTest:
    """The shared render of a page, for a test that only reads it."""
    return rendered(page, user=user, secrets={"auth": AUTH, "kompilot": COORDINATORS} if login else None, **query)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_local_mode_is_labelled_and_may_edit():
    app = page_for_reading("app_pages/data.py")
    assert texts(app.sidebar.caption)[0].startswith("Lokal modus: én bruker uten innlogging")
    assert app.title[0].value == "Data: import, redigering og eksport"


def test_anonymous_viewer_sees_aggregates_only():
    app = page_for_reading("app_pages/data.py", user={"is_logged_in": False}, login=True)
    assert any("Denne delen er for koordinatorer" in v for v in texts(app.info))
    assert app.sidebar.button[0].label == "Logg inn"
    app = page_for_reading("app_pages/behov.py", user={"is_logged_in": False}, login=True)
    needs = kd.load_needs()
    for frame in app.dataframe:  # the tables behind the charts are aggregates: no need, business or org. number
        shown = frame.value.astype(str)
        assert not shown.isin(set(needs["behov_id"]) | set(needs["bedrift_id"])).any().any()
    assert any("Enkeltbehov vises bare for koordinatorer" in v for v in texts(app.info))


def test_small_numbers_are_suppressed_for_viewers():
    # A municipality whose needs come from one or two businesses: a viewer sees "<3", a coordinator the numbers.
    needs = kd.load_needs()
    businesses = needs.groupby(needs["kommunenummer"].astype(str))["bedrift_id"].nunique()
    small = businesses[businesses.between(1, 2)].index[0]
    viewer = page_for_reading(user={"is_logged_in": False}, login=True, kommune=small)
    values = {m.label: m.value for m in viewer.metric}
    assert values["Behov siden 2021 (alle)"] == "<3" and values["Deltakere siden 2021 (alle)"] == "<3"
    coordinator = page_for_reading(kommune=small)
    exact = needs[needs["kommunenummer"].astype(str) == small]
    shown = {m.label: m.value for m in coordinator.metric}
    assert shown["Behov siden 2021 (alle)"] == str(len(exact))
    assert shown["Deltakere siden 2021 (alle)"] == str(int(exact["antall_deltakere"].sum()))


def test_logged_in_coordinator_limited_to_region(app_database):
    app = run("app_pages/data.py", user={"is_logged_in": True, "email": "Anne@Namdal.no"}, login=True)
    assert app.title[0].value == "Data: import, redigering og eksport"
    assert "Du kan redigere behov og tilbud i Namdalen (tilbud med studiested der)." in texts(app.caption)
    assert texts(app.sidebar.caption)[0] == "Innlogget som Anne@Namdal.no · koordinator (Namdalen)"


def test_logged_in_but_not_on_the_list_is_a_viewer():
    app = page_for_reading("app_pages/data.py", user={"is_logged_in": True, "email": "noen@example.no"}, login=True)
    assert any("Denne delen er for koordinatorer" in v for v in texts(app.info))
    assert texts(app.sidebar.caption)[0] == "Innlogget som noen@example.no · leser"


def test_data_page_upload_preview_errors_then_confirm(app_database):
    header = (
        "behov_id;registrert;bedrift_id;kommunenummer;naering;storrelse;kompetanseomrade;niva;antall_deltakere;"
        "tidsramme_fra;tidsramme_til;status;kilde"
    )
    good = "N1;27.11.2026;V1;Leka;Q;5-19;helse;fagskole;3;01.01.2027;30.06.2027;kartlagt;bedriftsbesok"
    bad = "N2;27.11.2026;V2;Leka;Q;5-19;helse;doktor;3;01.01.2027;30.06.2027;kartlagt;bedriftsbesok"
    app = run("app_pages/data.py")
    before = storage.count(app_database, "needs")
    app.file_uploader(key="data_upload").upload("behov.csv", f"{header}\n{good}\n{bad}\n".encode(), "text/csv").run()
    errors = texts(app.error)
    assert errors and "Rad 3, kolonne «niva»: «doktor» er ikke en gyldig kode." in errors[0]
    assert not [b for b in app.button if b.key == "data_confirm"]  # no confirm button while errors remain
    assert storage.count(app_database, "needs") == before
    app.file_uploader(key="data_upload").upload("behov.csv", f"{header}\n{good}\n".encode(), "text/csv").run()
    app.button(key="data_confirm").click().run()
    assert storage.count(app_database, "needs") == before + 1
    assert any("1 nye, 0 endret, 0 uendret, 0 avvist" in v for v in texts(app.success))


def test_data_page_remove_demo(app_database):
    app = run("app_pages/data.py")
    assert storage.count(app_database, "needs", demo=True) == 1500
    app.checkbox(key="demo_sure").check().run()
    app.button(key="demo_remove").click().run()
    assert storage.count(app_database, "needs") == 0
    assert any("Fjernet 1\u202f500 behov og 150 tilbud (demo)." in v for v in texts(app.success))  # 1 500
    assert not any("DEMO-DATA" in v for v in texts(app.warning))
    # With the demo records gone, figures no longer cite demo data.
    overview = run()
    assert not any("demodata" in v for v in texts(overview.caption))
    assert any("registrerte behov og tilbud" in v for v in texts(overview.caption))


def test_region_limited_coordinator_cannot_import_needs_elsewhere(app_database):
    header = (
        "behov_id;registrert;bedrift_id;kommunenummer;naering;storrelse;kompetanseomrade;niva;antall_deltakere;"
        "tidsramme_fra;tidsramme_til;status;kilde"
    )
    rows = [
        "N1;27.11.2026;V1;Leka;Q;5-19;helse;fagskole;3;01.01.2027;30.06.2027;kartlagt;bedriftsbesok",
        "N2;27.11.2026;V2;Trondheim;Q;5-19;helse;fagskole;3;01.01.2027;30.06.2027;kartlagt;bedriftsbesok",
    ]
    app = run("app_pages/data.py", user={"is_logged_in": True, "email": "anne@namdal.no"}, login=True)
    before = storage.count(app_database, "needs")
    app.file_uploader(key="data_upload").upload("behov.csv", "\n".join([header, *rows]).encode(), "text/csv").run()
    errors = texts(app.error)
    assert (
        errors
        and "Rad 3, kolonne «kommunenummer»: «5001» er utenfor Namdalen, som du kan registrere behov for." in errors[0]
    )
    assert not [b for b in app.button if b.key == "data_confirm"]
    assert storage.count(app_database, "needs") == before
