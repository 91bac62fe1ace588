"""Shared helpers for the records tests: one valid need, CSV files, and a database per test on SQLite and PostgreSQL.

Databases are copied from templates that are migrated (and seeded with the demo data) once per test process:

* SQLite: the template file is copied (:func:`sqlite_copy`);
* PostgreSQL: ``CREATE DATABASE … TEMPLATE`` (:func:`postgres_engine`). Each test process has databases of its own
  (``kompilot_test_<pid>`` and its templates), so parallel workers and several test runs can share one server
  without touching each other's tables or write locks (advisory locks belong to one database).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
import sqlalchemy as sa

from kompilot_data.records import storage

NEED = {
    "behov_id": "B1",
    "registrert": "27.11.2026",
    "bedrift_id": "V1",
    "orgnr": "",
    "kommunenummer": "5007",
    "naering": "Q",
    "storrelse": "5-19",
    "kompetanseomrade": "helse",
    "niva": "fagskole",
    "laeringsform": "",
    "antall_deltakere": "3",
    "tidsramme_fra": "01.01.2027",
    "tidsramme_til": "30.06.2027",
    "status": "kartlagt",
    "kilde": "bedriftsbesok",
    "merknad": "",
    "demo": "nei",
}
HEADER = [h for h in NEED if h != "demo"]
POSTGRES_URL = os.environ.get("KOMPILOT_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def need(**changes) -> dict[str, str]:
    return {**NEED, **changes}


def row(**changes) -> list[str]:
    values = need(**changes)
    return [values[h] for h in HEADER]


def csv_bytes(rows, header=HEADER, sep=";", encoding="utf-8") -> bytes:
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def snapshot(engine) -> dict[str, pd.DataFrame]:
    return storage.dump_all(engine)


def assert_unchanged(engine, before) -> None:
    after = snapshot(engine)
    for key in before:
        pdt.assert_frame_equal(before[key], after[key], check_dtype=False)


def unescape(markdown: str) -> str:
    """Markdown source (as AppTest returns it) back to the text the browser shows: backslash escapes removed."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


# --- template databases ------------------------------------------------------------------------------------

_SQLITE_TEMPLATES: dict[bool, Path] = {}


def sqlite_template(seeded: bool = False) -> Path:
    """A migrated SQLite file, with the demo data when ``seeded``; made once per test process."""
    if seeded not in _SQLITE_TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="kompilot-template-"))
        path = folder / ("demo.sqlite" if seeded else "tom.sqlite")
        engine = storage.make_engine(f"sqlite:///{path}")
        if seeded:
            assert storage.seed_demo_if_empty(engine)
        engine.dispose()  # the last connection checkpoints the WAL: the file alone is the whole database
        assert not path.with_name(path.name + "-wal").exists()
        _SQLITE_TEMPLATES[seeded] = path
        atexit.register(shutil.rmtree, folder, True)
    return _SQLITE_TEMPLATES[seeded]


def sqlite_copy(target: Path, seeded: bool = False) -> str:
    """Copy the template to ``target`` (a file that must not exist yet); return its SQLAlchemy URL."""
    target = Path(target)
    assert not target.exists(), target
    shutil.copyfile(sqlite_template(seeded), target)
    return f"sqlite:///{target}"


def _postgres_admin() -> sa.Engine:
    if not POSTGRES_URL:
        if os.environ.get("KOMPILOT_REQUIRE_POSTGRES") == "1":
            pytest.fail("KOMPILOT_TEST_POSTGRES_URL is not set, but CI requires the PostgreSQL tests")
        pytest.skip("no PostgreSQL (set KOMPILOT_TEST_POSTGRES_URL)")
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _postgres_url(name: str) -> str:
    return sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


_POSTGRES_TEMPLATES: dict[bool, str] = {}


def _postgres_template(admin: sa.Engine, seeded: bool) -> str:
    """The name of this process's template database (migrated, with the demo data when ``seeded``)."""
    if seeded not in _POSTGRES_TEMPLATES:
        name = f"kompilot_tpl_{'demo_' if seeded else ''}{os.getpid()}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        atexit.register(_drop_database, name)
        engine = storage.make_engine(_postgres_url(name))
        if seeded:
            assert storage.seed_demo_if_empty(engine)
        engine.dispose()  # a template must have no connections when it is copied
        _POSTGRES_TEMPLATES[seeded] = name
    return _POSTGRES_TEMPLATES[seeded]


def _drop_database(name: str) -> None:
    engine = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        engine.dispose()


def postgres_engine(lock_timeout: float = storage.LOCK_TIMEOUT_S, seeded: bool = False) -> sa.Engine:
    """A fresh PostgreSQL database for the test, copied from this process's migrated (``seeded``) template.

    One at a time per process: the next call replaces it."""
    admin = _postgres_admin()
    try:
        template = _postgres_template(admin, seeded)
        name = f"kompilot_test_{os.getpid()}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    finally:
        admin.dispose()
    if name not in _DROP_AT_EXIT:
        _DROP_AT_EXIT.add(name)
        atexit.register(_drop_database, name)
    return storage.make_engine(_postgres_url(name), migrate=False, lock_timeout=lock_timeout)


_DROP_AT_EXIT: set[str] = set()


def make_test_engine(
    backend: str, tmp_path, lock_timeout: float = storage.LOCK_TIMEOUT_S, seeded: bool = False
) -> sa.Engine:
    """A fresh migrated database (with the demo data when ``seeded``) on ``backend``, copied from a template."""
    if backend == "postgresql":
        return postgres_engine(lock_timeout, seeded)
    url = sqlite_copy(Path(tmp_path) / "kompilot.sqlite", seeded)
    return storage.make_engine(url, migrate=False, lock_timeout=lock_timeout)


def database(request, tmp_path, seeded: bool = False):
    """Body of each test module's ``engine`` fixture (parametrised with BACKENDS): a fresh database per test."""
    engine = make_test_engine(request.param, tmp_path, seeded=seeded)
    yield engine
    engine.dispose()
