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
from kompilot_data.records.storage.links import drop_rejections, refuse_bad_targets, refuse_linked
from kompilot_data.records.storage.tables import (
    ALL_TABLES,
    AUDIT_TABLE,
    BATCH_TABLE,
    NEEDS_TABLE,
    OFFERS_TABLE,
    REJECTED_TABLE,
    TABLE_NAMES,
    TABLES,
    data_version_in,
)
from kompilot_data.records.storage.transactions import (
    SYSTEM_USER,
    audit_entry,
    bulk_insert,
    check_user,
    plain_value,
    to_json,
    utc_now,
    write_audit,
    writing,
)
from kompilot_data.reference.errors import message


def remove_demo(engine: Engine, user: str, access=None) -> dict[str, int]:
    """Delete every demo record (needs and offers) in one transaction, with audit entries.

    Only for coordinators of all sub-regions (demo data lies in every sub-region).
    """
    require_all_regions(access, "what_remove_demo")
    check_user(user)
    removed = {}
    now = utc_now()
    with writing(engine) as connection:
        demo_ids = {
            kind: list(connection.execute(sa.select(table.c[ID_COLUMN[kind]]).where(table.c.demo.is_(True))).scalars())
            for kind, table in TABLES.items()
        }
        refuse_linked(
            connection, demo_ids["offers"], message("link_action_remove_demo"), access, leaving=demo_ids["needs"]
        )
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
            drop_rejections(connection, kind, [r[ID_COLUMN[kind]] for r in rows])
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
        for kind, frame in (("offers", load_offers()), ("needs", load_needs())):  # offers first: needs link to them
            import_frame(engine, frame, kind, f"demo/{kind}.csv (innebygd)", "demo", SYSTEM_USER)
    except sa.exc.IntegrityError:
        return False  # another app replica seeded the same empty database at the same moment
    return True


BATCH_IDENTITY = ("type", "filnavn", "sha256", "importert", "bruker")
"""What makes two import batches the same batch (a backup of this database holds the same row under the same id)."""
AUDIT_IDENTITY = ("tidspunkt", "bruker", "handling", "tabell", "post_id")
"""What makes two audit entries the same entry."""
CHUNK = 20_000


def replace_all(
    engine: Engine,
    tables: dict[str, Iterable[dict]],
    user: str,
    access=None,
    expected_version: int | None = None,
    before_commit: Callable[[Connection], None] | None = None,
    entry: dict | None = None,
) -> dict[str, int]:
    """Restore: the records become ``tables``' records, and the history that stood is kept; one transaction.

    * needs, offers and rejected candidates are replaced by ``tables["needs"]``, ``["offers"]`` and ``["rejected"]``;
    * the **audit log is appended to, never replaced**: every entry that stood is kept under its id; an entry of
      ``tables["audit"]`` that is not already there (the same id with the same time, user, action, table and record)
      is added after them with a new id (a backup of this database adds nothing; one of another database adds its
      history); then one ``gjenoppretting`` entry with ``entry`` (what was restored: file, hash, counts …) as its
      ``etter`` and the counts that stood as its ``foer``;
    * import batches: ``tables["batches"]`` are restored under their ids; a batch that stood and is not in them
      stays (its id is never reused, so the audit log's references hold) and is marked undone at this moment, since
      its records are gone. If a given batch's id belongs to another batch that stood, every given batch is moved
      to new ids above the existing ones (and the records' ``batch_id`` and the added audit entries with them).

    Only for coordinators of all sub-regions. ``expected_version``: refuse if the data changed since the user
    decided to restore (see :func:`data_version`). Returns the audit entries added from ``tables`` (``logg``) and
    the batches marked undone (``angret``).
    """
    require_all_regions(access, "what_restore")
    check_user(user)
    now = utc_now()
    with writing(engine) as connection:
        if expected_version is not None and data_version_in(connection) != expected_version:
            raise ConflictError("err_restore_changed")
        stood = {
            key: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for key, table in (("needs", NEEDS_TABLE), ("offers", OFFERS_TABLE))
        }
        batches_given = [dict(row) for row in tables.get("batches", [])]
        existing = {row["id"]: row for row in connection.execute(sa.select(BATCH_TABLE)).mappings()}
        clash = any(
            b["id"] in existing
            and tuple(existing[b["id"]][c] for c in BATCH_IDENTITY) != tuple(b.get(c) for c in BATCH_IDENTITY)
            for b in batches_given
        )
        shift = max(existing, default=0) if clash else 0
        moved = {b["id"]: b["id"] + shift for b in batches_given}

        def batch_of(value):
            return None if value is None else moved.get(value, value + shift)

        for table in (NEEDS_TABLE, OFFERS_TABLE, REJECTED_TABLE):
            connection.execute(sa.delete(table))
        for key, table in (("needs", NEEDS_TABLE), ("offers", OFFERS_TABLE), ("rejected", REJECTED_TABLE)):
            names = tuple(c.name for c in table.columns)
            rows = iter(tables.get(key, []))
            while chunk := list(itertools.islice(rows, CHUNK)):  # streamed: never all in memory
                if "batch_id" in names:
                    chunk = [{**row, "batch_id": batch_of(row.get("batch_id"))} for row in chunk]
                bulk_insert(connection, table, names, [tuple(plain_value(row.get(n)) for n in names) for row in chunk])
        given_ids = {moved[b["id"]] for b in batches_given}
        gone = [i for i, row in existing.items() if i not in given_ids and row["angret"] is None]
        if given_ids:
            connection.execute(sa.delete(BATCH_TABLE).where(BATCH_TABLE.c.id.in_(sorted(given_ids & set(existing)))))
        names = tuple(c.name for c in BATCH_TABLE.columns)
        bulk_insert(
            connection,
            BATCH_TABLE,
            names,
            [tuple(plain_value({**b, "id": moved[b["id"]]}.get(n)) for n in names) for b in batches_given],
        )
        for start in range(0, len(gone), 900):
            connection.execute(
                sa.update(BATCH_TABLE).where(BATCH_TABLE.c.id.in_(gone[start : start + 900])).values(angret=now)
            )
        added = _append_audit(connection, tables.get("audit", []), batch_of)
        if engine.dialect.name == "postgresql":
            for table in (BATCH_TABLE, AUDIT_TABLE, REJECTED_TABLE):
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
        links = connection.execute(
            sa.select(NEEDS_TABLE.c.behov_id, NEEDS_TABLE.c.tilbud_id, NEEDS_TABLE.c.status).where(
                NEEDS_TABLE.c.tilbud_id.is_not(None)
            )
        ).all()
        refuse_bad_targets(connection, [tuple(link) for link in links], message("err_restore_not_done"))
        details = {**(entry or {}), "logg_lagt_til": added, "importer_angret": len(gone)}
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
                    "foer": to_json({"rader": {TABLE_NAMES[k]: n for k, n in stood.items()}}),
                    "etter": to_json(details),
                }
            ],
        )
        if before_commit:
            before_commit(connection)
    return {"logg": added, "angret": len(gone)}


def _append_audit(connection: Connection, entries: Iterable[dict], batch_of) -> int:
    """Add the entries of ``entries`` that the audit log does not hold yet, with new ids (in their order)."""
    names = tuple(c.name for c in AUDIT_TABLE.columns if c.name != "id")
    added = 0
    rows = iter(entries)
    while chunk := list(itertools.islice(rows, CHUNK)):
        ids = [row["id"] for row in chunk if row.get("id") is not None]
        standing = {}
        if ids:
            query = sa.select(AUDIT_TABLE.c.id, *(AUDIT_TABLE.c[c] for c in AUDIT_IDENTITY)).where(
                AUDIT_TABLE.c.id.between(min(ids), max(ids))
            )
            standing = {row[0]: tuple(row[1:]) for row in connection.execute(query)}
        new = [
            row
            for row in chunk
            if standing.get(row.get("id")) != tuple(plain_value(row.get(c)) for c in AUDIT_IDENTITY)
        ]
        if new:
            bulk_insert(
                connection,
                AUDIT_TABLE,
                names,
                [
                    tuple(batch_of(row.get(n)) if n == "batch_id" else plain_value(row.get(n)) for n in names)
                    for row in new
                ],
            )
            added += len(new)
    return added


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
