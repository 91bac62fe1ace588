"""The operations log (issue 26): who did what, as one JSON object a line, with no personal data in the clear.

Every write that reaches the audit table (import, edit, link, undo, restore, …) is logged once per
transaction after it commits: the action, the table, how many records, and the user as a keyed hash
(``bruker_ref``: HMAC-SHA-256 with ``KOMPILOT_LOG_KEY``, 16 hex digits). The same user gets the same
reference on every replica and after a restart, so "who did what" can be followed across the log, and
the audit log in the database (which has the e-mail) says who it is, for those allowed to read it.
Logins, refused local mode and configuration errors are logged by the app (``ui/auth.py``).

The lines go to standard error (journald under systemd, ``journalctl -u 'kompilot@*'``), logger
``kompilot.drift``. Without ``KOMPILOT_LOG_KEY`` a random key per process is used: the references then
cannot be followed across processes (``python -m kompilot_data doctor`` says so).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
from collections import Counter
from datetime import UTC, datetime

LOGGER = logging.getLogger("kompilot.drift")
KEY_VARIABLE = "KOMPILOT_LOG_KEY"
#: Names that are not persons: written as they are.
NOT_PERSONS = frozenset({"system", "lokal bruker", "ikke innlogget"})
_PROCESS_KEY = secrets.token_bytes(32)


def _key() -> bytes:
    value = os.environ.get(KEY_VARIABLE, "")
    return value.encode() if value else _PROCESS_KEY


def user_ref(user: str | None) -> str | None:
    """A keyed hash of a user id (e-mail, login name): 16 hex digits; ``None`` and system names pass as they are."""
    if user is None or user in NOT_PERSONS:
        return user
    digest = hmac.new(_key(), user.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:16]


class _StandardError(logging.StreamHandler):
    """Writes to the current ``sys.stderr`` (not the one at start: tests and embedders replace it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _logger() -> logging.Logger:
    if not LOGGER.handlers:
        handler = _StandardError()
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False
    return LOGGER


def event(name: str, user: str | None = None, **fields) -> dict:
    """Log one event (``name`` in Norwegian, e.g. ``innlogging``) by ``user``; returns the logged record."""
    record = {"tid": datetime.now(UTC).isoformat(timespec="seconds"), "hendelse": name}
    if user is not None:
        record["bruker_ref"] = user_ref(user)
    record.update({key: value for key, value in fields.items() if value is not None})
    record["pid"] = os.getpid()
    _logger().info(json.dumps(record, ensure_ascii=False, default=str))
    return record


def writes(counts: Counter | None) -> None:
    """One line per (user, action, table) of a committed write transaction, with the number of records."""
    for (user, action, table), number in sorted((counts or Counter()).items()):
        event("skriving", user, handling=action, tabell=table, antall=number)
