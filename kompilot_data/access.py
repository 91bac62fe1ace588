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

import numpy as np
import pandas as pd

COORDINATOR = "koordinator"
VIEWER = "leser"
MIN_BUSINESSES = 3
SUPPRESSED = f"<{MIN_BUSINESSES}"
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


def suppress_table(
    table: pd.DataFrame, business_column: str, value_columns: list[str], threshold: int = MIN_BUSINESSES
) -> pd.DataFrame:
    """Replace ``value_columns`` and the business count by ``"<3"`` where fewer than ``threshold`` businesses."""
    out = table.copy()
    small = out[business_column].to_numpy() < threshold
    for column in [*value_columns, business_column]:
        out[column] = out[column].astype(object).where(~small, f"<{threshold}")
    return out


def suppress_counts(values: pd.Series, businesses: pd.Series, threshold: int = MIN_BUSINESSES) -> pd.Series:
    """Counts with cells built on fewer than ``threshold`` businesses set to NaN (shown as "<3")."""
    businesses = businesses.reindex(values.index).fillna(0)
    return values.where(businesses.to_numpy() >= threshold, np.nan)
