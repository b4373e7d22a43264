"""Cached calls the assessment page makes into metrics/ (keyed by the store snapshot)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from metrics.assess.engine import assess, scheme_period
from metrics.export.writers import render
from metrics.export.text import tx
from metrics.core.periods import Period
from metrics.assess.scheme_edit import list_custom
from metrics.assess.schemes import Scheme, SchemeError, list_schemes, load_scheme
from metrics.assess.scorecard import ScorecardBook
from metrics.assess.scorecard_build import build_book
from metrics.present import assess_defaults as defaults
from metrics.present.scorecard_frames import available_months, casemix_frame, default_month
from metrics.store.snapshots import DataVersion, default_path
from views.state import snapshot, viewer
from views.ui import md_text


def who() -> str:
    """Who is exporting: the signed-in account (with auth off: anonymous), its role and scope."""
    from views.auth import current_user

    user = current_user()
    return f"{user.name} ({user.role}:{user.unit_id or '*'})"


def log_file() -> Path:
    from metrics.export.log import log_path
    return log_path(default_path())


def scheme_options(language: str) -> dict[str, str]:
    """{key: label} of the shipped schemes (by name) and the saved versions (by path)."""
    out = {}
    for key in [*list_schemes(), *map(str, list_custom())]:
        s = scheme(key)
        title = s.title_zh if language == "zh" else s.title_en
        custom = f" · {tx('custom', language)}" if key not in list_schemes() else ""
        out[key] = f"{title} · {s.name} v{s.version}{custom}"
    return out


@st.cache_data(show_spinner=False, max_entries=32)
def _load(key: str, mtime: float) -> Scheme:
    return load_scheme(key)


def scheme(key: str) -> Scheme:
    path = Path(key)
    try:
        return _load(key, path.stat().st_mtime if path.exists() else 0.0)
    except SchemeError as exc:
        st.error(md_text(exc))
        st.stop()


@st.cache_data(show_spinner=False, max_entries=8)
def _months(_con, version: DataVersion) -> tuple[list[str], str | None]:
    return available_months(_con), default_month(_con)


def months() -> tuple[list[str], str | None]:
    return _months(*snapshot())


def is_month(text: str) -> bool:
    from metrics.core.periods import parse_month
    try:
        parse_month(text)
        return True
    except ValueError:
        return False


def period_of(s: Scheme, month: str) -> Period:
    return scheme_period(s, month)


@st.cache_data(show_spinner=False, max_entries=64)
def _scored(_con, version: DataVersion, viewer_key: object, s: Scheme, period: Period, level: str) -> pd.DataFrame:
    return assess(_con, viewer(), s, period, level)


def scored(s: Scheme, period: Period, level: str) -> pd.DataFrame:
    return _scored(*snapshot(), viewer(), s, period, level)


@st.cache_data(show_spinner=False, max_entries=32)
def _book(_con, version: DataVersion, viewer_key: object, s: Scheme, period: Period, level: str) -> ScorecardBook:
    return build_book(_con, viewer(), s, period, level, generated_by=who(),
                      scored=_scored(_con, version, viewer_key, s, period, level))


def book(s: Scheme, period: Period, level: str) -> ScorecardBook:
    return _book(*snapshot(), viewer(), s, period, level)


@st.cache_data(show_spinner=False, max_entries=32)
def _files(_con, version: DataVersion, viewer_key: object, s: Scheme, period: Period, level: str, fmt: str,
           units: tuple[str, ...] | None, language: str) -> dict[str, bytes]:
    b = _book(_con, version, viewer_key, s, period, level)
    return render(b.for_units(units) if units else b, fmt, language)


def files(s: Scheme, period: Period, level: str, fmt: str, units: tuple[str, ...] | None,
          language: str) -> dict[str, bytes]:
    """{file name: bytes} of one export format (cached per snapshot and inputs)."""
    return _files(*snapshot(), viewer(), s, period, level, fmt, units, language)


@st.cache_data(show_spinner=False, max_entries=32)
def _casemix(_con, version: DataVersion, viewer_key: object, s: Scheme, period: Period, level: str,
             metric: str) -> pd.DataFrame:
    return casemix_frame(_con, viewer(), _scored(_con, version, viewer_key, s, period, level), s, period, level, metric)


def casemix(s: Scheme, period: Period, level: str, metric: str) -> pd.DataFrame:
    return _casemix(*snapshot(), viewer(), s, period, level, metric)


@st.cache_data(show_spinner=False, max_entries=32)
def _levels(_con, version: DataVersion, viewer_key: object, period: Period, credit: float) -> tuple[list[str], int]:
    return (defaults.levels_with_data(_con, viewer(), period, credit),
            defaults.scope_requests(_con, viewer(), period, credit))


def levels_with_data(s: Scheme, period: Period) -> tuple[list[str], int]:
    """(levels whose units have requests in the period, requests in the viewer's scope)."""
    return _levels(*snapshot(), viewer(), period, s.basic_credit)


@st.cache_data(show_spinner=False, max_entries=32)
def _cannot_score(_con, version: DataVersion, viewer_key: object, s: Scheme, period: Period, level: str,
                  language: str) -> str | None:
    scored_ = _scored(_con, version, viewer_key, s, period, level)
    return defaults.cannot_score_message(_con, viewer(), s, period, level, scored_, language)


def cannot_score(s: Scheme, period: Period, level: str, language: str) -> str | None:
    """What the data lacks for this scheme, and which schemes to try (None when it scores)."""
    return _cannot_score(*snapshot(), viewer(), s, period, level, language)
