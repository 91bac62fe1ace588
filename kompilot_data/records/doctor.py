"""``python -m kompilot_data doctor``: is this installation ready to run? (issue 26)

Checks the configuration (secrets file, login settings, the server address), the secrets (cookie secret,
the log key, file permissions), the database (does it answer, how many records), the migrations (is the
schema at the code's revision), the disk (free space where the data lives) and the environment of a
replica (``MALLOC_ARENA_MAX``). Each finding is one line in plain words, in bokmål or English, saying
what is wrong and what to do; the exit code is 1 when anything is wrong, 0 when at most warnings remain.

Also the migration step of a deployment: :func:`migrate` runs Alembic once, before the replicas start
(they run with ``KOMPILOT_MIGRATE=0`` and refuse a database whose schema is behind, see
:func:`schema_state`).
"""

from __future__ import annotations

import os
import shutil
import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kompilot_data.records import login, oplog
from kompilot_data.records.access import ConfigurationError
from kompilot_data.reference import i18n

OK, WARNING, ERROR = "ok", "advarsel", "feil"
MIGRATE_VARIABLE = "KOMPILOT_MIGRATE"
MIN_FREE_BYTES = 200 * 2**20
LOW_FREE_BYTES = 2 * 2**30


@dataclass(frozen=True)
class Finding:
    level: str  # OK, WARNING or ERROR
    text: str


def auto_migrate() -> bool:
    """Whether the app brings the schema up to date itself (the default; a deployment sets KOMPILOT_MIGRATE=0)."""
    return os.environ.get(MIGRATE_VARIABLE, "1").strip().lower() not in ("0", "nei", "no", "false")


def head_revision() -> str:
    """The newest Alembic revision in the code."""
    from alembic.script import ScriptDirectory

    from kompilot_data.records.storage import alembic_config

    return ScriptDirectory.from_config(alembic_config(None)).get_current_head()


def schema_state(engine) -> tuple[str | None, str]:
    """(the database's revision, the code's revision)."""
    from kompilot_data.records.storage import schema_revision

    return schema_revision(engine), head_revision()


def migrate(url: str | None = None) -> tuple[str | None, str]:
    """Run the migrations once (the deployment's step before the replicas start); (revision before, after)."""
    from kompilot_data.records import storage

    engine = storage.make_engine(url, migrate=False)
    before = storage.schema_revision(engine)
    storage.upgrade(engine)
    after = storage.schema_revision(engine)
    oplog.event("migrering", "system", fra=before, til=after)
    engine.dispose()
    return before, after


def _t(language: str, key: str, **values) -> str:
    return i18n.t(key, language, **values)


def _config_address(config_files: Iterable[Path]) -> str | None:
    address = None
    for path in config_files:
        if path.is_file():
            try:
                address = tomllib.loads(path.read_text(encoding="utf-8")).get("server", {}).get("address", address)
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
    return address


def check_configuration(secrets_files: list[Path], config_files: list[Path], language: str) -> list[Finding]:
    findings: list[Finding] = []
    try:
        login.check_secrets_files(secrets_files)
    except login.LoginConfigurationError as error:
        return [Finding(ERROR, error.message(language))]
    secrets: dict = {}
    found = [path for path in secrets_files if path.is_file()]
    for path in found:
        secrets.update(tomllib.loads(path.read_text(encoding="utf-8")))
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            findings.append(Finding(WARNING, _t(language, "doctor_secrets_mode", path=path, mode=oct(mode & 0o777))))
    try:
        settings = login.login_settings(secrets.get("auth"), secrets.get("kompilot"))
    except login.LoginConfigurationError as error:
        return [*findings, Finding(ERROR, error.message(language))]
    except ConfigurationError as error:
        return [*findings, Finding(ERROR, str(error))]
    address = _config_address(config_files)
    if settings is None:
        if login.is_loopback(address):
            findings.append(Finding(WARNING, _t(language, "doctor_no_login_local")))
        else:
            where = _t(language, "config_where_address", address=address or "0.0.0.0")
            findings.append(Finding(ERROR, _t(language, "config_local_refused", where=where)))
        return findings
    findings.append(
        Finding(
            OK,
            _t(
                language,
                "doctor_login_ok",
                files=", ".join(str(p) for p in found),
                issuer=settings.issuer or "–",
                coordinators=len(settings.coordinators),
                groups=len(settings.groups),
                hours=i18n.format_number(settings.session_minutes / 60, language, 1),
            ),
        )
    )
    if not settings.issuer:
        findings.append(Finding(WARNING, _t(language, "doctor_no_issuer")))
    key = os.environ.get(oplog.KEY_VARIABLE, "")
    if len(key) < 16:
        findings.append(Finding(WARNING, _t(language, "doctor_log_key", variable=oplog.KEY_VARIABLE)))
    return findings


def check_database(url: str | None, language: str) -> list[Finding]:
    import sqlalchemy as sa

    from kompilot_data.records import storage

    try:
        engine = storage.make_engine(url, migrate=False)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # every failure is a finding in plain words
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]
        return [Finding(ERROR, _t(language, "doctor_database_down", url=_safe_url(url), reason=reason))]
    findings = []
    current, head = schema_state(engine)
    if current == head:
        needs, offers = storage.count(engine, "needs"), storage.count(engine, "offers")
        findings.append(
            Finding(
                OK,
                _t(
                    language,
                    "doctor_database_ok",
                    url=_safe_url(str(engine.url)),
                    needs=i18n.format_number(needs, language),
                    offers=i18n.format_number(offers, language),
                ),
            )
        )
        findings.append(Finding(OK, _t(language, "doctor_migrations_ok", revision=head)))
    else:
        findings.append(Finding(ERROR, _t(language, "doctor_migrations_behind", current=current or "–", head=head)))
    engine.dispose()
    return findings


def _safe_url(url: str | None) -> str:
    """The database URL without its password."""
    import sqlalchemy as sa

    from kompilot_data.records.storage import database_url

    return sa.engine.make_url(database_url(url)).render_as_string(hide_password=True)


def check_disk(folder: Path, language: str) -> list[Finding]:
    folder.mkdir(parents=True, exist_ok=True)
    usage = shutil.disk_usage(folder)
    free_gb = i18n.format_number(usage.free / 2**30, language, 1)
    share = usage.free / usage.total if usage.total else 0
    values = {"folder": folder, "free": free_gb, "share": i18n.format_percent(share, language)}
    if usage.free < MIN_FREE_BYTES:
        return [Finding(ERROR, _t(language, "doctor_disk_full", **values))]
    if usage.free < LOW_FREE_BYTES or share < 0.1:
        return [Finding(WARNING, _t(language, "doctor_disk_low", **values))]
    return [Finding(OK, _t(language, "doctor_disk_ok", **values))]


def check_environment(language: str) -> list[Finding]:
    arenas = os.environ.get("MALLOC_ARENA_MAX")
    if arenas != "2":
        return [Finding(WARNING, _t(language, "doctor_malloc", value=arenas or "–"))]
    return [Finding(OK, _t(language, "doctor_malloc_ok"))]


def run(
    secrets_files: list[Path],
    config_files: list[Path],
    url: str | None,
    data_dir: Path,
    language: str = i18n.DEFAULT_LANGUAGE,
) -> list[Finding]:
    """Every check, in order: configuration and secrets, database and migrations, disk, environment."""
    return [
        *check_configuration(secrets_files, config_files, language),
        *check_database(url, language),
        *check_disk(data_dir, language),
        *check_environment(language),
    ]


def report(findings: list[Finding], language: str = i18n.DEFAULT_LANGUAGE) -> str:
    marks = {OK: "OK", WARNING: _t(language, "doctor_mark_warning"), ERROR: _t(language, "doctor_mark_error")}
    width = max(len(mark) for mark in marks.values())
    lines = [f"{marks[f.level]:<{width}}  {f.text}" for f in findings]
    errors = sum(f.level == ERROR for f in findings)
    warnings = sum(f.level == WARNING for f in findings)
    lines.append(_t(language, "doctor_summary", errors=errors, warnings=warnings))
    return "\n".join(lines)
