"""The shared filter bar: period, unit (cascading district → street → community → grid, or a
department), level shown, category, channel, source — all kept in the URL query string.

A widget's value starts from the URL on every run (a deep link or a map drill-down changes the
URL, and the widgets follow); when the user changes a widget, the URL is rewritten, so a copied
link reproduces the view. The last filters are kept in the session too, so switching pages keeps them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from metrics.core.filters import Filters
from metrics.core.formats import fmt_period
from metrics.core.levels import RANKED_LEVELS, TERRITORIAL, child_level
from metrics.present.common import (
    PERIOD_KINDS, data_range, default_period, filter_options, path_to, periods_between, unit_catalog,
)
from metrics.core.periods import Period, custom, parse_period
from metrics.store.snapshots import DataVersion
from views import ui
from views.state import lang, snapshot, tr, translator, url_notice, viewer

FILTER_KEYS = ("period", "level", "unit", "cat", "ch", "src", "urg")
ALL = "__all__"


@dataclass(frozen=True)
class View:
    """What the filter bar chose; pages pass it to the metrics layer."""

    period: Period
    level: str
    filters: Filters
    as_of: dt.datetime
    first: dt.datetime

    def query(self, **extra: str) -> dict[str, str]:
        """URL query parameters reproducing this view (plus page-specific extras)."""
        out = {"period": self.period.label, "level": self.level, **self.filters.to_query()}
        if lang() != "zh":
            out["lang"] = lang()
        return {**out, **{k: v for k, v in extra.items() if v is not None}}


@dataclass(eq=False)
class Units:
    """The viewer's unit catalogue as plain lookups, built once per snapshot and viewer and shared by
    every run and session (read-only: a rerun of the filter bar looks units up instead of scanning a frame)."""

    frame: pd.DataFrame
    level: dict[str, str]                        # unit id -> level
    names: dict[str, dict[str, str]]             # language -> unit id -> name
    kids: dict[str | None, list[str]]            # parent id -> children, in catalogue order
    by_level: dict[str, list[str]]               # level -> units, in catalogue order
    paths: dict[str, list[str]] = field(default_factory=dict)   # filled as units are picked

    def path(self, unit_id: str) -> list[str]:
        """:func:`path_to` the unit (top territorial level first), remembered."""
        if unit_id not in self.paths:
            self.paths[unit_id] = path_to(self.frame, unit_id)
        return self.paths[unit_id]


@st.cache_resource(show_spinner=False, max_entries=8)
def catalog(_con, version: DataVersion, viewer_key: object) -> Units:
    frame = unit_catalog(_con, viewer())
    ids, levels, parents = (frame[c].tolist() for c in ("unit_id", "level", "parent_id"))
    units = Units(frame, dict(zip(ids, levels)),
                  {"zh": dict(zip(ids, frame["name"].tolist())), "en": dict(zip(ids, frame["name_en"].tolist()))},
                  {}, {})
    for unit_id, level, parent in zip(ids, levels, parents):
        units.kids.setdefault(parent, []).append(unit_id)
        units.by_level.setdefault(level, []).append(unit_id)
    return units


@st.cache_data(show_spinner=False, max_entries=8)
def _range_and_options(_con, version: DataVersion):
    return data_range(_con), filter_options(_con)


def unit_name(units: Units, unit_id: str | None) -> str:
    """The unit's name in the session's language ("全市" for no unit)."""
    if unit_id is None:
        unit_id = viewer().scope_unit_id  # a unit account's "everything" is its own unit
        if unit_id is None:
            return tr("unit.all")
    return units.names[lang()].get(unit_id, unit_id)


def _page_id() -> str:
    """Which page is running (widgets of the same key on another page are other widgets)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return getattr(ctx, "page_script_hash", "") if ctx else ""


def _url_state() -> dict[str, str]:
    """Filter keys from the URL; when the URL has none (a page switch), the session's last ones."""
    from_url = {k: st.query_params.get(k) for k in FILTER_KEYS if st.query_params.get(k)}
    if from_url:
        return from_url
    saved = st.session_state.get("_filters", {})
    for key, value in saved.items():
        st.query_params[key] = value
    return dict(saved)


def _set(key: str, value: str | None) -> None:
    """Write one filter to the URL (None removes it) and remember it for page switches."""
    saved = dict(st.session_state.get("_filters", {}))
    if value:
        st.query_params[key] = value
        saved[key] = value
    else:
        if key in st.query_params:
            del st.query_params[key]
        saved.pop(key, None)
    st.session_state["_filters"] = saved


def _synced(key: str, url_value: object) -> str:
    """The widget key, pre-filled from the URL whenever the URL says something else than the widget
    showed on the last run (a deep link, a drill-down, a change of another filter it depends on)."""
    # Widgets keep their value as the displayed text: a language switch changes that text, so each
    # language has its own widgets (pre-filled from the URL like any fresh widget).
    widget = f"fb_{key}_{lang()}"
    fresh = st.session_state.get("_fb_fresh", False)  # another page's widgets: their state does not carry over
    if fresh or st.session_state.get(f"_fb_url_{key}") != url_value or widget not in st.session_state:
        st.session_state[widget] = url_value
        st.session_state[f"_fb_url_{key}"] = url_value
    return widget


def _shown(key: str, value: object) -> object:
    """Remember what the widget shows now, which is what the URL says once this run has written it.

    Without this the widget would remember the URL from before its own rewrite: on the next pick
    the URL (now the previous pick) differs from that memory, looks like a deep link, and the
    widget snaps back, dropping every second change.
    """
    st.session_state[f"_fb_url_{key}"] = value
    return value


def _period(state: dict[str, str], first: dt.datetime, last: dt.datetime) -> Period:
    current = default_period(first, last)
    if "period" in state:
        try:
            current = parse_period(state["period"])
        except ValueError as exc:   # not a period, or a year no data can have (0001-01, W9999-12)
            url_notice("period", state["period"], fmt_period(current, lang()),
                       "url.outside" if "outside the years" in str(exc) else "url.bad")
    kind = current.kind if current.kind in PERIOD_KINDS else "custom"
    kinds = list(PERIOD_KINDS)
    chosen_kind = _shown("period_kind", st.sidebar.segmented_control(
        tr("period"), kinds, key=_synced("period_kind", kind), format_func=lambda k, t_=translator(): t_(f"period.{k}"),
        required=True,
    ) or kind)
    if chosen_kind == "custom":
        default = (current.start, current.last_day)
        picked = st.sidebar.date_input(
            tr("period.range"), key=_synced("period_range", default), min_value=min(first.date(), current.start),
            max_value=max(last.date() + dt.timedelta(days=366), current.last_day),
        )
        if isinstance(picked, (tuple, list)) and len(picked) == 2:
            period = custom(*_shown("period_range", tuple(picked)))  # half a range stays the widget's own
        else:
            period = current if current.kind == "custom" else custom(*default)
    else:
        options = periods_between(first.date(), last.date(), chosen_kind)
        labels = [p.label for p in options]
        if current.kind == chosen_kind and current.label not in labels:
            labels.append(current.label)  # a linked period outside the data: kept, the page says "no data"
        value = current.label if current.label in labels else labels[0]
        if chosen_kind != kind:
            value = labels[0] if chosen_kind != "month" else default_period(first, last).label
        label = st.sidebar.selectbox(
            tr(f"period.{chosen_kind}"), labels, key=_synced(f"period_{chosen_kind}", value),
            format_func=lambda text, lg=lang(): fmt_period(parse_period(text), lg),
        ) or value
        period = parse_period(_shown(f"period_{chosen_kind}", label))
    if period.label != state.get("period"):
        _set("period", period.label)
    return period


def _unit(state: dict[str, str], units: Units) -> str | None:
    """Cascading selectboxes district → street → community → grid, then a department box."""
    unit_id = state.get("unit")
    if unit_id is not None and unit_id not in units.level:
        if viewer().scope_unit_id is not None:  # another unit than this account's: no access, not data
            st.error(tr("auth.no_access"))
            st.stop()
        url_notice("unit", unit_id, tr("unit.all"))
        unit_id = None
    is_dept = unit_id is not None and units.level[unit_id] == "department"
    chain = [] if unit_id is None or is_dept else units.path(unit_id)
    names = units.names[lang()]
    chosen: str | None = None
    present = [lv for lv in TERRITORIAL[1:] if units.by_level.get(lv)]
    for depth, level in enumerate(present):  # a unit account's catalogue starts at its own unit
        if depth == 0:
            kids = units.by_level[level]
        else:
            if chosen is None:
                break
            kids = units.kids.get(chosen, [])
        if not kids:
            break
        current = chain[depth] if depth < len(chain) else ALL
        pick = _shown(f"unit_{level}", st.sidebar.selectbox(
            tr(f"level.{level}"), [ALL, *kids], key=_synced(f"unit_{level}", current),
            format_func=lambda u, any_=tr("unit.any"): any_ if u == ALL else names.get(u, u),
        ))
        if pick == ALL:
            break
        chosen = pick
    depts = units.by_level.get("department", [])
    if depts:
        current = unit_id if is_dept else ALL
        pick = _shown("unit_dept", st.sidebar.selectbox(
            tr("level.department"), [ALL, *depts], key=_synced("unit_dept", current),
            format_func=lambda u, any_=tr("unit.any"): any_ if u == ALL else names.get(u, u),
        ))
        if pick != ALL and (pick != current or is_dept):
            chosen = pick
    if chosen != state.get("unit"):
        _set("unit", chosen)
    return chosen


def _level(state: dict[str, str], units: Units, unit_id: str | None, unit_changed: bool) -> str:
    """The level shown; when the unit was just changed in the filter bar, one step below the new unit."""
    anchor = unit_id if unit_id is not None else viewer().scope_unit_id  # a unit account: below its own unit
    unit_level = None if anchor is None else units.level[anchor]
    present = [lv for lv in RANKED_LEVELS if units.by_level.get(lv)]
    default = (child_level(unit_level) or unit_level) if unit_level else "street"
    current = (None if unit_changed else state.get("level")) or default or "grid"
    if current not in present:
        wanted = current
        current = default if default in present else (present[0] if present else "street")
        if wanted == state.get("level"):
            url_notice("level", wanted, tr(f"level.{current}"))
    level = _shown("level", st.sidebar.selectbox(
        tr("level.shown"), present, key=_synced("level", current), format_func=lambda lv, t_=translator(): t_(f"level.{lv}"),
    ) or current)
    if level != state.get("level"):
        _set("level", level)
    return level


def _known(state: dict[str, str], key: str, options: list[str] | tuple[str, ...]) -> list[str]:
    """The comma-separated URL values of key that are options; a notice names the others."""
    values = [v for v in (state.get(key) or "").split(",") if v]
    unknown = [v for v in values if v not in options]
    if unknown:
        url_notice(key, ",".join(unknown), ",".join(v for v in values if v in options) or tr("unit.any"))
    return [v for v in values if v in options]


def _multi(state: dict[str, str], key: str, label: str, options: list[str], fmt=None) -> tuple[str, ...]:
    current = _known(state, key, options)
    picked = _shown(key, list(st.sidebar.multiselect(
        label, options, key=_synced(key, current), format_func=fmt or (lambda v: v),
        placeholder=tr("unit.any"),
    )))
    if list(picked) != current:
        _set(key, ",".join(picked) or None)
    return tuple(picked)


def as_of_line() -> None:
    """Only the "data as of" line, for pages without filters (the glossary)."""
    bounds, _ = _range_and_options(*snapshot())
    if bounds is not None:
        st.caption(f"{tr('data_as_of')} {bounds[1]:%Y-%m-%d %H:%M}")


def drill_to(unit_id: str | None, level: str) -> None:
    """Point the filter bar at a unit and level (map clicks, "up one level"); the caller reruns."""
    _set("unit", unit_id)
    _set("level", level)


def render() -> tuple[object, View]:
    """Draw the filter bar in the sidebar and the "data as of" line; return (cursor, view).

    Stops the page with a clear message when the store holds no requests.
    """
    con, version = snapshot()
    page = _page_id()
    st.session_state["_fb_fresh"] = st.session_state.get("_fb_page") != page
    st.session_state["_fb_page"] = page
    (bounds, options) = _range_and_options(con, version)
    if bounds is None:
        st.info(tr("store.empty"))
        st.stop()
    first, last = bounds
    units = catalog(con, version, viewer())
    state = _url_state()
    st.sidebar.markdown(f"**{tr('filters')}**")
    period = _period(state, first, last)
    unit_id = _unit(state, units)
    level = _level(state, units, unit_id, unit_changed=unit_id != state.get("unit"))
    categories = _multi(state, "cat", tr("category"), options["categories"])
    channels = _multi(state, "ch", tr("channel"), options["channels"], fmt=ui.code("channel"))
    sources = _multi(state, "src", tr("source"), options["sources"], fmt=ui.code("source"))
    urgencies = tuple(_known(state, "urg", ("urgent", "normal")))
    filters = Filters(categories=categories, channels=channels, sources=sources, urgencies=urgencies,
                      unit_id=unit_id)
    view = View(period, level, filters, last, first)
    st.caption(" · ".join([
        f"{tr('data_as_of')} {last:%Y-%m-%d %H:%M}",
        f"{tr('period')} {fmt_period(period, lang())}",
        f"{tr('unit')} {ui.md_text(unit_name(units, unit_id))}",
        f"{tr('level.shown')} {tr('level.' + level)}",
    ]))
    return con, view
