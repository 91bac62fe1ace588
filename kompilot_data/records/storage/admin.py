"""Whole-database operations for coordinators of all sub-regions: remove the demo data, seed it on first start,
restore a backup (replace every table in one transaction), and read every table (for backups and reports)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kompilot_data.records.access import require_all_regions
from kompilot_data.records.errors import ConflictError
from kompilot_data.records.files import load_needs, load_offers
from kompilot_data.records.schema import ID_COLUMN, SPECS
from kompilot_data.records.storage.imports import import_frame
from kompilot_data.records.storage.tables import (
    ALL_TABLES,
    AUDIT_TABLE,
    BATCH_TABLE,
    NEEDS_TABLE,
    OFFERS_TABLE,
    REJECTED_TABLE,
    TABLES,
    data_version_in,
)
from kompilot_data.records.storage.transactions import (
    SYSTEM_USER,
    audit_entry,
    bulk_insert,
    check_user,
    plain_value,
    utc_now,
    write_audit,
    writing,
)


def remove_demo(engine: Engine, user: str, access=None) -> dict[str, int]:
    """Delete every demo record (needs and offers) in one transaction, with audit entries.

    Only for coordinators of all sub-regions (demo data lies in every sub-region).
    """
    require_all_regions(access, "what_remove_demo")
    check_user(user)
    removed = {}
    now = utc_now()
    with writing(engine) as connection:
        for kind, table in TABLES.items():
            rows = connection.execute(sa.select(table).where(table.c.demo.is_(True))).mappings().all()
            connection.execute(sa.delete(table).where(table.c.demo.is_(True)))
            write_audit(
                connection,
                [
                    audit_entry(
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
    require_all_regions(access, "what_restore")
    check_user(user)
    order = [
        ("needs", NEEDS_TABLE),
        ("offers", OFFERS_TABLE),
        ("batches", BATCH_TABLE),
        ("audit", AUDIT_TABLE),
        ("rejected", REJECTED_TABLE),
    ]
    with writing(engine) as connection:
        if expected_version is not None and data_version_in(connection) != expected_version:
            raise ConflictError("err_restore_changed")
        for _, table in order:
            connection.execute(sa.delete(table))
        for key, table in order:
            names = tuple(c.name for c in table.columns)
            rows = iter(tables.get(key, []))
            while chunk := list(itertools.islice(rows, 20_000)):  # streamed: a big audit log is never all in memory
                bulk_insert(connection, table, names, [tuple(plain_value(row.get(n)) for n in names) for row in chunk])
        if engine.dialect.name == "postgresql":
            for table in (BATCH_TABLE, AUDIT_TABLE, REJECTED_TABLE):
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
        now = utc_now()
        write_audit(
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
