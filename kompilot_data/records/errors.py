"""Errors a coordinator can read: every failure of a data operation as one Norwegian message that says what to do.

The Data page and the command line show :func:`user_message` instead of a traceback; the traceback goes to
the server log (:func:`log`). Messages of kompilot's own errors (validation, conflicts, access, reading,
backups) are already Norwegian and are passed through; the database's and the operating system's errors
are translated:

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

LOGGER = logging.getLogger("kompilot_data")

BUSY = (
    "Databasen er opptatt med en annen lagring (for eksempel en stor import) og ble ikke ledig i tide. "
    "Ingenting er lagret. Vent et minutt og prøv igjen."
)
DISK_FULL = (
    "Disken der databasen ligger er full, så ingenting er lagret. Frigjør plass (eller be den som drifter "
    "serveren om det) og prøv igjen."
)
READ_ONLY = (
    "Databasen kan ikke skrives til (skrivebeskyttet eller manglende tilgang). Ingenting er lagret. "
    "Be den som drifter serveren sjekke mappen KOMPILOT_DATA_DIR."
)
BROKEN_FILE = (
    "Filen kan ikke leses: den er skadet, avkortet eller av feil type. Åpne den i Excel og lagre den på nytt "
    "som .xlsx eller CSV UTF-8, og last opp igjen."
)
TOO_BIG = "Filen er for stor til å behandles. Del den i flere filer og importer dem hver for seg."
TOO_LONG = (
    "En verdi er lengre enn databasen tillater. Ingenting er lagret. ID-er kan ha høyst 64 tegn; "
    "kontroller filen og prøv igjen."
)
DUPLICATE = (
    "Databasen avviste lagringen fordi en ID allerede finnes (noen lagret samtidig). Ingenting er lagret. "
    "Last siden inn på nytt og prøv igjen."
)


def _own_messages() -> tuple[type[BaseException], ...]:
    from kompilot_data.records.access import AccessDenied, ConfigurationError
    from kompilot_data.records.backup import BackupError
    from kompilot_data.records.brokering import BrokeringError
    from kompilot_data.records.importer import ExportError
    from kompilot_data.records.reader import ReadError
    from kompilot_data.records.storage import ConflictError, RecordNotFound
    from kompilot_data.records.validation import DataValidationError

    return (
        AccessDenied,
        BrokeringError,
        ConfigurationError,
        BackupError,
        ExportError,
        ReadError,
        DataValidationError,
        ConflictError,
        RecordNotFound,
    )


def _chain(error: BaseException):
    """The error, its ``orig`` (SQLAlchemy's wrapped driver error) and its causes."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__


def classify(error: BaseException) -> str | None:
    """The known message for ``error``, or None when it is unexpected (a bug, or something new)."""
    if isinstance(error, _own_messages()):
        return str(error)
    for part in _chain(error):
        text = str(part).lower()
        sqlstate = getattr(part, "sqlstate", None) or getattr(getattr(part, "diag", None), "sqlstate", None)
        if "database is locked" in text or "database table is locked" in text or sqlstate in ("55P03", "40P01"):
            return BUSY
        if "lock timeout" in text or "canceling statement due to lock timeout" in text:
            return BUSY
        if "database or disk is full" in text or sqlstate == "53100" or "no space left" in text:
            return DISK_FULL
        if isinstance(part, OSError) and part.errno == errno.ENOSPC:
            return DISK_FULL
        if "readonly database" in text or "read-only" in text or isinstance(part, PermissionError):
            return READ_ONLY
        if "value too long" in text or sqlstate == "22001":
            return TOO_LONG
        if "unique constraint" in text or sqlstate == "23505":
            return DUPLICATE
        if isinstance(part, zipfile.BadZipFile):
            return BROKEN_FILE
        if isinstance(part, MemoryError):
            return TOO_BIG
    return None


def user_message(error: BaseException) -> str:
    """One Norwegian message for ``error`` that says what to do; never a traceback."""
    known = classify(error)
    if known is not None:
        return known
    return (
        "Noe uventet gikk galt, og ingenting er lagret. Feilen er skrevet i serverloggen "
        f"(referanse {reference(error)}); ta den med hvis du ber om hjelp."
    )


def reference(error: BaseException) -> str:
    """A short reference that ties a user's message to the server log entry."""
    if not hasattr(error, "_kompilot_reference"):
        try:
            error._kompilot_reference = uuid.uuid4().hex[:8]
        except AttributeError:
            return "ukjent"
    return error._kompilot_reference


def log(error: BaseException, what: str) -> str:
    """Write ``error`` with its traceback to the server log; return the user's message."""
    message = user_message(error)
    if classify(error) is None:
        LOGGER.error("%s failed (reference %s)", what, reference(error), exc_info=error)
    else:
        LOGGER.warning(
            "%s refused: %s", what, message, exc_info=error if not isinstance(error, _own_messages()) else None
        )
    return message
