"""Errors a coordinator can read: every failure of a data operation as one message that says what to do, in the
user's language.

The Data page and the command line show :func:`user_message` instead of a traceback; the traceback goes to
the server log (:func:`log`). kompilot's own errors (validation, conflicts, access, reading, backups …) derive
from :class:`kompilot_data.reference.errors.KompilotError` and carry their message; the database's and the
operating system's errors are translated:

* a write lock held too long ("database is locked", PostgreSQL's lock timeout) → wait and try again;
* a full disk ("database or disk is full", ENOSPC, PostgreSQL's disk_full) → free space; nothing was saved;
* a broken or wrong file → open it in Excel and save it again, or use the template;
* anything else → a short message with a reference to the server log.
"""

from __future__ import annotations

import errno
import logging
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from kompilot_data.reference.errors import KompilotError, Text, render, text
from kompilot_data.reference.i18n import DEFAULT_LANGUAGE

LOGGER = logging.getLogger("kompilot_data")


class ConflictError(KompilotError, RuntimeError):
    """Optimistic locking: the record changed since the caller read it (the message says by whom and when)."""


class RecordNotFound(KompilotError, KeyError):
    """No record with that id."""


@dataclass(frozen=True)
class Joined:
    """Items of a message (messages or text) joined by ``separator``: ``«N1» i Namsos …; «N2» i Leka …``."""

    items: Sequence[object]
    separator: str = "; "

    def text(self, language: str) -> str:
        return self.separator.join(render(item, language) for item in self.items)


BUSY = text("err_busy")
DISK_FULL = text("err_disk_full")
READ_ONLY = text("err_read_only")
BROKEN_FILE = text("err_broken_file")
TOO_BIG = text("err_too_big")
TOO_LONG = text("err_too_long")
DUPLICATE = text("err_duplicate")
DISK_IO = text("err_disk_io")


def _chain(error: BaseException):
    """The error, its ``orig`` (SQLAlchemy's wrapped driver error) and its causes."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__


#: Exit codes of the command line (``python -m kompilot_data``), one for each kind of failure.
EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED, EXIT_SYSTEM, EXIT_UNEXPECTED, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
REFUSED, SYSTEM = "refused", "system"


def _file_size_limit() -> int | None:
    """The process's file-size limit in bytes (``ulimit -f``, systemd's ``LimitFSIZE``), None when unlimited."""
    try:
        import resource
    except ImportError:  # not on this platform
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else soft


def _size_limit_text() -> Text:
    limit = _file_size_limit()
    shown = f"{limit / 2**20:.1f} MB".replace(".", ",") if limit is not None else "?"
    return text("err_file_size_limit", limit=shown)


def known(error: BaseException) -> tuple[Text, str] | None:
    """The message for ``error`` and its kind (:data:`REFUSED`: kompilot refused, the input or request must change;
    :data:`SYSTEM`: the database, disk or operating system failed), or None when it is unexpected."""
    if isinstance(error, KompilotError):
        return Text(error.msg), REFUSED
    for part in _chain(error):
        message = str(part).lower()
        sqlstate = getattr(part, "sqlstate", None) or getattr(getattr(part, "diag", None), "sqlstate", None)
        if "database is locked" in message or "database table is locked" in message or sqlstate in ("55P03", "40P01"):
            return BUSY, SYSTEM
        if "lock timeout" in message or "canceling statement due to lock timeout" in message:
            return BUSY, SYSTEM
        if (isinstance(part, OSError) and part.errno == errno.EFBIG) or "file too large" in message:
            return _size_limit_text(), SYSTEM
        if "database or disk is full" in message or sqlstate == "53100" or "no space left" in message:
            return DISK_FULL, SYSTEM
        if isinstance(part, OSError) and part.errno == errno.ENOSPC:
            return DISK_FULL, SYSTEM
        if "disk i/o error" in message:  # SQLite says only this when a write fails (EFBIG, EIO, …)
            return (_size_limit_text() if _file_size_limit() is not None else DISK_IO), SYSTEM
        if "readonly database" in message or "read-only" in message or isinstance(part, PermissionError):
            return READ_ONLY, SYSTEM
        if "value too long" in message or sqlstate == "22001":
            return TOO_LONG, REFUSED
        if "unique constraint" in message or sqlstate == "23505":
            return DUPLICATE, REFUSED
        if isinstance(part, zipfile.BadZipFile):
            return BROKEN_FILE, REFUSED
        if isinstance(part, MemoryError):
            return TOO_BIG, SYSTEM
    return None


def classify(error: BaseException) -> Text | None:
    """The known message for ``error``, or None when it is unexpected (a bug, or something new)."""
    found = known(error)
    return None if found is None else found[0]


def exit_code(error: BaseException) -> int:
    """The command line's exit code for ``error``: 2 refused, 3 the system failed, 4 unexpected."""
    found = known(error)
    if found is None:
        return EXIT_UNEXPECTED
    return EXIT_REFUSED if found[1] == REFUSED else EXIT_SYSTEM


def user_message(error: BaseException, language: str = DEFAULT_LANGUAGE) -> str:
    """One message for ``error`` in ``language`` that says what to do; never a traceback."""
    known = classify(error)
    if known is not None:
        return known.text(language)
    return text("err_unexpected", reference=reference(error)).text(language)


def reference(error: BaseException) -> str:
    """A short reference that ties a user's message to the server log entry."""
    if not hasattr(error, "_kompilot_reference"):
        try:
            error._kompilot_reference = uuid.uuid4().hex[:8]
        except AttributeError:
            return text("err_reference_unknown")
    return error._kompilot_reference


def log(error: BaseException, what: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Write ``error`` with its traceback to the server log; return the user's message in ``language``."""
    message = user_message(error, language)
    if classify(error) is None:
        LOGGER.error("%s failed (reference %s)", what, reference(error), exc_info=error)
    else:
        LOGGER.warning(
            "%s refused: %s",
            what,
            user_message(error),
            exc_info=error if not isinstance(error, KompilotError) else None,
        )
    return message
