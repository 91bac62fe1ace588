"""AppTest of the business form and the review queue (issue 27): the form opens without login (also when login is
configured) and shows nothing else of the app; the queue is for coordinators, each their own sub-region."""

from app_support import run_app
from test_app_access import AUTH, COORDINATORS
from test_innsending import ENTRY

from kompilot_data.records import innsending
from kompilot_data.records.access import region_municipalities
from kompilot_data.reference.tables import load_municipalities

LOGIN = {"auth": AUTH, "kompilot": COORDINATORS}


def _texts(app) -> str:
    return "\n".join(e.value for e in [*app.markdown, *app.caption, *app.info, *app.error, *app.title, *app.subheader])


def test_the_form_opens_without_login_and_alone(app_database):
    _, token = innsending.create_link(app_database, "Namdalen", "Forum", "anne@namdal.no")
    app = run_app(user={"is_logged_in": False}, secrets=LOGIN, skjema=token)
    assert app.title[0].value == "Meld inn kompetansebehov"
    assert "bedrifter i Namdalen" in _texts(app)
    assert len(app.sidebar.children) == 0  # no menu, filters or login button
    assert not app.metric and not app.dataframe
    assert [s.label for s in app.selectbox] == ["Når trenger dere det?", "Kommune"]
    names = load_municipalities()["navn"]
    assert sorted(app.selectbox[1].options) == sorted(names[c] for c in region_municipalities("Namdalen"))


def test_an_unknown_link_is_refused_and_shows_no_form(app_database):
    app = run_app(skjema="ikke-en-lenke", lang="en")
    assert "The link to the form is not valid" in _texts(app)
    assert not app.button and not app.text_area


def test_viewers_never_see_the_queue(app_database):
    _, token = innsending.create_link(app_database, "Namdalen", "Forum", "anne@namdal.no")
    innsending.submit(app_database, token, ENTRY)
    app = run_app("app_pages/innsendinger.py", user={"is_logged_in": False}, secrets=LOGIN)
    assert "Denne delen er for koordinatorer" in _texts(app)
    assert ENTRY["tekst"] not in _texts(app) and ENTRY["virksomhet"] not in _texts(app)


def test_a_coordinator_sees_only_their_sub_regions_entries(app_database):
    _, namdalen = innsending.create_link(app_database, "Namdalen", "N", "ola@trondelagfylke.no")
    _, fosen = innsending.create_link(app_database, "Fosen", "F", "ola@trondelagfylke.no")
    innsending.submit(app_database, namdalen, ENTRY)
    innsending.submit(app_database, fosen, {**ENTRY, "kommunenummer": "5054", "virksomhet": "Fosen Mek"})
    user = {"is_logged_in": True, "email": "anne@namdal.no"}
    app = run_app("app_pages/innsendinger.py", user=user, secrets=LOGIN)
    text = _texts(app)
    assert "Namsos Sveis AS" in text and "Fosen Mek" not in text
    assert "Industri og teknikk" in text and "7212 Sveisere" in text  # the suggestions beside the entry
    everyone = run_app(
        "app_pages/innsendinger.py", user={"is_logged_in": True, "email": "ola@trondelagfylke.no"}, secrets=LOGIN
    )
    assert "Fosen Mek" in _texts(everyone) and "Namsos Sveis AS" in _texts(everyone)
