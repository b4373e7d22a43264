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


def test_default_scheme_does_what_its_file_says():
    """The shipped default against what its own file states in words (title, header comment, note)."""
    text = (SCHEMES_DIR / "beijing-3rates.toml").read_text(encoding="utf-8")
    s = load_scheme("beijing-3rates")
    weights = {i.metric: i.weight for i in s.indicators}
    # title "北京三率（10/50/40）": response / resolution / satisfaction in percent
    title = [int(x) for x in re.search(r"(\d+)/(\d+)/(\d+)", s.title_zh).groups()]
    assert title == [round(100 * weights[m]) for m in ("response_rate", "resolution_rate", "satisfaction_rate")]
    # header comment: "score = 100 × (0.10 × 响应率 + 0.50 × 解决率 + 0.40 × 满意率)"
    formula = re.search(r"score = 100 × \((.*)\)", text).group(1)
    named = {"响应率": "response_rate", "解决率": "resolution_rate", "满意率": "satisfaction_rate"}
    stated = {named[label]: float(w) for w, label in re.findall(r"([\d.]+) × (\S+率)", formula)}
    assert stated == weights
    # note: "response 10 %, resolution 50 %, satisfaction 40 %", "credit 0.9", "At least 30 valid return visits"
    note = " ".join(s.note.split())
    for word, metric in (("response", "response_rate"), ("resolution", "resolution_rate"),
                         ("satisfaction", "satisfaction_rate")):
        assert f"{word} {round(100 * weights[metric])} %" in note
    assert float(re.search(r"credit (\d+(?:\.\d+)?)", note).group(1)) == s.basic_credit
    assert "满意 + 0.9 × 基本满意" in text and s.basic_credit == 0.9
    assert int(re.search(r"At least (\d+) valid return visits", note).group(1)) == s.min_volume.n
    assert s.min_volume.basis == "visited" and "Calendar month" in note and s.period.kind == "month"
    assert "No bonus or deduction" in note and s.bonus == s.deductions == ()


@pytest.mark.parametrize("metric", sorted(BY_ID))
def test_schemes_may_name_every_registry_metric(metric):
    """Every metric id of the registry can be named in a scheme: as an indicator if higher is better
    (direct for a rate, target otherwise), else as a deduction rule."""
    assert known_metric_ids() == set(BY_ID)
    doc = base_doc()
    entry = BY_ID[metric]
    if entry.higher_is_better:
        method = "direct" if entry.unit == "rate" else "target"
        doc["indicators"] = [{"metric": metric, "weight": 1.0, "method": method,
                              **({"target": 1.0} if method == "target" else {})}]
        assert parse_scheme(doc, "t.toml").indicators[0].metric == metric
    else:
        doc["deductions"] = [{"metric": metric, "per": 1.0, "cap": 5.0}]
        assert parse_scheme(doc, "t.toml").deductions[0].metric == metric


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
