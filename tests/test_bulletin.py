"""The monthly bulletin read back (docx with python-docx, PDF with pdftotext) against independent figures.

Figures come from ``python -m metrics scores`` (ranks, scores, grades, rates) and from the pandas
reference (tests/reference.py: totals, per-unit overdue) and plain pandas (category counts), never
from the bulletin model. Besides the targeted checks, every number printed anywhere in the docx must
be one of the expected figures, so a stray or wrong number (or a "None") cannot hide.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from docx import Document

from metrics.core.periods import latest_full_month, previous, same_period_last_year
from tests.reference import reference_totals, reference_unit_table

ROOT = Path(__file__).resolve().parents[1]
SCHEME = "beijing-3rates"
FLOORS = {"响应率": 0.92, "解决率": 0.80, "满意率": 0.85}
PASSING = 70.0
RATES = (("response_rate", "响应率"), ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"))
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def change_words(now: float, before: float, relative: bool) -> str:
    delta = (now - before) / before if relative else now - before
    text = f"{100 * abs(delta):.1f}"
    if text == "0.0":
        return "持平"
    return ("增长 " if delta > 0 else "下降 ") + (text + "%" if relative else text + " 个百分点")


@pytest.fixture(scope="module")
def made(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bulletin")
    con = duckdb.connect(str(demo_store), read_only=True)
    period = latest_full_month(con)
    requests = con.execute("SELECT * FROM requests").df()
    units = con.execute("SELECT * FROM units").df()
    con.close()
    label = period.label
    paths = cli("bulletin", "--db", str(demo_store), "--period", label, "--scheme", SCHEME, "--format", "docx",
                "--format", "pdf", "--out", str(out)).split()
    scores = json.loads(cli("scores", "--db", str(demo_store), "--period", label, "--scheme", SCHEME, "--format", "json"))
    before = json.loads(cli("scores", "--db", str(demo_store), "--period", previous(period).label, "--scheme", SCHEME,
                            "--format", "json"))

    def bounds(p):
        return dt.datetime.combine(p.start, dt.time()), dt.datetime.combine(p.end, dt.time())

    totals = {k: reference_totals(requests, units, *bounds(p)) for k, p in
              (("now", period), ("before", previous(period)), ("last_year", same_period_last_year(period)))}
    streets = reference_unit_table(requests, units, "street", *bounds(period))
    return dict(paths=[Path(p) for p in paths], period=period, requests=requests, units=units, scores=scores,
                before={r["unit_id"]: r for r in before}, totals=totals, streets=streets)


def docx_text(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    doc = Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs if p.text.strip()]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return paragraphs, tables


def expected_ranking(made: dict) -> list[list[str]]:
    parents = dict(zip(made["units"]["unit_id"], made["units"]["name"]))
    parent_of = dict(zip(made["units"]["unit_id"], made["units"]["parent_id"]))
    ranked = [r for r in made["scores"] if r["rank"] is not None]
    red = {r["unit_id"] for r in ranked[:3]}
    black = {r["unit_id"] for r in ranked[-3:]} - red
    rows = []
    for r in ranked:
        prev = made["before"].get(r["unit_id"], {}).get("score")
        change = "—" if prev is None else f"{r['score'] - prev:+.2f}"
        mark = "红榜" if r["unit_id"] in red else "黑榜" if r["unit_id"] in black else ""
        rows.append([str(r["rank"]), r["unit_name"], parents[parent_of[r["unit_id"]]], f"{r['requests']:,}",
                     *(pct(r[m]) for m, _ in RATES), f"{r['score']:.2f}", change, r["grade"], mark])
    return rows


def expected_sentences(made: dict) -> list[str]:
    """Phrases the narrative must contain, each with figures computed without the bulletin's code."""
    now, before, last = (made["totals"][k] for k in ("now", "before", "last_year"))
    p = made["period"]
    out = [f"{p.start.year}年{p.start.month}月1日至{p.last_day.year}年{p.last_day.month}月{p.last_day.day}日",
           f"共受理诉求 {now['requests']:,} 件",
           f"环比{change_words(now['requests'], before['requests'], True)}",
           f"同比{change_words(now['requests'], last['requests'], True)}",
           f"主动发现（未诉先办）占比 {pct(now['proactive_share'])}，较上月"
           f"{change_words(now['proactive_share'], before['proactive_share'], False)}",
           f"在办诉求 {now['backlog']:,} 件，其中超期 {now['overdue']:,} 件"]
    out += [f"{zh} {pct(now[m])}（较上月{change_words(now[m], before[m], False)}）" for m, zh in RATES]
    delta = now["overdue"] - before["overdue"]
    out.append("超期量较上月末" + ("持平" if delta == 0 else f"{'增加' if delta > 0 else '减少'} {abs(delta):,} 件"))
    ranked = [r for r in made["scores"] if r["rank"] is not None]
    out += [f"对 {len(made['scores'])} 个街道（乡镇）进行考核，{len(ranked)} 个参与排名",
            f"{len(made['scores']) - len(ranked)} 个因样本不足（少于 30 件）未排名",
            f"综合得分最高的是{ranked[0]['unit_name']}（{ranked[0]['score']:.2f} 分）",
            f"最低的是{ranked[-1]['unit_name']}（{ranked[-1]['score']:.2f} 分）",
            "红榜：" + "、".join(r["unit_name"] for r in ranked[:3]),
            "黑榜：" + "、".join(r["unit_name"] for r in ranked[::-1][:3])]
    below = {r["unit_id"] for r in ranked if r["score"] < PASSING
             or any(r[m] is not None and r[m] < FLOORS[zh] for m, zh in RATES)}
    out.append(f"{len(below)} 个参与排名的单位得分处于末档或有指标低于底线")
    reqs = made["requests"]
    start, end = (dt.datetime.combine(d, dt.time()) for d in (p.start, p.end))
    pstart = dt.datetime.combine(previous(p).start, dt.time())
    n_now = reqs[(reqs["received_at"] >= start) & (reqs["received_at"] < end)].groupby("category").size()
    n_before = reqs[(reqs["received_at"] >= pstart) & (reqs["received_at"] < start)].groupby("category").size()
    moves = pd.DataFrame({"now": n_now, "before": n_before}).fillna(0).astype(int)
    moves["inc"] = moves["now"] - moves["before"]
    moves = moves[moves["inc"] > 0].reset_index(names="category").sort_values(["inc", "category"],
                                                                             ascending=[False, True]).head(5)
    out += [f"{r.category}（{r.now:,} 件，增加 {r.inc:,} 件" + (f"，增长 {pct(r.inc / r.before)}）" if r.before else "）")
            for r in moves.itertuples()]
    names = dict(zip(made["units"]["unit_id"], made["units"]["name"]))
    overdue = made["streets"]["overdue"]
    top = sorted(((-int(n), uid) for uid, n in overdue.items() if n > 0))[:5]
    out.append("超期最多的单位：" + "、".join(f"{names[uid]}（{-n}）" for n, uid in top))
    return out


def test_docx_figures_equal_scores_and_reference(made: dict) -> None:
    paragraphs, tables = docx_text(next(p for p in made["paths"] if p.suffix == ".docx"))
    text = "\n".join(paragraphs)
    assert tables[0][1:] == expected_ranking(made)
    for phrase in expected_sentences(made):
        assert phrase in text, phrase
    assert "None" not in text and "nan" not in text.lower()
    # every number in the document is one the checks above expect, or a date / scheme parameter
    allowed_text = " ".join(expected_sentences(made)) + " ".join(" ".join(r) for r in expected_ranking(made))
    allowed = set(NUMBER.findall(allowed_text))
    p = made["period"]
    allowed |= {str(p.start.year), str(p.start.month), str(p.last_day.day), "1", "2", "12", "3",  # dates, 图1/2, 近12个月
                "10", "50", "40", "0.9", "30", "90", "80", "70", "0", "100", "1.0", "92.0", "80.0", "85.0"}
    floors_table = tables[1]
    for row in floors_table[1:]:
        allowed |= set(NUMBER.findall(" ".join(row)))
    stray = [n for n in NUMBER.findall(text + " ".join(" ".join(r) for t in tables[:1] for r in t)) if n not in allowed]
    assert not stray, stray
    score_by_name = {r["unit_name"]: r for r in made["scores"]}
    for row in floors_table[1:]:
        unit = score_by_name[row[0]]
        assert row[3] == f"{unit['score']:.2f}" and row[2] == str(unit["rank"])
        for m, zh in RATES:
            if unit[m] < FLOORS[zh]:
                assert f"{zh} {pct(unit[m])} < {pct(FLOORS[zh])}" in row[4]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_figures_and_fonts(made: dict) -> None:
    pdf = next(p for p in made["paths"] if p.suffix == ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for phrase in expected_sentences(made):
        assert re.sub(r"\s+", "", phrase) in flat, phrase
    lines = [re.sub(r"\s+", "", line) for line in text.splitlines()]
    for row in expected_ranking(made):
        assert "".join(row) in lines, row
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts


def test_without_return_visits_the_text_stays_honest(demo_store_copy: Path, tmp_path: Path) -> None:
    """No visit answers at all: no rate sentence, no 0 %, no None; timeliness figures take their place."""
    from metrics.store.snapshots import after_write, write_snapshot

    with write_snapshot(demo_store_copy) as con:
        con.execute("UPDATE requests SET visited = NULL, contacted = NULL, resolved = NULL, satisfaction = NULL")
        after_write(con)
    con = duckdb.connect(str(demo_store_copy), read_only=True)
    label = latest_full_month(con).label
    con.close()
    [path] = cli("bulletin", "--db", str(demo_store_copy), "--period", label, "--scheme", SCHEME, "--format",
                 "docx", "--out", str(tmp_path)).split()
    paragraphs, tables = docx_text(Path(path))
    text = "\n".join(paragraphs)
    assert "数据中没有回访记录" in text and "本期没有单位达到排名所需的样本量" in text
    assert "按时响应率" in text and "按期办结率" in text
    body = text.split("附件")[0]
    for _, zh in RATES:
        assert not re.search(rf"(?<!按时){zh} \d", body), zh
    assert "None" not in text and "nan" not in text.lower() and not re.search(r"(?<![\d.])0\.0%", text)
    assert not tables[:-1], "no ranking or floors table without ranked units"


def test_assessment_page_offers_the_bulletin(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GRIDSCORE_DB", str(demo_store))
    monkeypatch.setenv("GRIDSCORE_EXPORT_LOG", str(tmp_path / "exports.jsonl"))
    at = AppTest.from_file(str(ROOT / "views" / "assessment.py"), default_timeout=180)
    at.query_params["period"] = "2026-09"
    at.run()
    at.button(key="as_make_bulletin").click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = sorted(d.proto.label for d in at.get("download_button") if "通报" in d.proto.label)
    assert labels == ["月度通报 · DOCX", "月度通报 · PDF"], labels


def test_a_field_the_data_lacks_is_left_out_not_zero(demo_store_copy: Path, tmp_path: Path) -> None:
    """An export without a source column (接诉 / 未诉先办): the proactive share is not in the data, so the
    bulletin says nothing about it, rather than "0.0%"."""
    from metrics.store.snapshots import after_write, write_snapshot

    with write_snapshot(demo_store_copy) as con:
        con.execute("UPDATE requests SET source = NULL")
        after_write(con)
    con = duckdb.connect(str(demo_store_copy), read_only=True)
    label = latest_full_month(con).label
    con.close()
    [path] = cli("bulletin", "--db", str(demo_store_copy), "--period", label, "--scheme", SCHEME, "--format",
                 "docx", "--out", str(tmp_path)).split()
    paragraphs, _ = docx_text(Path(path))
    body = "\n".join(paragraphs).split("附件")[0]
    assert "诉求" in body and "满意率" in body          # the rest of the summary is still there
    assert "未诉先办" not in body and not re.search(r"(?<![\d.])0\.0%", body)
