"""Login fails closed (issue 23) and roles come from the ID token's claims (issue 26).

Unit tests of :mod:`kompilot_data.records.login` and AppTest runs of the app with broken settings. The real
OIDC flow through HAProxy is in ``tests/test_deploy.py``.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import app_support
import pytest
import streamlit as st
from streamlit import config
from streamlit.testing.v1 import AppTest

from kompilot_data.present.safe_text import plain
from kompilot_data.records import login, oplog, storage
from kompilot_data.records.access import COORDINATOR, VIEWER, ConfigurationError

ROOT = Path(__file__).resolve().parents[1]
ISSUER = "https://login.microsoftonline.com/0a1b2c3d-0000-4000-8000-000000000000/v2.0"
AUTH = {
    "redirect_uri": "https://kompilot.example.no/oauth2callback",
    "cookie_secret": "k" * 40,
    "client_id": "kompilot",
    "client_secret": "s",
    "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
}
KOMPILOT = {
    "koordinatorer": {"anne@namdal.no": "Namdalen"},
    "grupper": {"9f8e7d6c-group-fosen": "Fosen"},
    "okt_minutter": 60,
}


def settings(**kompilot) -> login.LoginSettings:
    return login.login_settings(AUTH, {**KOMPILOT, **kompilot})


def claims(**values) -> dict:
    now = time.time()
    return {"is_logged_in": True, "iss": ISSUER, "iat": now - 60, "sub": "abc", **values}


# --- the settings ------------------------------------------------------------------------------------------


def test_no_auth_section_is_no_login_and_the_issuer_comes_from_the_metadata_url():
    assert login.login_settings(None, KOMPILOT) is None
    assert login.login_settings({}, None) is None
    assert settings().issuer == ISSUER
    assert settings(issuer="https://sts.example.no/").issuer == "https://sts.example.no/"
    assert settings().session_minutes == 60


@pytest.mark.parametrize(
    ("auth", "kompilot", "code"),
    [
        ({**AUTH, "client_secret": ""}, {}, "config_auth_missing"),
        ({k: v for k, v in AUTH.items() if k != "redirect_uri"}, {}, "config_auth_missing"),
        ({**AUTH, "cookie_secret": "short"}, {}, "config_cookie_secret_short"),
        (AUTH, {"issuer": "login.example.no"}, "config_issuer"),
        (AUTH, {"issuer": "http://login.example.no"}, "config_issuer"),
        (AUTH, {"okt_minutter": 0}, "config_session_minutes"),
        (AUTH, {"okt_minutter": "åtte timer"}, "config_session_minutes"),
        (AUTH, {"grupper": {"g1": "fosen"}}, "config_bad_region"),
        (AUTH, {"grupper": {"g1": ""}}, "config_bad_region"),
        (AUTH, {"grupper": "Fosen"}, "config_groups_table"),
    ],
)
def test_wrong_login_settings_are_configuration_errors_never_all_rights(auth, kompilot, code):
    with pytest.raises(login.LoginConfigurationError) as error:
        login.login_settings(auth, kompilot)
    assert error.value.code == code
    assert isinstance(error.value, ConfigurationError)
    assert "start appen på nytt" in error.value.message("nb") or "README" in error.value.message("nb")
    assert error.value.message("en") != error.value.message("nb")


def test_a_provider_table_may_hold_the_client_keys_and_a_loopback_issuer_is_allowed_for_tests():
    auth = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": AUTH["cookie_secret"], "microsoft": dict(AUTH)}
    assert login.login_settings(auth, {"issuer": "http://127.0.0.1:9400"}).issuer == "http://127.0.0.1:9400"


def test_broken_secrets_files_are_named_with_line_and_column(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('[auth]\nclient_id = "kompilot"\n')
    login.check_secrets_files([good, tmp_path / "absent.toml", tmp_path])
    broken = tmp_path / "secrets.toml"
    broken.write_text('[auth]\nclient_id = "kompilot\nclient_secret = "s"\n')  # one missing quote
    with pytest.raises(login.LoginConfigurationError) as error:
        login.check_secrets_files([good, broken])
    assert error.value.code == "config_secrets_invalid"
    assert dict(error.value.params) == {"path": str(broken), "line": "2", "column": "22"}
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    with pytest.raises(login.LoginConfigurationError) as error:
        login.check_secrets_files([folder])
    assert error.value.code == "config_secrets_unreadable"
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[kompilot.koordinatorer]\n"ø@x.no" = "Fosen"\n'.encode("latin-1"))
    with pytest.raises(login.LoginConfigurationError) as error:
        login.check_secrets_files([latin1])
    assert error.value.code == "config_secrets_unreadable"


def test_only_loopback_addresses_allow_local_mode_and_proxy_headers_are_seen():
    assert login.is_loopback("127.0.0.1") and login.is_loopback("::1") and login.is_loopback("127.0.0.2")
    for address in ("0.0.0.0", "", None, "::", "192.168.1.10", "localhost", "kompilot.example.no"):
        assert not login.is_loopback(address)
    assert login.proxied({"X-Forwarded-For": "10.0.0.7"}) and login.proxied({"forwarded": "for=10.0.0.7"})
    assert not login.proxied({"Host": "127.0.0.1:8501"}) and not login.proxied(None)


# --- the role of a login -----------------------------------------------------------------------------------


def test_app_roles_give_the_sub_region_or_all():
    assert login.role_names() == {
        "kompilot.koordinator.namdalen": "Namdalen",
        "kompilot.koordinator.trondelag-sor": "Trøndelag sør",
        "kompilot.koordinator.fosen": "Fosen",
        "kompilot.koordinator.alle": "*",
    }
    now = time.time()
    namdalen = login.access_from_claims(claims(roles=["kompilot.koordinator.namdalen"]), settings(), now)
    assert namdalen.access.role == COORDINATOR and namdalen.access.region == "Namdalen" and namdalen.notice is None
    sor = login.access_from_claims(claims(roles="kompilot.koordinator.trondelag-sor"), settings(), now)
    assert sor.access.region == "Trøndelag sør"
    both = ["kompilot.koordinator.namdalen", "kompilot.koordinator.alle"]
    assert login.access_from_claims(claims(roles=both), settings(), now).access.all_regions
    # a role of another app, or a misspelt one, gives nothing
    other = login.access_from_claims(claims(roles=["kompilot.koordinator.namsos", "hr.admin"]), settings(), now)
    assert other.access.role == VIEWER and other.access.mode == "innlogget"


def test_groups_map_through_the_settings_and_claims_win_over_the_allow_list():
    now = time.time()
    fosen = login.access_from_claims(claims(groups=["other", "9f8e7d6c-group-fosen"]), settings(), now)
    assert fosen.access.region == "Fosen"
    # Anne is on the allow-list for Namdalen, but her token says Fosen: the identity provider decides
    anne = login.access_from_claims(
        claims(email="anne@namdal.no", roles=["kompilot.koordinator.fosen"]), settings(), now
    )
    assert anne.access.region == "Fosen"


def test_roles_for_two_sub_regions_give_a_viewer_with_a_notice():
    decision = login.access_from_claims(
        claims(email="x@y.no", roles=["kompilot.koordinator.namdalen"], groups=["9f8e7d6c-group-fosen"]),
        settings(),
        time.time(),
    )
    assert decision.access.role == VIEWER and decision.notice == "login_conflicting_roles"


def test_allow_list_is_the_fallback_unless_the_provider_says_the_email_is_unverified():
    now = time.time()
    anne = login.access_from_claims(claims(email="Anne@Namdal.no"), settings(), now)
    assert anne.access.role == COORDINATOR and anne.access.region == "Namdalen" and anne.access.user == "Anne@Namdal.no"
    assert login.access_from_claims(
        claims(email="anne@namdal.no", email_verified=True), settings(), now
    ).access.can_edit
    for unverified in (False, "false", "False"):
        decision = login.access_from_claims(claims(email="anne@namdal.no", email_verified=unverified), settings(), now)
        assert decision.access.role == VIEWER and decision.notice == "login_email_unverified"
    stranger = login.access_from_claims(claims(email="noen@example.no", email_verified=False), settings(), now)
    assert stranger.access.role == VIEWER and stranger.notice is None


def test_a_token_from_another_issuer_counts_as_not_logged_in():
    decision = login.access_from_claims(
        claims(iss="https://evil.example/", roles=["kompilot.koordinator.alle"]), settings(), time.time()
    )
    assert decision.access.mode == "anonym" and not decision.access.can_edit
    assert decision.notice == "login_wrong_issuer"
    same = login.access_from_claims(claims(iss=f"{ISSUER}/", roles=["kompilot.koordinator.alle"]), settings(), 0)
    assert same.access.all_regions  # a trailing slash is the same issuer


def test_a_session_older_than_the_limit_has_expired():
    now = time.time()
    fresh = claims(roles=["kompilot.koordinator.alle"], iat=now - 59 * 60)
    assert login.access_from_claims(fresh, settings(), now).access.all_regions
    old = claims(roles=["kompilot.koordinator.alle"], iat=now - 61 * 60)
    decision = login.access_from_claims(old, settings(), now)
    assert decision.access.mode == "anonym" and decision.notice == "login_expired"
    # auth_time (when the user authenticated) counts before iat (when this token was issued)
    reused = claims(roles=["kompilot.koordinator.alle"], iat=now - 60, auth_time=now - 9 * 3600)
    assert login.access_from_claims(reused, settings(), now).notice == "login_expired"
    assert login.access_from_claims({"is_logged_in": False}, settings(), now).access == login.ANONYMOUS


# --- the app -----------------------------------------------------------------------------------------------


@pytest.fixture
def streamlit_option():
    """Set Streamlit config options for one test; restore them and forget parsed secrets afterwards."""
    saved = {}

    def set_option(key, value):
        saved.setdefault(key, config.get_option(key))
        config.set_option(key, value)

    st.secrets._reset()
    yield set_option
    for key, value in saved.items():
        config.set_option(key, value)
    st.secrets._reset()


def run_app(secrets: dict | None = None, user: dict | None = None, **query) -> AppTest:
    return app_support.run_app(None, user=user, secrets=secrets, **query)


def test_one_missing_quote_in_the_secrets_file_stops_the_app_in_the_users_language(tmp_path, streamlit_option):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[auth]\nredirect_uri = "https://kompilot.example.no/oauth2callback\ncookie_secret = "' + "k" * 40 + '"\n'
    )
    streamlit_option("secrets.files", [str(secrets)])
    streamlit_option("server.address", "0.0.0.0")
    app = run_app()
    assert [e.value for e in app.error] == [
        f"Innstillingsfilen {secrets} er ikke gyldig TOML: feil på linje 2, kolonne 59 (for eksempel et manglende "
        "anførselstegn). Appen starter ikke før filen er rettet, for da ville alle fått koordinatorrettigheter. "
        "Rett linjen og start appen på nytt."
    ]
    assert not app.metric and not app.title  # the page never ran: no figures, no coordinator tools
    english = run_app(lang="en")
    assert english.error[0].value.startswith(f"The settings file {secrets} is not valid TOML: an error at line 2")


def test_an_unreadable_secrets_file_stops_the_app(tmp_path, streamlit_option):
    folder = tmp_path / "secrets.toml"
    folder.mkdir()  # a folder where the file should be: reading it fails
    streamlit_option("secrets.files", [str(folder)])
    app = run_app()
    assert app.error[0].value.startswith(f"Innstillingsfilen {folder} kan ikke leses (Is a directory)")
    assert not app.title


def test_local_mode_is_refused_unless_the_server_listens_on_loopback(streamlit_option, tmp_path):
    streamlit_option("secrets.files", [str(tmp_path / "none.toml")])
    streamlit_option("server.address", "0.0.0.0")
    app = run_app()
    assert [e.value for e in app.error] == [
        plain(
            "Ingen innlogging er satt opp, og appen er nådd fra nettverket (serveren lytter på «0.0.0.0»). Lokal modus, "
            "der den ene brukeren er koordinator, gjelder bare på 127.0.0.1 rett fra denne maskinen. Sett opp innlogging "
            "med [auth] i .streamlit/secrets.toml (se README, avsnittet «Access»), eller start appen med server.address = "
            '"127.0.0.1" uten proxy foran.'
        )
    ]
    streamlit_option("server.address", "")  # Streamlit's default: every interface
    assert "serveren lytter på «0.0.0.0»" in run_app().error[0].value
    streamlit_option("server.address", "127.0.0.1")
    local = run_app()
    assert not local.error and local.sidebar.caption[0].value.startswith("Lokal modus")


def test_half_filled_auth_section_stops_the_app_instead_of_local_mode():
    app = run_app(secrets={"auth": {"client_id": "kompilot"}})
    assert app.error[0].value.startswith(plain("Innloggingen i .streamlit/secrets.toml ([auth]) mangler redirect_uri,"))
    assert not app.title


def test_app_shows_the_role_from_claims_and_the_notices():
    secrets = {"auth": AUTH, "kompilot": KOMPILOT}
    app = run_app(secrets, user=claims(email="kari@fosen.no", roles=["kompilot.koordinator.fosen"]))
    assert app.sidebar.caption[0].value == "Innlogget som kari@fosen.no · koordinator (Fosen)"
    expired = run_app(secrets, user=claims(email="kari@fosen.no", roles=["kompilot.koordinator.fosen"], iat=1))
    assert expired.sidebar.warning[0].value == "Innloggingen din er utløpt. Logg inn på nytt for å redigere."
    assert expired.sidebar.button[0].label == "Logg inn"
    unverified = run_app(secrets, user=claims(email="anne@namdal.no", email_verified=False), lang="en")
    assert unverified.sidebar.warning[0].value.startswith("The login service says your e-mail address is not verified")
    assert unverified.sidebar.caption[0].value == "Logged in as anne@namdal.no · viewer"


def test_secrets_file_is_ignored_by_git():
    ignored = subprocess.run(["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, ".streamlit/secrets.toml must be in .gitignore"


# --- the operations log ------------------------------------------------------------------------------------


def test_writes_are_logged_once_per_transaction_with_a_keyed_hash_of_the_user(tmp_path, monkeypatch, capsys):
    from kompilot_data.records.files import load_needs

    monkeypatch.setenv(oplog.KEY_VARIABLE, "a-test-key-of-some-length")
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'log.sqlite'}")
    capsys.readouterr()
    unlinked = load_needs()[load_needs()["tilbud_id"].isna()].head(25)  # no offers in this database (issue 23)
    storage.import_frame(engine, unlinked, "needs", "behov.csv", "fil", "anne@namdal.no")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert [(line["hendelse"], line["handling"], line["tabell"], line["antall"]) for line in lines] == [
        ("skriving", "import", "behov", 25)
    ]
    assert lines[0]["bruker_ref"] == oplog.user_ref("Anne@Namdal.no") and len(lines[0]["bruker_ref"]) == 16
    assert "anne" not in json.dumps(lines)
    monkeypatch.setenv(oplog.KEY_VARIABLE, "another-key")
    assert oplog.user_ref("anne@namdal.no") != lines[0]["bruker_ref"]  # keyed: not a plain hash anyone can redo
    # a refused write logs nothing
    with pytest.raises(storage.ConflictError):
        storage.delete_records(engine, "needs", {load_needs()["behov_id"].iloc[0]: 99}, "anne@namdal.no")
    assert not [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
