"""Brokering (megling): act on a match. Link a need to an offer, reject a candidate, move a need along the
pipeline, turn a course opportunity into a planned offer, and write the request to the provider.

Every step is one write transaction under the write lock of :mod:`kompilot_data.records.storage`, with the same
optimistic locking (the caller names the need's ``versjon`` it read; a stale version is refused with who changed
it and when), the same region check (a coordinator limited to a sub-region may broker only needs placed there)
and an entry in the audit log (``endringslogg``):

==================  ============================  ==========================================================
handling            tabell                        what
==================  ============================  ==========================================================
``kobling``         ``behov``                     :func:`link`; also every need :func:`offer_from_pool` links
``status``          ``behov``                     :func:`set_stage` and :func:`step_back`
``avvisning``       ``avviste_kandidater``        :func:`reject` (``etter``: offer, reason)
``avvisning_angret``  ``avviste_kandidater``      :func:`undo_rejection`
``ny``              ``tilbud``                    the planned offer :func:`offer_from_pool` creates
==================  ============================  ==========================================================

The pipeline (``behov_status``) and the stage dates::

    kartlagt --link--> koblet --> etablert --> gjennomfort
        \\________________\\___________\\--> avsluttet (closed without an offer)

A stage date records the day the stage was reached (default today; never in the future, never before the need
was registered or the previous stage). :func:`step_back` undoes the latest stage and clears its date (going back
to ``kartlagt`` also removes the link). A rejected candidate is stored in ``avviste_kandidater`` and never proposed
again for that need (:func:`kompilot_data.engine.matching.rank_candidates` with ``rejected``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kompilot_data.records import storage
from kompilot_data.records.access import refusals, refuse, require_editor
from kompilot_data.records.errors import ConflictError, RecordNotFound
from kompilot_data.records.schema import CONTROL_CHARACTERS, STAGE_DATES
from kompilot_data.reference import load_municipalities, taxonomy
from kompilot_data.reference.errors import KompilotError, Label, message
from kompilot_data.reference.i18n import format_date, format_number, t

PIPELINE = ("kartlagt", "koblet", "etablert", "gjennomfort")
CLOSED = "avsluttet"
#: Where each status may go forward (linking, kartlagt/koblet -> koblet, is :func:`link`).
FORWARD = {"koblet": ("etablert", CLOSED), "etablert": ("gjennomfort", CLOSED), "kartlagt": (CLOSED,)}
REASON_MAX_LENGTH = 500
REJECTED_TABLE_NAME = "avviste_kandidater"
POOL_OFFER_PREFIX = "KM"


class BrokeringError(KompilotError, ValueError):
    """A brokering step that does not fit the need's state (the message says what to do instead)."""


def _status_label(code: str) -> Label:
    return Label("behov_status", code)


def _need_for_update(connection: Connection, need_id: str, version: int, access) -> dict:
    """The need as stored, checked under the lock: it exists, has ``version`` and may be written by ``access``."""
    current = storage.existing_records(connection, "needs", [need_id]).get(need_id)
    if current is None:
        raise RecordNotFound("err_need_missing", id=need_id)
    if int(current["versjon"]) != int(version):
        raise ConflictError(storage.conflict_message(connection, "needs", need_id))
    refuse(refusals(access, "needs", [(need_id, current["kommunenummer"], "write_brokering")]))
    return current


def _offer(connection: Connection, offer_id: str) -> dict:
    offer = storage.existing_records(connection, "offers", [offer_id]).get(offer_id)
    if offer is None:
        raise RecordNotFound("err_offer_missing", id=offer_id)
    return offer


def _stage_day(when: date | None, need: dict, after: Iterable[str] = ()) -> date:
    """The stage date: ``when`` (default today), not in the future and not before the need's earlier dates."""
    today = date.today()
    day = when or today
    if isinstance(day, pd.Timestamp):
        day = day.date()
    if day > today:
        raise BrokeringError("err_date_future", day=day)
    for column in ("registrert", *after):
        earlier = need.get(column)
        if earlier is not None and day < earlier:
            what = (
                message("err_date_before_registered", earlier=earlier)
                if column == "registrert"
                else message("err_date_before_stage", column=column, earlier=earlier)
            )
            raise BrokeringError("err_date_before", day=day, what=what)
    return day


def _user(access, user: str | None) -> str:
    require_editor(access)
    return storage.check_user(user or (access.user if access is not None else storage.SYSTEM_USER))


def _link_in(
    connection: Connection, need_id: str, offer_id: str, version: int, user: str, now, access, when: date | None
) -> int:
    need = _need_for_update(connection, need_id, version, access)
    offer = _offer(connection, offer_id)
    if need["status"] not in ("kartlagt", "koblet"):
        raise BrokeringError("err_link_status", id=need_id, status=_status_label(need["status"]))
    if offer["status"] == "avlyst":
        raise BrokeringError("err_link_cancelled", id=offer_id)
    if _is_rejected(connection, need_id, offer_id):
        raise BrokeringError("err_link_rejected", offer=offer_id, need=need_id)
    day = _stage_day(when, need)
    changes = {"tilbud_id": offer_id, "status": "koblet", "koblet_dato": day}
    storage.update_in(connection, "needs", need_id, changes, version, user, now, access, action="kobling")
    return version + 1


def link(
    engine: Engine,
    need_id: str,
    offer_id: str,
    version: int,
    access,
    user: str | None = None,
    when: date | None = None,
) -> int:
    """Koble: link a need (status ``kartlagt`` or ``koblet``) to an offer.

    Stores ``tilbud_id``, sets status ``koblet`` and ``koblet_dato`` (``when``, default today); who and when are
    the need's ``endret_av``/``endret`` and the audit entry ``kobling``. Returns the need's new version.

    Raises
    ------
    ConflictError
        The need changed since ``version`` was read.
    BrokeringError
        The need is further along, the offer is cancelled or was rejected for this need, or the date is wrong.
    AccessDenied
        The need lies outside ``access``'s sub-region.
    """
    user = _user(access, user)
    with storage.writing(engine) as connection:
        return _link_in(connection, need_id, offer_id, version, user, storage.utc_now(), access, when)


def set_stage(
    engine: Engine,
    need_id: str,
    status: str,
    version: int,
    access,
    user: str | None = None,
    when: date | None = None,
) -> int:
    """Move a need one stage on: ``koblet`` -> ``etablert`` -> ``gjennomfort``, or close it (``avsluttet``) from
    ``kartlagt``, ``koblet`` or ``etablert``. The stage's date is ``when`` (default today). Returns the new
    version."""
    user = _user(access, user)
    with storage.writing(engine) as connection:
        need = _need_for_update(connection, need_id, version, access)
        allowed = FORWARD.get(need["status"], ())
        if status not in allowed:
            hint = message(
                "err_stage_link_first" if need["status"] == "kartlagt" and status in PIPELINE else "err_stage_one_step"
            )
            raise BrokeringError(
                "err_stage_not_allowed",
                id=need_id,
                status=_status_label(need["status"]),
                target=_status_label(status),
                hint=hint,
            )
        column = STAGE_DATES[status]
        day = _stage_day(when, need, [c for c in ("koblet_dato", "etablert_dato") if c != column])
        storage.update_in(
            connection,
            "needs",
            need_id,
            {"status": status, column: day},
            version,
            user,
            storage.utc_now(),
            access,
            action="status",
        )
    return version + 1


def previous_stage(need: Mapping) -> str | None:
    """The status :func:`step_back` returns a need to (None for a need that is ``kartlagt``)."""
    status = need["status"]
    if status == CLOSED:
        if _present(need.get("etablert_dato")):
            return "etablert"
        return "koblet" if _present(need.get("tilbud_id")) or _present(need.get("koblet_dato")) else "kartlagt"
    position = PIPELINE.index(status)
    return PIPELINE[position - 1] if position else None


def _present(value) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value)) and value != ""


def step_back(engine: Engine, need_id: str, version: int, access, user: str | None = None) -> int:
    """Undo the need's latest stage (a mistake, or a course that did not start): its date is cleared; going back to
    ``kartlagt`` also removes the link (``tilbud_id``). Returns the new version."""
    user = _user(access, user)
    with storage.writing(engine) as connection:
        need = _need_for_update(connection, need_id, version, access)
        target = previous_stage(need)
        if target is None:
            raise BrokeringError("err_step_back_mapped", id=need_id)
        changes: dict = {"status": target}
        status = need["status"]
        if status in STAGE_DATES:
            changes[STAGE_DATES[status]] = None
        if target == "kartlagt":
            changes.update(tilbud_id=None, koblet_dato=None, etablert_dato=None)
        storage.update_in(
            connection, "needs", need_id, changes, version, user, storage.utc_now(), access, action="status"
        )
    return version + 1


# --- rejected candidates ----------------------------------------------------------------------


def _is_rejected(connection: Connection, need_id: str, offer_id: str) -> dict | None:
    table = storage.REJECTED_TABLE
    return (
        connection.execute(sa.select(table).where(table.c.behov_id == need_id, table.c.tilbud_id == offer_id))
        .mappings()
        .first()
    )


def _clean_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise BrokeringError("err_reason_missing")
    if len(text) > REASON_MAX_LENGTH:
        raise BrokeringError("err_reason_long", length=len(text), most=REASON_MAX_LENGTH)
    if CONTROL_CHARACTERS.search(text):
        raise BrokeringError("err_reason_control")
    return text


def reject(
    engine: Engine,
    need_id: str,
    offer_id: str,
    reason: str,
    version: int,
    access,
    user: str | None = None,
) -> None:
    """Avvis: mark an offer as not suitable for a need, with a reason; it is never proposed again for that need.

    ``version`` is the need's version as read (the need itself is not changed). Refused for the offer the need is
    linked to (step back first) and for a candidate already rejected.
    """
    user = _user(access, user)
    text = _clean_reason(reason)
    with storage.writing(engine) as connection:
        need = _need_for_update(connection, need_id, version, access)
        _offer(connection, offer_id)
        if need.get("tilbud_id") == offer_id and need["status"] != CLOSED:
            raise BrokeringError("err_reject_linked", need=need_id, offer=offer_id)
        earlier = _is_rejected(connection, need_id, offer_id)
        if earlier is not None:
            raise ConflictError(
                "err_already_rejected",
                offer=offer_id,
                need=need_id,
                user=earlier["bruker"],
                day=earlier["tidspunkt"].date(),
                reason=earlier["grunn"],
            )
        now = storage.utc_now()
        connection.execute(
            sa.insert(storage.REJECTED_TABLE).values(
                behov_id=need_id, tilbud_id=offer_id, grunn=text, bruker=user, tidspunkt=now
            )
        )
        storage.write_audit(connection, [_rejection_entry(now, user, "avvisning", need_id, None, offer_id, text)])


def _rejection_entry(now, user: str, action: str, need_id: str, before_offer, after_offer, reason) -> dict:
    before = None if before_offer is None else {"tilbud_id": before_offer[0], "grunn": before_offer[1]}
    after = None if after_offer is None else {"tilbud_id": after_offer, "grunn": reason}
    return {
        "tidspunkt": now,
        "bruker": user,
        "handling": action,
        "tabell": REJECTED_TABLE_NAME,
        "post_id": need_id,
        "batch_id": None,
        "foer": storage.to_json(before),
        "etter": storage.to_json(after),
    }


def undo_rejection(engine: Engine, need_id: str, offer_id: str, access, user: str | None = None) -> None:
    """Take a rejection back: the offer may be proposed for the need again."""
    user = _user(access, user)
    with storage.writing(engine) as connection:
        need = storage.existing_records(connection, "needs", [need_id]).get(need_id)
        if need is not None:
            refuse(refusals(access, "needs", [(need_id, need["kommunenummer"], "write_brokering")]))
        earlier = _is_rejected(connection, need_id, offer_id)
        if earlier is None:
            raise RecordNotFound("err_not_rejected", offer=offer_id, need=need_id)
        table = storage.REJECTED_TABLE
        connection.execute(sa.delete(table).where(table.c.id == earlier["id"]))
        entry = _rejection_entry(
            storage.utc_now(), user, "avvisning_angret", need_id, (offer_id, earlier["grunn"]), None, None
        )
        storage.write_audit(connection, [entry])


# --- a course opportunity becomes a planned offer ------------------------------------------------


def next_offer_id(engine: Engine, year: int | None = None) -> str:
    """The next free id for an offer made from a course opportunity: ``KM-2026-001``, ``KM-2026-002`` …"""
    year = year or date.today().year
    prefix = f"{POOL_OFFER_PREFIX}-{year}-"
    table = storage.OFFERS_TABLE
    with engine.connect() as connection:
        taken = set(
            connection.execute(sa.select(table.c.tilbud_id).where(table.c.tilbud_id.like(f"{prefix}%"))).scalars()
        )
    number = 1
    while f"{prefix}{number:03d}" in taken:
        number += 1
    return f"{prefix}{number:03d}"


def offer_from_pool(
    engine: Engine,
    offer: Mapping,
    need_versions: Mapping[str, int],
    access,
    user: str | None = None,
    when: date | None = None,
) -> str:
    """Opprett tilbud fra kursmulighet: create the planned ``offer`` (import format, e.g. from :func:`kompilot_data.engine.pooling.pool_offer`;
    an empty ``tilbud_id`` gets :func:`next_offer_id`) and link every pooled need to it, in **one** transaction.

    ``need_versions``: ``{behov_id: versjon}`` of the pooled needs as read. Refused whole (nothing saved) if any
    need changed since, is further along than ``koblet``, lies outside ``access``'s sub-region, or the offer is
    invalid or placed outside it. Returns the offer's id.
    """
    user = _user(access, user)
    record = dict(offer)
    if not record.get("tilbud_id"):
        record["tilbud_id"] = next_offer_id(engine)
    if not need_versions:
        raise BrokeringError("err_pool_empty")
    clean = storage.validated_record("offers", record, source="tilbudet")
    now = storage.utc_now()
    with storage.writing(engine) as connection:
        storage.add_in(connection, "offers", clean, user, now, access)
        for need_id, version in need_versions.items():
            _link_in(connection, need_id, clean["tilbud_id"], int(version), user, now, access, when)
    return clean["tilbud_id"]


# --- the request to the provider ---------------------------------------------------------------


def provider_request(
    offer: Mapping, needs: pd.DataFrame, language: str = "nb", sender: str | None = None, today: date | None = None
) -> str:
    """ "Forespørsel til tilbyder": the message a coordinator sends the offer's provider about ``needs``.

    Lists each need by its id, municipality, level, participants and wanted period (and mode when one is
    preferred), with totals; **no business identity** (no business id, organisation number, size, industry or
    free-text note). In ``language`` (``nb`` or ``en``), as plain text to copy or download.
    """
    names = load_municipalities()["navn"]
    levels = taxonomy.labels("niva", language)
    modes = taxonomy.labels("laeringsform", language)
    area = taxonomy.labels("kompetanseomrade", language).get(str(offer["kompetanseomrade"]), "")
    ordered = needs.sort_values(["kommunenummer", "behov_id"]) if len(needs) else needs
    places = list(dict.fromkeys(names.get(str(code), str(code)) for code in ordered["kommunenummer"].astype(str)))
    participants = int(ordered["antall_deltakere"].sum()) if len(ordered) else 0
    where = offer.get("studiested")
    where = "" if where is None or (not isinstance(where, str) and pd.isna(where)) or not where else f", {where}"
    lines = [
        t("request_subject", language, title=offer["tittel"], provider=offer["tilbyder"]),
        "",
        t("request_greeting", language),
        "",
        t(
            "request_intro",
            language,
            needs=len(ordered),
            participants=participants,
            places=_and_list(places, language),
            title=offer["tittel"],
            start=format_date(offer["oppstart"], language),
            where=where,
            area=area.lower(),
        ),
        "",
        t("request_list_title", language),
    ]
    for need in ordered.itertuples(index=False):
        mode = need.laeringsform
        mode_text = (
            "" if mode is None or pd.isna(mode) else t("request_need_mode", language, mode=modes[str(mode)].lower())
        )
        lines.append(
            "- "
            + t(
                "request_need",
                language,
                id=need.behov_id,
                place=names.get(str(need.kommunenummer), str(need.kommunenummer)),
                level=levels[str(need.niva)].lower(),
                participants=t(
                    "request_participants_one" if need.antall_deltakere == 1 else "request_participants_many",
                    language,
                    count=format_number(need.antall_deltakere, language),
                ),
                start=format_date(need.tidsramme_fra, language),
                end=format_date(need.tidsramme_til, language),
            )
            + mode_text
        )
    lines += [
        "",
        t("request_question", language),
        "",
        t("request_regards", language),
        sender or t("request_sender", language),
        t("request_pilot", language),
        "",
        t("request_date", language, date=format_date(today or date.today(), language)),
    ]
    return "\n".join(lines)


def _and_list(items: list[str], language: str) -> str:
    word = " og " if language == "nb" else " and "
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + word + items[-1] if items else ""
