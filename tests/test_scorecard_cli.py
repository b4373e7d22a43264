"""``python -m metrics scorecard`` on the demo store: every format read back equals ``python -m metrics scores``."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from metrics.assess.schemes import load_scheme
from metrics.export.pdf.book import cover_page_count
from metrics.export.text import metric_label

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2026-09"
CASES = [("beijing-3rates", "street"), ("beijing-3rates-window", "street"), ("cityscore", "street"),
         ("beijing-3rates", "department")]


def cli(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def scores(demo_store: Path):
    """The reference: the scores command's CSV rows per (scheme, level), keyed by unit_id."""
    out = {}
    for scheme, level in CASES:
        text = cli("scores", "--db", str(demo_store), "--period", PERIOD, "--scheme", scheme, "--level", level,
                   "--format", "csv")
        out[scheme, level] = {r["unit_id"]: r for r in csv.DictReader(io.StringIO(text))}
    return out


@pytest.fixture(scope="module")
def exported(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """Every format written by the scorecard command, per case: {fmt: [paths]}."""
    out = {}
    for scheme, level in CASES:
        where = tmp_path_factory.mktemp(f"{scheme}-{level}")
        log = where / "log.jsonl"
        files = {}
        for fmt in ("xlsx", "pdf", "csv"):
            printed = cli("scorecard", "--db", str(demo_store), "--period", PERIOD, "--scheme", scheme,
                          "--level", level, "--format", fmt, "--out", str(where / "out"), "--log", str(log))
            files[fmt] = [Path(line) for line in printed.splitlines()]
            assert files[fmt] and all(p.exists() for p in files[fmt])
        out[scheme, level] = (files, log)
    return out


def indicator_labels(scheme: str) -> list[tuple[str, str]]:
    """(metric id, its Chinese column label) of each indicator of the scheme (e.g. 响应率, 解决率, 满意率)."""
    return [(i.metric, metric_label(i.metric, "zh")) for i in load_scheme(scheme).indicators]


def _close(a: object, b: str, places: int) -> bool:
    if b in ("", None):
        return a in (None, "")
    return a not in (None, "") and round(float(a), places) == pytest.approx(float(b), abs=10 ** -places)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_xlsx_equals_scores(case, scores, exported):
    ref = scores[case]
    files, _ = exported[case]
    wb = openpyxl.load_workbook(files["xlsx"][0])
    ws = wb["考核排名"]
    header = [c.value for c in ws[4]]
    col = {name: header.index(name) for name in header}
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]]
    assert {r[col["单位编码"]] for r in rows} == set(ref)
    for r in rows:
        want = ref[r[col["单位编码"]]]
        assert r[col["单位"]] == want["unit_name"]
        assert _close(r[col["综合得分"]], want["score"], 4), (r, want)
        assert (r[col["排名"]] or "") == (int(want["rank"]) if want["rank"] else ""), (r, want)
        assert r[col["等级"]] == (want["grade"] or "样本不足")
        for metric, label in indicator_labels(case[0]):
            assert _close(r[col[label]], want[metric], 6)
        assert isinstance(r[col["综合得分"]], (float, int, type(None)))
    assert ws.freeze_panes == "D5" and ws.auto_filter.ref
    assert {"评分卡", "方案与口径"} <= set(wb.sheetnames)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_csv_equals_scores(case, scores, exported):
    ref = scores[case]
    files, _ = exported[case]
    ranking = next(p for p in files["csv"] if p.name.endswith("_ranking.csv"))
    raw = ranking.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["单位编码"] for r in rows} == set(ref)
    for r in rows:
        want = ref[r["单位编码"]]
        assert r["单位"] == want["unit_name"]
        assert _close(r["综合得分"], want["score"], 4)
        assert r["排名"] == want["rank"]
        for metric, label in indicator_labels(case[0]):
            assert _close(r[label], want[metric], 6)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_pdf_pages_fonts_names_and_scores(case, scores, exported):
    ref = scores[case]
    files, _ = exported[case]
    pdf = files["pdf"][0]
    reader = PdfReader(pdf)
    cover = cover_page_count(reader.metadata.get("/Keywords"))
    assert cover >= 1 and len(reader.pages) == cover + len(ref)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(r[-5] == "yes" for r in rows), fonts
    assert any("NotoSansCJKSC" in r[0] for r in rows)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    for k, want in enumerate(sorted(ref.values(), key=lambda r: (r["rank"] == "", float(r["rank"] or 0), r["unit_id"]))):
        page = pages[cover + k]
        assert want["unit_name"] in page and want["unit_id"] in page
        if want["score"]:   # the CSV's 4 decimals; the page's 2 are either rounding of any value behind them
            score = float(want["score"])
            assert any(f"{score + d:.2f}" in page for d in (-0.00005, 0.00005)), (want["unit_id"], score)


def test_one_unit_and_log(demo_store, scores, exported, tmp_path):
    ref = scores["beijing-3rates", "street"]
    best = next(r for r in ref.values() if r["rank"] == "1")
    printed = cli("scorecard", "--db", str(demo_store), "--period", PERIOD, "--scheme", "beijing-3rates",
                  "--unit", best["unit_id"], "--format", "pdf", "--out", str(tmp_path), "--log", str(tmp_path / "l.jsonl"))
    path = Path(printed.strip())
    assert best["unit_name"] in path.name
    reader = PdfReader(path)
    assert len(reader.pages) == cover_page_count(reader.metadata.get("/Keywords")) + 1
    entry = json.loads((tmp_path / "l.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert entry["units"] == [best["unit_id"]] and entry["format"] == "pdf" and entry["via"] == "cli"
    assert entry["files"][0]["name"] == path.name and entry["files"][0]["bytes"] == path.stat().st_size
    _, log = exported["beijing-3rates", "street"]
    assert [json.loads(line)["format"] for line in log.read_text(encoding="utf-8").splitlines()] == ["xlsx", "pdf", "csv"]


def test_batch_zip(demo_store, scores, tmp_path):
    ref = scores["beijing-3rates", "street"]
    printed = cli("scorecard", "--db", str(demo_store), "--period", PERIOD, "--scheme", "beijing-3rates",
                  "--format", "zip", "--out", str(tmp_path), "--log", str(tmp_path / "l.jsonl"))
    names = zipfile.ZipFile(Path(printed.strip())).namelist()
    assert sum(n.startswith("units/") for n in names) == len(ref)
    assert sum(n.endswith(".xlsx") for n in names) == 1 and sum(n.endswith(".csv") for n in names) == 2


def test_errors_name_the_problem(demo_store, tmp_path):
    for args, needle in ((["--unit", "NOPE"], "NOPE"), (["--scheme", "no-such"], "no-such")):
        proc = subprocess.run([sys.executable, "-m", "metrics", "scorecard", "--db", str(demo_store), "--period",
                               PERIOD, "--format", "csv", "--out", str(tmp_path), *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and needle in proc.stderr
