"""What every script run costs the server (issue 24): ``access()`` is decided once per run, and again on the next
run; the records and modules are frozen out of the garbage collector's reach once loaded."""

import gc

import pytest
from app_support import run_app
from test_app_access import AUTH, COORDINATORS

import ui.auth
import ui.cached
from ui.cached import frozen_after


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


def test_loading_freezes_what_is_alive_and_a_reload_frees_the_old():
    gc.unfreeze()
    gc.collect()
    alive = [[i] for i in range(5000)]
    assert frozen_after(lambda version: ("records", version))(1) == ("records", 1)
    frozen = gc.get_freeze_count()
    assert frozen >= len(alive)
    del alive
    cycle = []
    cycle.append(cycle)  # garbage of the old records: a reload must not keep it frozen
    del cycle
    frozen_after(lambda version: ("records", version))(2)
    assert gc.get_freeze_count() < frozen  # the 5,000 lists and the cycle were freed by the reload's collection
    gc.unfreeze()


def test_the_app_freezes_after_loading_the_records():
    ui.cached._records_at.clear()  # loaded afresh by this run
    gc.unfreeze()
    run_app("app_pages/behov.py")
    assert gc.get_freeze_count() > 100_000  # the modules and the records: Streamlit's collection skips them
    gc.unfreeze()
