"""Storage of needs and offers in a real database (SQLAlchemy): SQLite by default, PostgreSQL when configured.

* ``KOMPILOT_DATABASE_URL`` – a SQLAlchemy URL (e.g. ``postgresql+psycopg://user@host/kompilot``);
* otherwise a SQLite file ``kompilot.sqlite`` in ``KOMPILOT_DATA_DIR`` (default ``./kompilot-data``),
  in WAL mode.

The schema is created and upgraded by Alembic (``kompilot_data/records/migrations``). Every change –
import, edit, delete, undo, restore – is written with an audit entry (who, when, before, after)
in the same transaction as the change. Records carry a ``versjon`` counter: an update names the
version it read, and a stale version is refused (optimistic locking).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kompilot_data.records.schema import ID_COLUMN, SPECS, ColumnSpec, to_typed, validate

METADATA = sa.MetaData()
TABLE_NAMES = {"needs": "behov", "offers": "tilbud"}
META_COLUMNS = ("versjon", "batch_id", "endret", "endret_av")
SYSTEM_USER = "system"


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


class ConflictError(RuntimeError):
    """Optimistic locking: the record changed since the caller read it."""


class RecordNotFound(KeyError):
    """No record with that id."""


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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str | None = None, migrate: bool = True) -> Engine:
    """Create an engine for ``url`` (see :func:`database_url`) and bring its schema to the latest migration."""
    engine = sa.create_engine(database_url(url), future=True)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


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


def _records(typed: pd.DataFrame, kind: str) -> list[dict]:
    names = [spec.name for spec in SPECS[kind]]
    columns = {name: typed[name].astype(object).tolist() for name in names}
    return [{name: _plain(columns[name][i]) for name in names} for i in range(len(typed))]


def _json(record: dict | None) -> str | None:
    if record is None:
        return None
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in record.items()},
        ensure_ascii=False,
        sort_keys=True,
    )


def _comparable(record: dict, kind: str) -> tuple:
    return tuple(_plain(record.get(spec.name)) for spec in SPECS[kind])


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


# --- writing ----------------------------------------------------------------------------------


def _audit(connection: Connection, entries: list[dict]) -> None:
    if entries:
        connection.execute(sa.insert(AUDIT_TABLE), entries)


def _existing(connection: Connection, kind: str, ids: list[str]) -> dict[str, dict]:
    table = TABLES[kind]
    id_column = table.c[ID_COLUMN[kind]]
    found: dict[str, dict] = {}
    for start in range(0, len(ids), 900):  # stay below SQLite's bound-parameter limit
        chunk = ids[start : start + 900]
        for row in connection.execute(sa.select(table).where(id_column.in_(chunk))).mappings():
            found[row[ID_COLUMN[kind]]] = dict(row)
    return found


def import_frame(
    engine: Engine,
    typed: pd.DataFrame,
    kind: str,
    filename: str,
    sha256: str,
    user: str,
    progress: Callable[[float], None] | None = None,
    chunk_size: int = 5000,
    before_commit: Callable[[Connection], None] | None = None,
) -> dict[str, int]:
    """Write validated, typed records in **one transaction**: all rows or none.

    New ids are inserted, changed records updated (``versjon`` + 1), unchanged ones left alone.
    The batch and an audit entry per inserted/updated record are written in the same transaction.

    Returns
    -------
    dict
        ``batch_id``, ``nye``, ``endrede``, ``uendrede``.
    """
    table = TABLES[kind]
    id_name = ID_COLUMN[kind]
    records = _records(typed, kind)
    now = _now()
    counts = {"nye": 0, "endrede": 0, "uendrede": 0}
    with engine.begin() as connection:
        batch_id = connection.execute(
            sa.insert(BATCH_TABLE).values(
                type=kind, filnavn=filename, sha256=sha256, importert=now, bruker=user, nye=0, endrede=0, uendrede=0
            )
        ).inserted_primary_key[0]
        for start in range(0, len(records), chunk_size):
            chunk = records[start : start + chunk_size]
            existing = _existing(connection, kind, [r[id_name] for r in chunk])
            inserts, updates, audit = [], [], []
            for record in chunk:
                old = existing.get(record[id_name])
                if old is None:
                    inserts.append({**record, "versjon": 1, "batch_id": batch_id, "endret": now, "endret_av": user})
                    audit.append(_audit_entry(now, user, "import", kind, record[id_name], batch_id, None, record))
                elif _comparable(old, kind) != _comparable(record, kind):
                    updates.append(
                        {
                            **record,
                            "_id": record[id_name],
                            "_versjon": old["versjon"],
                            "versjon": old["versjon"] + 1,
                            "batch_id": batch_id,
                            "endret": now,
                            "endret_av": user,
                        }
                    )
                    before = {spec.name: old[spec.name] for spec in SPECS[kind]}
                    audit.append(_audit_entry(now, user, "import", kind, record[id_name], batch_id, before, record))
                else:
                    counts["uendrede"] += 1
            if inserts:
                connection.execute(sa.insert(table), inserts)
            if updates:
                statement = (
                    sa.update(table)
                    .where(table.c[id_name] == sa.bindparam("_id"), table.c.versjon == sa.bindparam("_versjon"))
                    .values(
                        {
                            c: sa.bindparam(c)
                            for c in [*(s.name for s in SPECS[kind] if s.name != id_name), *META_COLUMNS]
                        }
                    )
                )
                result = connection.execute(statement, updates)
                if result.rowcount != len(updates):
                    raise ConflictError(
                        "Noen poster ble endret av andre under importen. Ingenting er lagret; prøv igjen."
                    )
            _audit(connection, audit)
            counts["nye"] += len(inserts)
            counts["endrede"] += len(updates)
            if progress:
                progress(min(1.0, (start + len(chunk)) / max(len(records), 1)))
        connection.execute(sa.update(BATCH_TABLE).where(BATCH_TABLE.c.id == batch_id).values(**counts))
        if before_commit:
            before_commit(connection)
    return {"batch_id": int(batch_id), **counts}


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


def undo_batch(engine: Engine, batch_id: int, user: str) -> dict[str, int]:
    """Undo an import: delete the records it created and restore those it changed.

    Refused (nothing changes) if any of those records was changed after the import.
    """
    with engine.begin() as connection:
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
                sa.select(AUDIT_TABLE).where(AUDIT_TABLE.c.batch_id == batch_id, AUDIT_TABLE.c.handling == "import")
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
        if changed_since:
            shown = ", ".join(changed_since[:5]) + (" …" if len(changed_since) > 5 else "")
            raise ConflictError(
                f"Kan ikke angre import {batch_id}: {len(changed_since)} poster er endret etter importen ({shown})."
            )
        now = _now()
        audit, deleted, restored = [], 0, 0
        for entry in entries:
            record = current[entry["post_id"]]
            after = {spec.name: record[spec.name] for spec in SPECS[kind]}
            if entry["foer"] is None:
                connection.execute(sa.delete(table).where(table.c[id_name] == entry["post_id"]))
                deleted += 1
                audit.append(_audit_entry(now, user, "angre", kind, entry["post_id"], batch_id, after, None))
            else:
                before = _from_json(json.loads(entry["foer"]), kind)
                connection.execute(
                    sa.update(table)
                    .where(table.c[id_name] == entry["post_id"])
                    .values(**before, versjon=record["versjon"] + 1, batch_id=None, endret=now, endret_av=user)
                )
                restored += 1
                audit.append(_audit_entry(now, user, "angre", kind, entry["post_id"], batch_id, after, before))
        _audit(connection, audit)
        connection.execute(sa.update(BATCH_TABLE).where(BATCH_TABLE.c.id == batch_id).values(angret=now))
    return {"slettet": deleted, "gjenopprettet": restored}


def _from_json(values: dict, kind: str) -> dict:
    out = {}
    for spec in SPECS[kind]:
        value = values.get(spec.name)
        if value is not None and spec.kind == "date":
            value = date.fromisoformat(value)
        out[spec.name] = value
    return out


def _validated_record(kind: str, record: dict) -> dict:
    """Validate one record with the same schema as imports; return it typed. Raises DataValidationError."""
    from kompilot_data.records.schema import DataValidationError

    frame = pd.DataFrame([{k: ("" if v is None else v) for k, v in record.items()}])
    problems = validate(frame, kind)
    if len(problems):
        raise DataValidationError(problems, "redigering")
    return _records(to_typed(frame, kind), kind)[0]


def add_record(engine: Engine, kind: str, record: dict, user: str) -> None:
    """Insert one new record (validated); its id must be new."""
    clean = _validated_record(kind, record)
    table = TABLES[kind]
    now = _now()
    with engine.begin() as connection:
        if _existing(connection, kind, [clean[ID_COLUMN[kind]]]):
            raise ConflictError(f"ID-en «{clean[ID_COLUMN[kind]]}» finnes allerede.")
        connection.execute(sa.insert(table).values(**clean, versjon=1, batch_id=None, endret=now, endret_av=user))
        _audit(connection, [_audit_entry(now, user, "ny", kind, clean[ID_COLUMN[kind]], None, None, clean)])


def update_record(engine: Engine, kind: str, record_id: str, changes: dict, expected_version: int, user: str) -> int:
    """Change fields of one record if it still has ``expected_version``; return the new version.

    Raises
    ------
    ConflictError
        The record was changed by someone else after it was read (the message says by whom and when).
    """
    table = TABLES[kind]
    id_name = ID_COLUMN[kind]
    now = _now()
    with engine.begin() as connection:
        current = _existing(connection, kind, [record_id]).get(record_id)
        if current is None:
            raise RecordNotFound(f"Posten «{record_id}» finnes ikke (slettet av en annen?).")
        before = {spec.name: current[spec.name] for spec in SPECS[kind]}
        clean = _validated_record(kind, {**before, **changes, id_name: record_id})
        result = connection.execute(
            sa.update(table)
            .where(table.c[id_name] == record_id, table.c.versjon == expected_version)
            .values(**clean, versjon=expected_version + 1, batch_id=None, endret=now, endret_av=user)
        )
        if result.rowcount != 1:
            raise ConflictError(_conflict_message(connection, kind, record_id))
        _audit(connection, [_audit_entry(now, user, "endring", kind, record_id, None, before, clean)])
    return expected_version + 1


def _conflict_message(connection: Connection, kind: str, record_id: str) -> str:
    latest = _existing(connection, kind, [record_id]).get(record_id)
    if latest is None:
        return f"Posten «{record_id}» er slettet av en annen etter at du åpnet den. Endringen din er ikke lagret."
    return (
        f"Posten «{record_id}» ble endret av {latest['endret_av']} {latest['endret']:%d.%m.%Y %H:%M} "
        f"etter at du åpnet den. Endringen din er ikke lagret; last inn på nytt og prøv igjen."
    )


def delete_records(engine: Engine, kind: str, versions: dict[str, int], user: str) -> int:
    """Delete records given as ``{id: version read}``; refused whole if any changed since."""
    table = TABLES[kind]
    id_name = ID_COLUMN[kind]
    now = _now()
    with engine.begin() as connection:
        current = _existing(connection, kind, list(versions))
        stale = [i for i, v in versions.items() if i not in current or current[i]["versjon"] != v]
        if stale:
            raise ConflictError(
                f"{len(stale)} poster er endret eller slettet av andre ({', '.join(stale[:5])}). Ingenting er slettet."
            )
        connection.execute(sa.delete(table).where(table.c[id_name].in_(list(versions))))
        _audit(
            connection,
            [
                _audit_entry(
                    now, user, "sletting", kind, i, None, {s.name: current[i][s.name] for s in SPECS[kind]}, None
                )
                for i in versions
            ],
        )
    return len(versions)


def remove_demo(engine: Engine, user: str) -> dict[str, int]:
    """Delete every demo record (needs and offers) in one transaction, with audit entries."""
    removed = {}
    now = _now()
    with engine.begin() as connection:
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


def replace_all(engine: Engine, tables: dict[str, pd.DataFrame], user: str) -> None:
    """Restore: replace the content of every table with ``tables`` (from a backup) in one transaction."""
    order = [("needs", NEEDS_TABLE), ("offers", OFFERS_TABLE), ("batches", BATCH_TABLE), ("audit", AUDIT_TABLE)]
    with engine.begin() as connection:
        for _, table in order:
            connection.execute(sa.delete(table))
        for key, table in order:
            frame = tables[key]
            rows = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
            if rows:
                connection.execute(sa.insert(table), rows)
        if engine.dialect.name == "postgresql":
            for table in (BATCH_TABLE, AUDIT_TABLE):
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


def dump_all(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every table as a frame (for backups)."""
    out = {}
    with engine.connect() as connection:
        for key, table in (
            ("needs", NEEDS_TABLE),
            ("offers", OFFERS_TABLE),
            ("batches", BATCH_TABLE),
            ("audit", AUDIT_TABLE),
        ):
            order = table.primary_key.columns.values()[0]
            rows = connection.execute(sa.select(table).order_by(order)).mappings().all()
            out[key] = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    return out
