"""``python -m kompilot_data doctor`` and ``migrate`` (issue 26): plain findings, exit codes, and replicas that
refuse a database whose schema is behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from app_support import APP
from streamlit.testing.v1 import AppTest

from kompilot_data.records import doctor, storage

ROOT = Path(__file__).resolve().parents[1]
SECRETS = """
[auth]
redirect_uri = "https://kompilot.example.no/oauth2callback"
cookie_secret = "{secret}"
client_id = "kompilot"
client_secret = "s"
server_metadata_url = "https://login.example.no/tenant/v2.0/.well-known/openid-configuration"

[kompilot.koordinatorer]
"anne@namdal.no" = "Namdalen"
"""


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kompilot_data", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_doctor_names_each_problem_in_plain_words_then_passes_after_migrate(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS.format(secret="k" * 40))
    secrets.chmod(0o644)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    env = {"KOMPILOT_DATA_DIR": str(tmp_path / "data"), "MALLOC_ARENA_MAX": "2", "KOMPILOT_LOG_KEY": ""}
    first = run_cli("doctor", "--database", url, "--secrets", str(secrets), env=env)
    assert first.returncode == 1, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    assert any(
        line.startswith("OK        Innlogging satt opp i ") and "1 på koordinatorlisten" in line for line in lines
    )
    assert any(line.startswith("ADVARSEL  Innstillingsfilen") and "chmod 600" in line for line in lines)
    assert any(line.startswith("ADVARSEL  KOMPILOT_LOG_KEY mangler") for line in lines)
    assert (
        "FEIL      Databaseskjemaet er på revisjon –, koden venter 0006_innsending. Kjør «python -m kompilot_data migrate» "
        "(én gang, før replikaene startes)." in lines
    )
    assert any(line.startswith("OK        Disken der dataene ligger") for line in lines)
    assert "OK        MALLOC_ARENA_MAX=2 (minnet holdes nede i hver replika)." in lines
    assert lines[-1] == "1 feil, 2 advarsler."
    assert "Traceback" not in first.stdout + first.stderr

    migrated = run_cli("migrate", "--database", url, env=env)
    assert migrated.returncode == 0 and migrated.stdout.strip() == "Databaseskjema: tomt → 0006_innsending."
    assert (
        run_cli("migrate", "--database", url, env=env).stdout.strip() == "Databaseskjemaet er oppdatert (0006_innsending)."
    )

    secrets.chmod(0o600)
    env["KOMPILOT_LOG_KEY"] = "x" * 32
    second = run_cli("doctor", "--database", url, "--secrets", str(secrets), "--lang", "en", env=env)
    assert second.returncode == 0, second.stdout
    assert "OK       The database schema is up to date (revision 0006_innsending)." in second.stdout.splitlines()
    assert second.stdout.splitlines()[-1] == "0 errors, 0 warnings."


def test_doctor_reports_a_broken_secrets_file_and_a_database_that_does_not_answer(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS.format(secret="k" * 40).replace('client_id = "kompilot"', 'client_id = "kompilot'))
    findings = doctor.run(
        [secrets], [], "postgresql+psycopg://kompilot:hemmelig@127.0.0.1:1/kompilot", tmp_path / "data", "nb"
    )
    errors = [f.text for f in findings if f.level == doctor.ERROR]
    assert errors[0].startswith(f"Innstillingsfilen {secrets} er ikke gyldig TOML: feil på linje 5")
    assert errors[1].startswith("Databasen postgresql+psycopg://kompilot:***@127.0.0.1:1/kompilot svarer ikke: ")
    assert "hemmelig" not in "\n".join(errors)


def test_doctor_refuses_local_mode_on_a_public_address(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[server]\naddress = "0.0.0.0"\n')
    findings = doctor.check_configuration([tmp_path / "none.toml"], [config], "en")
    assert findings[0].level == doctor.ERROR and 'the server listens on "0.0.0.0"' in findings[0].text


def test_a_replica_without_migrations_refuses_an_old_schema(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    storage.make_engine(url, migrate=False).dispose()  # an empty database, never migrated
    monkeypatch.setenv("KOMPILOT_DATABASE_URL", url)
    monkeypatch.setenv(doctor.MIGRATE_VARIABLE, "0")
    st.cache_resource.clear()
    try:
        app = AppTest.from_file(str(APP), default_timeout=90)
        app.run()
        assert [e.value for e in app.error] == [
            "Databasen er ikke oppgradert til denne versjonen av appen (revisjon –, appen venter 0006_innsending). Den som "
            "drifter serveren kjører «python -m kompilot_data migrate» og starter replikaene på nytt."
        ]
        assert not app.metric  # no page ran
        assert storage.schema_revision(storage.make_engine(url, migrate=False)) is None  # the replica did not migrate
    finally:
        st.cache_resource.clear()


@pytest.mark.parametrize(("value", "expected"), [("0", False), ("nei", False), ("1", True), (None, True)])
def test_auto_migrate_setting(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv(doctor.MIGRATE_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(doctor.MIGRATE_VARIABLE, value)
    assert doctor.auto_migrate() is expected


def test_every_cache_of_a_replica_is_bounded():
    """Each replica's caches stay bounded (issue 26): every st.cache_* wrapper either takes no argument (one entry)
    or names max_entries, and every lru_cache has a maxsize."""
    import ast

    unbounded = []
    for path in [*ROOT.glob("ui/*.py"), *ROOT.glob("app_pages/*.py"), *ROOT.glob("kompilot_data/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            arguments = node.args.args + node.args.kwonlyargs + node.args.posonlyargs
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                name = ast.unparse(call.func if call else decorator)
                keywords = {k.arg: ast.unparse(k.value) for k in (call.keywords if call else [])}
                if name.endswith(("cache_resource", "cache_data")) and arguments and "max_entries" not in keywords:
                    unbounded.append(f"{path.name}:{node.name}")
                if name.endswith(("lru_cache", "functools.cache")) or name == "cache":
                    size = keywords.get("maxsize") or (ast.unparse(call.args[0]) if call and call.args else None)
                    if size in (None, "None"):
                        unbounded.append(f"{path.name}:{node.name}")
    assert unbounded == []
