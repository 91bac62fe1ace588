"""Who is using the app: local mode, or the role from the OIDC login and the allow-list in secrets."""

from __future__ import annotations

import streamlit as st

from kompilot_data.engine.disclosure import MIN_BUSINESSES
from kompilot_data.present.safe_text import plain
from kompilot_data.records import access as access_rules
from ui.state import T, language

# --- access -----------------------------------------------------------------------------------


def _secrets_section(name: str) -> dict:
    try:
        return dict(st.secrets.get(name, {}))
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


def access() -> access_rules.Access:
    """The current user's role: local single-user mode without login, else by the allow-list in secrets.

    A wrong allow-list (an empty or unknown sub-region, e.g. ``""`` or ``"fosen"``) stops the app with a
    configuration message: it never fails open and never crashes with a traceback.
    """
    login_configured = bool(_secrets_section("auth"))
    coordinators = _secrets_section("kompilot").get("koordinatorer", {})
    user = st.user
    logged_in = bool(user.get("is_logged_in", False)) if login_configured else False
    try:
        return access_rules.resolve_access(login_configured, logged_in, user.get("email"), dict(coordinators))
    except access_rules.ConfigurationError as error:
        st.error(plain(error.message(language())), icon=":material/settings_alert:")
        st.stop()


def min_businesses() -> int:
    """0 for coordinators; for viewers, cells built on fewer businesses are suppressed."""
    return 0 if access().sees_records else MIN_BUSINESSES


def require_coordinator() -> access_rules.Access:
    """Stop the page with a clear message unless the user is a coordinator."""
    current = access()
    if not current.can_edit:
        st.info(T("coordinators_only"))
        st.stop()
    return current


def sidebar_access() -> None:
    """Who is using the app: local mode, log-in button, or the logged-in user and role."""
    current = access()
    with st.sidebar:
        if current.mode == "lokal":
            st.caption(T("local_mode"))
        elif current.mode == "anonym":
            st.caption(T("viewer_mode"))
            st.button(T("login"), on_click=st.login, width="stretch")
        else:
            role = T("role_coordinator") if current.can_edit else T("role_viewer")
            region = f" ({plain(current.region)})" if current.region else ""
            st.caption(f"{T('logged_in_as')} {plain(current.user)} · {role}{region}")
            st.button(T("logout"), on_click=st.logout, width="stretch")
