"""GridScore: the frame and router. Pages live in views/; logic lives in metrics/.

Auth is enforced here, once, for every page: the navigation holds only the pages the signed-in
user's role may open (metrics.core.auth.pages_for), so any other URL is not a page at all; before
signing in (auth on) the login page is the only page.
"""
from __future__ import annotations

import streamlit as st

from metrics.core.auth import ConfigError, User, pages_for
from metrics.core.i18n import LANGS
from metrics.present.common import empty_city
from metrics.store.snapshots import StoreError, default_path
from views import auth
from views.state import connection, lang, tr
from views.ui import md_text

st.set_page_config(page_title="GridScore 网格治理效能评估看板", page_icon="🏙️", layout="wide")


def _language_switch() -> None:
    current = lang()
    labels = {"zh": "中文", "en": "English"}
    if st.session_state.get("_lang_seen") != current:  # the URL changed the language: the switch follows
        st.session_state["lang_switch"] = current
        st.session_state["_lang_seen"] = current
    chosen = st.sidebar.segmented_control(
        tr("lang.label"), LANGS, format_func=labels.get, key="lang_switch",
    )
    if chosen and chosen != current:
        st.session_state["lang"] = chosen
        st.query_params["lang"] = chosen
        st.rerun()
    if current != "zh":
        st.query_params["lang"] = current


# (group, file in views/ = i18n key = URL path, icon); the first page is the default at "/".
PAGES: tuple[tuple[str, str, str], ...] = (
    ("analysis", "overview", ":material/dashboard:"),
    ("analysis", "map", ":material/map:"),
    ("analysis", "response", ":material/timer:"),
    ("analysis", "resolution", ":material/task_alt:"),
    ("analysis", "satisfaction", ":material/sentiment_satisfied:"),
    ("analysis", "requests", ":material/table_rows:"),
    ("assessment", "assessment", ":material/leaderboard:"),
    ("assessment", "glossary", ":material/menu_book:"),
    ("admin", "data", ":material/database:"),
    ("admin", "wall", ":material/tv:"),
)


def _pages(allowed: tuple[str, ...]) -> dict[str, list[st.Page]]:
    """The user's pages in PAGES order; the first of them is the default at "/"."""
    groups: dict[str, list[st.Page]] = {}
    for i, (group, name, icon) in enumerate(p for p in PAGES if p[1] in allowed):
        groups.setdefault(tr(f"nav.group.{group}"), []).append(st.Page(
            f"views/{name}.py", title=tr(f"nav.{name}"), url_path="" if i == 0 else name,
            icon=icon, default=i == 0,
        ))
    return groups


def _signed_in() -> tuple[User | None, str]:
    try:
        config = auth.settings()
    except ConfigError as exc:  # auth misconfigured: serve nothing rather than fall open
        st.error(f"{tr('auth.config_error')}: {md_text(exc)}")
        st.stop()
    user = auth.signed_in(config)
    if user is not None:
        auth.sidebar(user, config)
    return user, config.mode


def _welcome(page: st.Page, allowed: tuple[str, ...]) -> bool:
    """On a store without requests (or no store), every page but /data shows a welcome instead of
    its charts (linking to /data when the user may open it); True if it did."""
    if page.url_path == "data":
        return False
    path = default_path()
    try:
        city = empty_city(connection(), lang())
        if city is None:
            return False
        body = tr("welcome.body", city=md_text(city))
    except StoreError:
        if path.exists():
            return False   # a broken store: the page says why
        body = tr("welcome.no_store", path=path)
    st.title(tr("welcome.title"))
    st.info(body, icon=":material/waving_hand:")
    if "data" in allowed:
        st.page_link("views/data.py", label=tr("nav.data"), icon=":material/database:")
    return True


_language_switch()
user, mode = _signed_in()
if user is None:
    st.navigation([st.Page(auth.login_page, title=tr("auth.login"), url_path="login",
                           icon=":material/login:")], position="hidden").run()
else:
    allowed = pages_for(user, mode)
    current = st.navigation(_pages(allowed))
    if not _welcome(current, allowed):
        current.run()
