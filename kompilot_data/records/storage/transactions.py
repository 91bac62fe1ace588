"""Connections and write transactions: the engine and its schema (Alembic), the one write lock every write
holds for its whole transaction, plain values and JSON for records, bulk writes and audit entries.

**Every write holds one lock for its whole transaction**: on SQLite the transaction starts with ``BEGIN IMMEDIATE``
(one writer at a time; the next waits up to ``lock_timeout`` seconds); on PostgreSQL it takes a transaction-level
advisory lock (``pg_advisory_xact_lock``) with ``lock_timeout`` set. Readers are never blocked.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kompilot_data.records import oplog
from kompilot_data.records.schema import SPECS
from kompilot_data.records.storage.tables import AUDIT_COLUMNS, AUDIT_TABLE, TABLE_NAMES
from kompilot_data.reference.errors import KompilotError

SYSTEM_USER = "system"
LOCK_TIMEOUT_S = 30.0
USER_MAX_LENGTH = 200
_WRITE = "kompilot_write"
_AUDITED = "kompilot_audited"  # (user, action, table) -> records, for the operations log (records/oplog.py)
_PG_LOCK_KEY = 0x6B6F6D70  # "komp": with the schema, the one advisory lock every kompilot write takes
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


class UserNameError(KompilotError, ValueError):
    """The user name for the audit log is empty or too long."""


# --- engine and schema ------------------------------------------------------------------------


def database_url(url: str | None = None) -> str:
    """The database URL: ``url``, else ``KOMPILOT_DATABASE_URL``, else SQLite in ``KOMPILOT_DATA_DIR``."""
    if url:
        return url
    if os.environ.get("KOMPILOT_DATABASE_URL"):
        return os.environ["KOMPILOT_DATABASE_URL"]
    folder = Path(os.environ.get("KOMPILOT_DATA_DIR", "kompilot-data")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'kompilot.sqlite'}"


def make_engine(url: str | None = None, migrate: bool = True, lock_timeout: float = LOCK_TIMEOUT_S) -> Engine:
    """Create an engine for ``url`` (see :func:`database_url`) and bring its schema to the latest migration.

    ``lock_timeout``: how many seconds a write waits for another write to finish before it gives up with
    "database is locked" (explained to the user by :func:`kompilot_data.records.errors.user_message`).
    """
    engine = sa.create_engine(database_url(url), future=True)
    _LOCK_TIMEOUTS[engine] = lock_timeout
    if engine.dialect.name == "sqlite":
        milliseconds = int(lock_timeout * 1000)

        def connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below starts transactions
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: a 100k import updates its indexes in memory
            cursor.execute(f"PRAGMA busy_timeout={milliseconds}")
            cursor.close()

        def begin(connection: Connection) -> None:
            writing = connection.get_execution_options().get(_WRITE)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

        sa.event.listen(engine, "connect", connect)
        sa.event.listen(engine, "begin", begin)
    if migrate:
        upgrade(engine)
    return engine


_LOCK_TIMEOUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class DatabaseMissing(KompilotError, FileNotFoundError):
    """A command that needs an existing database found none (a mistyped data folder or URL); nothing was made."""


def existing_database(url: str | None = None, lock_timeout: float = LOCK_TIMEOUT_S) -> Engine:
    """:func:`make_engine` for a database that must exist already, with kompilot's tables: a SQLite file that is not
    there is never created (nor its folder), and a database without the tables is refused. The schema is then
    brought up to date as :func:`make_engine` does.

    Raises
    ------
    DatabaseMissing
        No SQLite file at the path, or no kompilot tables in the database.
    """
    if not url and not os.environ.get("KOMPILOT_DATABASE_URL"):
        folder = Path(os.environ.get("KOMPILOT_DATA_DIR", "kompilot-data")).resolve()
        path = folder / "kompilot.sqlite"
        if not path.is_file():
            raise DatabaseMissing(
                "err_cli_database_missing", path=path, folder=os.environ.get("KOMPILOT_DATA_DIR", "kompilot-data")
            )
        url = f"sqlite:///{path}"
    parsed = sa.engine.make_url(url or os.environ["KOMPILOT_DATABASE_URL"])
    local = parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
    if local and not Path(parsed.database).is_file():
        folder = os.environ.get("KOMPILOT_DATA_DIR", "kompilot-data")
        raise DatabaseMissing("err_cli_database_missing", path=parsed.database, folder=folder)
    engine = make_engine(url, migrate=False, lock_timeout=lock_timeout)
    if schema_revision(engine) is None:
        engine.dispose()
        raise DatabaseMissing("err_cli_database_not_set_up", url=parsed.render_as_string(hide_password=True))
    upgrade(engine)
    return engine


@contextlib.contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction under the one write lock (see the module docstring); commits on success. What it
    audited goes to the operations log after the commit (:mod:`kompilot_data.records.oplog`)."""
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE: True})
        connection.info.pop(_AUDITED, None)
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    timeout = int(_LOCK_TIMEOUTS.get(engine, LOCK_TIMEOUT_S) * 1000)
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout}")
                    # one lock per schema (a deployment uses "public"; parallel test runs use their own schema)
                    connection.exec_driver_sql(
                        f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY}, hashtext(current_schema()))"
                    )
                yield connection
        finally:
            committed = connection.info.pop(_AUDITED, None)
    oplog.writes(committed)  # only after the commit: the operations log names what was saved


def alembic_config(engine: Engine):
    from alembic.config import Config  # late, as in upgrade(): alembic takes ~0.5 s to import, for migrations only

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Run Alembic migrations up to head."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at."""
    with engine.connect() as connection:
        try:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        except sa.exc.DatabaseError:
            return None


# --- conversions ------------------------------------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def plain_value(value):
    """A JSON/DB-friendly Python value (None for missing)."""
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def record_columns(typed: pd.DataFrame, kind: str) -> dict[str, list]:
    """Typed records as plain Python values per column (None for missing), converted column by column."""
    out: dict[str, list] = {}
    for spec in SPECS[kind]:
        column = typed[spec.name] if spec.name in typed else pd.Series(None, index=typed.index, dtype=object)
        missing = column.isna().to_numpy()
        if spec.kind == "date":
            values = pd.Series(pd.to_datetime(column).dt.date, index=column.index).astype(object).tolist()
        elif spec.kind == "int":
            values = column.astype(object).tolist()
            values = [None if m else int(v) for v, m in zip(values, missing, strict=True)]
            out[spec.name] = values
            continue
        elif spec.kind == "float":
            values = [float(v) for v in column.astype(float).tolist()]
        elif spec.kind == "bool":
            values = [bool(v) for v in column.astype(bool).tolist()]
            out[spec.name] = values
            continue
        else:
            values = column.astype(object).tolist()
        if missing.any():
            values = [None if m else v for v, m in zip(values, missing, strict=True)]
        out[spec.name] = values
    return out


def record_dicts(typed: pd.DataFrame, kind: str) -> list[dict]:
    columns = record_columns(typed, kind)
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def to_json(record: dict | None) -> str | None:
    if record is None:
        return None
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in record.items()},
        ensure_ascii=False,
        sort_keys=True,
    )


def _json_value(value) -> str:
    """One value exactly as :func:`to_json` writes it."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return encode_basestring(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (date, datetime)):
        return encode_basestring(value.isoformat())
    if isinstance(value, float):
        return json.dumps(value)
    return repr(value)


def _object_array(values: list) -> np.ndarray:
    return np.fromiter(values, dtype=object, count=len(values))


def json_rows(columns: dict[str, list], rows: list[int] | None = None) -> list[str]:
    """:func:`to_json` of every record given column-wise (or of the records at ``rows``), built column by column.

    Each distinct value of a column is encoded once (codes, dates and counts repeat a lot); the rows are then
    put together with one string template.
    """
    names = sorted(columns)
    encoded = []
    for name in names:
        values = _object_array(columns[name])
        if rows is not None:
            values = values[rows]
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        table = np.empty(len(uniques) + 1, dtype=object)
        for position, value in enumerate(uniques):
            table[position] = _json_value(value)
        table[-1] = "null"
        encoded.append(table[codes])
    parts: list = []  # "{", key, value, ", ", key, value, … "}": one join per row
    for position, (name, values) in enumerate(zip(names, encoded, strict=True)):
        parts.append(itertools.repeat(("{" if position == 0 else ", ") + encode_basestring(name) + ": "))
        parts.append(values)
    parts.append(itertools.repeat("}"))
    return list(map("".join, zip(*parts, strict=False)))  # the repeated separators are endless


def comparable(record: dict, kind: str) -> tuple:
    return tuple(plain_value(record.get(spec.name)) for spec in SPECS[kind])


def check_user(user: str) -> str:
    if not user or len(user) > USER_MAX_LENGTH:
        raise UserNameError("err_user_name", most=USER_MAX_LENGTH)
    return user


# --- writing ----------------------------------------------------------------------------------


def audited(connection: Connection, keys: Iterable[tuple[str, str, str]]) -> None:
    """Count (user, action, table) of new audit entries for the operations log written after the commit."""
    connection.info.setdefault(_AUDITED, Counter()).update(keys)


def write_audit(connection: Connection, entries: list[dict]) -> None:
    if entries:
        audited(connection, ((e["bruker"], e["handling"], e["tabell"]) for e in entries))
        insert_columns(connection, AUDIT_TABLE, AUDIT_COLUMNS, [[e[c] for e in entries] for c in AUDIT_COLUMNS])


def quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _marker(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _bound_columns(connection: Connection, table: sa.Table, names: Iterable[str], columns: list[list]) -> list[list]:
    """Columns with SQLAlchemy's bind processing applied (e.g. dates as text on SQLite), each distinct value once."""
    dialect = connection.dialect
    out = []
    for name, values in zip(names, columns, strict=True):
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None and values:
            codes, uniques = pd.factorize(_object_array(values), use_na_sentinel=True)
            converted = np.empty(len(uniques) + 1, dtype=object)
            for position, value in enumerate(uniques):
                converted[position] = processor(value)
            converted[-1] = None
            values = converted[codes].tolist()
        out.append(values)
    return out


def insert_columns(connection: Connection, table: sa.Table, names: tuple[str, ...], columns: list[list]) -> None:
    """Insert rows given column by column: COPY on PostgreSQL, one executemany elsewhere.

    The driver's cursor is used directly (same transaction) so that rows stream without per-row overhead;
    its errors are raised as SQLAlchemy's (OperationalError, IntegrityError …), as any other statement's.
    """
    if not columns or not len(columns[0]):
        return
    quoted = ", ".join(quote(connection, n) for n in names)
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            statement = f"COPY {quote(connection, table.name)} ({quoted}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in zip(*columns, strict=True):
                    copy.write_row(row)
        else:
            marker = _marker(connection)
            statement = (
                f"INSERT INTO {quote(connection, table.name)} ({quoted}) VALUES ({', '.join([marker] * len(names))})"
            )
            cursor.executemany(statement, zip(*_bound_columns(connection, table, names, columns), strict=True))
    except dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(statement, None, error, dbapi.Error) from error
    finally:
        cursor.close()


def bulk_insert(connection: Connection, table: sa.Table, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows (tuples in the order of ``names``)."""
    if rows:
        insert_columns(connection, table, names, [list(values) for values in zip(*rows, strict=True)])


def bulk_execute(
    connection: Connection, table: sa.Table, statement: str, names: tuple[str, ...], rows: list[tuple]
) -> int:
    """Run one UPDATE/DELETE for many rows (``names``: the columns bound, in order); the total row count."""
    if not rows:
        return 0
    marker = _marker(connection)
    columns = _bound_columns(connection, table, names, [list(values) for values in zip(*rows, strict=True)])
    result = connection.exec_driver_sql(statement.replace("?", marker), list(zip(*columns, strict=True)))
    return int(result.rowcount)


def audit_entry(when, user, action, kind, record_id, batch_id, before, after) -> dict:
    return {
        "tidspunkt": when,
        "bruker": user,
        "handling": action,
        "tabell": TABLE_NAMES[kind],
        "post_id": record_id,
        "batch_id": batch_id,
        "foer": to_json(before),
        "etter": to_json(after),
    }
