"""Hostile URL query values on every page (AppTest): no exception, no error box; a bad value
shows a small notice and the default instead of a traceback or a silent change."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from tests import test_pages

app = test_pages.app   # the fixture: the app at a page with the given query parameters

FILTERS = ("period", "level", "unit", "cat", "ch", "src", "urg", "lang")
PARAMS = {   # every page and the query parameters it reads
    "overview": FILTERS, "response": FILTERS, "resolution": FILTERS, "satisfaction": FILTERS,
    "map": (*FILTERS, "metric", "layer", "res"),
    "requests": (*FILTERS, "metric", "sort", "desc", "page"),
    "assessment": ("scheme", "period", "level", "unit", "lang"),
    "wall": ("period", "map", "level", "scale", "rotate", "panel", "watch", "lang"),
    "glossary": ("lang",), "data": ("lang",),
}
HOSTILE = ("0001-01", "9999-12", "W0001-01", "W9999-12", "2000-01-01..2000-01-31", "0001-01-01..9999-12-31",
           "2026-02-30..2026-03-01", "99999999999999999999", "-1", "0", "1e309", "nan", " ", "%00", "\x00",
           "<script>alert(1)</script>", "'; DROP TABLE requests; --", "[x](javascript:alert(1))", "**bold**",
           "\u202e\ufeff", "中文", "a" * 3000, "a,b,,c", ",,,")


def clean(at: AppTest, what: object) -> None:
    assert not at.exception, f"{what}: {[e.value for e in at.exception]}"
    assert not at.error, f"{what}: {[e.value for e in at.error]}"


def notices(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if "material/info" in c.value]


@pytest.mark.parametrize("page", ["overview", "response", "resolution", "satisfaction", "assessment", "wall"])
@pytest.mark.parametrize("period", ["0001-01", "2000-01-01..2000-01-31", "W0001-01"])
def test_the_bad_periods_of_the_probe(app, page: str, period: str) -> None:
    at = app(page, {"period": period})
    clean(at, (page, period))
    if period != "2000-01-01..2000-01-31" or page in ("assessment", "wall"):   # a range before the data is kept
        assert any(period.replace("-", "\\-").replace(".", "\\.") in n for n in notices(at)), notices(at)


def test_period_outside_the_years_says_what_it_shows(app) -> None:
    at = app("response", {"period": "0001-01"})
    assert any("0001\\-01" in n and "超出数据范围" in n and "显示 2026年10月" in n for n in notices(at)), notices(at)
    assert at.query_params["period"] == "2026-10"


def test_a_huge_page_number_is_a_notice(app) -> None:
    at = app("requests", {"page": "99999999999999999999"})
    clean(at, "page")
    assert any("page" in n for n in notices(at))


@pytest.mark.parametrize("page", sorted(PARAMS))
@pytest.mark.parametrize("shift", [0, 7, 15])
def test_every_parameter_of_every_page_at_once(app, page: str, shift: int) -> None:
    params = {key: HOSTILE[(shift + i) % len(HOSTILE)] for i, key in enumerate(PARAMS[page])}
    clean(app(page, params), (page, params))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_hostile_values(app, data) -> None:
    page = data.draw(st.sampled_from(sorted(PARAMS)))
    keys = data.draw(st.sets(st.sampled_from(PARAMS[page]), min_size=1))
    value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
    params = {k: data.draw(value) for k in sorted(keys)}
    params = {k: v for k, v in params.items() if v}
    clean(app(page, params), (page, params))
