"""Coordinators' corrections of an offer's EVU class (issue 20).

The class of a real offer is derived at build time (:func:`kompilot_data.reference.evu.classify_catalogue`), and
an import may give one; a coordinator who knows better corrects it here. A correction lives in its own table
(``evu_klasse_korreksjon``, migration ``0005_evu_klasse``), keyed by ``tilbud_id``: a re-import of the offers
rewrites the ``tilbud`` rows but never this table, and every read of the offers
(:func:`kompilot_data.records.storage.tables.read_frame`) applies it. Each change is written to the audit log
(table ``evu_klasse``), so the data version changes and caches refresh.

Only editors (coordinators) may correct, and only offers in their region (an offer without a place: any
coordinator).
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kompilot_data.records.access import refusals, refuse, require_editor
from kompilot_data.records.errors import RecordNotFound
from kompilot_data.records.storage.tables import CORRECTION_TABLE, existing_records
from kompilot_data.records.storage.transactions import check_user, to_json, utc_now, write_audit, writing
from kompilot_data.reference import evu
from kompilot_data.reference.errors import KompilotError

AUDIT_TABLE_NAME = "evu_klasse"
CORRECTION_COLUMNS = ["tilbud_id", "evu_klasse", "begrunnelse", "bruker", "tidspunkt"]


class UnknownClassError(KompilotError, ValueError):
    """A class that is not one of :data:`~kompilot_data.reference.evu.EVU_KLASSER`."""


def corrections(engine: Engine) -> pd.DataFrame:
    """Every correction: ``tilbud_id``, ``evu_klasse``, ``begrunnelse``, ``bruker``, ``tidspunkt``."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(CORRECTION_TABLE).order_by(CORRECTION_TABLE.c.tilbud_id)).mappings()
        return pd.DataFrame([dict(r) for r in rows], columns=CORRECTION_COLUMNS)


def set_class(engine: Engine, tilbud_id: str, evu_klasse: str, user: str, begrunnelse: str = "", access=None) -> None:
    """Correct the EVU class of one offer (replacing an earlier correction). Raises if the offer does not exist,
    the class is unknown, or ``access`` may not edit the offer."""
    require_editor(access)
    check_user(user)
    if evu_klasse not in evu.EVU_KLASSER:
        raise UnknownClassError("err_unknown_evu_class", value=evu_klasse, allowed=", ".join(evu.EVU_KLASSER))
    now = utc_now()
    with writing(engine) as connection:
        offer = existing_records(connection, "offers", [tilbud_id]).get(tilbud_id)
        if offer is None:
            raise RecordNotFound("err_record_missing", id=tilbud_id)
        refuse(refusals(access, "offers", [(tilbud_id, offer.get("kommunenummer"), "write")]))
        table = CORRECTION_TABLE
        before = connection.execute(sa.select(table).where(table.c.tilbud_id == tilbud_id)).mappings().first()
        after = {"tilbud_id": tilbud_id, "evu_klasse": evu_klasse, "begrunnelse": begrunnelse or None}
        values = {**after, "bruker": user, "tidspunkt": now}
        if before is None:
            connection.execute(sa.insert(table).values(**values))
        else:
            connection.execute(sa.update(table).where(table.c.tilbud_id == tilbud_id).values(**values))
        _audit(connection, now, user, "endret" if before else "ny", tilbud_id, before, after)


def remove_class(engine: Engine, tilbud_id: str, user: str, access=None) -> bool:
    """Remove the correction of one offer (the derived class applies again). Returns whether there was one."""
    require_editor(access)
    check_user(user)
    now = utc_now()
    with writing(engine) as connection:
        table = CORRECTION_TABLE
        before = connection.execute(sa.select(table).where(table.c.tilbud_id == tilbud_id)).mappings().first()
        if before is None:
            return False
        offer = existing_records(connection, "offers", [tilbud_id]).get(tilbud_id)
        place = offer.get("kommunenummer") if offer else None
        refuse(refusals(access, "offers", [(tilbud_id, place, "write")]))
        connection.execute(sa.delete(table).where(table.c.tilbud_id == tilbud_id))
        _audit(connection, now, user, "slettet", tilbud_id, before, None)
        return True


def _plain(row) -> dict | None:
    return None if row is None else {k: row[k] for k in ("tilbud_id", "evu_klasse", "begrunnelse")}


def _audit(connection, now, user: str, action: str, tilbud_id: str, before, after) -> None:
    write_audit(
        connection,
        [
            {
                "tidspunkt": now,
                "bruker": user,
                "handling": action,
                "tabell": AUDIT_TABLE_NAME,
                "post_id": tilbud_id,
                "batch_id": None,
                "foer": to_json(_plain(before)),
                "etter": to_json(_plain(after)),
            }
        ],
    )
