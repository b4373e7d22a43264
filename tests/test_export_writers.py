"""The xlsx / pdf / csv writers over a hand-built scorecard book (no store needed)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import zipfile

import openpyxl
import pytest
from pypdf import PdfReader

from metrics.export.writers import write_batch_zip, write_book
from metrics.export.csv_writer import write_csv
from metrics.export.pdf.book import cover_page_count, write_pdf
from metrics.export.xlsx import write_xlsx
from metrics.assess.schemes import load_scheme
from metrics.assess.scorecard import (CategoryDrag, IndicatorLine, ScorecardBook, TrendPoint, UnitCard,
                               definitions_for)

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

NAMES = ["朝阳门街道", "建国门街道", "东直门街道", "和平里街道", "安定门街道", "交道口街道", "景山街道"]


def _card(k: int, scheme, n: int, insufficient: bool = False) -> UnitCard:
    lines = []
    for j, ind in enumerate(scheme.indicators):
        value = 0.95 - 0.03 * k + 0.01 * j
        lines.append(IndicatorLine(ind.metric, ind.weight, ind.method, value, 100 * value, 100.0,
                                   value - 0.05, min(1.0, value + 0.04), 100 * value, 0.85,
                                   None if insufficient else k + 1, n))
    score = sum(line.contribution for line in lines) + 1.0 - 0.4
    trend = tuple(TrendPoint(f"2026-{m:02d}", score - 6 + m * 0.7 if m != 5 else None, k + 1, 84.0)
                  for m in range(4, 10))
    drags = tuple(CategoryDrag(c, 40 - 5 * j, 30 - 4 * j, 2.5 - 0.4 * j,
                               tuple((i.metric, 0.7 + 0.02 * j) for i in scheme.indicators))
                  for j, c in enumerate(["物业管理", "噪音扰民", "供暖", "市政设施"]))
    return UnitCard(
        unit_id=f"S{k:03d}", name=NAMES[k % len(NAMES)] + ("" if k < len(NAMES) else str(k)),
        name_en=f"Street {k}", parent="东城区", requests=400 - k, volume=12 if insufficient else 300 - k,
        score=score, bonus=1.0, deduction=0.4, grade_zh="优秀" if score >= 90 else "良好",
        grade_en="Excellent" if score >= 90 else "Good", rank=None if insufficient else k + 1,
        insufficient=insufficient, previous_score=score - 1.5 + k * 0.3,
        previous_rank=None if insufficient else max(1, k), on_list="red" if k == 0 else None,
        indicators=tuple(lines), trend=trend, drags=drags,
    )


def sample_book(units: int = 5, insufficient: int = 1, scheme: str = "beijing-3rates-window") -> ScorecardBook:
    s = load_scheme(scheme)
    cards = [_card(k, s, units) for k in range(units)]
    cards[-1] = cards[-1].__class__(**{**cards[-1].__dict__, "on_list": "black"})
    cards += [_card(units + k, s, units, insufficient=True) for k in range(insufficient)]
    return ScorecardBook(
        scheme=s, period_label="2026-09", period_start=dt.date(2026, 8, 19), period_end=dt.date(2026, 9, 19),
        level="street", generated_at=dt.datetime(2026, 10, 2, 9, 30), generated_by="考核办 tester",
        ranking=tuple(cards), city=tuple((i.metric, 0.85) for i in s.indicators),
        definitions=definitions_for(s.metric_ids), trend_labels=tuple(f"2026-{m:02d}" for m in range(4, 10)),
    )


def test_xlsx_numbers_are_numbers():
    book = sample_book()
    wb = openpyxl.load_workbook(io.BytesIO(write_xlsx(book)))
    assert wb.sheetnames[:2] == ["考核排名", "评分卡"]
    ws = wb["考核排名"]
    assert ws.freeze_panes == "D5"
    header = [c.value for c in ws[4]]
    assert header[:6] == ["排名", "单位编码", "单位", "上级单位", "综合得分", "等级"]
    first = [c.value for c in ws[5]]
    assert first[0] == 1 and first[2] == "朝阳门街道"
    assert isinstance(first[4], float) and first[4] == pytest.approx(book.ranking[0].score)
    assert ws.cell(5, 5).number_format == "0.00"
    assert ws.cell(5, 10).number_format == "0.0%"
    last = [c.value for c in ws[4 + len(book.ranking)]]
    assert last[0] is None and last[5] == "样本不足"
    assert ws.auto_filter.ref.startswith("A4")
    cards = wb["评分卡"]
    rows = list(cards.iter_rows(min_row=5, values_only=True))
    per_unit = len(book.scheme.indicators) + 2       # + bonus and deduction lines
    assert len(rows) == per_unit * len(book.ranking)
    unit0 = [r for r in rows if r[1] == "S000"]
    assert sum(r[12] for r in unit0) == pytest.approx(book.ranking[0].score)


def test_pdf_pages_fonts_and_text(tmp_path):
    book = sample_book(units=5, insufficient=2)
    data = write_pdf(book)
    path = tmp_path / "book.pdf"
    path.write_bytes(data)
    reader = PdfReader(path)
    cover = cover_page_count(reader.metadata.get("/Keywords"))
    assert cover == 1
    assert len(reader.pages) == cover + len(book.ranking)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for card in book.ranking:
        assert card.name in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("yes" == r[-5] for r in rows), fonts


def test_pdf_long_ranking_continues_the_cover():
    book = sample_book(units=60, insufficient=3)
    reader = PdfReader(io.BytesIO(write_pdf(book.for_units(["S000", "S001"]))))
    cover = cover_page_count(reader.metadata.get("/Keywords"))
    assert cover >= 2 and len(reader.pages) == cover + 2


def test_csv_has_bom_and_numbers():
    book = sample_book()
    files = write_csv(book)
    ranking = files["ranking.csv"]
    assert ranking.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(ranking.decode("utf-8-sig"))))
    assert rows[0]["单位"] == "朝阳门街道"
    assert float(rows[0]["综合得分"]) == pytest.approx(book.ranking[0].score)
    assert files["scorecards.csv"].startswith(b"\xef\xbb\xbf")


def test_write_book_and_zip(tmp_path):
    book = sample_book()
    for fmt in ("xlsx", "pdf", "csv"):
        paths = write_book(book, fmt, tmp_path)
        assert paths and all(p.exists() and p.stat().st_size > 0 for p in paths)
    seen = []
    data = write_batch_zip(book, progress=lambda done, total, name: seen.append((done, total)))
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert sum(n.endswith(".pdf") for n in names) == len(book.ranking) + 1
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".csv") for n in names)
    assert seen[-1][0] == seen[-1][1]


def test_english_book():
    book = sample_book()
    wb = openpyxl.load_workbook(io.BytesIO(write_xlsx(book, "en")))
    assert wb.sheetnames[0] == "Ranking"
    assert PdfReader(io.BytesIO(write_pdf(book, "en"))).pages
