"""Imports into the database: write a validated file in one transaction (records edited in the app are not
overwritten silently), preview what an import would do record by record, undo an import (also partly), and list
what changed since an import."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kompilot_data.records.access import foreign_id_message, refusals, refuse, require_editor
from kompilot_data.records.errors import ConflictError, Joined, RecordNotFound
from kompilot_data.records.schema import ID_COLUMN, SPECS
from kompilot_data.records.storage.links import (
    ACTIVE_LINK,
    CANCELLED,
    describe_need,
    drop_rejections,
    linked_needs,
    refuse_bad_targets,
    refuse_linked,
)
from kompilot_data.records.storage.tables import (
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    BATCH_TABLE,
    META_COLUMNS,
    TABLE_NAMES,
    TABLES,
    existing_records,
)
from kompilot_data.records.storage.transactions import (
    audit_entry,
    audited,
    bulk_execute,
    check_user,
    comparable,
    insert_columns,
    json_rows,
    plain_value,
    quote,
    record_columns,
    utc_now,
    write_audit,
    writing,
)
from kompilot_data.reference.errors import message


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
    require_editor(access)
    check_user(user)
    table = TABLES[kind]
    id_name = ID_COLUMN[kind]
    names = [spec.name for spec in SPECS[kind]]
    columns = record_columns(typed, kind)
    ids = columns[id_name]
    now = utc_now()
    counts = {"nye": 0, "endrede": 0, "uendrede": 0, "beholdt": 0}
    kept_ids: list[str] = []
    with writing(engine) as connection:
        existing = existing_records(connection, kind, ids)
        if seen_versions is not None:
            _check_seen(connection, kind, existing, seen_versions)
        if access is not None and not access.all_regions:
            allowed = access.municipalities() or frozenset()
            place = columns.get("kommunenummer", [None] * len(ids))
            outside = refusals(access, kind, ((i, place[n], "write_in_file") for n, i in enumerate(ids)))
            foreign = [
                foreign_id_message(kind, i, old["kommunenummer"], access.region)
                for i, old in existing.items()
                if old["kommunenummer"] not in allowed
            ]
            refuse(outside + foreign, message("err_nothing_imported"))
        taking = take_file if isinstance(take_file, bool) else frozenset(take_file)
        new_rows, changed_rows = [], []
        for position, record_id in enumerate(ids):
            old = existing.get(record_id)
            if old is None:
                new_rows.append(position)
            elif comparable(old, kind) != tuple(columns[n][position] for n in names):
                if old["batch_id"] is None and not (taking is True or (taking and record_id in taking)):
                    kept_ids.append(record_id)
                else:
                    changed_rows.append(position)
            else:
                counts["uendrede"] += 1
        counts["beholdt"] = len(kept_ids)
        _check_import_links(connection, kind, columns, existing, new_rows, changed_rows, access)
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
            insert_columns(
                connection,
                table,
                (*names, *META_COLUMNS),
                [*(picked[name] for name in names), [1] * n, [batch_id] * n, [now] * n, [user] * n],
            )
            insert_columns(
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
                    json_rows(picked),
                ],
            )
            audited(connection, [(user, "import", TABLE_NAMES[kind])] * n)
            counts["nye"] += len(chunk)
            done += len(chunk)
            if progress:
                progress(min(1.0, done / total))
        set_names = [n for n in names if n != id_name]
        statement = (
            f"UPDATE {quote(connection, table.name)} SET "
            + ", ".join(f"{quote(connection, n)} = ?" for n in (*set_names, *META_COLUMNS))
            + f" WHERE {quote(connection, id_name)} = ? AND versjon = ?"
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
                audit.append(audit_entry(now, user, "import", kind, ids[i], batch_id, before, record))
            updated = bulk_execute(connection, table, statement, (*set_names, *META_COLUMNS, id_name, "versjon"), rows)
            if updated != len(rows):
                raise ConflictError("err_import_raced")
            write_audit(connection, audit)
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


def _check_import_links(
    connection: Connection,
    kind: str,
    columns: dict[str, list],
    existing: dict[str, dict],
    new_rows: list[int],
    changed_rows: list[int],
    access,
) -> None:
    """An import neither cancels an offer needs rely on nor links a need to an offer that does not exist or is
    cancelled (:mod:`~kompilot_data.records.storage.links`); nothing is imported if it would."""
    ids = columns[ID_COLUMN[kind]]
    ending = message("err_nothing_imported")
    if kind == "offers":
        cancelled = [
            ids[i]
            for i in changed_rows
            if columns["status"][i] == CANCELLED and existing[ids[i]]["status"] != CANCELLED
        ]
        refuse_linked(connection, cancelled, message("link_action_import"), access, ending, cancelled=True)
        return
    linking = []
    for position in (*new_rows, *changed_rows):
        offer, status = columns["tilbud_id"][position], columns["status"][position]
        old = existing.get(ids[position])
        if offer is not None and (
            old is None or old["tilbud_id"] != offer or (status in ACTIVE_LINK and old["status"] not in ACTIVE_LINK)
        ):
            linking.append((ids[position], offer, status))
    refuse_bad_targets(connection, linking, ending)


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
    who = message("err_import_seen_who", user=first["endret_av"], when=first["endret"]) if first else ""
    shown = ", ".join(moved[:5]) + (" …" if len(moved) > 5 else "")
    raise ConflictError("err_import_seen", n=len(moved), ids=shown, who=who)


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
    columns = record_columns(typed, kind)
    ids = columns[id_name]
    with engine.connect() as connection:
        existing = existing_records(connection, kind, ids)
        new_ids, changes, unchanged = [], [], 0
        for position, record_id in enumerate(ids):
            old = existing.get(record_id)
            if old is None:
                new_ids.append(record_id)
                continue
            fields = [
                (name, plain_value(old[name]), columns[name][position])
                for name in names
                if plain_value(old[name]) != columns[name][position]
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
    confirmed_links: Iterable[str] | None = None,
) -> dict:
    """Undo an import: delete the records it created and restore those it changed.

    Checked and written under the write lock in one transaction: refused (nothing changes) if any of
    those records was changed or deleted after the import, or lies outside ``access``'s sub-region (before
    or after the import). Every DELETE/UPDATE names the version it checked.

    With ``keep_changed``, the records changed or deleted since the import are left as they are and the rest
    is undone (a partial undo); the batch records how many were kept (``ikke_angret``).

    Links (:mod:`~kompilot_data.records.storage.links`): undoing an offers import is refused while a need is linked
    to an offer it would delete (or cancel again); a need linked since the import to an offer it would restore to
    its earlier version is listed by :func:`linked_since_import`, and the undo goes ahead only when the caller has
    shown that list and passes its needs' ids as ``confirmed_links`` (:class:`UndoConfirmationNeeded` otherwise).
    Undoing a needs import never leaves a need linked to an offer that is gone.

    Returns
    -------
    dict
        ``slettet`` and ``gjenopprettet`` (counts), ``beholdt`` (ids left as they were).
    """
    require_editor(access)
    check_user(user)
    with writing(engine) as connection:
        batch = connection.execute(sa.select(BATCH_TABLE).where(BATCH_TABLE.c.id == batch_id)).mappings().first()
        if batch is None:
            raise RecordNotFound("err_import_missing", batch=batch_id)
        if batch["angret"] is not None:
            raise ConflictError("err_import_undone", batch=batch_id)
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
        current = existing_records(connection, kind, [e["post_id"] for e in entries])
        changed_since = [
            e["post_id"]
            for e in entries
            if e["post_id"] not in current or current[e["post_id"]]["batch_id"] != batch_id
        ]
        if changed_since and not keep_changed:
            shown = ", ".join(changed_since[:5]) + (" …" if len(changed_since) > 5 else "")
            raise ConflictError("err_undo_changed", batch=batch_id, n=len(changed_since), ids=shown)
        kept = set(changed_since)
        entries = [e for e in entries if e["post_id"] not in kept]
        befores = {e["post_id"]: _from_json(json.loads(e["foer"]), kind) if e["foer"] else None for e in entries}
        refuse(
            refusals(access, kind, ((i, current[i]["kommunenummer"], "write_after_import") for i in befores))
            + refusals(access, kind, ((i, b["kommunenummer"], "write_before_import") for i, b in befores.items() if b)),
            message("err_import_not_undone", batch=batch_id),
        )
        _check_undo_links(connection, batch, befores, current, access, confirmed_links)
        now = utc_now()
        deletes, updates, audit = [], [], []
        for record_id, before in befores.items():
            record = current[record_id]
            after = {spec.name: record[spec.name] for spec in SPECS[kind]}
            if before is None:
                deletes.append((record_id, record["versjon"], batch_id))
                audit.append(audit_entry(now, user, "angre", kind, record_id, batch_id, after, None))
            else:
                updates.append((before, record))
                audit.append(audit_entry(now, user, "angre", kind, record_id, batch_id, after, before))
        quoted_id = quote(connection, id_name)
        deleted = bulk_execute(
            connection,
            table,
            f"DELETE FROM {quote(connection, table.name)} WHERE {quoted_id} = ? AND versjon = ? AND batch_id = ?",
            (id_name, "versjon", "batch_id"),
            deletes,
        )
        set_names = [spec.name for spec in SPECS[kind] if spec.name != id_name]
        statement = (
            f"UPDATE {quote(connection, table.name)} SET "
            + ", ".join(f"{quote(connection, n)} = ?" for n in (*set_names, *META_COLUMNS))
            + f" WHERE {quoted_id} = ? AND versjon = ? AND batch_id = ?"
        )
        restored = bulk_execute(
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
            raise ConflictError("err_undo_raced", batch=batch_id)
        drop_rejections(connection, kind, [d[0] for d in deletes])
        write_audit(connection, audit)
        connection.execute(
            sa.update(BATCH_TABLE)
            .where(BATCH_TABLE.c.id == batch_id)
            .values(angret=now, ikke_angret=len(changed_since) if changed_since else None)
        )
        if before_commit:
            before_commit(connection)
    return {"slettet": deleted, "gjenopprettet": restored, "beholdt": changed_since}


class UndoConfirmationNeeded(ConflictError):
    """Needs were linked since the import to offers the undo would restore: the user must see them and confirm."""


def _check_undo_links(
    connection: Connection, batch, befores: dict, current: dict, access, confirmed: Iterable[str] | None
) -> None:
    batch_id = batch["id"]
    ending = message("err_import_not_undone", batch=batch_id)
    action = message("link_action_undo", batch=batch_id)
    if batch["type"] == "needs":
        restored = [
            (i, b["tilbud_id"], b["status"])
            for i, b in befores.items()
            if b is not None
            and b.get("tilbud_id") is not None
            and (
                b["tilbud_id"] != current[i]["tilbud_id"]
                or (b["status"] in ACTIVE_LINK and current[i]["status"] not in ACTIVE_LINK)
            )
        ]
        refuse_bad_targets(connection, restored, ending)
        return
    deleted = [i for i, b in befores.items() if b is None]
    refuse_linked(connection, deleted, action, access, ending)
    cancelled = [
        i
        for i, b in befores.items()
        if b is not None and b["status"] == CANCELLED and current[i]["status"] != CANCELLED
    ]
    refuse_linked(connection, cancelled, action, access, ending, cancelled=True)
    linked = _linked_since(connection, batch_id, [i for i, b in befores.items() if b is not None])
    unconfirmed = sorted({n["behov_id"] for n in linked} - set(confirmed or ()))
    if unconfirmed:
        raise UndoConfirmationNeeded(
            "err_undo_confirm_links",
            batch=batch_id,
            n=len(unconfirmed),
            needs=Joined([describe_need(n) for n in linked if n["behov_id"] in unconfirmed][:10]),
        )


def _linked_since(connection: Connection, batch_id: int, offer_ids: list[str]) -> list[dict]:
    """Needs linked to ``offer_ids`` by a change made after import ``batch_id`` (per the audit log)."""
    needs = linked_needs(connection, offer_ids)
    if not needs:
        return []
    first = connection.execute(
        sa.select(sa.func.min(AUDIT_TABLE.c.id)).where(AUDIT_TABLE.c.batch_id == batch_id)
    ).scalar()
    since = []
    by_id = {n["behov_id"]: n for n in needs}
    for start in range(0, len(needs), 900):
        chunk = list(by_id)[start : start + 900]
        rows = connection.execute(
            sa.select(AUDIT_TABLE.c.post_id, AUDIT_TABLE.c.foer, AUDIT_TABLE.c.etter).where(
                AUDIT_TABLE.c.tabell == TABLE_NAMES["needs"],
                AUDIT_TABLE.c.post_id.in_(chunk),
                AUDIT_TABLE.c.id > (first or 0),
            )
        )
        for post_id, before, after in rows:
            offer = by_id[post_id]["tilbud_id"]
            was = json.loads(before).get("tilbud_id") if before else None
            now = json.loads(after).get("tilbud_id") if after else None
            if now == offer and was != offer and by_id[post_id] not in since:
                since.append(by_id[post_id])
    return sorted(since, key=lambda n: n["behov_id"])


def linked_since_import(engine: Engine, batch_id: int, keep_changed: bool = False) -> pd.DataFrame:
    """What an undo of offers import ``batch_id`` would do to linked needs, for the user to see before it acts: one
    row per need (``behov_id``, ``kommunenummer``, ``status``, ``tilbud_id``, ``hindrer``). ``hindrer`` (blocks) is
    True for a need linked to an offer the undo would delete or cancel again (the undo is refused until the need is
    stepped back), False for a need linked since the import to an offer the undo would restore to its earlier version
    (the undo asks for confirmation). Empty for a needs import."""
    columns = ["behov_id", "kommunenummer", "status", "tilbud_id", "hindrer"]
    with engine.connect() as connection:
        batch = connection.execute(sa.select(BATCH_TABLE).where(BATCH_TABLE.c.id == batch_id)).mappings().first()
        if batch is None:
            raise RecordNotFound("err_import_missing", batch=batch_id)
        if batch["type"] != "offers" or batch["angret"] is not None:
            return pd.DataFrame(columns=columns)
        entries = (
            connection.execute(
                sa.select(AUDIT_TABLE.c.post_id, AUDIT_TABLE.c.foer).where(
                    AUDIT_TABLE.c.batch_id == batch_id, AUDIT_TABLE.c.handling == "import"
                )
            )
            .mappings()
            .all()
        )
        current = existing_records(connection, "offers", [e["post_id"] for e in entries])
        undone = {
            e["post_id"]: (json.loads(e["foer"]) if e["foer"] else None)
            for e in entries
            if e["post_id"] in current and (current[e["post_id"]]["batch_id"] == batch_id or not keep_changed)
        }
        removed = [i for i, b in undone.items() if b is None]
        cancelled = [
            i
            for i, b in undone.items()
            if b is not None and b["status"] == CANCELLED and current[i]["status"] != CANCELLED
        ]
        blocking = linked_needs(connection, removed) + linked_needs(connection, cancelled, ACTIVE_LINK)
        restored = [i for i, b in undone.items() if b is not None]
        confirm = [
            n
            for n in _linked_since(connection, batch_id, restored)
            if n["behov_id"] not in {b["behov_id"] for b in blocking}
        ]
    rows = [{**{c: n[c] for c in columns[:-1]}, "hindrer": True} for n in blocking]
    rows += [{**{c: n[c] for c in columns[:-1]}, "hindrer": False} for n in confirm]
    return pd.DataFrame(rows, columns=columns)


def changed_since_import(engine: Engine, batch_id: int) -> pd.DataFrame:
    """Records an import created or changed that were changed (or deleted) after it: ``post_id``, ``endret_av``,
    ``endret`` (None when deleted) and ``handling`` (the latest change). An undo refuses these, or keeps them."""
    with engine.connect() as connection:
        batch = connection.execute(sa.select(BATCH_TABLE).where(BATCH_TABLE.c.id == batch_id)).mappings().first()
        if batch is None:
            raise RecordNotFound("err_import_missing", batch=batch_id)
        kind = batch["type"]
        ids = list(
            connection.execute(
                sa.select(AUDIT_TABLE.c.post_id)
                .where(AUDIT_TABLE.c.batch_id == batch_id, AUDIT_TABLE.c.handling == "import")
                .order_by(AUDIT_TABLE.c.id)
            ).scalars()
        )
        current = existing_records(connection, kind, ids)
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
