"""Who may do what, and small-number suppression for viewers.

Two roles: **koordinator** (may import and edit, optionally only in one sub-region) and **leser**
(forum members and the public: aggregates only). With no login configured the app runs in a
clearly labelled local single-user mode, where the one user is a coordinator; the server then
listens on 127.0.0.1 only (``.streamlit/config.toml``).

A need in Røyrvik or Leka can identify the business, so viewers never see cells built on fewer
than :data:`MIN_BUSINESSES` businesses: such cells show ``"<3"``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kompilot_data.engine.disclosure import MIN_BUSINESSES, SUPPRESSED, suppress_counts, suppress_table  # noqa: F401

COORDINATOR = "koordinator"
VIEWER = "leser"
ALL_REGIONS = "*"


@dataclass(frozen=True)
class Access:
    """The current user's role."""

    role: str
    user: str
    mode: str  # "lokal", "innlogget" or "anonym"
    region: str | None = None  # a coordinator limited to one sub-region

    @property
    def can_edit(self) -> bool:
        return self.role == COORDINATOR

    @property
    def sees_records(self) -> bool:
        """Record-level data (single needs, businesses) is for coordinators only."""
        return self.role == COORDINATOR


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
    """
    if not login_configured:
        return Access(COORDINATOR, "lokal bruker", "lokal")
    if not logged_in or not email:
        return Access(VIEWER, "ikke innlogget", "anonym")
    allowed = {k.strip().lower(): v for k, v in (coordinators or {}).items()}
    region = allowed.get(email.strip().lower())
    if region is None:
        return Access(VIEWER, email, "innlogget")
    return Access(COORDINATOR, email, "innlogget", None if region == ALL_REGIONS else region)
