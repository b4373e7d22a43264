"""Who is signed in: the login page, logout, and the audit trail of what they do.

app.py asks :func:`signed_in` on every run and builds the navigation from that user's role, so a
page a role may not open is neither listed nor reachable by URL. Pages ask :func:`current_user` for
buttons (``current_user().can("import")``); the Viewer in views.state comes from the same user.
"""
from __future__ import annotations

import math

import streamlit as st

from metrics.core import audit
from metrics.core.accounts import AccountError, authenticate, known_user
from metrics.core.auth import ANONYMOUS, AuthConfig, ConfigError, User, load_config
from metrics.core.throttle import LoginThrottle
from metrics.store.snapshots import default_path
from views.state import tr
from views.ui import md_text

USER_KEY = "_auth_user"


def settings() -> AuthConfig:
    """The auth config (read on every run: a restart is not needed to see a changed file)."""
    return load_config()


@st.cache_resource(show_spinner=False)
def _throttle(users_file: str, max_failures: int, lockout_seconds: int) -> LoginThrottle:
    """One throttle per accounts file and its limits, shared by every session of the server."""
    return LoginThrottle(max_failures, lockout_seconds)


def address() -> str:
    """The peer's address (Streamlit reports localhost as None)."""
    return st.context.ip_address or "127.0.0.1"


def current_user() -> User:
    """The user of this run; with auth off the anonymous read-only leader. A page run without
    the router while auth is on stops here."""
    user = st.session_state.get(USER_KEY)
    if user is not None:
        return user
    try:
        if not settings().on:
            return ANONYMOUS
    except ConfigError as exc:
        st.error(f"{tr('auth.config_error')}: {md_text(exc)}")
        st.stop()
    st.error(tr("auth.required"))
    st.stop()


def record(action: str, **what: object) -> None:
    """Append ``action`` by the current user to the audit log."""
    config = settings()
    user = st.session_state.get(USER_KEY) or ANONYMOUS
    audit.append(audit.audit_path(default_path(), config.audit_log), who=user.name, action=action,
                 secret=config.cookie_secret, address=address(), role=user.role, **what)


def _proxy_user(config: AuthConfig) -> User | None:
    if address() not in config.trusted_proxies:
        return None
    return known_user(config.users_file, st.context.headers.get(config.header))


def signed_in(config: AuthConfig) -> User | None:
    """The signed-in user (kept in the session), or None: the router then shows only the login page."""
    if not config.on:
        user = ANONYMOUS
    elif config.mode == "local":
        kept = st.session_state.get(USER_KEY)
        user = known_user(config.users_file, kept.name) if kept else None  # a removed account is out at once
    elif config.mode == "oidc":
        user = known_user(config.users_file, st.user.get("email")) if st.user.is_logged_in else None
    else:
        user = _proxy_user(config)
    if user is None:
        st.session_state.pop(USER_KEY, None)
    else:
        st.session_state[USER_KEY] = user
    return user


def _log_in(config: AuthConfig, name: str, password: str) -> None:
    throttle, where = _throttle(str(config.users_file), config.max_failures, config.lockout_seconds), address()
    wait = throttle.wait(name, where)
    if wait > 0:
        record("login_locked", account=name)
        st.error(tr("auth.locked", minutes=math.ceil(wait / 60)))
        return
    try:
        user = authenticate(config.users_file, name, password)
    except AccountError as exc:
        st.error(f"{tr('auth.config_error')}: {md_text(exc)}")
        return
    if user is None:
        throttle.failed(name, where)
        record("login_failed", account=name)
        st.error(tr("auth.failed"))
        return
    throttle.succeeded(name, where)
    st.session_state[USER_KEY] = user
    record("login", account=name)
    st.rerun()


def login_page() -> None:
    """The only page there is before signing in."""
    config = settings()
    st.title(tr("app.title"))
    if config.mode == "local":
        with st.form("login", enter_to_submit=True):
            name = st.text_input(tr("auth.name"), key="login_name")
            password = st.text_input(tr("auth.password"), type="password", key="login_password")
            submitted = st.form_submit_button(tr("auth.submit"), type="primary")
        if submitted and name:
            _log_in(config, name, password)
    elif config.mode == "oidc":
        if st.user.is_logged_in:  # signed in at the provider, but no dashboard account
            st.error(tr("auth.oidc_unknown", name=md_text(st.user.get("email") or "?")))
            st.button(tr("auth.logout"), on_click=st.logout)
        else:
            st.button(tr("auth.oidc"), type="primary", on_click=st.login, args=(config.oidc_provider,)
                      if config.oidc_provider else ())
    else:
        st.error(tr("auth.header_refused"))


def log_out() -> None:
    record("logout")
    st.session_state.pop(USER_KEY, None)
    if settings().mode == "oidc":
        st.logout()


def sidebar(user: User, config: AuthConfig) -> None:
    """Who is signed in, and the logout button (nothing to log out of with auth off or behind a proxy)."""
    role = tr(f"role.{user.role}") + ("" if config.on else f" · {tr('auth.read_only')}")
    st.sidebar.text(tr("auth.signed_in", name=user.name, role=role))
    if config.mode in ("local", "oidc"):
        st.sidebar.button(tr("auth.logout"), on_click=log_out, icon=":material/logout:", key="logout")
