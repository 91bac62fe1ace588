"""Full backup and restore that always round-trip: a zip of JSON Lines files with a manifest, checksums and a
signature.

Why not Excel or CSV: an Excel cell holds at most 32 767 characters, no control characters and at most
1 048 576 rows, and both Excel and CSV readers guess ("NA", "null" and "None" become empty; numbers lose
digits). A CSV cannot tell an empty text from a missing value without a convention. JSON holds every
value exactly: any character, any length, ``null`` apart from ``""``, whole numbers and floats exact.

The file (format version 2; version 1, without identity and signature, is still read)::

    kompilot-sikkerhetskopi-2026-11-27.zip
      manifest.json       {"format": "kompilot-sikkerhetskopi", "versjon": 2, "laget": "2026-11-27T10:00:00",
                           "skjema": "0004_integritet", "database": "<the database's identity>",
                           "dataversjon": 1234, "tabeller": {"behov": {"fil": "behov.jsonl",
                           "kolonner": [...], "rader": 1500, "bytes": 412345, "sha256": "..."}, ...}}
      signatur.json       {"algoritme": "HMAC-SHA256", "nokkel": "<first 16 hex digits of SHA-256 of the key>",
                           "verdi": "<HMAC-SHA256 of manifest.json's bytes with the key>"}
      behov.jsonl         one JSON array per row, in the manifest's column order
      tilbud.jsonl, import_batch.jsonl, endringslogg.jsonl, avviste_kandidater.jsonl

**Signature.** With a key (``KOMPILOT_BACKUP_KEY`` in the environment, or ``sikkerhetskopi_nokkel`` under
``[kompilot]`` in the secrets file; at least 32 characters) every backup is signed: the HMAC covers the manifest,
and the manifest holds each file's size and SHA-256, so a file changed and given new checksums no longer matches.
A restore refuses a signature that does not match (always), and a file that is unsigned, signed with another
key, or cannot be checked because no key is configured unless the user forces it (``--force``, or the confirmation
on the Data page).

**Verification before anything is written**, in this order: the manifest; the signature; every member's size and
SHA-256, streamed in blocks of 1 MiB and stopped as soon as a member is longer than declared, *before any row is
parsed*; then every row (at most :data:`MAX_LINE_BYTES` a line, read in blocks, never a whole member at once), its
types, the records' rules (in chunks of 20,000), unique ids and that every linked need's offer is in the backup.
Memory stays bounded whatever the upload (tested under a 300 MB address-space limit).

**Restore** (:func:`restore`) refuses, unless forced, an empty backup (no needs and no offers), one from another
database (its identity differs from this database's), and an unsigned or unverifiable one. It first writes a
**safety backup** of what stands (:func:`safety_backup`: ``for-gjenoppretting-<UTC time>.zip`` in
``KOMPILOT_BACKUP_DIR``, default ``<KOMPILOT_DATA_DIR>/sikkerhetskopi``), then replaces the records in one
transaction, **appending** to the audit log (``storage.replace_all``): a ``gjenoppretting`` entry names the file,
its SHA-256, the counts, the safety backup and what was forced.

The Excel export on the Data page is a *report* (one table, for people), not a backup.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from kompilot_data.records import storage
from kompilot_data.records.access import ConfigurationError, require_all_regions
from kompilot_data.records.errors import Joined
from kompilot_data.records.schema import SPECS
from kompilot_data.records.storage.links import bad_targets
from kompilot_data.records.storage.tables import data_version_in
from kompilot_data.records.validation import ProblemLines, problem_code, validate
from kompilot_data.reference.errors import KompilotError, Message, message

FORMAT = "kompilot-sikkerhetskopi"
VERSION = 2
READS = (1, 2)
FILES = {
    "needs": "behov",
    "offers": "tilbud",
    "batches": "import_batch",
    "audit": "endringslogg",
    "rejected": "avviste_kandidater",
}
OPTIONAL_FILES = frozenset({"rejected"})
"""Tables a backup made before they existed may lack (restored empty)."""
MANIFEST = "manifest.json"
SIGNATURE = "signatur.json"
MAX_MANIFEST_BYTES = 1 << 20
MAX_SIGNATURE_BYTES = 4 << 10
MAX_TABLE_BYTES = 4 << 30
MAX_LINE_BYTES = 8 << 20
"""The longest row a backup may hold: a record with a 100,000-character note, escaped twice in its audit entry,
fits several times over."""
BLOCK = 1 << 20
CHUNK_ROWS = 20_000

KEY_VARIABLE = "KOMPILOT_BACKUP_KEY"
SECRETS_KEY = "sikkerhetskopi_nokkel"
MIN_KEY_LENGTH = 32
BACKUP_DIR_VARIABLE = "KOMPILOT_BACKUP_DIR"
SAFETY_PREFIX = "for-gjenoppretting-"

FROM_ENVIRONMENT = object()
"""The default ``key`` of the functions here: :func:`signing_key` from the environment (``KOMPILOT_BACKUP_KEY``)."""

#: What a backup's signature says (``Backup.signature``).
SIGNED, UNSIGNED, OTHER_KEY, NO_KEY = "gyldig", "usignert", "annen_nokkel", "ingen_nokkel"


class BackupError(KompilotError, ValueError):
    """A backup that cannot be restored; the message says why. The database is unchanged."""


class ForceNeeded(BackupError):
    """A restore that needs the user's explicit choice (``--force`` or the confirmation on the Data page): the
    message lists why (``reasons``: each a :class:`Message`)."""

    def __init__(self, name: str, reasons: list[Message]):
        super().__init__("err_backup_force", name=name, reasons=Joined(reasons, " "))
        self.reasons = reasons


# --- the signing key ------------------------------------------------------------------------------------------


def signing_key(kompilot_secrets: Mapping | None = None) -> bytes | None:
    """The backup key: ``KOMPILOT_BACKUP_KEY``, else ``sikkerhetskopi_nokkel`` in ``[kompilot]`` of the secrets;
    None when neither is set (backups are then unsigned, and a restore needs ``--force``).

    Raises
    ------
    ConfigurationError
        The key is shorter than 32 characters (never sign with a guessable key).
    """
    value = os.environ.get(KEY_VARIABLE) or (kompilot_secrets or {}).get(SECRETS_KEY) or ""
    if not value:
        return None
    if not isinstance(value, str) or len(value) < MIN_KEY_LENGTH:
        raise ConfigurationError("err_backup_key_short", variable=KEY_VARIABLE, key=SECRETS_KEY, most=MIN_KEY_LENGTH)
    return value.encode("utf-8")


def secrets_kompilot(paths) -> dict:
    """``[kompilot]`` of the secrets files that exist (the command line's way to :func:`signing_key`)."""
    import tomllib

    from kompilot_data.records.login import check_secrets_files

    check_secrets_files(paths)
    found: dict = {}
    for path in paths:
        if Path(path).is_file():
            found.update(tomllib.loads(Path(path).read_text(encoding="utf-8")).get("kompilot", {}))
    return found


def key_id(key: bytes) -> str:
    """Which key signed a backup, without giving it away: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(key).hexdigest()[:16]


def _key(key) -> bytes | None:
    return signing_key() if key is FROM_ENVIRONMENT else key


def _signature(key: bytes, manifest: bytes) -> str:
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


# --- writing --------------------------------------------------------------------------------------------------


def _value(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _write_zip(engine, target, key: bytes | None) -> dict:
    """Write the backup to ``target`` (a path or a binary file object); return the manifest."""
    manifest = {
        "format": FORMAT,
        "versjon": VERSION,
        "laget": datetime.now(UTC).replace(tzinfo=None, microsecond=0).isoformat(),
        "skjema": storage.schema_revision(engine),
        "tabeller": {},
    }
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":  # one snapshot for every table
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin(), zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            manifest["database"] = storage.database_identity(connection)
            manifest["dataversjon"] = data_version_in(connection)
            for key_name, name in FILES.items():
                table = storage.ALL_TABLES[key_name]
                digest, size, rows = hashlib.sha256(), 0, 0
                with archive.open(f"{name}.jsonl", "w", force_zip64=True) as member:
                    for row in storage.iter_table_rows(connection, key_name):
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
            written = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            archive.writestr(MANIFEST, written)
            if key is not None:
                signature = {"algoritme": "HMAC-SHA256", "nokkel": key_id(key), "verdi": _signature(key, written)}
                archive.writestr(SIGNATURE, json.dumps(signature, indent=2))
    return manifest


def backup(engine, path: Path | str, access=None, key=FROM_ENVIRONMENT) -> Path:
    """Write a full backup to ``path`` (a .zip), signed with ``key`` when given; written to a temporary file
    first, never left half-written. Only for coordinators of all sub-regions (``access``; None: the command line).
    """
    require_all_regions(access, "what_backup")
    path = Path(path)
    if path.suffix.lower() != ".zip":
        raise BackupError("err_backup_suffix", name=path.name)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        _write_zip(engine, temporary, _key(key))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def backup_bytes(engine, access=None, key=FROM_ENVIRONMENT) -> bytes:
    """A full backup as bytes (for a download button); only for coordinators of all sub-regions."""
    require_all_regions(access, "what_backup")
    buffer = io.BytesIO()
    _write_zip(engine, buffer, _key(key))
    return buffer.getvalue()


def backup_folder() -> Path:
    """Where safety backups go: ``KOMPILOT_BACKUP_DIR``, else ``sikkerhetskopi`` in ``KOMPILOT_DATA_DIR``."""
    folder = os.environ.get(BACKUP_DIR_VARIABLE)
    if folder:
        return Path(folder)
    return Path(os.environ.get("KOMPILOT_DATA_DIR", "kompilot-data")) / "sikkerhetskopi"


def safety_backup(engine, key=FROM_ENVIRONMENT, folder: Path | None = None) -> tuple[Path, dict]:
    """A full backup of what stands, written before a restore replaces it: ``for-gjenoppretting-<UTC time>.zip``
    in :func:`backup_folder` (a number is added if the name is taken). Returns the path and its manifest."""
    folder = Path(folder) if folder is not None else backup_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{SAFETY_PREFIX}{stamp}.zip"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"{SAFETY_PREFIX}{stamp}-{number}.zip"
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    try:
        manifest = _write_zip(engine, temporary, _key(key))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path, manifest


# --- reading and verifying ----------------------------------------------------------------------------------


def _converter(column):
    kind = column.type

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
    return text


def _file_hash(source) -> str:
    digest = hashlib.sha256()
    if isinstance(source, (bytes, bytearray)):
        digest.update(source)
    else:
        with open(source, "rb") as handle:
            while block := handle.read(BLOCK):
                digest.update(block)
    return digest.hexdigest()


class Backup:
    """A backup file opened for restoring: the manifest and signature checked; rows streamed from the zip.

    :meth:`verify` checks every member's size and checksum (streamed, before parsing), then every row once
    (types, rules, ids, links) before anything is written; :func:`restore` then streams the rows again into one
    transaction. Memory stays bounded: rows are read in blocks and checked in chunks.

    ``signature`` says what the signature showed (:data:`SIGNED`, :data:`UNSIGNED`, :data:`OTHER_KEY` or
    :data:`NO_KEY`: signed, but no key is configured to check it); a signature that does not match is refused here.
    """

    def __init__(self, source: bytes | Path | str, name: str, key=FROM_ENVIRONMENT):
        self.name = name
        self._broken = message("err_backup_broken", name=name)
        self.sha256 = _file_hash(source)
        try:
            self._archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source)
            names = set(self._archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise BackupError(self._broken) from None
        if MANIFEST not in names:
            if "xl/workbook.xml" in names:
                raise BackupError("err_backup_excel", name=name)
            raise BackupError(self._broken)
        written = self._small(MANIFEST, MAX_MANIFEST_BYTES)
        try:
            manifest = json.loads(written.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise BackupError(self._broken) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(self._broken)
        if manifest.get("versjon") not in READS:
            raise BackupError("err_backup_version", name=name, found=manifest.get("versjon"), reads=VERSION)
        self.manifest = manifest
        self.identity = manifest.get("database") if isinstance(manifest.get("database"), str) else None
        self.signature = self._check_signature(written, names, _key(key))
        self._entries = {}
        for key_name, table_name in FILES.items():
            entry = (manifest.get("tabeller") or {}).get(table_name)
            table = storage.ALL_TABLES[key_name]
            if entry is None and key_name in OPTIONAL_FILES:
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
            declared = entry.get("bytes")
            if not isinstance(declared, int) or declared > MAX_TABLE_BYTES:
                raise BackupError(self._broken)
            if member.file_size != declared:  # the zip says another size than the manifest: nothing is read
                raise BackupError("err_backup_size", name=name, table=table_name, declared=declared)
            if not isinstance(entry.get("rader"), int) or not isinstance(entry.get("sha256"), str):
                raise BackupError(self._broken)
            self._entries[key_name] = (entry, [(c, _converter(known[c])) for c in columns])

    def _small(self, member: str, most: int) -> bytes:
        """A small member (manifest, signature), read only if its declared and actual size stay under ``most``."""
        try:
            if self._archive.getinfo(member).file_size > most:
                raise BackupError(self._broken)
            with self._archive.open(member) as stream:
                data = stream.read(most + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise BackupError(self._broken) from None
        if len(data) > most:
            raise BackupError(self._broken)
        return data

    def _check_signature(self, manifest: bytes, names: set[str], key: bytes | None) -> str:
        if SIGNATURE not in names:
            return UNSIGNED
        try:
            signature = json.loads(self._small(SIGNATURE, MAX_SIGNATURE_BYTES).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise BackupError("err_backup_forged", name=self.name) from None
        if not isinstance(signature, dict) or signature.get("algoritme") != "HMAC-SHA256":
            raise BackupError("err_backup_forged", name=self.name)
        if key is None:
            return NO_KEY
        if signature.get("nokkel") != key_id(key):
            return OTHER_KEY
        if not hmac.compare_digest(str(signature.get("verdi", "")), _signature(key, manifest)):
            raise BackupError("err_backup_forged", name=self.name)
        return SIGNED

    def close(self) -> None:
        self._archive.close()

    @property
    def counts(self) -> dict[str, int]:
        """Rows per table (``needs``, ``offers``, ``batches``, ``audit``, ``rejected``) as the manifest states them."""
        return {key: self._entries[key][0]["rader"] if key in self._entries else 0 for key in FILES}

    @property
    def empty(self) -> bool:
        """No needs and no offers: restoring it would empty the database."""
        return self.counts["needs"] == 0 and self.counts["offers"] == 0

    def _check_member(self, key: str) -> None:
        """Size and SHA-256 of one member, streamed in blocks before anything is parsed; stops as soon as the
        member is longer than its manifest says."""
        entry = self._entries[key][0]
        digest, size = hashlib.sha256(), 0
        try:
            with self._archive.open(entry["fil"]) as stream:
                while block := stream.read(BLOCK):
                    size += len(block)
                    if size > entry["bytes"]:  # stop at once: a member longer than declared is never read whole
                        raise BackupError("err_backup_size", name=self.name, table=FILES[key], declared=entry["bytes"])
                    digest.update(block)
        except (zipfile.BadZipFile, OSError, EOFError):
            raise BackupError(self._broken) from None
        if size != entry["bytes"] or digest.hexdigest() != entry["sha256"]:
            raise BackupError("err_backup_checksum", name=self.name, table=FILES[key])

    def _lines(self, key: str) -> Iterator[bytes]:
        """The member's lines, read in blocks of 1 MiB: a line longer than :data:`MAX_LINE_BYTES` is refused before
        it is held whole; the SHA-256 is checked again at the end (the rows are written in the same transaction)."""
        entry = self._entries[key][0]
        digest = hashlib.sha256()
        rest = b""
        try:
            with self._archive.open(entry["fil"]) as stream:
                while block := stream.read(BLOCK):
                    digest.update(block)
                    parts = (rest + block).split(b"\n")
                    rest = parts.pop()
                    if len(rest) > MAX_LINE_BYTES:
                        raise BackupError(
                            "err_backup_line", name=self.name, table=FILES[key], most=MAX_LINE_BYTES >> 20
                        )
                    for line in parts:
                        if len(line) > MAX_LINE_BYTES:
                            raise BackupError(
                                "err_backup_line", name=self.name, table=FILES[key], most=MAX_LINE_BYTES >> 20
                            )
                        yield line
        except (zipfile.BadZipFile, OSError, EOFError):
            raise BackupError(self._broken) from None
        if rest:  # every row ends with a line break
            raise BackupError(self._broken)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError("err_backup_checksum", name=self.name, table=FILES[key])

    def rows(self, key: str) -> Iterator[dict]:
        """The rows of one table, typed as the database columns; the checksum and count are checked at the end."""
        if key not in self._entries:  # an optional table the backup does not have
            return
        entry, converters = self._entries[key]
        table_name = FILES[key]
        number = 0
        for line in self._lines(key):
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
        if number != entry["rader"]:
            raise BackupError(self._broken)

    def verify(self) -> None:
        """Check everything once before anything is written: every member's size and checksum (no parsing), then
        every row's types, the records' rules, unique ids and that each linked need's offer is in the backup."""
        for key in self._entries:
            self._check_member(key)
        offers: dict[str, str] = {}
        for row_chunk, first in _chunked(self.rows("offers")):
            _check_records("offers", row_chunk, self.name, first, offers)
            offers.update({r["tilbud_id"]: r["status"] for r in row_chunk})
        needs: set[str] = set()
        links = []
        for row_chunk, first in _chunked(self.rows("needs")):
            _check_records("needs", row_chunk, self.name, first, needs)
            needs.update(r["behov_id"] for r in row_chunk)
            links += [(r["behov_id"], r["tilbud_id"], r["status"]) for r in row_chunk if r.get("tilbud_id")]
        bad = bad_targets(None, links, offers)
        if bad:
            shown = [message(f"link_target_{why}", id=need, offer=offer) for need, offer, why in bad[:10]]
            raise BackupError("err_backup_links", name=self.name, n=len(bad), needs=Joined(shown))
        for key in ("batches", "audit", "rejected"):
            _check_log(key, self.rows(key), self.name)


def _chunked(rows: Iterator[dict]) -> Iterator[tuple[list[dict], int]]:
    """Rows in chunks of :data:`CHUNK_ROWS`, each with the line number of its first row."""
    chunk: list[dict] = []
    first = 1
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK_ROWS:
            yield chunk, first
            first += len(chunk)
            chunk = []
    if chunk:
        yield chunk, first


def read_backup(source: Path | str | bytes, name: str | None = None, key=FROM_ENVIRONMENT) -> Backup:
    """Open and verify a backup; raise :class:`BackupError` for anything that is not a complete, unchanged kompilot
    backup (a signature that does not match ``key`` included). Nothing is written. A file path is read from disk as
    it is needed, never whole into memory."""
    if isinstance(source, (str, Path)):
        name = name or Path(source).name
    backup_file = Backup(source, name or "filen", key)
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


def _check_records(key: str, rows: list[dict], name: str, first: int = 1, seen: Mapping | set | None = None) -> None:
    """The records follow the same rules as an import (codes, lengths, required values, unique ids); ``first``: the
    line of the first row (for the messages); ``seen``: the ids of the rows checked before.

    Control characters stored before they were refused are restored as they were (not checked here).
    """
    if not rows:
        return
    text = pd.DataFrame({spec.name: [_text(row.get(spec.name)) for row in rows] for spec in SPECS[key]}, dtype=object)
    problems = validate(text, key, first_data_row=first + 1)
    if len(problems):
        problems = problems[[problem_code(m) != "cell_control" for m in problems["beskjed"]]]
    if len(problems):
        raise BackupError("err_backup_rules", name=name, table=FILES[key], problems=ProblemLines(problems.head(20)))
    id_name = "behov_id" if key == "needs" else "tilbud_id"
    if seen is not None and any(row[id_name] in seen for row in rows):
        raise BackupError("err_backup_ids", name=name, table=FILES[key])
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


# --- restoring ----------------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    """What a restore did: rows restored per table (``behov``, ``tilbud``, …), the safety backup written first,
    the audit entries added from the backup's log, and what was forced."""

    counts: dict[str, int]
    safety: Path
    log_added: int = 0
    forced: list[str] = field(default_factory=list)


def force_reasons(backup_file: Backup, engine) -> list[Message]:
    """Why restoring ``backup_file`` into ``engine``'s database needs the user's explicit choice (empty: it does
    not): an unsigned or unverifiable signature, another database's identity, no needs and no offers."""
    reasons = []
    if backup_file.signature != SIGNED:
        reasons.append(message(f"force_signature_{backup_file.signature}", variable=KEY_VARIABLE))
    identity = storage.database_identity(engine)
    if backup_file.identity != identity:
        reasons.append(message("force_identity_missing" if backup_file.identity is None else "force_identity"))
    if backup_file.empty:
        reasons.append(
            message("force_empty", needs=storage.count(engine, "needs"), offers=storage.count(engine, "offers"))
        )
    return reasons


def _reason_codes(reasons: list[Message]) -> list[str]:
    return [reason.code.removeprefix("force_") for reason in reasons]


def restore(
    engine,
    source: Path | str | bytes,
    user: str,
    access=None,
    expected_version: int | None = None,
    name: str | None = None,
    force: bool = False,
    key=FROM_ENVIRONMENT,
    safety_folder: Path | None = None,
) -> RestoreResult:
    """Replace the records with a backup made by :func:`backup`: verified first (signature with ``key``), then
    (unless ``force``) refused if it is unsigned or unverifiable, from another database or empty; a safety backup
    of what stands is written; then one transaction that appends to the audit log (see the module docstring).
    """
    require_all_regions(access, "what_restore")
    key = _key(key)
    backup_file = read_backup(source, name, key)
    try:
        return restore_verified(
            engine,
            backup_file,
            user,
            access=access,
            expected_version=expected_version,
            force=force,
            key=key,
            safety_folder=safety_folder,
        )
    finally:
        backup_file.close()


def restore_verified(
    engine,
    backup_file: Backup,
    user: str,
    access=None,
    expected_version: int | None = None,
    force: bool = False,
    key=FROM_ENVIRONMENT,
    safety_folder: Path | None = None,
) -> RestoreResult:
    """Write a backup that :func:`read_backup` verified (rows streamed again from the zip, in one transaction)."""
    require_all_regions(access, "what_restore")
    storage.check_user(user)
    key = _key(key)
    reasons = force_reasons(backup_file, engine)
    if reasons and not force:
        raise ForceNeeded(backup_file.name, reasons)
    if expected_version is not None and storage.data_version(engine) != expected_version:
        raise storage.ConflictError("err_restore_changed")
    safety, safety_manifest = safety_backup(engine, key, safety_folder)
    if expected_version is not None and safety_manifest["dataversjon"] != expected_version:
        raise storage.ConflictError("err_restore_changed")  # changed while the safety backup was written
    counts = {FILES[k]: n for k, n in backup_file.counts.items()}
    entry = {
        "fil": backup_file.name,
        "sha256": backup_file.sha256,
        "laget": backup_file.manifest.get("laget"),
        "database": backup_file.identity,
        "signatur": backup_file.signature,
        "rader": counts,
        "sikkerhetskopi_foer": safety.name,
        "tvunget": _reason_codes(reasons),
    }
    done = storage.replace_all(
        engine,
        {key_name: backup_file.rows(key_name) for key_name in FILES},
        user,
        access=access,
        expected_version=safety_manifest["dataversjon"],
        entry=entry,
    )
    return RestoreResult(counts, safety, done["logg"], _reason_codes(reasons))
