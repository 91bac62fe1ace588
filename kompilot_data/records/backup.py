"""Full backup and restore that always round-trip: a zip of JSON Lines files with a manifest and checksums.

Why not Excel or CSV: an Excel cell holds at most 32 767 characters, no control characters and at most
1 048 576 rows, and both Excel and CSV readers guess ("NA", "null" and "None" become empty; numbers lose
digits). A CSV cannot tell an empty text from a missing value without a convention. JSON holds every
value exactly: any character, any length, ``null`` apart from ``""``, whole numbers and floats exact.

The file (format version 1)::

    kompilot-sikkerhetskopi-2026-11-27.zip
      manifest.json       {"format": "kompilot-sikkerhetskopi", "versjon": 1, "laget": "2026-11-27T10:00:00",
                           "skjema": "0001", "tabeller": {"behov": {"fil": "behov.jsonl", "kolonner": [...],
                           "rader": 1500, "bytes": 412345, "sha256": "..."}, ...}}
      behov.jsonl         one JSON array per row, in the manifest's column order
      tilbud.jsonl
      import_batch.jsonl
      endringslogg.jsonl

Dates are written ``"2026-11-27"``, times ``"2026-11-27T10:00:00"``. :func:`restore` checks the manifest,
every file's size, SHA-256 and row count, every value's type and the records' rules **before** it touches
the database, and then replaces everything in one transaction under the write lock.

The Excel export on the Data page is a *report* (one table, for people), not a backup.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from kompilot_data.records import storage
from kompilot_data.records.schema import SPECS
from kompilot_data.records.validation import ProblemLines, problem_code, validate
from kompilot_data.reference.errors import KompilotError, message

FORMAT = "kompilot-sikkerhetskopi"
VERSION = 1
FILES = {
    "needs": "behov",
    "offers": "tilbud",
    "batches": "import_batch",
    "audit": "endringslogg",
    "rejected": "avviste_kandidater",
}
OPTIONAL_FILES = frozenset({"rejected"})
"""Tables a backup made before they existed may lack (restored empty)."""
MAX_MANIFEST_BYTES = 1 << 20
MAX_TABLE_BYTES = 4 << 30


class BackupError(KompilotError, ValueError):
    """A backup that cannot be restored; the message says why. The database is unchanged."""


def _value(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _write_zip(engine, target) -> dict:
    """Write the backup to ``target`` (a path or a binary file object); return the manifest."""
    manifest = {
        "format": FORMAT,
        "versjon": VERSION,
        "laget": datetime.now(UTC).replace(tzinfo=None, microsecond=0).isoformat(),
        "skjema": storage.schema_revision(engine),
        "tabeller": {},
    }
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":  # one snapshot for all four tables
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin(), zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for key, name in FILES.items():
                table = storage.ALL_TABLES[key]
                digest, size, rows = hashlib.sha256(), 0, 0
                with archive.open(f"{name}.jsonl", "w", force_zip64=True) as member:
                    for row in storage.iter_table_rows(connection, key):
                        line = (
                            json.dumps(
                                [_value(v) for v in row], ensure_ascii=False, allow_nan=False, separators=(",", ":")
                            )
                            + "\n"
                        ).encode("utf-8")
                        member.write(line)
                        digest.update(line)
                        size += len(line)
                        rows += 1
                manifest["tabeller"][name] = {
                    "fil": f"{name}.jsonl",
                    "kolonner": [c.name for c in table.columns],
                    "rader": rows,
                    "bytes": size,
                    "sha256": digest.hexdigest(),
                }
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def backup(engine, path: Path | str) -> Path:
    """Write a full backup to ``path`` (a .zip); written to a temporary file first, never left half-written."""
    path = Path(path)
    if path.suffix.lower() != ".zip":
        raise BackupError("err_backup_suffix", name=path.name)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        _write_zip(engine, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def backup_bytes(engine) -> bytes:
    """A full backup as bytes (for a download button)."""
    buffer = io.BytesIO()
    _write_zip(engine, buffer)
    return buffer.getvalue()


# --- reading and verifying ----------------------------------------------------------------------


def _converter(column):
    kind = column.type
    name = column.name

    def text(value):
        if not isinstance(value, str):
            raise TypeError
        return value

    def integer(value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError
        return value

    def number(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError
        return float(value)

    def boolean(value):
        if not isinstance(value, bool):
            raise TypeError
        return value

    def day(value):
        return date.fromisoformat(text(value))

    def moment(value):
        return datetime.fromisoformat(text(value))

    if isinstance(kind, sa.DateTime):
        return moment
    if isinstance(kind, sa.Date):
        return day
    if isinstance(kind, sa.Boolean):
        return boolean
    if isinstance(kind, sa.Integer):
        return integer
    if isinstance(kind, sa.Float):
        return number
    del name
    return text


class Backup:
    """A backup file opened for restoring: the manifest checked; rows streamed from the zip, table by table.

    :func:`read_backup` reads every row once to verify it (checksums, types, rules) before anything is
    written; :func:`restore` then streams the rows again into one transaction. Memory stays bounded: only
    the needs and offers (checked against the import rules) are held at once.
    """

    def __init__(self, data: bytes, name: str):
        self.name = name
        self._broken = message("err_backup_broken", name=name)
        try:
            self._archive = zipfile.ZipFile(io.BytesIO(data))
            names = set(self._archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise BackupError(self._broken) from None
        if "manifest.json" not in names:
            if "xl/workbook.xml" in names:
                raise BackupError("err_backup_excel", name=name)
            raise BackupError(self._broken)
        try:
            if self._archive.getinfo("manifest.json").file_size > MAX_MANIFEST_BYTES:
                raise BackupError(self._broken)
            manifest = json.loads(self._archive.read("manifest.json").decode("utf-8"))
        except (zipfile.BadZipFile, OSError, ValueError, UnicodeDecodeError, EOFError):
            raise BackupError(self._broken) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(self._broken)
        if manifest.get("versjon") != VERSION:
            raise BackupError("err_backup_version", name=name, found=manifest.get("versjon"), reads=VERSION)
        self.manifest = manifest
        self._entries = {}
        for key, table_name in FILES.items():
            entry = (manifest.get("tabeller") or {}).get(table_name)
            table = storage.ALL_TABLES[key]
            if entry is None and key in OPTIONAL_FILES:
                continue
            if not isinstance(entry, dict) or entry.get("fil") not in names:
                raise BackupError("err_backup_table_missing", name=name, table=table_name)
            columns = entry.get("kolonner")
            known = {c.name: c for c in table.columns}
            if not isinstance(columns, list) or any(c not in known for c in columns):
                unknown = ", ".join(str(c) for c in (columns or []) if c not in known)
                raise BackupError("err_backup_columns_unknown", name=name, table=table_name, columns=unknown)
            absent = [c.name for c in table.columns if c.name not in columns and not c.nullable]
            if absent:
                raise BackupError("err_backup_columns_missing", name=name, table=table_name, columns=", ".join(absent))
            member = self._archive.getinfo(entry["fil"])
            if member.file_size > MAX_TABLE_BYTES or member.file_size != entry.get("bytes"):
                raise BackupError(self._broken)
            if not isinstance(entry.get("rader"), int):
                raise BackupError(self._broken)
            self._entries[key] = (entry, [(c, _converter(known[c])) for c in columns])

    @property
    def counts(self) -> dict[str, int]:
        """Rows per table (``needs``, ``offers``, ``batches``, ``audit``) as the manifest states them."""
        return {key: self._entries[key][0]["rader"] if key in self._entries else 0 for key in FILES}

    def rows(self, key: str) -> Iterator[dict]:
        """The rows of one table, typed as the database columns; the checksum and count are checked at the end."""
        if key not in self._entries:  # an optional table the backup does not have
            return
        entry, converters = self._entries[key]
        table_name = FILES[key]
        digest = hashlib.sha256()
        number = 0
        try:
            with self._archive.open(entry["fil"]) as stream:
                for line in stream:
                    digest.update(line)
                    number += 1
                    try:
                        values = json.loads(line)
                    except ValueError:
                        raise BackupError(self._broken) from None
                    if not isinstance(values, list) or len(values) != len(converters):
                        raise BackupError(self._broken)
                    row = {}
                    for (column, convert), value in zip(converters, values, strict=True):
                        try:
                            row[column] = None if value is None else convert(value)
                        except (TypeError, ValueError):
                            raise BackupError(
                                "err_backup_type", name=self.name, table=table_name, row=number, column=column
                            ) from None
                    yield row
        except (zipfile.BadZipFile, OSError, EOFError):
            raise BackupError(self._broken) from None
        if digest.hexdigest() != entry.get("sha256"):
            raise BackupError("err_backup_checksum", name=self.name, table=table_name)
        if number != entry["rader"]:
            raise BackupError(self._broken)

    def verify(self) -> None:
        """Read every row once: checksums, counts, types, unique ids and the records' rules (nothing is written)."""
        for key in FILES:
            if key in ("needs", "offers"):
                _check_records(key, list(self.rows(key)), self.name)
            else:
                _check_log(key, self.rows(key), self.name)


def read_backup(source: Path | str | bytes, name: str | None = None) -> Backup:
    """Open and verify a backup; raise :class:`BackupError` (Norwegian) for anything that is not a complete,
    unchanged kompilot backup. Nothing is written."""
    if isinstance(source, (str, Path)):
        name = name or Path(source).name
        data = Path(source).read_bytes()
    else:
        data = source
    backup_file = Backup(data, name or "filen")
    backup_file.verify()
    return backup_file


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _check_records(key: str, rows: list[dict], name: str) -> None:
    """The records follow the same rules as an import (codes, lengths, required values, unique ids).

    Control characters stored before they were refused are restored as they were (not checked here).
    """
    if not rows:
        return
    text = pd.DataFrame({spec.name: [_text(row.get(spec.name)) for row in rows] for spec in SPECS[key]}, dtype=object)
    problems = validate(text, key)
    if len(problems):
        problems = problems[[problem_code(m) != "cell_control" for m in problems["beskjed"]]]
    if len(problems):
        raise BackupError("err_backup_rules", name=name, table=FILES[key], problems=ProblemLines(problems.head(20)))
    for row in rows:
        if any(row.get(c) is None for c in ("versjon", "endret", "endret_av")):
            raise BackupError("err_backup_version_missing", name=name, table=FILES[key])


def _check_log(key: str, rows: Iterator[dict], name: str) -> None:
    table = storage.ALL_TABLES[key]
    required = [c.name for c in table.columns if not c.nullable and c.name != "id"]
    seen: set[int] = set()
    for number, row in enumerate(rows, start=1):
        if row.get("id") is None or row["id"] in seen:
            raise BackupError("err_backup_ids", name=name, table=FILES[key])
        seen.add(row["id"])
        if any(row.get(c) is None for c in required):
            raise BackupError("err_backup_required", name=name, table=FILES[key], row=number)


def restore(
    engine,
    source: Path | str | bytes,
    user: str,
    access=None,
    expected_version: int | None = None,
    name: str | None = None,
) -> dict[str, int]:
    """Replace the database content with a backup made by :func:`backup`: verified first, then one transaction.

    Returns the rows restored per table (``behov``, ``tilbud``, ``import_batch``, ``endringslogg``).
    """
    backup_file = read_backup(source, name)
    restore_verified(engine, backup_file, user, access=access, expected_version=expected_version)
    return {FILES[k]: n for k, n in backup_file.counts.items()}


def restore_verified(engine, backup_file: Backup, user: str, access=None, expected_version: int | None = None) -> None:
    """Write a backup that :func:`read_backup` verified (rows streamed again from the zip, in one transaction)."""
    storage.replace_all(
        engine,
        {key: backup_file.rows(key) for key in FILES},
        user,
        access=access,
        expected_version=expected_version,
    )
