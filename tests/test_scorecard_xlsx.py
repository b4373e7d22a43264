"""Every column of every sheet of the scorecard workbook, read back and checked cell by cell.

Ranking, scorecards and trend against ``python -m metrics scores`` (this period, the previous one and
the trend periods); the cells scores does not print (city values, Wilson intervals, numerators,
categories pulling down) against the pandas reference in tests/reference.py over the store's raw
rows; the scheme sheet against the scheme's TOML file. Four schemes, one of them a temporary scheme
with a basic-satisfied credit of 0.5.
"""
from __future__ import annotations

import contextlib
import csv
import io
import math
import tomllib
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from metrics.__main__ import main
from metrics.assess.schemes import SCHEMES_DIR, load_scheme
from metrics.core.periods import parse_month, previous, window_ending
from metrics.core.registry import BY_ID
from tests.reference import reference_totals, reference_unit_table

PERIOD = "2026-09"
LEVEL = "street"
HALF = "credit-half"           # a temporary copy of beijing-3rates with basic_credit = 0.5
CASES = ("beijing-3rates", "beijing-3rates-window", "cityscore-targets", HALF)
Z95 = 1.959963984540054

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")


def half_credit_scheme(directory: Path) -> Path:
    text = (SCHEMES_DIR / "beijing-3rates.toml").read_text(encoding="utf-8")
    for old, new in (('name = "beijing-3rates"', f'name = "{HALF}"'), ("basic_credit = 0.9", "basic_credit = 0.5"),
                     ('title_zh = "北京三率（10/50/40）"', 'title_zh = "三率（基本满意折算0.5）"')):
        assert old in text
        text = text.replace(old, new)
    path = directory / f"{HALF}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def schemes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The --scheme argument per case (a name, or the temporary file's path)."""
    path = half_credit_scheme(tmp_path_factory.mktemp("schemes"))
    return {name: str(path) if name == HALF else name for name in CASES}


def run_cli(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    assert code == 0, args
    return out.getvalue()


def scores_rows(db: Path, scheme: str, month: str) -> dict[str, dict[str, str]]:
    text = run_cli("scores", "--db", str(db), "--period", month, "--scheme", scheme, "--level", LEVEL, "--format", "csv")
    return {r["unit_id"]: r for r in csv.DictReader(io.StringIO(text))}


def month_of(label: str) -> str:
    """The --period argument for a period label (a window 'W2026-09' ends in month 2026-09)."""
    return label.removeprefix("W")


def raw_frames(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The store's raw requests and units, for the reference."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        requests = con.execute("SELECT * FROM requests").df()
        units = con.execute("SELECT unit_id, name, level, parent_id, population, staff FROM units").df()
    finally:
        con.close()
    return requests, units


@pytest.fixture(scope="module")
def raw(demo_store: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return raw_frames(demo_store)


@pytest.fixture(scope="module")
def workbooks(demo_store: Path, schemes, tmp_path_factory: pytest.TempPathFactory):
    """Per case: the workbook read back, and the scores rows of this period."""
    out = {}
    for name, arg in schemes.items():
        where = tmp_path_factory.mktemp(f"xlsx-{name}")
        printed = run_cli("scorecard", "--db", str(demo_store), "--period", PERIOD, "--scheme", arg, "--level", LEVEL,
                          "--format", "xlsx", "--out", str(where), "--log", str(where / "log.jsonl"))
        [path] = [Path(line) for line in printed.splitlines()]
        out[name] = (openpyxl.load_workbook(path), scores_rows(demo_store, arg, PERIOD))
    return out


def num(value: str) -> float | None:
    return None if value in ("", None) else float(value)


def same(cell: object, want: float | None, abs_tol: float) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return cell is None
    return isinstance(cell, (int, float)) and math.isclose(float(cell), float(want), abs_tol=abs_tol, rel_tol=0)


def table(ws, header_row: int = 4) -> tuple[list[str], list[tuple]]:
    header = [c.value for c in ws[header_row]]
    rows = [r for r in ws.iter_rows(min_row=header_row + 1, values_only=True) if any(v is not None for v in r)]
    return header, rows


def period_of(name: str, schemes) -> object:
    scheme = load_scheme(schemes[name])
    month = parse_month(PERIOD)
    if scheme.period.kind == "window":
        return window_ending(month.start.year, month.start.month, start_day=scheme.period.start_day)
    return month


def reference(raw, scheme, period, requests: pd.DataFrame | None = None) -> pd.DataFrame:
    req, units = raw
    p = period.params()
    return reference_unit_table(req if requests is None else requests, units, LEVEL, p["start"], p["end"],
                                basic_credit=scheme.basic_credit)


def ranking_order(rows: dict[str, dict[str, str]]) -> list[str]:
    return sorted(rows, key=lambda u: (rows[u]["rank"] == "", float(rows[u]["rank"] or 0), u))


@pytest.mark.parametrize("name", CASES)
def test_ranking_sheet_every_column(name, workbooks, schemes, demo_store, raw):
    wb, ref = workbooks[name]
    scheme = load_scheme(schemes[name])
    ws = wb["考核排名"]
    header, rows = table(ws)
    metrics = [i.metric for i in scheme.indicators]
    expected_header = ["排名", "单位编码", "单位", "上级单位", "综合得分", "等级", "较上期", "名次变化", "红黑榜"]
    for m in metrics:
        expected_header += [BY_ID[m].zh, f"{BY_ID[m].zh}指标得分"]
    assert header == expected_header + ["加分", "扣分", "有效回访量", "诉求量"]
    assert [r[1] for r in rows] == ranking_order(ref), "rows in rank order, insufficient last"
    before = scores_rows(demo_store, schemes[name], month_of(previous(period_of(name, schemes)).label))
    _, units = raw
    names = dict(zip(units["unit_id"], units["name"]))
    parent_name = {u: names.get(p) for u, p in zip(units["unit_id"], units["parent_id"])}
    ranked = [u for u in ranking_order(ref) if ref[u]["rank"]]
    red = set(ranked[:scheme.red_list_n])
    black = set(ranked[::-1][:scheme.black_list_n]) - red
    tail = 9 + 2 * len(metrics)
    for r in rows:
        want, prev = ref[r[1]], before.get(r[1])
        rank = int(want["rank"]) if want["rank"] else None
        assert r[0] == rank and r[2] == want["unit_name"] and r[3] == parent_name[r[1]], r
        assert same(r[4], num(want["score"]), 1e-4), r
        assert r[5] == (want["grade"] or "样本不足"), r
        change = None if prev is None or not want["score"] or not prev["score"] else float(want["score"]) - float(prev["score"])
        assert same(r[6], change, 2e-4), (r, prev)
        moved = None if prev is None or rank is None or not prev["rank"] else int(prev["rank"]) - rank
        assert r[7] == moved, (r, prev)
        assert r[8] == ("红榜" if r[1] in red else "黑榜" if r[1] in black else ""), r
        for k, m in enumerate(metrics):
            if m in want:
                assert same(r[9 + 2 * k], num(want[m]), 1e-6), (r, m)
            assert same(r[10 + 2 * k], num(want[f"{m}_score"]), 1e-4), (r, m)
        assert same(r[tail], num(want["bonus"]), 1e-4) and same(r[tail + 1], num(want["deduction"]), 1e-4), r
        assert r[tail + 2] == int(want["volume"]) and r[tail + 3] == int(want["requests"]), r
    assert len(ranked) >= 5 and red and black


def wilson(x: float, n: float) -> tuple[float | None, float | None]:
    if not n:
        return None, None
    p = x / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    half = Z95 / (1 + Z95 ** 2 / n) * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n))
    return (0.0 if x == 0 else max(0.0, centre - half)), (1.0 if x == n else min(1.0, centre + half))


@pytest.mark.parametrize("name", CASES)
def test_scorecards_sheet_every_column(name, workbooks, schemes, raw):
    wb, ref = workbooks[name]
    scheme = load_scheme(schemes[name])
    period = period_of(name, schemes)
    units_ref = reference(raw, scheme, period)
    p = period.params()
    city = reference_totals(raw[0], raw[1], p["start"], p["end"], basic_credit=scheme.basic_credit)
    header, rows = table(wb["评分卡"])
    assert header == ["排名", "单位编码", "单位", "综合得分", "等级", "较上期", "指标", "指标值", "95%区间下限",
                      "95%区间上限", "指标得分", "权重", "贡献分", "全市值", "指标排名", "分子", "分母", "说明"]
    ranked = [u for u in ref if ref[u]["rank"]]
    rules = [("加分", "bonus", 1)] * bool(scheme.bonus) + [("扣分", "deduction", -1)] * bool(scheme.deductions)
    per_unit = len(scheme.indicators) + len(rules)
    assert [r[1] for r in rows] == [u for u in ranking_order(ref) for _ in range(per_unit)]
    ranking = {r[1]: r for r in table(wb["考核排名"])[1]}
    for k, r in enumerate(rows):
        want, line = ref[r[1]], k % per_unit
        assert r[0] == (int(want["rank"]) if want["rank"] else None) and r[2] == want["unit_name"]
        assert same(r[3], num(want["score"]), 1e-4) and r[4] == (want["grade"] or "样本不足")
        assert r[5] == ranking[r[1]][6], "the change as on the ranking sheet (checked there)"
        if line >= len(scheme.indicators):
            label, column, sign = rules[line - len(scheme.indicators)]
            assert r[6] == label and same(r[12], sign * float(want[column]) + 0.0, 1e-4), r
            continue
        ind = scheme.indicators[line]
        m, unit = ind.metric, units_ref.loc[r[1]]
        assert r[6] == BY_ID[m].zh
        assert same(r[7], unit[m], 1e-9) and same(r[7], num(want[m]), 1e-6), r
        lo, hi = wilson(unit[f"{m}_num"], unit[f"{m}_den"])
        assert same(r[8], lo, 1e-9) and same(r[9], hi, 1e-9), r
        assert same(r[10], num(want[f"{m}_score"]), 1e-4) and same(r[11], ind.weight, 1e-12), r
        assert same(r[12], ind.weight * float(want[f"{m}_score"]) if want[f"{m}_score"] else None, 1e-4), r
        assert same(r[13], city[m], 1e-9), r
        values = {u: units_ref.at[u, m] for u in ranked if not pd.isna(units_ref.at[u, m])}
        ind_rank = 1 + sum(v > unit[m] + 1e-12 for v in values.values()) if r[1] in values else None
        assert r[14] == ind_rank, r
        assert same(r[15], unit[f"{m}_num"], 1e-9) and same(r[16], unit[f"{m}_den"], 1e-9), r
        gaps = {i.metric: units_ref.at[r[1], i.metric] - city[i.metric] for i in scheme.indicators
                if not pd.isna(units_ref.at[r[1], i.metric])}
        note = []
        if len(scheme.indicators) > 1 and m in gaps:
            note += ["优势指标"] * bool(gaps[m] == max(gaps.values())) + ["短板指标"] * bool(gaps[m] == min(gaps.values()))
        assert (r[17] or "") == " ".join(note), (r, gaps)


@pytest.mark.parametrize("name", CASES)
def test_trend_sheet_every_column(name, workbooks, schemes, demo_store):
    wb, ref = workbooks[name]
    header, rows = table(wb["近6期趋势"])
    labels = [previous(period_of(name, schemes))]
    while len(labels) < 5:
        labels.append(previous(labels[-1]))
    labels = [p.label for p in reversed(labels)] + [period_of(name, schemes).label]
    assert header == ["单位编码", "单位", *labels]
    assert [r[0] for r in rows] == ranking_order(ref) and [r[1] for r in rows] == [ref[u]["unit_name"] for u in ranking_order(ref)]
    for k, label in enumerate(labels):
        then = ref if k == len(labels) - 1 else scores_rows(demo_store, schemes[name], month_of(label))
        for r in rows:
            assert same(r[2 + k], num(then[r[0]]["score"]) if r[0] in then else None, 1e-4), (label, r)


def category_reference(raw, scheme, period) -> pd.DataFrame:
    """Per street × category, in plain pandas: requests, and num / den of the three visit rates
    (den = assessable visited requests; num = contacted / resolved / satisfied + credit × basic)."""
    req, units = raw
    p = period.params()
    req = req[(req["received_at"] >= p["start"]) & (req["received_at"] < p["end"])]
    parent, level = dict(zip(units["unit_id"], units["parent_id"])), dict(zip(units["unit_id"], units["level"]))

    def street_of(unit):
        while isinstance(unit, str) and level.get(unit) != LEVEL:
            unit = parent.get(unit)
        return unit

    req = req.assign(street=req["unit_id"].map({u: street_of(u) for u in req["unit_id"].dropna().unique()}))
    visited = (req["assessable"].fillna(False) & req["visited"].fillna(False)).astype(bool)
    credit = req["satisfaction"].map({"satisfied": 1.0, "basic": scheme.basic_credit}).fillna(0.0)
    work = pd.DataFrame({"street": req["street"], "category": req["category"], "requests": 1.0,
                         "den": visited.astype(float),
                         "response_rate_num": (visited & req["contacted"].fillna(False).astype(bool)).astype(float),
                         "resolution_rate_num": (visited & req["resolved"].fillna(False).astype(bool)).astype(float),
                         "satisfaction_rate_num": credit.where(visited, 0.0)})
    out = work.dropna(subset=["street"]).groupby(["street", "category"]).sum()
    for m in ("response_rate", "resolution_rate", "satisfaction_rate"):
        out[f"{m}_den"] = out["den"]
    return out


@pytest.mark.parametrize("name", CASES)
def test_drags_sheet_every_column(name, workbooks, schemes, raw):
    """Per unit, the categories costing most points: each figure recomputed per category in pandas."""
    wb, ref = workbooks[name]
    scheme = load_scheme(schemes[name])
    rates = [i.metric for i in scheme.indicators if BY_ID[i.metric].kind == "rate"]
    assert rates == ["response_rate", "resolution_rate", "satisfaction_rate"]
    header, rows = table(wb["拖累类别"])
    assert header == ["单位编码", "单位", "诉求类别", "诉求量", "有效回访量", "失分", *(BY_ID[m].zh for m in rates)]
    parts = category_reference(raw, scheme, period_of(name, schemes))
    whole = parts.groupby(level="street").sum()
    lost = sum(i.weight * 100 * (parts[f"{i.metric}_den"] - parts[f"{i.metric}_num"])
               / parts.index.get_level_values("street").map(whole[f"{i.metric}_den"]).to_numpy()
               for i in scheme.indicators)
    lost = lost[lost > 1e-12]
    assert rows, "the demo month has categories pulling units down"
    for r in rows:
        part = parts.loc[(r[0], r[2])]
        assert r[1] == ref[r[0]]["unit_name"]
        assert r[3] == part["requests"] and r[4] == part["den"], r
        assert same(r[5], lost[(r[0], r[2])], 1e-9), r
        for k, m in enumerate(rates):
            assert same(r[6 + k], part[f"{m}_num"] / part["den"] if part["den"] else None, 1e-9), (r, m)
    for unit in ref:
        shown = [r[5] for r in rows if r[0] == unit]
        mine = sorted(lost[unit].tolist(), reverse=True) if unit in lost.index.get_level_values("street") else []
        assert shown == pytest.approx(mine[:5], abs=1e-9), unit          # the top 5, largest first
    order = ranking_order(ref)
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), key=order.index), "units in ranking order"


@pytest.mark.parametrize("name", CASES)
def test_scheme_sheet_every_row(name, workbooks, schemes):
    """The scheme sheet against the scheme's TOML, read independently."""
    wb, _ = workbooks[name]
    path = Path(schemes[name]) if name == HALF else SCHEMES_DIR / f"{name}.toml"
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    ws = wb["方案与口径"]
    cells = [tuple(row) for row in ws.iter_rows(min_row=4, values_only=True)]
    facts = {row[0]: row[1] for row in cells if row[0] is not None}
    levels = {"street": "街道（乡镇）", "community": "社区（村）", "grid": "网格", "department": "职能部门"}
    period = doc["period"]
    assert facts["考核方案"] == doc["title_zh"] and facts["版本"] == f"{doc['name']} v{doc['version']}"
    assert facts["制定人"] == doc["author"] and facts["制定时间"] == str(doc["created"])
    assert facts["考核层级"] == levels[doc["level"]]
    assert facts["考核周期"] == ("自然月" if period["kind"] == "month"
                             else f"上月{period['start_day']}日至本月{period['start_day'] - 1}日")
    assert facts["最低样本量"] == f"{doc['min_volume']['n']} ({doc['min_volume']['metric']})"
    assert facts["说明"] == doc["note"].strip() and facts["计算公式"].startswith("综合得分 = Σ 权重 × 指标得分")
    assert facts["基本满意折算"] == doc["basic_credit"]
    methods = {"direct": "直接计分", "target": "目标达成", "minmax": "极差标准化", "percentile": "百分位"}
    start = next(k for k, row in enumerate(cells) if row[:5] == ("指标", "计分方法", "权重", "目标值", "封顶"))
    for k, ind in enumerate(doc["indicators"], start=start + 1):
        target = ind.get("target")
        assert cells[k][:5] == (BY_ID[ind["metric"]].zh, methods[ind["method"]], ind["weight"], target,
                                ind.get("cap", 1.0) if ind["method"] == "target" else None), cells[k]
    rules = [row for row in cells if row[0] in ("加分", "扣分")]
    assert len(rules) == len(doc.get("bonus", [])) + len(doc.get("deductions", []))
    for row, rule in zip(rules, doc.get("bonus", []) + doc.get("deductions", [])):
        assert row[1].startswith(f"{BY_ID[rule['metric']].zh}: ") and f"cap {rule['cap']:g}" in row[1]
    grades = {row[0]: row[1] for row in cells if row[0] in {g["name_zh"] for g in doc["grades"]}}
    assert grades == {g["name_zh"]: f"[{g['min']:g}, {g['max']:g}{']' if g['max'] >= 100 else ')'}"
                      for g in doc["grades"]}
    first = next(k for k, row in enumerate(cells) if row[:3] == ("指标", "计算公式", "方向"))
    metric_ids = list(dict.fromkeys([i["metric"] for i in doc["indicators"]]
                                    + [r["metric"] for r in doc.get("bonus", []) + doc.get("deductions", [])]))
    assert [row[:3] for row in cells[first + 1:first + 1 + len(metric_ids)]] == [
        (BY_ID[m].zh, BY_ID[m].formula_zh, "越高越好" if BY_ID[m].higher_is_better else "越低越好") for m in metric_ids]
