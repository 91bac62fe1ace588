"""``access()`` is decided once per script run, and again on the next run (issue 24)."""

import pytest
from app_support import run_app
from test_app_access import AUTH, COORDINATORS

import ui.auth


@pytest.fixture
def decisions(monkeypatch):
    """Every time the role is actually decided (secrets read, login checked)."""
    calls = []
    original = ui.auth._decide

    def counted():
        calls.append(1)
        return original()

    monkeypatch.setattr(ui.auth, "_decide", counted)
    return calls


def test_access_is_decided_once_per_run(decisions):
    app = run_app("app_pages/mismatch.py")  # two runs: Oversikt, then the page
    assert len(decisions) == 2
    app.multiselect(key="filter_omrader").set_value(["helse"]).run()
    assert not app.exception
    assert len(decisions) == 3
    assert ui.auth.access().mode == "lokal"  # outside a script run: decided on every call, nothing kept
    assert len(decisions) == 4


def test_a_new_run_decides_again(decisions):
    secrets = {"auth": AUTH, "kompilot": COORDINATORS}
    app = run_app("app_pages/data.py", user={"is_logged_in": False}, secrets=secrets)
    assert app.sidebar.caption[0].value.startswith("Du ser")
    assert any("Denne delen er for koordinatorer" in i.value for i in app.info)
    app.user = {"is_logged_in": True, "email": "ola@trondelagfylke.no"}
    app.run()
    assert not app.exception
    assert app.sidebar.caption[0].value == "Innlogget som ola@trondelagfylke.no · koordinator"
    assert app.title[0].value == "Data: import, redigering og eksport"
    app.secrets["auth"] = {**AUTH, "client_secret": ""}  # a half-filled [auth] stops the next run
    app.run()
    assert "mangler client_secret" in app.error[0].value
    assert not app.title
