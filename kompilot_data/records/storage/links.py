"""No need is ever left linked to an offer that is gone: the one rule every write that deletes, cancels or undoes an
offer, or links a need, checks under the write lock.

**The choice: refuse, never unlink on the side.** Deleting an offer, cancelling it (status ``avlyst``), undoing the
import that created it, removing it as demo data or restoring a backup in which a need points at an offer that is
not there is refused while needs are linked to it; the message names each need, its municipality and sub-region,
and says to step the need back (or link it to another offer) first. Why not unlink automatically and write it in the
audit log: the linked need is often another coordinator's (a Namdalen need on a Fosen course), and a coordinator
limited to a sub-region must not change a record outside it by any path; unlinking would also silently move a need
that was ``etablert`` back in the pipeline and lose its stage dates. Refusing keeps every record as its owner left
it and makes the decision theirs. The same rule holds for every user and every region.

* Deleting (or removing) an offer is refused while **any** need names it in ``tilbud_id`` (whatever its status:
  even a completed need would point at nothing).
* Cancelling an offer is refused while a need in status ``koblet`` or ``etablert`` is linked to it (a need that was
  completed or closed keeps its history).
* A need may name only an offer that exists, and, while ``koblet`` or ``etablert``, one that is not cancelled
  (edits, imports, undo and restore check it).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kompilot_data.records.access import place_name
from kompilot_data.records.errors import ConflictError, Joined
from kompilot_data.records.storage.tables import NEEDS_TABLE, OFFERS_TABLE, REJECTED_TABLE
from kompilot_data.reference.errors import Choices, Label, Message, message
from kompilot_data.reference.tables import load_municipalities

#: Statuses of a need that rely on its offer taking place: such a need blocks cancelling the offer.
ACTIVE_LINK = ("koblet", "etablert")
CANCELLED = "avlyst"
SHOWN = 10


class LinkError(ConflictError):
    """A write would leave a need linked to an offer that is deleted or cancelled (the message names the needs)."""


def _chunks(values: list, size: int = 900):
    for start in range(0, len(values), size):  # below SQLite's bound-parameter limit
        yield values[start : start + size]


def linked_needs(connection: Connection, offer_ids: Iterable[str], statuses: Iterable[str] | None = None) -> list[dict]:
    """Needs whose ``tilbud_id`` is one of ``offer_ids`` (only those in ``statuses`` when given): ``behov_id``,
    ``kommunenummer``, ``status``, ``tilbud_id`` and ``koblet_dato``, ordered by need."""
    table = NEEDS_TABLE
    wanted = sorted({str(i) for i in offer_ids if i is not None})
    found: list[dict] = []
    for chunk in _chunks(wanted):
        query = sa.select(
            table.c.behov_id, table.c.kommunenummer, table.c.status, table.c.tilbud_id, table.c.koblet_dato
        ).where(table.c.tilbud_id.in_(chunk))
        if statuses is not None:
            query = query.where(table.c.status.in_(list(statuses)))
        found += [dict(row) for row in connection.execute(query).mappings()]
    return sorted(found, key=lambda r: r["behov_id"])


def _region(place: str | None) -> str | None:
    if not place:
        return None
    regions = load_municipalities()["delregion"]
    return str(regions[place]) if place in regions.index else None


def describe_need(need: dict) -> Message:
    """«N1» i Namsos (5007), Namdalen, koblet til «FT1»."""
    return message(
        "link_need",
        id=need["behov_id"],
        place=place_name(need.get("kommunenummer")),
        region=_region(need.get("kommunenummer")) or "–",
        status=Label("behov_status", need["status"]),
        offer=need["tilbud_id"],
    )


def _others(needs: list[dict], access) -> Message | str:
    """A note when some of the needs lie where the user may not write (their coordinator must step them back)."""
    if access is None or access.all_regions:
        return ""
    outside = sorted(
        {_region(n.get("kommunenummer")) or "–" for n in needs if not access.may_write(n["kommunenummer"])}
    )
    if not outside:
        return ""
    return message("link_others", regions=Choices(tuple(outside), "word_and"), region=access.region)


def refuse_linked(
    connection: Connection,
    offer_ids: Iterable[str],
    action: Message,
    access=None,
    ending: Message | None = None,
    cancelled: bool = False,
    leaving: Iterable[str] = (),
) -> None:
    """Refuse ``action`` (deleting, cancelling, undoing … the offers ``offer_ids``) while needs are linked to them.

    ``cancelled``: the offers are cancelled, not deleted (only needs in :data:`ACTIVE_LINK` block it). ``leaving``:
    needs deleted in the same write (they do not block: e.g. demo needs removed with the demo offers).

    Raises
    ------
    LinkError
        Naming every blocking need (at most ten, then how many more) with its place and sub-region.
    """
    offer_ids = sorted({str(i) for i in offer_ids if i is not None})
    if not offer_ids:
        return
    gone = set(leaving)
    needs = [
        n for n in linked_needs(connection, offer_ids, ACTIVE_LINK if cancelled else None) if n["behov_id"] not in gone
    ]
    if not needs:
        return
    blocking = sorted({n["tilbud_id"] for n in needs})
    shown = [describe_need(n) for n in needs[:SHOWN]]
    more = message("err_refused_more", n=len(needs) - SHOWN) if len(needs) > SHOWN else ""
    raise LinkError(
        "err_links_block",
        action=action,
        n=len(needs),
        offers=Choices(tuple(blocking), "word_and"),
        needs=Joined(shown),
        more=more,
        why=message("link_why_cancel" if cancelled else "link_why_delete"),
        others=_others(needs, access),
        ending=ending or message("err_nothing_saved"),
    )


def offer_states(connection: Connection, offer_ids: Iterable[str]) -> dict[str, str]:
    """``{tilbud_id: status}`` of the existing offers among ``offer_ids``."""
    table = OFFERS_TABLE
    wanted = sorted({str(i) for i in offer_ids if i is not None})
    states: dict[str, str] = {}
    for chunk in _chunks(wanted):
        query = sa.select(table.c.tilbud_id, table.c.status).where(table.c.tilbud_id.in_(chunk))
        states.update({row.tilbud_id: row.status for row in connection.execute(query)})
    return states


def bad_targets(
    connection: Connection, needs: Iterable[tuple[str, str | None, str]], offers: dict[str, str] | None = None
) -> list[tuple[str, str, str]]:
    """``(behov_id, tilbud_id, why)`` for each ``(behov_id, tilbud_id, status)`` whose offer does not exist (``why`` =
    ``"missing"``) or is cancelled while the need is ``koblet``/``etablert`` (``"cancelled"``). ``offers``: the
    offers' statuses when known (a backup's), else read from the database."""
    needs = [(i, o, s) for i, o, s in needs if o is not None and o != ""]
    if not needs:
        return []
    states = offers if offers is not None else offer_states(connection, (o for _, o, _ in needs))
    bad = []
    for need_id, offer_id, status in needs:
        if offer_id not in states:
            bad.append((need_id, offer_id, "missing"))
        elif states[offer_id] == CANCELLED and status in ACTIVE_LINK:
            bad.append((need_id, offer_id, "cancelled"))
    return bad


def refuse_bad_targets(
    connection: Connection, needs: Iterable[tuple[str, str | None, str]], ending: Message | None = None
) -> None:
    """Refuse a write that would link a need to an offer that does not exist or is cancelled (see
    :func:`bad_targets`)."""
    bad = bad_targets(connection, needs)
    if bad:
        raise LinkError(
            "err_link_targets",
            n=len(bad),
            needs=Joined([message(f"link_target_{why}", id=need, offer=offer) for need, offer, why in bad[:SHOWN]]),
            more=message("err_refused_more", n=len(bad) - SHOWN) if len(bad) > SHOWN else "",
            ending=ending or message("err_nothing_saved"),
        )


def drop_rejections(connection: Connection, kind: str, ids: Iterable[str]) -> None:
    """Rejected candidates of records that are deleted go with them (no rejection names a need or offer that is
    gone); the audit log keeps each rejection's entry. Deleting, undoing an import and removing demo data call it."""
    column = REJECTED_TABLE.c.behov_id if kind == "needs" else REJECTED_TABLE.c.tilbud_id
    for chunk in _chunks(sorted({str(i) for i in ids if i is not None})):
        connection.execute(sa.delete(REJECTED_TABLE).where(column.in_(chunk)))
