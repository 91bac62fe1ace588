"""Who may do what, and small-number suppression for viewers.

Two roles: **koordinator** (may import and edit, optionally only in one sub-region) and **leser**
(forum members and the public: aggregates only). With no login configured the app runs in a
clearly labelled local single-user mode, where the one user is a coordinator; the server then
listens on 127.0.0.1 only (``.streamlit/config.toml``).

A need in Røyrvik or Leka can identify the business, so viewers never see cells built on fewer
than :data:`kompilot_data.engine.disclosure.MIN_BUSINESSES` businesses: such cells show ``"<3"``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from kompilot_data.reference.errors import Choices, KompilotError, Message, Text, message, text
from kompilot_data.reference.tables import SUBREGIONS, load_municipalities

COORDINATOR = "koordinator"
VIEWER = "leser"
ALL_REGIONS = "*"


class ConfigurationError(KompilotError, ValueError):
    """The allow-list in the settings is wrong; the app must not start (the message says what to fix)."""


class AccessDenied(KompilotError, PermissionError):
    """A write outside what the user may change (the message names the record)."""


@dataclass(frozen=True)
class Access:
    """The current user's role."""

    role: str
    user: str
    mode: str  # "lokal", "innlogget", "anonym" or "kommandolinje"
    region: str | None = None  # a coordinator limited to one sub-region

    @property
    def can_edit(self) -> bool:
        return self.role == COORDINATOR

    @property
    def sees_records(self) -> bool:
        """Record-level data (single needs, businesses) is for coordinators only."""
        return self.role == COORDINATOR

    @property
    def all_regions(self) -> bool:
        """A coordinator for every sub-region (local mode, the command line, or ``"*"`` in the allow-list)."""
        return self.can_edit and self.region is None

    def municipalities(self) -> frozenset[str] | None:
        """The kommunenummer this user may write records in; None for all (see :func:`region_municipalities`)."""
        if not self.can_edit:
            return frozenset()
        return None if self.region is None else region_municipalities(self.region)

    def may_write(self, kommunenummer: object) -> bool:
        """Whether a record placed in ``kommunenummer`` (None: no place, e.g. an online offer) may be written."""
        allowed = self.municipalities()
        if allowed is None:
            return True
        return isinstance(kommunenummer, str) and kommunenummer in allowed

    # --- reading (see READING below) ---

    def readable_municipalities(self) -> frozenset[str] | None:
        """kommunenummer whose needs this user may read record by record; None for all, empty for a viewer. A
        coordinator reads the records of the sub-region they may write in (its primary members)."""
        return self.municipalities()

    def may_read(self, kommunenummer: object) -> bool:
        """Whether a need placed in ``kommunenummer`` may be read record by record (its business, org number,
        note, history)."""
        allowed = self.readable_municipalities()
        if allowed is None:
            return True
        return isinstance(kommunenummer, str) and kommunenummer in allowed

    def sees_exact(self, places: Iterable[str] | None) -> bool:
        """Whether aggregates over the municipalities ``places`` (None: the whole county) may be shown exact: for a
        coordinator who may read every need behind them (all sub-regions, or a selection inside their own). Anyone
        else sees them as viewers do, protected."""
        allowed = self.readable_municipalities()
        if allowed is None:
            return True
        if not allowed or places is None:
            return False
        places = set(places)
        return bool(places) and places <= allowed

    @property
    def reads_everything(self) -> bool:
        """Record-level reading of every sub-region: full backups, the whole audit log."""
        return self.all_regions


READING = """Who may read what (the README's access table says the same):

* a coordinator for all sub-regions (and local mode, and the command line): every record, every download, full
  backups and the whole audit log;
* a coordinator for one sub-region: the needs placed in that sub-region record by record (tables, cards, the
  Koble tab, CSV/Excel downloads, the audit log's entries about them, the imports that touched them), offers (which
  are public), exact figures for a selection inside the sub-region, and for any other selection what a viewer sees
  (protected); no full backup;
* a viewer: protected aggregates and the offers; no need record.
"""


def readable(access, kind: str, frame):
    """The rows of ``frame`` (needs or offers, with ``kommunenummer``) that ``access`` may read record by record.

    Offers are public (everyone sees them); needs are for coordinators, and a coordinator limited to a sub-region
    reads only the needs placed there. ``access`` None is the command line's full access. Every page, download and
    export of records goes through this (see :data:`READING`).
    """
    if access is None or kind == "offers" or access.readable_municipalities() is None:
        return frame
    allowed = access.readable_municipalities() or frozenset()
    return frame[frame["kommunenummer"].astype(object).isin(allowed).to_numpy()]


def region_municipalities(region: str) -> frozenset[str]:
    """kommunenummer whose records a coordinator for ``region`` may write: the sub-region's primary members.

    Osen is a primary member of Fosen and a secondary member of Namdalen, so a Namdalen coordinator
    cannot write needs in Osen.
    """
    municipalities = load_municipalities()
    return frozenset(municipalities.index[municipalities["delregion"] == region])


def validate_coordinators(coordinators: dict | None) -> dict[str, str | None]:
    """Check the allow-list ``[kompilot.koordinatorer]``: e-mail (any case) -> sub-region or ``"*"``.

    Returns e-mail (lower case) -> sub-region, or None for all sub-regions.

    Raises
    ------
    ConfigurationError
        An empty e-mail, an empty or unknown sub-region (``""``, ``"fosen"``) or the same e-mail twice with
        different sub-regions. The allow-list never fails open: nothing here means "all".
    """
    valid = Choices((*SUBREGIONS, ALL_REGIONS))
    where = message("err_settings_where")
    checked: dict[str, str | None] = {}
    for email, region in (coordinators or {}).items():
        key = str(email).strip().lower()
        if not key or "@" not in key:
            raise ConfigurationError("err_settings_email", where=where, email=email)
        if not isinstance(region, str) or (region != ALL_REGIONS and region not in SUBREGIONS):
            close = difflib.get_close_matches(str(region), list(SUBREGIONS), n=1, cutoff=0.6)
            hint = message("err_did_you_mean", name=close[0]) if close else ""
            raise ConfigurationError(
                "err_settings_region", where=where, email=email, region=region, hint=hint, valid=valid
            )
        value = None if region == ALL_REGIONS else region
        if key in checked and checked[key] != value:
            raise ConfigurationError("err_settings_twice", where=where, email=email)
        checked[key] = value
    return checked


def resolve_access(
    login_configured: bool, logged_in: bool, email: str | None, coordinators: dict[str, str] | None
) -> Access:
    """Decide the role.

    Parameters
    ----------
    login_configured : bool
        Whether OIDC login (``[auth]`` in ``secrets.toml``) is set up.
    logged_in, email
        From ``st.user``.
    coordinators : dict
        Allow-list: e-mail (any case) -> sub-region the coordinator may edit, or ``"*"`` for all.

    Raises
    ------
    ConfigurationError
        When login is configured and the allow-list is wrong (see :func:`validate_coordinators`).
    """
    if not login_configured:
        return Access(COORDINATOR, "lokal bruker", "lokal")
    allowed = validate_coordinators(coordinators)
    if not logged_in or not email:
        return Access(VIEWER, "ikke innlogget", "anonym")
    key = email.strip().lower()
    if key not in allowed:
        return Access(VIEWER, email, "innlogget")
    return Access(COORDINATOR, email, "innlogget", allowed[key])


# --- the checks every write makes (storage and brokering) ------------------------------------------


def record_label(kind: str, first: bool = False) -> Message:
    """ "behovet" / "tilbudet" (``first``: at the start of a sentence)."""
    return message(f"record_{'need' if kind == 'needs' else 'offer'}{'_first' if first else ''}")


def place_name(place: str | None) -> Message | str:
    if not place:
        return message("place_none")
    names = load_municipalities()["navn"]
    return f"{names.get(place, place)} ({place})"


def foreign_id_message(kind: str, record_id: str, place: str | None, region: str | None) -> Text:
    """Why an import may not use an id that belongs to a record outside the coordinator's sub-region."""
    where = message("err_where_outside", region=region) if region else message("err_where_other_region")
    return text("err_foreign_id", id=record_id, record=record_label(kind), place=place_name(place), where=where)


def require_editor(access) -> None:
    if access is not None and not access.can_edit:
        raise AccessDenied("err_editors_only")


def require_all_regions(access, what: str) -> None:
    """Refuse ``what`` (a label: ``what_remove_demo``, ``what_restore``) to a coordinator limited to one region."""
    require_editor(access)
    if access is not None and not access.all_regions:
        raise AccessDenied("err_all_regions_only", what=message(what), region=access.region)


def refusals(access, kind: str, items: Iterable[tuple[str, str | None, str]]) -> list[Message]:
    """Messages for ``(record_id, kommunenummer, what)`` the user may not write (``what``: a label such as
    ``write_new``, ``write_in_file``)."""
    if access is None or access.all_regions:
        return []
    allowed = access.municipalities() or frozenset()
    messages = []
    for record_id, place, what in items:
        if place not in allowed:
            where = (
                message("err_outside_place", place=place_name(place), region=access.region)
                if place
                else message("err_outside_no_place")
            )
            messages.append(
                message(
                    "err_outside",
                    record=record_label(kind, first=True),
                    id=record_id,
                    what=message(what),
                    where=where,
                    region=access.region,
                )
            )
    return messages


def refuse(messages: list, ending: Message | None = None) -> None:
    """Refuse a write with the first five ``messages`` (and how many more), ending with ``ending`` (default:
    nothing is saved)."""
    if messages:
        more = message("err_refused_more", n=len(messages) - 5) if len(messages) > 5 else ""
        raise AccessDenied(
            "err_refused", shown=list(messages[:5]), more=more, ending=ending or message("err_nothing_saved")
        )
