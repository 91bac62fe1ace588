"""Access fails closed on a real server (issue 23): what a browser's session gets from ``streamlit run`` when the
secrets file is broken on 0.0.0.0, and when a server without login is reached through a proxy. The sessions speak
Streamlit's websocket protocol (tests/deploy_support.py), no browser needed."""

from __future__ import annotations

import pytest

from deploy_support import load_page, streamlit_server


@pytest.fixture
def no_database(tmp_path):
    """Read-only files mode (the embedded demo data): no database to create and seed, the server is up at once."""
    from kompilot_data.reference.paths import DEMO_DIR

    return {
        "KOMPILOT_DATA_DIR": str(tmp_path / "data"),
        "KOMPILOT_DATABASE_URL": "",
        "KOMPILOT_NEEDS_FILE": str(DEMO_DIR / "needs.csv"),
        "KOMPILOT_OFFERS_FILE": str(DEMO_DIR / "offers.csv"),
    }


def test_one_missing_quote_stops_a_server_on_all_interfaces(tmp_path, no_database):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://127.0.0.1/oauth2callback\ncookie_secret = "' + "k" * 40 + '"\n')
    with streamlit_server("0.0.0.0", secrets, tmp_path / "server.log", no_database) as url:
        _, problem = load_page(url, "lang=en")
        assert problem is not None and problem.startswith(
            f"error box: The settings file {secrets} is not valid TOML: an error at line 2, column 48"
        ), problem
        _, data_page = load_page(url, "", "data")
        assert data_page is not None and "er ikke gyldig TOML" in data_page
    assert '"hendelse": "konfigurasjonsfeil", "kode": "config_secrets_invalid"' in (tmp_path / "server.log").read_text()


def test_local_mode_only_straight_from_this_machine(tmp_path, no_database):
    with streamlit_server("127.0.0.1", tmp_path / "absent.toml", tmp_path / "server.log", no_database) as url:
        _, problem = load_page(url, "", "tilgjengelighet")
        assert problem is None, problem
        _, proxied = load_page(url, "", "tilgjengelighet", headers={"X-Forwarded-For": "10.1.2.3"})
        assert proxied is not None and proxied.startswith(
            "error box: Ingen innlogging er satt opp, og appen er nådd fra nettverket (forespørselen kom via en proxy)."
        ), proxied
