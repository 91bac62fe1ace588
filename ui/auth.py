"""Who is using the app: local mode, or the role from the OIDC login (claims, then the allow-list in secrets).

Fails closed (issue 23): a secrets file that cannot be read or parsed, a half-filled ``[auth]``, a wrong
allow-list or role setting stops the app with a configuration message in the user's language; local mode
(no login, one coordinator) only when the server listens on a loopback address and the request did not
come through a proxy. The role itself is decided by :mod:`kompilot_data.records.login`.
"""

from __future__ import annotations

import time

import streamlit as st

from kompilot_data.engine.disclosure import MIN_BUSINESSES
from kompilot_data.present.safe_text import plain
from kompilot_data.records import access as access_rules
from kompilot_data.records import login, oplog
from ui.state import T, language

LOGGED_KEY = "_access_logged"
#: Where :func:`decision` keeps this run's result on Streamlit's script-run context.
MEMO_ATTRIBUTE = "_kompilot_access"

# --- access -----------------------------------------------------------------------------------


def _stop(message: str, event: str, **fields) -> None:
    if st.session_state.get(LOGGED_KEY) != ("stopp", event):
        st.session_state[LOGGED_KEY] = ("stopp", event)
        oplog.event(event, **fields)
    st.error(plain(message), icon=":material/settings_alert:")
    st.stop()


def _secrets() -> dict:
    """The secrets as a dict; {} when there is no secrets file. A broken file is a configuration error."""
    paths = list(st.get_option("secrets.files") or [])
    login.check_secrets_files(paths)
    try:
        return st.secrets.to_dict()
    except st.errors.StreamlitSecretNotFoundError:
        return {}


def _local_refusal() -> str | None:
    """Why local mode is refused here (in the user's language), or None on 127.0.0.1 without a proxy."""
    address = st.get_option("server.address")
    if not login.is_loopback(address):
        return T("config_where_address", address=address or "0.0.0.0")
    try:
        headers = dict(st.context.headers or {})
    except Exception:  # no request context (bare script run): nothing came through a proxy
        headers = {}
    if login.proxied(headers):
        return T("config_where_proxy")
    return None


def _decide() -> login.Decision:
    try:
        secrets = _secrets()
        settings = login.login_settings(secrets.get("auth"), secrets.get("kompilot"))
    except login.LoginConfigurationError as error:
        _stop(error.message(language()), "konfigurasjonsfeil", kode=error.code)
    except access_rules.ConfigurationError as error:
        _stop(error.message(language()), "konfigurasjonsfeil", kode="koordinatorliste")
    if settings is None:
        where = _local_refusal()
        if where is not None:
            _stop(T("config_local_refused", where=where), "lokal_modus_avvist")
        return login.Decision(access_rules.resolve_access(False, False, None, None))
    return login.access_from_claims(dict(st.user.to_dict()), settings, time.time())


def _run_memo() -> tuple[object, object] | None:
    """The script run this call belongs to and the context that holds its memo; None outside a script run.

    Streamlit gives every run (a rerun, a fragment run) a fresh ``cursors`` dict on the session's context, so the
    dict's identity names the run; the memo keeps a reference to it, so an id is never reused (issue 24).
    """
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    run = getattr(ctx, "cursors", None)
    return None if run is None else (ctx, run)


def _decide_once() -> login.Decision:
    """:func:`_decide` computed once per script run (it reads the secrets and the login on every call; the pages
    ask ~20 times a run, the brokering list once per need). A run that stops on a configuration error stores
    nothing, so the next call stops again: fail-closed semantics are unchanged."""
    memo = _run_memo()
    if memo is None:
        return _decide()
    ctx, run = memo
    stored = getattr(ctx, MEMO_ATTRIBUTE, None)
    if stored is not None and stored[0] is run:
        return stored[1]
    result = _decide()
    setattr(ctx, MEMO_ATTRIBUTE, (run, result))
    return result


def decision() -> login.Decision:
    """The role of this visitor and a notice when a login gave fewer rights than it claims (logged once)."""
    result = _decide_once()
    current = result.access
    logged = (current.mode, current.user, current.role, current.region, result.notice)
    if (current.mode == "innlogget" or result.notice) and st.session_state.get(LOGGED_KEY) != logged:
        st.session_state[LOGGED_KEY] = logged
        oplog.event(
            "innlogging" if current.mode == "innlogget" else "innlogging_avvist",
            current.user if current.mode == "innlogget" else result.claimed,
            rolle=current.role,
            delregion=current.region or ("alle" if current.all_regions else None),
            merknad=result.notice,
        )
    return result


def access() -> access_rules.Access:
    """The current user's role (see :func:`decision`)."""
    return decision().access


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
    result = decision()
    current = result.access
    with st.sidebar:
        if result.notice:
            st.warning(T(result.notice), icon=":material/lock_clock:")
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
