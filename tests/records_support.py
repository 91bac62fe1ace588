"""Shared helpers for the records tests: one valid need, CSV files, and a database per test on SQLite and PostgreSQL.

PostgreSQL tests run in a schema of their own (``kompilot_test_<pid>``), so several test runs can share one
server without dropping each other's tables.
"""

from __future__ import annotations

import os
import re

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


def _schema() -> str:
    return f"kompilot_test_{os.getpid()}"


def postgres_engine(lock_timeout: float = storage.LOCK_TIMEOUT_S) -> sa.Engine:
    """A fresh, migrated PostgreSQL database in this test process's own schema."""
    if not POSTGRES_URL:
        if os.environ.get("KOMPILOT_REQUIRE_POSTGRES") == "1":
            pytest.fail("KOMPILOT_TEST_POSTGRES_URL is not set, but CI requires the PostgreSQL tests")
        pytest.skip("no PostgreSQL (set KOMPILOT_TEST_POSTGRES_URL)")
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {_schema()} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {_schema()}"))
    admin.dispose()
    url = sa.engine.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={_schema()}"})
    return storage.make_engine(url.render_as_string(hide_password=False), lock_timeout=lock_timeout)


def make_test_engine(backend: str, tmp_path, lock_timeout: float = storage.LOCK_TIMEOUT_S) -> sa.Engine:
    if backend == "postgresql":
        return postgres_engine(lock_timeout)
    return storage.make_engine(f"sqlite:///{tmp_path / 'kompilot.sqlite'}", lock_timeout=lock_timeout)


def database(request, tmp_path):
    """Body of each test module's ``engine`` fixture (parametrised with BACKENDS): a fresh database per test."""
    engine = make_test_engine(request.param, tmp_path)
    yield engine
    engine.dispose()
