"""Edits in the app: add, change and delete single records, and save a coordinator's table edits all or nothing;
each under the write lock, with optimistic locking (the version read) and the coordinator's region checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kompilot_data.records.access import AccessDenied, refusals, refuse, require_editor
from kompilot_data.records.errors import ConflictError, RecordNotFound
from kompilot_data.records.schema import ID_COLUMN, SPECS, to_typed
from kompilot_data.records.storage.links import (
    ACTIVE_LINK,
    CANCELLED,
    drop_rejections,
    refuse_bad_targets,
    refuse_linked,
)
from kompilot_data.records.storage.tables import TABLES, existing_records
from kompilot_data.records.storage.transactions import (
    audit_entry,
    bulk_execute,
    check_user,
    quote,
    record_dicts,
    utc_now,
    write_audit,
    writing,
)
from kompilot_data.records.validation import DataValidationError, validate
from kompilot_data.reference.errors import Message, Text, message, text


def validated_record(kind: str, record: dict, source: str = "redigering") -> dict:
    """Validate one record with the same schema as imports; return it typed. Raises DataValidationError."""
    frame = pd.DataFrame([{k: ("" if v is None else v) for k, v in record.items()}])
    problems = validate(frame, kind)
    if len(problems):
        raise DataValidationError(problems, source)
    return record_dicts(to_typed(frame, kind), kind)[0]


def add_in(connection: Connection, kind: str, clean: dict, user: str, now: datetime, access) -> None:
    record_id = clean[ID_COLUMN[kind]]
    refuse(refusals(access, kind, [(record_id, clean.get("kommunenummer"), "write_new")]))
    existing = existing_records(connection, kind, [record_id]).get(record_id)
    if existing is not None:
        if access is not None and not access.may_write(existing["kommunenummer"]):
            raise ConflictError("err_id_in_other_region", id=record_id)
        raise ConflictError("err_id_exists", id=record_id)
    if kind == "needs":
        refuse_bad_targets(connection, [(record_id, clean.get("tilbud_id"), clean.get("status"))])
    connection.execute(sa.insert(TABLES[kind]).values(**clean, versjon=1, batch_id=None, endret=now, endret_av=user))
    write_audit(connection, [audit_entry(now, user, "ny", kind, record_id, None, None, clean)])


def add_record(engine: Engine, kind: str, record: dict, user: str, access=None) -> None:
    """Insert one new record (validated); its id must be new, and its place inside ``access``'s region."""
    require_editor(access)
    check_user(user)
    clean = validated_record(kind, record)
    with writing(engine) as connection:
        add_in(connection, kind, clean, user, utc_now(), access)


def update_in(
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
    current = existing_records(connection, kind, [record_id]).get(record_id)
    if current is None:
        raise RecordNotFound("err_record_missing", id=record_id)
    before = {spec.name: current[spec.name] for spec in SPECS[kind]}
    clean = validated_record(kind, {**before, **changes, id_name: record_id}, source=f"«{record_id}»")
    refuse(
        refusals(access, kind, [(record_id, before.get("kommunenummer"), "write_as_is")])
        or refusals(access, kind, [(record_id, clean.get("kommunenummer"), "write_after_change")])
    )
    _check_links(connection, kind, record_id, before, clean, access)
    result = connection.execute(
        sa.update(table)
        .where(table.c[id_name] == record_id, table.c.versjon == expected_version)
        .values(**clean, versjon=expected_version + 1, batch_id=None, endret=now, endret_av=user)
    )
    if result.rowcount != 1:
        raise ConflictError(conflict_message(connection, kind, record_id))
    write_audit(connection, [audit_entry(now, user, action, kind, record_id, None, before, clean)])
    return clean


def _check_links(connection: Connection, kind: str, record_id: str, before: dict, after: dict, access) -> None:
    """An offer is not cancelled while needs rely on it; a need is linked only to an offer that exists and, while
    it relies on it, is not cancelled (:mod:`~kompilot_data.records.storage.links`)."""
    if kind == "offers":
        if after.get("status") == CANCELLED and before.get("status") != CANCELLED:
            refuse_linked(connection, [record_id], message("link_action_cancel"), access, cancelled=True)
    elif after.get("tilbud_id") is not None and (
        after.get("tilbud_id") != before.get("tilbud_id")
        or (after.get("status") in ACTIVE_LINK and before.get("status") not in ACTIVE_LINK)
    ):  # a new link, or a need that comes to rely on its offer again (a step back from avsluttet)
        refuse_bad_targets(connection, [(record_id, after["tilbud_id"], after.get("status"))])


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
    require_editor(access)
    check_user(user)
    with writing(engine) as connection:
        update_in(connection, kind, record_id, changes, expected_version, user, utc_now(), access)
    return expected_version + 1


def conflict_message(connection: Connection, kind: str, record_id: str) -> Message:
    """Why a write of ``record_id`` found another version: deleted, or changed by whom and when."""
    latest = existing_records(connection, kind, [record_id]).get(record_id)
    if latest is None:
        return message("err_record_deleted_since", id=record_id)
    return message("err_record_changed_since", id=record_id, user=latest["endret_av"], when=latest["endret"])


def delete_in(connection: Connection, kind: str, versions: dict[str, int], user: str, now: datetime, access) -> int:
    table = TABLES[kind]
    id_name = ID_COLUMN[kind]
    current = existing_records(connection, kind, list(versions))
    stale = [i for i, v in versions.items() if i not in current or current[i]["versjon"] != v]
    if stale:
        raise ConflictError("err_delete_stale", n=len(stale), ids=", ".join(stale[:5]))
    refuse(
        refusals(access, kind, ((i, current[i]["kommunenummer"], "write_to_delete") for i in versions)),
        message("err_nothing_deleted"),
    )
    if kind == "offers":
        refuse_linked(connection, versions, message("link_action_delete"), access, message("err_nothing_deleted"))
    deleted = bulk_execute(
        connection,
        table,
        f"DELETE FROM {quote(connection, table.name)} WHERE {quote(connection, id_name)} = ? AND versjon = ?",
        (id_name, "versjon"),
        list(versions.items()),
    )
    if deleted != len(versions):
        raise ConflictError("err_delete_raced")
    drop_rejections(connection, kind, versions)
    write_audit(
        connection,
        [
            audit_entry(now, user, "sletting", kind, i, None, {s.name: current[i][s.name] for s in SPECS[kind]}, None)
            for i in versions
        ],
    )
    return deleted


def delete_records(engine: Engine, kind: str, versions: dict[str, int], user: str, access=None) -> int:
    """Delete records given as ``{id: version read}``; refused whole if any changed since or is outside ``access``."""
    require_editor(access)
    check_user(user)
    with writing(engine) as connection:
        return delete_in(connection, kind, versions, user, utc_now(), access)


@dataclass
class EditResult:
    """What :func:`apply_edits` did: counts, or (nothing saved) the messages saying why (each a
    :class:`~kompilot_data.reference.errors.Text`: bokmål, and in English with ``text_in``)."""

    changed: int = 0
    added: int = 0
    deleted: int = 0
    errors: list[Text] = field(default_factory=list)

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
    access : kompilot_data.records.access.Access
        Who saves; a coordinator limited to a sub-region cannot touch records outside it.
    user : str
        Name in the audit log (default: ``access.user``).

    Returns
    -------
    EditResult
        Counts, or ``errors`` (one per problem, naming the record) when nothing was saved.
    """
    require_editor(access)
    user = check_user(user or access.user)
    id_name = ID_COLUMN[kind]
    versions = {str(k): int(v) for k, v in versions.items()}
    result = EditResult()
    errors: list[Text] = []
    now = utc_now()

    def fields(error: DataValidationError) -> list[Message]:
        """``kolonne: melding`` per problem of one record."""
        problems = error.problems
        return [
            message("err_edit_field", column=column, message=said if said is not None else melding)
            for column, said, melding in zip(problems["kolonne"], problems["beskjed"], problems["melding"], strict=True)
        ]

    def problem_text(error: Exception, record_id: str) -> Text:
        if isinstance(error, DataValidationError):
            return text("err_edit_record", id=record_id, problems=fields(error))
        return Text(error.msg)

    cleaned_added = []
    for added in added_rows:
        record = {spec.name: added.get(spec.name) for spec in SPECS[kind]}
        record_id = record.get(id_name) or None
        try:
            cleaned_added.append(validated_record(kind, record, source="ny rad"))
        except DataValidationError as error:
            named = message("err_edit_new_row_id", id=record_id) if record_id else message("err_edit_no_id")
            errors.append(text("err_edit_new_row", id=named, problems=fields(error)))
    missing_versions = [i for i in [*edited_rows, *deleted_rows] if i not in versions]
    errors += [text("err_edit_version_missing", id=i) for i in missing_versions]
    if errors:
        return EditResult(errors=errors)
    try:
        with writing(engine) as connection:
            for record_id, changes in edited_rows.items():
                try:
                    update_in(connection, kind, record_id, changes, versions[record_id], user, now, access)
                    result.changed += 1
                except (ConflictError, RecordNotFound, AccessDenied, DataValidationError) as error:
                    errors.append(problem_text(error, record_id))
            for clean in cleaned_added:
                try:
                    add_in(connection, kind, clean, user, now, access)
                    result.added += 1
                except (ConflictError, AccessDenied) as error:
                    errors.append(Text(error.msg))
            if deleted_rows:
                try:
                    result.deleted = delete_in(
                        connection, kind, {i: versions[i] for i in deleted_rows}, user, now, access
                    )
                except (ConflictError, AccessDenied) as error:
                    errors.append(Text(error.msg))
            if errors:
                raise _Rollback
    except _Rollback:
        return EditResult(errors=[*errors, text("err_edit_nothing_saved")])
    return result
