"""Storage of needs and offers in a real database (SQLAlchemy): SQLite by default, PostgreSQL when configured.

* ``KOMPILOT_DATABASE_URL`` – a SQLAlchemy URL (e.g. ``postgresql+psycopg://user@host/kompilot``);
* otherwise a SQLite file ``kompilot.sqlite`` in ``KOMPILOT_DATA_DIR`` (default ``./kompilot-data``),
  in WAL mode.

The schema is created and upgraded by Alembic (``kompilot_data/records/migrations``).

**Every write holds one lock for its whole transaction**: import, edit, add, delete, undo, restore and
removing demo data. On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time; the
next waits up to ``lock_timeout`` seconds); on PostgreSQL it takes a transaction-level advisory lock
(``pg_advisory_xact_lock``) with ``lock_timeout`` set. Readers are never blocked. Checks (versions, the
coordinator's region) are made under that lock, and every UPDATE/DELETE also names the version it checked
(``WHERE id = … AND versjon = …``) with its row count verified, so a check and its write cannot be split by
another writer: an undo that races an import waits for it and then refuses, and never deletes what the
import changed.

Every change is written with an audit entry (who, when, before, after) in the same transaction. Records
carry a ``versjon`` counter: an update names the version it read, and a stale version is refused
(optimistic locking).

Write functions take ``access`` (:class:`kompilot_data.access.Access`): a coordinator limited to a
sub-region can neither create, change, move nor delete a record outside it, by any path. ``None`` is the
command line's full access.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kompilot_data.access import AccessDenied
from kompilot_data.records import oplog
from kompilot_data.records.schema import ID_COLUMN, SPECS, ColumnSpec, to_typed, validate

METADATA = sa.MetaData()
TABLE_NAMES = {"needs": "behov", "offers": "tilbud"}
META_COLUMNS = ("versjon", "batch_id", "endret", "endret_av")
SYSTEM_USER = "system"
LOCK_TIMEOUT_S = 30.0
USER_MAX_LENGTH = 200
_WRITE = "kompilot_write"
_AUDITED = "kompilot_audited"  # (user, action, table) -> records, for the operations log (records/oplog.py)
_PG_LOCK_KEY = 0x6B6F6D70  # "komp": with the schema, the one advisory lock every kompilot write takes


def _sa_type(spec: ColumnSpec) -> sa.types.TypeEngine:
    return {
        "text": sa.Text(),
        "int": sa.Integer(),
        "float": sa.Float(),
        "date": sa.Date(),
        "code": sa.String(32),
        "kommune": sa.String(4),
        "orgnr": sa.String(9),
        "bool": sa.Boolean(),
    }[spec.kind]


def _record_table(kind: str) -> sa.Table:
    id_column = ID_COLUMN[kind]
    columns = [
        sa.Column(
            spec.name,
            sa.String(64) if spec.name == id_column else _sa_type(spec),
            primary_key=spec.name == id_column,
            nullable=spec.name != id_column and not spec.required,
        )
        for spec in SPECS[kind]
    ]
    return sa.Table(
        TABLE_NAMES[kind],
        METADATA,
        *columns,
        sa.Column("versjon", sa.Integer, nullable=False),
        sa.Column("batch_id", sa.Integer, nullable=True),
        sa.Column("endret", sa.DateTime, nullable=False),
        sa.Column("endret_av", sa.String(200), nullable=False),
    )


NEEDS_TABLE = _record_table("needs")
OFFERS_TABLE = _record_table("offers")
TABLES = {"needs": NEEDS_TABLE, "offers": OFFERS_TABLE}
BATCH_TABLE = sa.Table(
    "import_batch",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("type", sa.String(10), nullable=False),
    sa.Column("filnavn", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("importert", sa.DateTime, nullable=False),
    sa.Column("bruker", sa.String(200), nullable=False),
    sa.Column("nye", sa.Integer, nullable=False),
    sa.Column("endrede", sa.Integer, nullable=False),
    sa.Column("uendrede", sa.Integer, nullable=False),
    sa.Column("angret", sa.DateTime, nullable=True),
    sa.Column("beholdt", sa.Integer, nullable=True),
    sa.Column("ikke_angret", sa.Integer, nullable=True),
)
AUDIT_TABLE = sa.Table(
    "endringslogg",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tidspunkt", sa.DateTime, nullable=False),
    sa.Column("bruker", sa.String(200), nullable=False),
    sa.Column("handling", sa.String(20), nullable=False),
    sa.Column("tabell", sa.String(20), nullable=False),
    sa.Column("post_id", sa.String(64), nullable=True),
    sa.Column("batch_id", sa.Integer, nullable=True),
    sa.Column("foer", sa.Text, nullable=True),
    sa.Column("etter", sa.Text, nullable=True),
)
sa.Index("ix_endringslogg_post", AUDIT_TABLE.c.tabell, AUDIT_TABLE.c.post_id)
sa.Index("ix_behov_tilbud", NEEDS_TABLE.c.tilbud_id)
REJECTED_TABLE = sa.Table(
    "avviste_kandidater",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("behov_id", sa.String(64), nullable=False),
    sa.Column("tilbud_id", sa.String(64), nullable=False),
    sa.Column("grunn", sa.Text, nullable=False),
    sa.Column("bruker", sa.String(200), nullable=False),
    sa.Column("tidspunkt", sa.DateTime, nullable=False),
    sa.UniqueConstraint("behov_id", "tilbud_id", name="uq_avviste_kandidater"),
)
ALL_TABLES = {
    "needs": NEEDS_TABLE,
    "offers": OFFERS_TABLE,
    "batches": BATCH_TABLE,
    "audit": AUDIT_TABLE,
    "rejected": REJECTED_TABLE,
}
AUDIT_COLUMNS = ("tidspunkt", "bruker", "handling", "tabell", "post_id", "batch_id", "foer", "etter")


class ConflictError(RuntimeError):
    """Optimistic locking: the record changed since the caller read it (Norwegian message)."""


class RecordNotFound(KeyError):
    """No record with that id (Norwegian message)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "Posten finnes ikke."


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


@contextlib.contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction under the one write lock (see the module docstring); commits on success."""
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
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
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


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _plain(value):
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


def _columns(typed: pd.DataFrame, kind: str) -> dict[str, list]:
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


def _records(typed: pd.DataFrame, kind: str) -> list[dict]:
    columns = _columns(typed, kind)
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _json(record: dict | None) -> str | None:
    if record is None:
        return None
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in record.items()},
        ensure_ascii=False,
        sort_keys=True,
    )


def _json_value(value) -> str:
    """One value exactly as :func:`_json` writes it."""
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


def _json_rows(columns: dict[str, list], rows: list[int] | None = None) -> list[str]:
    """:func:`_json` of every record given column-wise (or of the records at ``rows``), built column by column.

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


def _comparable(record: dict, kind: str) -> tuple:
    return tuple(_plain(record.get(spec.name)) for spec in SPECS[kind])


def _check_user(user: str) -> str:
    if not user or len(user) > USER_MAX_LENGTH:
        raise ValueError(f"Brukernavnet i endringsloggen må ha 1–{USER_MAX_LENGTH} tegn.")
    return user


# --- access -----------------------------------------------------------------------------------


def _label(kind: str) -> str:
    return "behovet" if kind == "needs" else "tilbudet"


def _place_name(place: str | None) -> str:
    from kompilot_data.reference import load_municipalities

    if not place:
        return "uten studiested"
    names = load_municipalities()["navn"]
    return f"{names.get(place, place)} ({place})"


def foreign_id_message(kind: str, record_id: str, place: str | None, region: str | None) -> str:
    """Why an import may not use an id that belongs to a record outside the coordinator's sub-region."""
    where = "i en annen delregion" if not region else f"utenfor {region}"
    return (
        f"ID-en «{record_id}» er allerede brukt av {_label(kind)} i {_place_name(place)}, {where}. "
        "Importen ville overskrevet og flyttet det. Bruk en annen ID (for eksempel med et prefiks for delregionen)."
    )


def _require_editor(access) -> None:
    if access is not None and not access.can_edit:
        raise AccessDenied("Bare koordinatorer kan endre data.")


def _require_all_regions(access, what: str) -> None:
    _require_editor(access)
    if access is not None and not access.all_regions:
        raise AccessDenied(
            f"Bare koordinatorer for alle delregioner kan {what}. Du er koordinator for {access.region}."
        )


def _outside(access, kind: str, items: Iterable[tuple[str, str | None, str]]) -> list[str]:
    """Messages for ``(record_id, kommunenummer, what)`` the user may not write (``what``: ny/endret/flyttet …)."""
    if access is None or access.all_regions:
        return []
    allowed = access.municipalities() or frozenset()
    messages = []
    for record_id, place, what in items:
        if place not in allowed:
            where = f"ligger i {_place_name(place)}, utenfor {access.region}" if place else "har ikke studiested"
            messages.append(
                f"{_label(kind).capitalize()} «{record_id}» ({what}) {where}. Du kan endre data i {access.region}."
            )
    return messages


def _refuse(messages: list[str], ending: str = "Ingenting er lagret.") -> None:
    if messages:
        shown = " ".join(messages[:5]) + (f" … og {len(messages) - 5} til." if len(messages) > 5 else "")
        raise AccessDenied(f"{shown} {ending}")


# --- reading ----------------------------------------------------------------------------------


def read_frame(engine: Engine, kind: str, with_meta: bool = False) -> pd.DataFrame:
    """All records of ``kind`` as a typed frame (as :func:`kompilot_data.load_needs` returns)."""
    table = TABLES[kind]
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table).order_by(table.c[ID_COLUMN[kind]])).mappings().all()
    raw = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    typed = to_typed(raw[[spec.name for spec in SPECS[kind]]], kind)
    if with_meta:
        for column in META_COLUMNS:
            typed[column] = raw[column].to_numpy()
    return typed


def data_version(engine: Engine) -> int:
    """A number that changes whenever any record changes (the latest audit entry)."""
    with engine.connect() as connection:
        return _data_version(connection)


def _data_version(connection: Connection) -> int:
    return int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(AUDIT_TABLE.c.id), 0))).scalar_one())


def count(engine: Engine, kind: str, demo: bool | None = None) -> int:
    table = TABLES[kind]
    query = sa.select(sa.func.count()).select_from(table)
    if demo is not None:
        query = query.where(table.c.demo.is_(demo))
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def batches(engine: Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(BATCH_TABLE).order_by(BATCH_TABLE.c.id.desc())).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in BATCH_TABLE.columns])


def audit_log(engine: Engine, limit: int | None = 500) -> pd.DataFrame:
    query = sa.select(AUDIT_TABLE).order_by(AUDIT_TABLE.c.id.desc())
    if limit:
        query = query.limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in AUDIT_TABLE.columns])


def rejected_candidates(engine: Engine) -> pd.DataFrame:
    """Every rejected candidate: ``behov_id``, ``tilbud_id``, ``grunn``, ``bruker``, ``tidspunkt`` (oldest first)."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(REJECTED_TABLE).order_by(REJECTED_TABLE.c.id)).mappings().all()
    columns = ["behov_id", "tilbud_id", "grunn", "bruker", "tidspunkt"]
    return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)


def versions(engine: Engine, kind: str, ids: list[str]) -> dict[str, int]:
    """``{id: versjon}`` of the existing records among ``ids`` (what a page read, for optimistic locking)."""
    with engine.connect() as connection:
        return {i: int(r["versjon"]) for i, r in _existing(connection, kind, ids).items()}


def record_places(engine: Engine, kind: str, ids: list[str]) -> dict[str, str | None]:
    """``{id: kommunenummer}`` of the existing records among ``ids``."""
    with engine.connect() as connection:
        return {i: r["kommunenummer"] for i, r in _existing(connection, kind, ids).items()}


# --- writing ----------------------------------------------------------------------------------


def _audited(connection: Connection, keys: Iterable[tuple[str, str, str]]) -> None:
    """Count (user, action, table) of new audit entries for the operations log written after the commit."""
    connection.info.setdefault(_AUDITED, Counter()).update(keys)


def _audit(connection: Connection, entries: list[dict]) -> None:
    if entries:
        _audited(connection, ((e["bruker"], e["handling"], e["tabell"]) for e in entries))
        _insert_columns(connection, AUDIT_TABLE, AUDIT_COLUMNS, [[e[c] for e in entries] for c in AUDIT_COLUMNS])


def _existing(connection: Connection, kind: str, ids: list[str]) -> dict[str, dict]:
    table = TABLES[kind]
    id_column = table.c[ID_COLUMN[kind]]
    found: dict[str, dict] = {}
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > 5000:  # a big import: find which ids exist first, then read only those
        present = set(connection.execute(sa.select(id_column)).scalars())
        wanted = [i for i in wanted if i in present]
    for start in range(0, len(wanted), 900):  # stay below SQLite's bound-parameter limit
        chunk = wanted[start : start + 900]
        for row in connection.execute(sa.select(table).where(id_column.in_(chunk))).mappings():
            found[row[ID_COLUMN[kind]]] = dict(row)
    return found


def _quote(connection: Connection, name: str) -> str:
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


def _insert_columns(connection: Connection, table: sa.Table, names: tuple[str, ...], columns: list[list]) -> None:
    """Insert rows given column by column: COPY on PostgreSQL, one executemany elsewhere.

    The driver's cursor is used directly (same transaction) so that rows stream without per-row overhead;
    its errors are raised as SQLAlchemy's (OperationalError, IntegrityError …), as any other statement's.
    """
    if not columns or not len(columns[0]):
        return
    quoted = ", ".join(_quote(connection, n) for n in names)
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            statement = f"COPY {_quote(connection, table.name)} ({quoted}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in zip(*columns, strict=True):
                    copy.write_row(row)
        else:
            marker = _marker(connection)
            statement = (
                f"INSERT INTO {_quote(connection, table.name)} ({quoted}) VALUES ({', '.join([marker] * len(names))})"
            )
            cursor.executemany(statement, zip(*_bound_columns(connection, table, names, columns), strict=True))
    except dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(statement, None, error, dbapi.Error) from error
    finally:
        cursor.close()


def _bulk_insert(connection: Connection, table: sa.Table, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows (tuples in the order of ``names``)."""
    if rows:
        _insert_columns(connection, table, names, [list(values) for values in zip(*rows, strict=True)])


def _bulk_execute(
    connection: Connection, table: sa.Table, statement: str, names: tuple[str, ...], rows: list[tuple]
) -> int:
    """Run one UPDATE/DELETE for many rows (``names``: the columns bound, in order); the total row count."""
    if not rows:
        return 0
    marker = _marker(connection)
    columns = _bound_columns(connection, table, names, [list(values) for values in zip(*rows, strict=True)])
    result = connection.exec_driver_sql(statement.replace("?", marker), list(zip(*columns, strict=True)))
    return int(result.rowcount)


def _audit_entry(when, user, action, kind, record_id, batch_id, before, after) -> dict:
    return {
        "tidspunkt": when,
        "bruker": user,
        "handling": action,
        "tabell": TABLE_NAMES[kind],
        "post_id": record_id,
        "batch_id": batch_id,
        "foer": _json(before),
        "etter": _json(after),
    }


def import_frame(
    engine: Engine,
    typed: pd.DataFrame,
    kind: str,
    filename: str,
    sha256: str,
    user: str,
    progress: Callable[[float], None] | None = None,
    chunk_size: int = 20_000,
    before_commit: Callable[[Connection], None] | None = None,
    access=None,
    take_file: bool | Iterable[str] = False,
    seen_versions: dict[str, int | None] | None = None,
) -> dict:
    """Write validated, typed records in **one transaction** under the write lock: all rows or none.

    New ids are inserted, changed records updated (``versjon`` + 1), unchanged ones left alone.
    The batch and an audit entry per inserted/updated record are written in the same transaction,
    in bulk (COPY on PostgreSQL, executemany elsewhere).

    **Records edited in the app since they were imported are not overwritten silently.** A record whose last
    change was not an import (``batch_id`` is empty: an edit, a brokering step, an undo, or a record added in
    the app) and whose values differ from the file's keeps the app's version, unless its id is in
    ``take_file`` (or ``take_file`` is True). **An import that would change nothing creates no batch**
    (``batch_id`` is None).

    Parameters
    ----------
    take_file : bool or iterable of str
        Records edited in the app that take the file's version (True: all of them).
    seen_versions : dict, optional
        ``{id: version}`` (None: the record did not exist) as the coordinator saw them in the preview
        (:func:`preview_frame`); if any record changed since, nothing is written (:class:`ConflictError`).

    Raises
    ------
    AccessDenied
        ``access`` is limited to a sub-region and a row is outside it, or its id belongs to a record
        outside it (nothing is written).

    Returns
    -------
    dict
        ``batch_id`` (None when nothing changed), ``nye``, ``endrede``, ``uendrede``, ``beholdt`` (records edited
        in the app whose version was kept) and ``beholdt_ids``.
    """
    _require_editor(access)
    _check_user(user)
    table = TABLES[kind]
    id_name = ID_COLUMN[kind]
    names = [spec.name for spec in SPECS[kind]]
    columns = _columns(typed, kind)
    ids = columns[id_name]
    now = _now()
    counts = {"nye": 0, "endrede": 0, "uendrede": 0, "beholdt": 0}
    kept_ids: list[str] = []
    with writing(engine) as connection:
        existing = _existing(connection, kind, ids)
        if seen_versions is not None:
            _check_seen(connection, kind, existing, seen_versions)
        if access is not None and not access.all_regions:
            allowed = access.municipalities() or frozenset()
            place = columns.get("kommunenummer", [None] * len(ids))
            outside = _outside(access, kind, ((i, place[n], "i filen") for n, i in enumerate(ids)))
            foreign = [
                foreign_id_message(kind, i, old["kommunenummer"], access.region)
                for i, old in existing.items()
                if old["kommunenummer"] not in allowed
            ]
            _refuse(outside + foreign, "Ingenting er importert.")
        taking = take_file if isinstance(take_file, bool) else frozenset(take_file)
        new_rows, changed_rows = [], []
        for position, record_id in enumerate(ids):
            old = existing.get(record_id)
            if old is None:
                new_rows.append(position)
            elif _comparable(old, kind) != tuple(columns[n][position] for n in names):
                if old["batch_id"] is None and not (taking is True or (taking and record_id in taking)):
                    kept_ids.append(record_id)
                else:
                    changed_rows.append(position)
            else:
                counts["uendrede"] += 1
        counts["beholdt"] = len(kept_ids)
        if not new_rows and not changed_rows:  # nothing to write: no batch (the caller says so)
            if before_commit:
                before_commit(connection)
            if progress:
                progress(1.0)
            return {"batch_id": None, **counts, "beholdt_ids": kept_ids}
        batch_id = connection.execute(
            sa.insert(BATCH_TABLE).values(
                type=kind,
                filnavn=filename,
                sha256=sha256,
                importert=now,
                bruker=user,
                nye=0,
                endrede=0,
                uendrede=0,
                beholdt=len(kept_ids),
            )
        ).inserted_primary_key[0]
        total = max(len(new_rows) + len(changed_rows), 1)
        done = 0
        for start in range(0, len(new_rows), chunk_size):
            chunk = new_rows[start : start + chunk_size]
            n = len(chunk)
            if chunk[-1] - chunk[0] == n - 1:  # consecutive rows (the usual case): slices, no lookups
                picked = {name: values[chunk[0] : chunk[-1] + 1] for name, values in columns.items()}
            else:
                picked = {name: [values[i] for i in chunk] for name, values in columns.items()}
            _insert_columns(
                connection,
                table,
                (*names, *META_COLUMNS),
                [*(picked[name] for name in names), [1] * n, [batch_id] * n, [now] * n, [user] * n],
            )
            _insert_columns(
                connection,
                AUDIT_TABLE,
                AUDIT_COLUMNS,
                [
                    [now] * n,
                    [user] * n,
                    ["import"] * n,
                    [TABLE_NAMES[kind]] * n,
                    picked[id_name],
                    [batch_id] * n,
                    [None] * n,
                    _json_rows(picked),
                ],
            )
            _audited(connection, [(user, "import", TABLE_NAMES[kind])] * n)
            counts["nye"] += len(chunk)
            done += len(chunk)
            if progress:
                progress(min(1.0, done / total))
        set_names = [n for n in names if n != id_name]
        statement = (
            f"UPDATE {_quote(connection, table.name)} SET "
            + ", ".join(f"{_quote(connection, n)} = ?" for n in (*set_names, *META_COLUMNS))
            + f" WHERE {_quote(connection, id_name)} = ? AND versjon = ?"
        )
        for start in range(0, len(changed_rows), chunk_size):
            chunk = changed_rows[start : start + chunk_size]
            rows = []
            audit = []
            for i in chunk:
                old = existing[ids[i]]
                record = {n: columns[n][i] for n in names}
                rows.append(
                    (
                        *tuple(record[n] for n in set_names),
                        old["versjon"] + 1,
                        batch_id,
                        now,
                        user,
                        ids[i],
                        old["versjon"],
                    )
                )
                before = {n: old[n] for n in names}
                audit.append(_audit_entry(now, user, "import", kind, ids[i], batch_id, before, record))
            updated = _bulk_execute(connection, table, statement, (*set_names, *META_COLUMNS, id_name, "versjon"), rows)
            if updated != len(rows):
                raise ConflictError("Noen poster ble endret av andre under importen. Ingenting er lagret; prøv igjen.")
            _audit(connection, audit)
            counts["endrede"] += len(chunk)
            done += len(chunk)
            if progress:
                progress(min(1.0, done / total))
        connection.execute(sa.update(BATCH_TABLE).where(BATCH_TABLE.c.id == batch_id).values(**counts))
        if before_commit:
            before_commit(connection)
    if progress:
        progress(1.0)
    return {"batch_id": int(batch_id), **counts, "beholdt_ids": kept_ids}


def _check_seen(connection: Connection, kind: str, existing: dict[str, dict], seen: dict[str, int | None]) -> None:
    """Refuse an import when a record changed (or appeared) after the coordinator saw the preview."""
    moved = [
        record_id
        for record_id, version in seen.items()
        if (existing[record_id]["versjon"] if record_id in existing else None) != version
    ]
    if not moved:
        return
    first = existing.get(moved[0])
    who = f" (sist av {first['endret_av']} {first['endret']:%d.%m.%Y %H:%M})" if first else ""
    shown = ", ".join(moved[:5]) + (" …" if len(moved) > 5 else "")
    raise ConflictError(
        f"{len(moved)} poster er endret etter at du så forhåndsvisningen ({shown}){who}. Ingenting er importert; "
        "last opp filen på nytt for å se endringene."
    )


# --- preview of an import ---------------------------------------------------------------------


@dataclass
class RecordChange:
    """One existing record an import would change: the fields that differ (old, new), and whether the record was
    edited in the app since it was imported (then the app's version is kept unless the coordinator chooses the
    file's)."""

    record_id: str
    row: int
    version: int
    fields: list[tuple[str, object, object]]
    edited_in_app: bool
    edited_by: str | None = None
    edited_at: datetime | None = None
    edited_how: str | None = None


@dataclass
class ImportPreview:
    """What importing a file would do, record by record (nothing is written)."""

    kind: str
    rows: int
    new_ids: list[str]
    changes: list[RecordChange]
    unchanged: int
    seen_versions: dict[str, int | None]

    @property
    def conflicts(self) -> list[RecordChange]:
        """Changed records edited in the app since they were imported."""
        return [c for c in self.changes if c.edited_in_app]

    @property
    def updates(self) -> list[RecordChange]:
        """Changed records that were not edited in the app (the file's version is taken)."""
        return [c for c in self.changes if not c.edited_in_app]

    @property
    def changes_nothing(self) -> bool:
        return not self.new_ids and not self.changes


def preview_frame(engine: Engine, typed: pd.DataFrame, kind: str, first_data_row: int = 2) -> ImportPreview:
    """Compare validated, typed records with the database: new ids, changed records field by field (with who last
    changed them in the app), and the number unchanged. Reads only; :func:`import_frame` decides the same way."""
    id_name = ID_COLUMN[kind]
    names = [spec.name for spec in SPECS[kind]]
    columns = _columns(typed, kind)
    ids = columns[id_name]
    with engine.connect() as connection:
        existing = _existing(connection, kind, ids)
        new_ids, changes, unchanged = [], [], 0
        for position, record_id in enumerate(ids):
            old = existing.get(record_id)
            if old is None:
                new_ids.append(record_id)
                continue
            fields = [
                (name, _plain(old[name]), columns[name][position])
                for name in names
                if _plain(old[name]) != columns[name][position]
            ]
            if not fields:
                unchanged += 1
                continue
            changes.append(
                RecordChange(
                    record_id,
                    position + first_data_row,
                    int(old["versjon"]),
                    fields,
                    old["batch_id"] is None,
                    old["endret_av"],
                    old["endret"],
                )
            )
        edited = [c.record_id for c in changes if c.edited_in_app]
        last = _last_actions(connection, kind, edited)
    for change in changes:
        if change.record_id in last:
            change.edited_how, change.edited_by, change.edited_at = last[change.record_id]
    seen = {record_id: (existing[record_id]["versjon"] if record_id in existing else None) for record_id in ids}
    return ImportPreview(kind, len(ids), new_ids, changes, unchanged, seen)


def _last_actions(connection: Connection, kind: str, ids: list[str]) -> dict[str, tuple[str, str, datetime]]:
    """``{id: (handling, bruker, tidspunkt)}`` of the latest audit entry of each record."""
    out: dict[str, tuple[str, str, datetime]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        rows = connection.execute(
            sa.select(AUDIT_TABLE.c.post_id, AUDIT_TABLE.c.handling, AUDIT_TABLE.c.bruker, AUDIT_TABLE.c.tidspunkt)
            .where(AUDIT_TABLE.c.tabell == TABLE_NAMES[kind], AUDIT_TABLE.c.post_id.in_(chunk))
            .order_by(AUDIT_TABLE.c.id)
        )
        for post_id, action, user, when in rows:
            out[post_id] = (action, user, when)
    return out


def undo_batch(
    engine: Engine,
    batch_id: int,
    user: str,
    access=None,
    before_commit: Callable[[Connection], None] | None = None,
    keep_changed: bool = False,
) -> dict:
    """Undo an import: delete the records it created and restore those it changed.

    Checked and written under the write lock in one transaction: refused (nothing changes) if any of
    those records was changed or deleted after the import, or lies outside ``access``'s sub-region (before
    or after the import). Every DELETE/UPDATE names the version it checked.

    With ``keep_changed``, the records changed or deleted since the import are left as they are and the rest
    is undone (a partial undo); the batch records how many were kept (``ikke_angret``).

    Returns
    -------
    dict
        ``slettet`` and ``gjenopprettet`` (counts), ``beholdt`` (ids left as they were).
    """
    _require_editor(access)
    _check_user(user)
    with writing(engine) as connection:
        batch = connection.execute(sa.select(BATCH_TABLE).where(BATCH_TABLE.c.id == batch_id)).mappings().first()
        if batch is None:
            raise RecordNotFound(f"Import {batch_id} finnes ikke.")
        if batch["angret"] is not None:
            raise ConflictError(f"Import {batch_id} er allerede angret.")
        kind = batch["type"]
        table = TABLES[kind]
        id_name = ID_COLUMN[kind]
        entries = (
            connection.execute(
                sa.select(AUDIT_TABLE)
                .where(AUDIT_TABLE.c.batch_id == batch_id, AUDIT_TABLE.c.handling == "import")
                .order_by(AUDIT_TABLE.c.id)
            )
            .mappings()
            .all()
        )
        current = _existing(connection, kind, [e["post_id"] for e in entries])
        changed_since = [
            e["post_id"]
            for e in entries
            if e["post_id"] not in current or current[e["post_id"]]["batch_id"] != batch_id
        ]
        if changed_since and not keep_changed:
            shown = ", ".join(changed_since[:5]) + (" …" if len(changed_since) > 5 else "")
            raise ConflictError(
                f"Kan ikke angre import {batch_id}: {len(changed_since)} poster er endret etter importen ({shown})."
            )
        kept = set(changed_since)
        entries = [e for e in entries if e["post_id"] not in kept]
        befores = {e["post_id"]: _from_json(json.loads(e["foer"]), kind) if e["foer"] else None for e in entries}
        _refuse(
            _outside(access, kind, ((i, current[i]["kommunenummer"], "etter importen") for i in befores))
            + _outside(access, kind, ((i, b["kommunenummer"], "før importen") for i, b in befores.items() if b)),
            f"Import {batch_id} er ikke angret.",
        )
        now = _now()
        deletes, updates, audit = [], [], []
        for record_id, before in befores.items():
            record = current[record_id]
            after = {spec.name: record[spec.name] for spec in SPECS[kind]}
            if before is None:
                deletes.append((record_id, record["versjon"], batch_id))
                audit.append(_audit_entry(now, user, "angre", kind, record_id, batch_id, after, None))
            else:
                updates.append((before, record))
                audit.append(_audit_entry(now, user, "angre", kind, record_id, batch_id, after, before))
        quoted_id = _quote(connection, id_name)
        deleted = _bulk_execute(
            connection,
            table,
            f"DELETE FROM {_quote(connection, table.name)} WHERE {quoted_id} = ? AND versjon = ? AND batch_id = ?",
            (id_name, "versjon", "batch_id"),
            deletes,
        )
        set_names = [spec.name for spec in SPECS[kind] if spec.name != id_name]
        statement = (
            f"UPDATE {_quote(connection, table.name)} SET "
            + ", ".join(f"{_quote(connection, n)} = ?" for n in (*set_names, *META_COLUMNS))
            + f" WHERE {quoted_id} = ? AND versjon = ? AND batch_id = ?"
        )
        restored = _bulk_execute(
            connection,
            table,
            statement,
            (*set_names, *META_COLUMNS, id_name, "versjon", "batch_id"),
            [
                (
                    *tuple(before[n] for n in set_names),
                    record["versjon"] + 1,
                    None,
                    now,
                    user,
                    record[id_name],
                    record["versjon"],
                    batch_id,
                )
                for before, record in updates
            ],
        )
        if deleted != len(deletes) or restored != len(updates):
            raise ConflictError(f"Kan ikke angre import {batch_id}: poster ble endret mens angringen pågikk.")
        _audit(connection, audit)
        connection.execute(
            sa.update(BATCH_TABLE)
            .where(BATCH_TABLE.c.id == batch_id)
            .values(angret=now, ikke_angret=len(changed_since) if changed_since else None)
        )
        if before_commit:
            before_commit(connection)
    return {"slettet": deleted, "gjenopprettet": restored, "beholdt": changed_since}


def changed_since_import(engine: Engine, batch_id: int) -> pd.DataFrame:
    """Records an import created or changed that were changed (or deleted) after it: ``post_id``, ``endret_av``,
    ``endret`` (None when deleted) and ``handling`` (the latest change). An undo refuses these, or keeps them."""
    with engine.connect() as connection:
        batch = connection.execute(sa.select(BATCH_TABLE).where(BATCH_TABLE.c.id == batch_id)).mappings().first()
        if batch is None:
            raise RecordNotFound(f"Import {batch_id} finnes ikke.")
        kind = batch["type"]
        ids = list(
            connection.execute(
                sa.select(AUDIT_TABLE.c.post_id)
                .where(AUDIT_TABLE.c.batch_id == batch_id, AUDIT_TABLE.c.handling == "import")
                .order_by(AUDIT_TABLE.c.id)
            ).scalars()
        )
        current = _existing(connection, kind, ids)
        changed = [i for i in ids if i not in current or current[i]["batch_id"] != batch_id]
        last = _last_actions(connection, kind, changed)
    rows = [
        {
            "post_id": i,
            "endret_av": last[i][1] if i in last else None,
            "endret": last[i][2] if i in last else None,
            "handling": "sletting" if i not in current else (last[i][0] if i in last else None),
        }
        for i in changed
    ]
    return pd.DataFrame(rows, columns=["post_id", "endret_av", "endret", "handling"])


def _from_json(values: dict, kind: str) -> dict:
    out = {}
    for spec in SPECS[kind]:
        value = values.get(spec.name)
        if value is not None and spec.kind == "date":
            value = date.fromisoformat(value)
        out[spec.name] = value
    return out


def _validated_record(kind: str, record: dict, source: str = "redigering") -> dict:
    """Validate one record with the same schema as imports; return it typed. Raises DataValidationError."""
    from kompilot_data.records.schema import DataValidationError

    frame = pd.DataFrame([{k: ("" if v is None else v) for k, v in record.items()}])
    problems = validate(frame, kind)
    if len(problems):
        raise DataValidationError(problems, source)
    return _records(to_typed(frame, kind), kind)[0]


def _add_in(connection: Connection, kind: str, clean: dict, user: str, now: datetime, access) -> None:
    record_id = clean[ID_COLUMN[kind]]
    _refuse(_outside(access, kind, [(record_id, clean.get("kommunenummer"), "ny")]))
    existing = _existing(connection, kind, [record_id]).get(record_id)
    if existing is not None:
        if access is not None and not access.may_write(existing["kommunenummer"]):
            raise ConflictError(f"ID-en «{record_id}» er allerede i bruk i en annen delregion. Velg en annen ID.")
        raise ConflictError(f"ID-en «{record_id}» finnes allerede.")
    connection.execute(sa.insert(TABLES[kind]).values(**clean, versjon=1, batch_id=None, endret=now, endret_av=user))
    _audit(connection, [_audit_entry(now, user, "ny", kind, record_id, None, None, clean)])


def add_record(engine: Engine, kind: str, record: dict, user: str, access=None) -> None:
    """Insert one new record (validated); its id must be new, and its place inside ``access``'s region."""
    _require_editor(access)
    _check_user(user)
    clean = _validated_record(kind, record)
    with writing(engine) as connection:
        _add_in(connection, kind, clean, user, _now(), access)


def _update_in(
    connection: Connection,
    kind: str,
    record_id: str,
    changes: dict,
    expected_version: int,
    user: str,
    now: datetime,
    access,
    action: str = "endring",
) -> dict:
    table = TABLES[kind]
    id_name = ID_COLUMN[kind]
    current = _existing(connection, kind, [record_id]).get(record_id)
    if current is None:
        raise RecordNotFound(f"Posten «{record_id}» finnes ikke (slettet av en annen?).")
    before = {spec.name: current[spec.name] for spec in SPECS[kind]}
    clean = _validated_record(kind, {**before, **changes, id_name: record_id}, source=f"«{record_id}»")
    _refuse(
        _outside(access, kind, [(record_id, before.get("kommunenummer"), "slik det er")])
        or _outside(access, kind, [(record_id, clean.get("kommunenummer"), "etter endringen")])
    )
    result = connection.execute(
        sa.update(table)
        .where(table.c[id_name] == record_id, table.c.versjon == expected_version)
        .values(**clean, versjon=expected_version + 1, batch_id=None, endret=now, endret_av=user)
    )
    if result.rowcount != 1:
        raise ConflictError(_conflict_message(connection, kind, record_id))
    _audit(connection, [_audit_entry(now, user, action, kind, record_id, None, before, clean)])
    return clean


def update_record(
    engine: Engine, kind: str, record_id: str, changes: dict, expected_version: int, user: str, access=None
) -> int:
    """Change fields of one record if it still has ``expected_version``; return the new version.

    Raises
    ------
    ConflictError
        The record was changed by someone else after it was read (the message says by whom and when).
    AccessDenied
        The record is, or would be moved, outside ``access``'s sub-region.
    """
    _require_editor(access)
    _check_user(user)
    with writing(engine) as connection:
        _update_in(connection, kind, record_id, changes, expected_version, user, _now(), access)
    return expected_version + 1


def _conflict_message(connection: Connection, kind: str, record_id: str) -> str:
    latest = _existing(connection, kind, [record_id]).get(record_id)
    if latest is None:
        return f"Posten «{record_id}» er slettet av en annen etter at du åpnet den. Endringen din er ikke lagret."
    return (
        f"Posten «{record_id}» ble endret av {latest['endret_av']} {latest['endret']:%d.%m.%Y %H:%M} "
        f"etter at du åpnet den. Endringen din er ikke lagret; last inn på nytt og prøv igjen."
    )


def _delete_in(connection: Connection, kind: str, versions: dict[str, int], user: str, now: datetime, access) -> int:
    table = TABLES[kind]
    id_name = ID_COLUMN[kind]
    current = _existing(connection, kind, list(versions))
    stale = [i for i, v in versions.items() if i not in current or current[i]["versjon"] != v]
    if stale:
        raise ConflictError(
            f"{len(stale)} poster er endret eller slettet av andre ({', '.join(stale[:5])}). Ingenting er slettet."
        )
    _refuse(
        _outside(access, kind, ((i, current[i]["kommunenummer"], "som skulle slettes") for i in versions)),
        "Ingenting er slettet.",
    )
    deleted = _bulk_execute(
        connection,
        table,
        f"DELETE FROM {_quote(connection, table.name)} WHERE {_quote(connection, id_name)} = ? AND versjon = ?",
        (id_name, "versjon"),
        list(versions.items()),
    )
    if deleted != len(versions):
        raise ConflictError("Noen poster ble endret mens slettingen pågikk. Ingenting er slettet.")
    _audit(
        connection,
        [
            _audit_entry(now, user, "sletting", kind, i, None, {s.name: current[i][s.name] for s in SPECS[kind]}, None)
            for i in versions
        ],
    )
    return deleted


def delete_records(engine: Engine, kind: str, versions: dict[str, int], user: str, access=None) -> int:
    """Delete records given as ``{id: version read}``; refused whole if any changed since or is outside ``access``."""
    _require_editor(access)
    _check_user(user)
    with writing(engine) as connection:
        return _delete_in(connection, kind, versions, user, _now(), access)


@dataclass
class EditResult:
    """What :func:`apply_edits` did: counts, or (nothing saved) the Norwegian messages saying why."""

    changed: int = 0
    added: int = 0
    deleted: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def saved(self) -> int:
        return self.changed + self.added + self.deleted

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


def apply_edits(
    engine: Engine,
    kind: str,
    edited_rows: dict[str, dict],
    added_rows: list[dict],
    deleted_rows: list[str],
    versions: dict[str, int],
    access,
    user: str | None = None,
) -> EditResult:
    """Save what a coordinator did in the table editor: **all of it or nothing**, in one write transaction.

    Parameters
    ----------
    edited_rows : dict
        ``{record id: {column: new value}}``.
    added_rows : list of dict
        New records (column -> value; the id under the id column).
    deleted_rows : list of str
        Ids to delete.
    versions : dict
        ``{record id: version}`` as read when the editor was shown (optimistic locking).
    access : kompilot_data.access.Access
        Who saves; a coordinator limited to a sub-region cannot touch records outside it.
    user : str
        Name in the audit log (default: ``access.user``).

    Returns
    -------
    EditResult
        Counts, or ``errors`` (Norwegian, one per problem, naming the record) when nothing was saved.
    """
    from kompilot_data.records.schema import DataValidationError, format_problems

    _require_editor(access)
    user = _check_user(user or access.user)
    id_name = ID_COLUMN[kind]
    versions = {str(k): int(v) for k, v in versions.items()}
    result = EditResult()
    errors: list[str] = []
    now = _now()

    def problem_text(error: Exception, record_id: str | None) -> str:
        if isinstance(error, DataValidationError):
            lines = [line.split(": ", 1)[-1] for line in format_problems(error.problems).splitlines()]
            where = f"«{record_id}»: " if record_id else ""
            columns = error.problems["kolonne"].tolist()
            return where + " ".join(f"{c}: {m}" for c, m in zip(columns, lines, strict=True))
        return str(error)

    cleaned_added = []
    for added in added_rows:
        record = {spec.name: added.get(spec.name) for spec in SPECS[kind]}
        record_id = record.get(id_name) or None
        try:
            cleaned_added.append(_validated_record(kind, record, source="ny rad"))
        except DataValidationError as error:
            errors.append(
                ("Ny rad " + (f"«{record_id}»" if record_id else "uten ID") + ": ") + problem_text(error, None)
            )
    missing_versions = [i for i in [*edited_rows, *deleted_rows] if i not in versions]
    errors += [f"«{i}»: fant ikke versjonen du leste; last siden inn på nytt." for i in missing_versions]
    if errors:
        return EditResult(errors=errors)
    try:
        with writing(engine) as connection:
            for record_id, changes in edited_rows.items():
                try:
                    _update_in(connection, kind, record_id, changes, versions[record_id], user, now, access)
                    result.changed += 1
                except (ConflictError, RecordNotFound, AccessDenied, DataValidationError) as error:
                    errors.append(problem_text(error, record_id))
            for clean in cleaned_added:
                try:
                    _add_in(connection, kind, clean, user, now, access)
                    result.added += 1
                except (ConflictError, AccessDenied) as error:
                    errors.append(str(error))
            if deleted_rows:
                try:
                    result.deleted = _delete_in(
                        connection, kind, {i: versions[i] for i in deleted_rows}, user, now, access
                    )
                except (ConflictError, AccessDenied) as error:
                    errors.append(str(error))
            if errors:
                raise _Rollback
    except _Rollback:
        return EditResult(errors=[*errors, "Ingenting er lagret. Rett feilene og lagre på nytt."])
    return result


def remove_demo(engine: Engine, user: str, access=None) -> dict[str, int]:
    """Delete every demo record (needs and offers) in one transaction, with audit entries.

    Only for coordinators of all sub-regions (demo data lies in every sub-region).
    """
    _require_all_regions(access, "fjerne demodata")
    _check_user(user)
    removed = {}
    now = _now()
    with writing(engine) as connection:
        for kind, table in TABLES.items():
            rows = connection.execute(sa.select(table).where(table.c.demo.is_(True))).mappings().all()
            connection.execute(sa.delete(table).where(table.c.demo.is_(True)))
            _audit(
                connection,
                [
                    _audit_entry(
                        now,
                        user,
                        "demo_fjernet",
                        kind,
                        r[ID_COLUMN[kind]],
                        None,
                        {s.name: r[s.name] for s in SPECS[kind]},
                        None,
                    )
                    for r in rows
                ],
            )
            removed[kind] = len(rows)
            gone = [r[ID_COLUMN[kind]] for r in rows]
            column = REJECTED_TABLE.c.behov_id if kind == "needs" else REJECTED_TABLE.c.tilbud_id
            for start in range(0, len(gone), 900):  # rejections of removed records go with them
                connection.execute(sa.delete(REJECTED_TABLE).where(column.in_(gone[start : start + 900])))
    return removed


def seed_demo_if_empty(engine: Engine) -> bool:
    """On first start (no records, no imports): import the embedded demo data. Returns whether it did."""
    from kompilot_data.records.files import load_needs, load_offers

    with engine.connect() as connection:
        empty = all(
            connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() == 0
            for t in (*TABLES.values(), BATCH_TABLE)
        )
    if not empty:
        return False
    try:
        for kind, frame in (("needs", load_needs()), ("offers", load_offers())):
            import_frame(engine, frame, kind, f"demo/{kind}.csv (innebygd)", "demo", SYSTEM_USER)
    except sa.exc.IntegrityError:
        return False  # another app replica seeded the same empty database at the same moment
    return True


def replace_all(
    engine: Engine,
    tables: dict[str, Iterable[dict]],
    user: str,
    access=None,
    expected_version: int | None = None,
    before_commit: Callable[[Connection], None] | None = None,
) -> None:
    """Restore: replace the content of every table with ``tables`` (rows as dicts) in one transaction.

    Only for coordinators of all sub-regions. ``expected_version``: refuse if the data changed since the
    user decided to restore (see :func:`data_version`).
    """
    _require_all_regions(access, "gjenopprette en sikkerhetskopi")
    _check_user(user)
    order = [
        ("needs", NEEDS_TABLE),
        ("offers", OFFERS_TABLE),
        ("batches", BATCH_TABLE),
        ("audit", AUDIT_TABLE),
        ("rejected", REJECTED_TABLE),
    ]
    with writing(engine) as connection:
        if expected_version is not None and _data_version(connection) != expected_version:
            raise ConflictError(
                "Dataene er endret siden du valgte å gjenopprette. Ingenting er gjenopprettet; se over og prøv igjen."
            )
        for _, table in order:
            connection.execute(sa.delete(table))
        for key, table in order:
            names = tuple(c.name for c in table.columns)
            rows = iter(tables.get(key, []))
            while chunk := list(itertools.islice(rows, 20_000)):  # streamed: a big audit log is never all in memory
                _bulk_insert(connection, table, names, [tuple(_plain(row.get(n)) for n in names) for row in chunk])
        if engine.dialect.name == "postgresql":
            for table in (BATCH_TABLE, AUDIT_TABLE, REJECTED_TABLE):
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
        now = _now()
        _audit(
            connection,
            [
                {
                    "tidspunkt": now,
                    "bruker": user,
                    "handling": "gjenoppretting",
                    "tabell": "alle",
                    "post_id": None,
                    "batch_id": None,
                    "foer": None,
                    "etter": None,
                }
            ],
        )
        if before_commit:
            before_commit(connection)


def iter_table_rows(connection: Connection, key: str) -> Iterator[tuple]:
    """Every row of a table as a tuple of Python values, in primary-key order (for backups)."""
    table = ALL_TABLES[key]
    order = table.primary_key.columns.values()[0]
    result = connection.execute(sa.select(table).order_by(order).execution_options(yield_per=5000))
    for row in result:
        yield tuple(row)


def dump_all(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every table as a frame (for reports and tests; the backup reads rows directly, see records/backup.py)."""
    out = {}
    with engine.connect() as connection:
        for key, table in ALL_TABLES.items():
            order = table.primary_key.columns.values()[0]
            rows = connection.execute(sa.select(table).order_by(order)).mappings().all()
            out[key] = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    return out
