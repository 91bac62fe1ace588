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

Write functions take ``access`` (:class:`kompilot_data.records.access.Access`): a coordinator limited to a
sub-region can neither create, change, move nor delete a record outside it, by any path. ``None`` is the
command line's full access.

By concern: :mod:`~.tables` (the tables, and reading them), :mod:`~.transactions` (the engine, the write lock,
bulk writes and audit entries), :mod:`~.imports` (import, preview, undo), :mod:`~.edits` (single records and the
table editor) and :mod:`~.admin` (demo data, restore, whole tables). This module re-exports their public names.
"""

from kompilot_data.records.errors import ConflictError, RecordNotFound
from kompilot_data.records.storage.admin import dump_all, iter_table_rows, remove_demo, replace_all, seed_demo_if_empty
from kompilot_data.records.storage.edits import (
    EditResult,
    add_in,
    add_record,
    apply_edits,
    conflict_message,
    delete_records,
    update_in,
    update_record,
    validated_record,
)
from kompilot_data.records.storage.imports import (
    ImportPreview,
    RecordChange,
    UndoConfirmationNeeded,
    changed_since_import,
    import_frame,
    linked_since_import,
    preview_frame,
    undo_batch,
)
from kompilot_data.records.storage.links import LinkError
from kompilot_data.records.storage.tables import (
    ALL_TABLES,
    AUDIT_TABLE,
    BATCH_TABLE,
    INFO_TABLE,
    METADATA,
    NEEDS_TABLE,
    OFFERS_TABLE,
    REJECTED_TABLE,
    TABLES,
    audit_log,
    batches,
    count,
    data_version,
    database_identity,
    existing_records,
    read_frame,
    record_places,
    rejected_candidates,
    versions,
)
from kompilot_data.records.storage.transactions import (
    LOCK_TIMEOUT_S,
    SYSTEM_USER,
    DatabaseMissing,
    alembic_config,
    check_user,
    database_url,
    existing_database,
    make_engine,
    schema_revision,
    to_json,
    upgrade,
    utc_now,
    write_audit,
    writing,
)

__all__ = [
    "ALL_TABLES",
    "AUDIT_TABLE",
    "BATCH_TABLE",
    "INFO_TABLE",
    "LOCK_TIMEOUT_S",
    "METADATA",
    "NEEDS_TABLE",
    "OFFERS_TABLE",
    "REJECTED_TABLE",
    "SYSTEM_USER",
    "TABLES",
    "ConflictError",
    "DatabaseMissing",
    "EditResult",
    "ImportPreview",
    "LinkError",
    "RecordChange",
    "RecordNotFound",
    "UndoConfirmationNeeded",
    "add_in",
    "add_record",
    "alembic_config",
    "apply_edits",
    "audit_log",
    "batches",
    "changed_since_import",
    "check_user",
    "conflict_message",
    "count",
    "data_version",
    "database_identity",
    "database_url",
    "delete_records",
    "dump_all",
    "existing_database",
    "existing_records",
    "import_frame",
    "iter_table_rows",
    "linked_since_import",
    "make_engine",
    "preview_frame",
    "read_frame",
    "record_places",
    "rejected_candidates",
    "remove_demo",
    "replace_all",
    "schema_revision",
    "seed_demo_if_empty",
    "to_json",
    "undo_batch",
    "update_in",
    "update_record",
    "upgrade",
    "utc_now",
    "validated_record",
    "versions",
    "write_audit",
    "writing",
]
