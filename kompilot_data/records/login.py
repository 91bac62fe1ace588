"""Login (issue 26): the settings in ``.streamlit/secrets.toml``, and the role an OIDC login gives.

Pure Python, no streamlit: ``ui/auth.py`` hands in the secrets and the claims of the ID token that
Streamlit's ``st.login`` keeps in its signed cookie (``st.user``). Every check fails closed: a secrets
file that cannot be read or parsed, a half-filled ``[auth]`` section, a wrong role setting, an issuer
that is not the configured one, an e-mail the provider says is unverified or a session older than its
limit never give more rights; the first three stop the app with a configuration message.

Roles, in this order:

1. **Claims.** Entra ID app roles (``roles``) named ``kompilot.koordinator.<delregion>`` (``namdalen``,
   ``trondelag-sor``, ``fosen``) or ``kompilot.koordinator.alle``; and security groups (``groups``,
   object ids) mapped in ``[kompilot.grupper]``. One sub-region, or all; roles for two different
   sub-regions give a viewer with a message (an :class:`~kompilot_data.records.access.Access` holds one region).
2. **The e-mail allow-list** ``[kompilot.koordinatorer]`` as a fallback, for providers without roles
   (ID-porten) and for a pilot's first weeks; only when the provider does not say ``email_verified = false``.
3. Everyone else who logs in is a viewer.
"""

from __future__ import annotations

import ipaddress
import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kompilot_data.records.access import (
    ALL_REGIONS,
    COORDINATOR,
    VIEWER,
    Access,
    ConfigurationError,
    validate_coordinators,
)

ROLE_PREFIX = "kompilot.koordinator."
ALL_ROLE = "alle"
DEFAULT_SESSION_MINUTES = 8 * 60  # one working day
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
MIN_COOKIE_SECRET = 32
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


class LoginConfigurationError(ConfigurationError):
    """A login setting is wrong: the app must not start (a message code and its values, as every KompilotError)."""


def role_slug(region: str) -> str:
    """``Trøndelag sør`` → ``trondelag-sor``: the sub-region's part of an app role's value."""
    folded = unicodedata.normalize("NFKD", region.replace("ø", "o").replace("æ", "ae").replace("å", "a"))
    ascii_only = folded.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def role_names() -> dict[str, str]:
    """App-role value → sub-region (``"*"`` for all): ``kompilot.koordinator.namdalen`` → ``Namdalen``."""
    from kompilot_data.reference import SUBREGIONS

    names = {f"{ROLE_PREFIX}{role_slug(region)}": region for region in SUBREGIONS}
    names[f"{ROLE_PREFIX}{ALL_ROLE}"] = ALL_REGIONS
    return names


# --- the secrets file and the settings ----------------------------------------------------------------------


def check_secrets_files(paths: Iterable[str | Path]) -> None:
    """Every secrets file that exists can be read and is valid TOML (Streamlit reads a broken one as "none").

    Raises
    ------
    LoginConfigurationError
        ``config_secrets_unreadable`` or ``config_secrets_invalid`` (with the line and column), naming the file.
    """
    for raw in paths:
        path = Path(raw)
        if path.suffix != ".toml" or not (path.exists() or path.is_symlink()):
            continue
        try:
            seen = path.stat()
            signature = (str(path), seen.st_ino, seen.st_mtime_ns, seen.st_size)
        except OSError:
            signature = None
        if signature is not None and signature in _CHECKED:  # read once per change of the file, not on every run
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
            raise LoginConfigurationError("config_secrets_unreadable", path=str(path), reason=reason) from None
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            where = re.search(r"line (\d+), column (\d+)", str(error))
            line, column = (where.group(1), where.group(2)) if where else ("?", "?")
            raise LoginConfigurationError("config_secrets_invalid", path=str(path), line=line, column=column) from None
        if signature is not None:
            if len(_CHECKED) > 64:
                _CHECKED.clear()
            _CHECKED.add(signature)


_CHECKED: set[tuple] = set()  # (path, inode, mtime, size) of secrets files that were read and parsed


@dataclass(frozen=True)
class LoginSettings:
    """The checked login settings: the expected issuer, the roles by group and by e-mail, the session limit."""

    issuer: str | None = None
    coordinators: dict[str, str | None] = field(default_factory=dict)
    groups: dict[str, str | None] = field(default_factory=dict)
    session_minutes: float = DEFAULT_SESSION_MINUTES


def _region_value(region: object, where: str) -> str | None:
    from kompilot_data.reference import SUBREGIONS

    if not isinstance(region, str) or (region != ALL_REGIONS and region not in SUBREGIONS):
        valid = ", ".join(f"«{name}»" for name in SUBREGIONS)
        raise LoginConfigurationError("config_bad_region", where=where, region=str(region), valid=valid)
    return None if region == ALL_REGIONS else region


def login_settings(auth: Mapping | None, kompilot: Mapping | None) -> LoginSettings | None:
    """The login settings from the ``[auth]`` and ``[kompilot]`` sections; None when no login is configured.

    Raises
    ------
    LoginConfigurationError
        A half-filled ``[auth]`` (a missing key, a ``cookie_secret`` under 32 characters), a wrong
        ``[kompilot.grupper]``, ``issuer`` or ``okt_minutter``.
    ConfigurationError
        A wrong allow-list (:func:`kompilot_data.records.access.validate_coordinators`).
    """
    if not auth:
        return None
    auth = dict(auth)
    kompilot = dict(kompilot or {})
    missing = [key for key in AUTH_KEYS if not auth.get(key) and not _provider_has(auth, key)]
    if missing:
        raise LoginConfigurationError("config_auth_missing", keys=", ".join(missing))
    if len(str(auth["cookie_secret"])) < MIN_COOKIE_SECRET:
        raise LoginConfigurationError("config_cookie_secret_short", length=MIN_COOKIE_SECRET)
    issuer = kompilot.get("issuer")
    if issuer is not None and not (
        isinstance(issuer, str) and (issuer.startswith("https://") or _loopback_url(issuer))
    ):
        raise LoginConfigurationError("config_issuer", issuer=str(issuer))
    if issuer is None:
        metadata = str(auth.get("server_metadata_url") or "")
        issuer = metadata[: -len(DISCOVERY_SUFFIX)] if metadata.endswith(DISCOVERY_SUFFIX) else None
    minutes = kompilot.get("okt_minutter", DEFAULT_SESSION_MINUTES)
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not math.isfinite(minutes) or minutes <= 0:
        raise LoginConfigurationError("config_session_minutes", value=str(minutes))
    groups_section = kompilot.get("grupper") or {}
    if not isinstance(groups_section, Mapping):
        raise LoginConfigurationError("config_groups_table")
    groups = {str(key).strip(): _region_value(value, "[kompilot.grupper]") for key, value in groups_section.items()}
    if "" in groups:
        raise LoginConfigurationError("config_groups_table")
    return LoginSettings(issuer, validate_coordinators(kompilot.get("koordinatorer")), groups, float(minutes))


def _provider_has(auth: Mapping, key: str) -> bool:
    """``client_id`` etc. may sit in a provider table (``[auth.microsoft]``) instead of ``[auth]``."""
    return key not in ("redirect_uri", "cookie_secret") and any(
        isinstance(value, Mapping) and value.get(key) for value in auth.values()
    )


def _loopback_url(url: str) -> bool:
    """``http://127.0.0.1:9400`` (a test provider on this machine) is the only issuer allowed without https."""
    match = re.match(r"http://([^/:]+|\[[^\]]+\])(:\d+)?(/|$)", url)
    return bool(match) and is_loopback(match.group(1).strip("[]"))


def is_loopback(address: str | None) -> bool:
    """Whether ``address`` (``server.address``) is a loopback IP address such as 127.0.0.1 or ::1."""
    try:
        return ipaddress.ip_address((address or "").strip()).is_loopback
    except ValueError:
        return False


# --- the role of one login -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The role of the current visitor, and a text key to show when a login gave fewer rights than it claims."""

    access: Access
    notice: str | None = None
    claimed: str | None = None  # who a refused login claimed to be (the operations log keeps a keyed hash of it)


ANONYMOUS = Access(VIEWER, "ikke innlogget", "anonym")


def _display_name(claims: Mapping) -> str:
    for key in ("email", "preferred_username", "name", "sub"):
        if claims.get(key):
            return str(claims[key])
    return "innlogget bruker"


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


def _verified(value: object) -> bool:
    """``email_verified`` as sent (some providers send the string ``"false"``); absent counts as not said."""
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no")
    return value is not False


def access_from_claims(claims: Mapping, settings: LoginSettings, now: float) -> Decision:
    """The role for ``claims`` (``st.user``: the ID token's claims and ``is_logged_in``) at ``now`` (Unix time).

    Not logged in, a wrong issuer or a session older than ``settings.session_minutes`` (counted from
    ``auth_time``, else ``iat``) give an anonymous viewer; roles for two sub-regions, or an unverified e-mail
    on the allow-list, give a logged-in viewer; each of those with a notice.
    """
    if not claims.get("is_logged_in"):
        return Decision(ANONYMOUS)
    issuer = claims.get("iss")
    if issuer is not None and settings.issuer is not None and str(issuer).rstrip("/") != settings.issuer.rstrip("/"):
        return Decision(ANONYMOUS, "login_wrong_issuer", _display_name(claims))
    started = claims.get("auth_time") or claims.get("iat")
    timed = isinstance(started, int | float) and not isinstance(started, bool)
    if timed and now - float(started) > settings.session_minutes * 60:
        return Decision(ANONYMOUS, "login_expired", _display_name(claims))
    name = _display_name(claims)
    names = role_names()
    regions = {names[role] for role in _as_list(claims.get("roles")) if role in names}
    regions |= {settings.groups[g] or ALL_REGIONS for g in _as_list(claims.get("groups")) if g in settings.groups}
    if ALL_REGIONS in regions:
        return Decision(Access(COORDINATOR, name, "innlogget", None))
    if len(regions) == 1:
        return Decision(Access(COORDINATOR, name, "innlogget", regions.pop()))
    if len(regions) > 1:
        return Decision(Access(VIEWER, name, "innlogget"), "login_conflicting_roles")
    email = str(claims.get("email") or "").strip().lower()
    if email and email in settings.coordinators:
        if not _verified(claims.get("email_verified")):
            return Decision(Access(VIEWER, name, "innlogget"), "login_email_unverified")
        return Decision(Access(COORDINATOR, name, "innlogget", settings.coordinators[email]))
    return Decision(Access(VIEWER, name, "innlogget"))


def proxied(headers: Mapping[str, str] | None) -> bool:
    """Whether the request came through a proxy (HAProxy adds X-Forwarded-For): then it is not local."""
    if not headers:
        return False
    present = {str(key).lower() for key in headers}
    return any(name in present for name in PROXY_HEADERS)
