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
from dataclasses import dataclass

from kompilot_data.reference.tables import SUBREGIONS, load_municipalities

COORDINATOR = "koordinator"
VIEWER = "leser"
ALL_REGIONS = "*"


class ConfigurationError(ValueError):
    """The allow-list in the settings is wrong; the app must not start (the message says what to fix)."""


class AccessDenied(PermissionError):
    """A write outside what the user may change (the message is Norwegian and names the record)."""


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
    valid = ", ".join(f"«{name}»" for name in SUBREGIONS)
    where = "[kompilot.koordinatorer] i .streamlit/secrets.toml"
    checked: dict[str, str | None] = {}
    for email, region in (coordinators or {}).items():
        key = str(email).strip().lower()
        if not key or "@" not in key:
            raise ConfigurationError(
                f"Feil i innstillingene ({where}): «{email}» er ikke en e-postadresse. Rett listen og start appen på nytt."
            )
        if not isinstance(region, str) or (region != ALL_REGIONS and region not in SUBREGIONS):
            close = difflib.get_close_matches(str(region), list(SUBREGIONS), n=1, cutoff=0.6)
            hint = f" Mente du «{close[0]}»?" if close else ""
            raise ConfigurationError(
                f"Feil i innstillingene ({where}): koordinatoren {email} har delregionen «{region}», som ikke finnes."
                f"{hint} Bruk {valid} eller «{ALL_REGIONS}» for alle, og start appen på nytt."
            )
        value = None if region == ALL_REGIONS else region
        if key in checked and checked[key] != value:
            raise ConfigurationError(
                f"Feil i innstillingene ({where}): {email} står flere ganger med ulike delregioner. "
                "Behold én linje per koordinator og start appen på nytt."
            )
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
