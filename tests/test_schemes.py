"""Scheme files: the shipped ones load and say what DESIGN §5 says; bad ones fail naming file and field."""
from __future__ import annotations

import math
import re
import tomllib

import pytest

from metrics.core.registry import BY_ID
from metrics.assess.schemes import (
    SCHEMES_DIR, SchemeError, known_metric_ids, list_schemes, load_scheme, parse_scheme,
)

SHIPPED = ("beijing-3rates", "three-rates-20-40-40", "beijing-3rates-window", "cityscore", "timeliness")


def test_shipped_schemes_load():
    assert set(SHIPPED) <= set(list_schemes())
    assert list_schemes()[0] == "beijing-3rates"
    for name in list_schemes():
        scheme = load_scheme(name)
        assert scheme.name == name
        assert math.fsum(i.weight for i in scheme.indicators) == pytest.approx(1.0, abs=1e-9)
        assert [g.name_en for g in scheme.grades] == ["Excellent", "Good", "Fair", "Poor"]
        assert [g.name_zh for g in scheme.grades] == ["优秀", "良好", "一般", "较差"]
        assert scheme.note and scheme.title_zh and scheme.title_en


def test_default_scheme_is_design_section_5():
    s = load_scheme("beijing-3rates")
    assert [(i.metric, i.weight, i.method) for i in s.indicators] == [
        ("response_rate", 0.10, "direct"), ("resolution_rate", 0.50, "direct"), ("satisfaction_rate", 0.40, "direct")]
    assert s.period.kind == "month" and s.basic_credit == 0.9
    assert (s.min_volume.basis, s.min_volume.n) == ("visited", 30)
    assert s.bonus == () and s.deductions == () and s.tie_break == "volume" and s.level == "street"


def test_schemes_may_name_every_design_metric():
    """Every metric id DESIGN §4 lists can be named in a scheme."""
    design = (SCHEMES_DIR.parent.parent.parent / "shared" / "DESIGN.md")
    if not design.exists():
        pytest.skip("shared/DESIGN.md not beside the repository")
    section = design.read_text(encoding="utf-8").split("## 4.")[1].split("## 5.")[0]
    ids = set(re.findall(r"^\| (\w+)", section, flags=re.M)) - {"id"}
    expanded = {f"{i.rsplit('_', 1)[0]}_p90" for i in ids if i.endswith("_p50")}
    assert ids | expanded | {"overdue", "return_rate"} <= known_metric_ids() == set(BY_ID)


def base_doc() -> dict:
    return tomllib.loads((SCHEMES_DIR / "beijing-3rates.toml").read_text(encoding="utf-8"))


def broken(change) -> dict:
    doc = base_doc()
    change(doc)
    return doc


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["indicators"][0].update(weight=0.2), r"t\.toml: indicators\.weight: weights sum to 1\.1"),
    (lambda d: d["indicators"][1].update(metric="happiness_rate"),
     r"t\.toml: indicators\[1\]\.metric: unknown metric 'happiness_rate'"),
    (lambda d: d["indicators"][2].update(method="vibes"), r"indicators\[2\]\.method: unknown method 'vibes'"),
    (lambda d: d["indicators"][0].update(method="target"), r"indicators\[0\]\.target: required"),
    (lambda d: d["indicators"][0].update(direction="sideways"), r"indicators\[0\]\.direction: unknown direction 'sideways'"),
    (lambda d: d.update(grades="deciles"), r"t\.toml: grades: unknown grades 'deciles'"),
    (lambda d: d.update(require_all="yes"), r"t\.toml: require_all: expected bool"),
    (lambda d: d["indicators"][0].update(metric="staff_per_10k"), r"indicators\[0\]\.method: 'direct' scores a rate"),
    (lambda d: d["indicators"][0].update(weight="a lot"), r"indicators\[0\]\.weight: expected float"),
    (lambda d: d["grades"][1].update(min=85), r"grades: gap between 'Fair' \(ends 80\) and 'Good' \(starts 85\)"),
    (lambda d: d["grades"][1].update(min=75), r"grades: bands 'Fair' \[70, 80\) and 'Good' \[75, 90\) overlap"),
    (lambda d: d["grades"][3].update(min=10), r"grades: the lowest band starts at 10"),
    (lambda d: d["grades"][0].update(max=95), r"grades: the highest band ends at 95"),
    (lambda d: d["grades"][2].update(max=78), r"grades: gap between 'Fair' \(ends 78\) and 'Good' \(starts 80\)"),
    (lambda d: d.update(min_volume={"metric": "visited", "n": 0}), r"min_volume\.n: 0 must be a positive"),
    (lambda d: d.update(min_volume={"metric": "calls"}), r"min_volume\.metric: unknown volume basis 'calls'"),
    (lambda d: d.update(period={"kind": "fortnight"}), r"period\.kind: unknown period kind 'fortnight'"),
    (lambda d: d.update(period={"kind": "window", "start_day": 31}), r"period\.start_day: 31 out of range"),
    (lambda d: d.update(level="planet"), r"level: unknown level 'planet'"),
    (lambda d: d.update(basic_credit=1.5), r"basic_credit: 1\.5 out of range"),
    (lambda d: d.pop("name"), r"t\.toml: name: missing"),
    (lambda d: d.update(indicators=[]), r"indicators: at least one"),
    (lambda d: d.update(bonus=[{"metric": "proactive_share", "per": -1, "cap": 3}]), r"bonus\[0\]\.per: -1\.0 out of range"),
    (lambda d: d.update(exclusions={"assessable_only": False}), r"exclusions\.assessable_only"),
    (lambda d: d.update(tie_break="coin"), r"tie_break: unknown tie-break 'coin'"),
])
def test_validation_errors_name_file_and_field(change, message):
    with pytest.raises(SchemeError, match=message):
        parse_scheme(broken(change), "t.toml")


def test_overlapping_bands_message():
    doc = broken(lambda d: d["grades"][1].update(min=75))
    with pytest.raises(SchemeError) as err:
        parse_scheme(doc, "my-scheme.toml")
    assert str(err.value).startswith("my-scheme.toml: grades: bands ")
    assert "overlap" in str(err.value)


def test_weights_within_tolerance_accepted():
    doc = broken(lambda d: d["indicators"][0].update(weight=0.1 + 5e-10))
    assert parse_scheme(doc, "t.toml").indicators[0].weight == pytest.approx(0.1)


def test_unknown_scheme_and_bad_file(tmp_path):
    with pytest.raises(SchemeError, match=r"unknown scheme 'nope'.*shipped: beijing-3rates"):
        load_scheme("nope")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [", encoding="utf-8")
    with pytest.raises(SchemeError, match=r"bad\.toml: not valid TOML"):
        load_scheme(bad)
    good = tmp_path / "mine.toml"
    good.write_text((SCHEMES_DIR / "beijing-3rates.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert load_scheme(str(good)).name == "beijing-3rates"


def test_grade_of_boundaries():
    s = load_scheme("beijing-3rates")
    assert [s.grade_of(x).name_en for x in (100, 90, 89.999, 80, 70, 69.9, 0)] == [
        "Excellent", "Excellent", "Good", "Good", "Fair", "Poor", "Poor"]
    assert s.grade_of(float("nan")) is None
