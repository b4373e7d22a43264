"""GridScore: the frame and router. Pages live in views/; logic lives in metrics/."""
from __future__ import annotations

import streamlit as st

from metrics.core.i18n import LANGS
from metrics.store.snapshots import StoreError, default_path
from views.state import connection, lang, tr

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


def _pages() -> dict[str, list[st.Page]]:
    groups: dict[str, list[st.Page]] = {}
    for i, (group, name, icon) in enumerate(PAGES):
        groups.setdefault(tr(f"nav.group.{group}"), []).append(st.Page(
            f"views/{name}.py", title=tr(f"nav.{name}"), url_path="" if i == 0 else name,
            icon=icon, default=i == 0,
        ))
    return groups


def _welcome(page: st.Page) -> bool:
    """On a store without requests (or no store), every page but /data shows a welcome linking to
    /data instead of its charts; True if it did."""
    if page.url_path == "data":
        return False
    path = default_path()
    try:
        con = connection()
        if con.execute("SELECT 1 FROM requests LIMIT 1").fetchone():
            return False
        name = "coalesce(name_en, name)" if lang() == "en" else "name"
        city = con.execute(f"SELECT min({name}) FROM units WHERE level = 'city'").fetchone()[0]
        body = tr("welcome.body", city=city or "")
    except StoreError:
        if path.exists():
            return False   # a broken store: the page says why
        body = tr("welcome.no_store", path=path)
    st.title(tr("welcome.title"))
    st.info(body, icon=":material/waving_hand:")
    st.page_link("views/data.py", label=tr("nav.data"), icon=":material/database:")
    return True


_language_switch()
current = st.navigation(_pages())
if not _welcome(current):
    current.run()
