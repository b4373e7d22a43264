"""Scorecards as an A4 PDF (fpdf2, Noto Sans CJK SC embedded).

Layout: cover page(s) with the scheme and the ranking, then exactly one page per unit card.
The number of cover pages is written into the PDF's keywords (``cover_pages=N``) so a reader
can check page count = cover pages + units.
"""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from metrics.export_pdf_charts import DARK, LIGHT, legend, loss_bar, paired_bars, trend_lines
from metrics.export_text import (fmt_num, fmt_value, level_label, method_label, metric_label,
                                 period_kind_label, tx)
from metrics.scorecard import ScorecardBook, UnitCard

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
CJK_SC = 2                       # index of Simplified Chinese in the Noto CJK collections
LEFT, TOP, WIDTH, BOTTOM = 15.0, 14.0, 180.0, 281.0
ROW = 5.0


class FontMissing(RuntimeError):
    """The Noto CJK fonts are not installed (Debian: apt-get install fonts-noto-cjk)."""


class _Doc(FPDF):
    def __init__(self, book: ScorecardBook, lang: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.book, self.lang = book, lang
        for style, file in (("", "NotoSansCJK-Regular.ttc"), ("B", "NotoSansCJK-Bold.ttc")):
            path = FONT_DIR / file
            if not path.exists():
                raise FontMissing(f"{path} is missing: install fonts-noto-cjk")
            self.add_font("noto", style, str(path), collection_font_number=CJK_SC)
        self.set_auto_page_break(False)
        self.set_margins(LEFT, TOP, LEFT)
        self.set_font("noto", "", 9)
        s = book.scheme
        self.set_title(f"{tx('title', lang)} {book.period_label}")
        self.set_subject(f"{s.name} v{s.version} · {book.level} · {book.period_label}")
        self.set_author(book.generated_by)
        self.set_creator("GridScore")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("noto", "", 7)
        self.set_text_color(90)
        s = self.book.scheme
        self.cell(WIDTH / 2, 4, f"GridScore · {s.name} v{s.version} · {self.book.period_label}")
        self.cell(WIDTH / 2, 4, tx("page", self.lang, i=self.page_no(), n="{nb}"), align="R")
        self.set_text_color(0)

    def text_at(self, x: float, y: float, w: float, h: float, text: str, size: float = 9,
                bold: bool = False, align: str = "L", fill: bool = False) -> None:
        self.set_font("noto", "B" if bold else "", size)
        self.set_xy(x, y)
        self.cell(w, h, self.fit(text, w, size, bold), align=align, fill=fill)

    def fit(self, text: str, w: float, size: float, bold: bool = False) -> str:
        """Text shortened with an ellipsis so it fits width w."""
        self.set_font("noto", "B" if bold else "", size)
        if self.get_string_width(text) <= w - 0.6:
            return text
        while text and self.get_string_width(text + "…") > w - 0.6:
            text = text[:-1]
        return text + "…"


def _period_text(book: ScorecardBook) -> str:
    return f"{book.period_label}（{book.period_start:%Y-%m-%d} – {book.period_last_day:%Y-%m-%d}）"


def _scheme_lines(book: ScorecardBook, lang: str) -> list[str]:
    s = book.scheme
    pct = " · ".join(f"{metric_label(i.metric, lang)} {100 * i.weight:g}%（{method_label(i.method, lang)}"
                     + (f"，{tx('target', lang)} {fmt_value('rate', i.target)}" if i.target else "") + "）"
                     for i in s.indicators)
    rules = [f"{tx(k, lang)}: {r.note or metric_label(r.metric, lang)}" for k, rs in
             (("bonus", s.bonus), ("deduction", s.deductions)) for r in rs]
    grades = " · ".join(f"{g.name_zh if lang == 'zh' else g.name_en} ≥{g.min:g}" for g in s.grades)
    return [
        f"{tx('indicator', lang)}: {pct}",
        f"{tx('period', lang)}: {period_kind_label(s.period.kind, s.period.start_day, lang)} · "
        f"{tx('min_volume', lang)}: {s.min_volume.n}（{s.min_volume.basis}） · "
        f"{tx('basic_credit', lang)}: {s.basic_credit:g}",
        f"{tx('rules', lang)}: {'；'.join(rules) if rules else tx('none', lang)}",
        f"{tx('grades', lang)}: {grades}",
        tx("score_formula", lang),
    ]


def _cover(pdf: _Doc, book: ScorecardBook, lang: str) -> int:
    """The cover: title, scheme, ranking (continued on further pages if long). Returns its page count."""
    s = book.scheme
    pdf.add_page()
    pdf.text_at(LEFT, TOP, WIDTH, 10, tx("title", lang), 20, bold=True)
    facts = [
        f"{tx('scheme', lang)}: {s.title_zh if lang == 'zh' else s.title_en}（{s.name} v{s.version}）",
        f"{tx('period', lang)}: {_period_text(book)}   {tx('level', lang)}: {level_label(book.level, lang)}",
        f"{tx('generated', lang)}: {book.generated_at:%Y-%m-%d %H:%M}   {tx('generated_by', lang)}: {book.generated_by}",
    ]
    y = TOP + 12
    for line in facts:
        pdf.text_at(LEFT, y, WIDTH, 5, line, 9.5)
        y += 5.2
    y += 2
    lines = _scheme_lines(book, lang)
    pdf.set_draw_color(0)
    pdf.set_font("noto", "", 8)
    box_top = y
    y += 2
    for line in lines:
        pdf.set_xy(LEFT + 3, y)
        pdf.multi_cell(WIDTH - 6, 4.2, line)
        y = pdf.get_y()
    pdf.rect(LEFT, box_top, WIDTH, y - box_top + 2)
    y += 6
    ranked, few = book.ranked, book.insufficient
    pdf.text_at(LEFT, y, WIDTH, 6, f"{tx('ranking', lang)} · " + tx("ranked_units", lang, n=len(ranked), m=len(few)),
                11, bold=True)
    y += 7
    cols = _ranking_columns(book, lang)
    y = _ranking_header(pdf, cols, y)
    pages = 1
    for card in ranked:
        if y + ROW > BOTTOM - 14:
            pdf.add_page()
            pages += 1
            y = _ranking_header(pdf, cols, TOP)
        y = _ranking_row(pdf, book, card, cols, y, lang)
    if few:
        text = "、".join(f"{c.display_name(lang)}（{c.volume}）" for c in few)
        pdf.set_font("noto", "", 8)
        needed = 8 + 4.2 * (pdf.get_string_width(text) / (WIDTH - 2) + 1)
        if y + needed > BOTTOM - 6:
            pdf.add_page()
            pages += 1
            y = TOP
        y += 3
        pdf.text_at(LEFT, y, WIDTH, 5, f"{tx('insufficient', lang)}（"
                    f"{tx('insufficient_note', lang, n=book.scheme.min_volume.n)}）", 9, bold=True)
        pdf.set_font("noto", "", 8)
        pdf.set_xy(LEFT, y + 5.5)
        pdf.multi_cell(WIDTH, 4.2, text)
    return pages


def _ranking_columns(book: ScorecardBook, lang: str) -> list[tuple[str, float]]:
    cols = [(tx("rank", lang), 10.0), (tx("unit", lang), 36.0), (tx("parent", lang), 26.0),
            (tx("score", lang), 17.0), (tx("grade", lang), 13.0), (tx("change", lang), 15.0)]
    rest = WIDTH - sum(w for _, w in cols) - 15.0
    k = max(len(book.metrics), 1)
    cols += [(metric_label(m, lang), rest / k) for m in book.metrics]
    return cols + [(tx("list", lang), 15.0)]


def _ranking_header(pdf: _Doc, cols: list[tuple[str, float]], y: float) -> float:
    pdf.set_fill_color(LIGHT)
    x = LEFT
    for label, w in cols:
        pdf.text_at(x, y, w, ROW + 0.5, label, 7.5, bold=True, align="C", fill=True)
        x += w
    return y + ROW + 0.5


def _ranking_row(pdf: _Doc, book: ScorecardBook, card: UnitCard, cols, y: float, lang: str) -> float:
    by_metric = {i.metric: i for i in card.indicators}
    values = [str(card.rank or ""), card.display_name(lang), card.parent or "", fmt_num(card.score),
              card.grade(lang) or "", fmt_num(card.change, signed=True)]
    values += [fmt_value(book.definition(m).unit if book.definition(m) else "rate",
                         by_metric[m].value if m in by_metric else None) for m in book.metrics]
    mark = {"red": f"▲{tx('red', lang)}", "black": f"▼{tx('black', lang)}"}.get(card.on_list or "", "")
    values.append(mark)
    fill = card.on_list == "black"
    pdf.set_fill_color(215 if fill else 255)
    x = LEFT
    for k, ((_, w), value) in enumerate(zip(cols, values)):
        align = "L" if k in (1, 2) else "C"
        pdf.text_at(x, y, w, ROW, value, 7.5, bold=bool(card.on_list) and k in (1, 3, len(cols) - 1),
                    align=align, fill=fill)
        x += w
    pdf.set_draw_color(LIGHT)
    pdf.line(LEFT, y + ROW, LEFT + WIDTH, y + ROW)
    pdf.set_draw_color(0)
    return y + ROW


def _unit_page(pdf: _Doc, book: ScorecardBook, card: UnitCard, lang: str) -> None:
    pdf.add_page()
    s = book.scheme
    pdf.set_fill_color(235)
    pdf.rect(LEFT, TOP, WIDTH, 18, style="F")
    pdf.text_at(LEFT + 3, TOP + 1.5, 110, 8, card.display_name(lang), 15, bold=True)
    pdf.text_at(LEFT + 3, TOP + 10.5, 110, 5, f"{tx('parent', lang)}: {card.parent or '—'} · "
                f"{level_label(book.level, lang)} · {card.unit_id}", 8)
    pdf.text_at(LEFT + 95, TOP + 2, 82, 5, f"{tx('period', lang)}: {_period_text(book)}", 8, align="R")
    pdf.text_at(LEFT + 95, TOP + 7.5, 82, 5, f"{tx('scheme', lang)}: {s.name} v{s.version}", 8, align="R")
    pdf.text_at(LEFT + 95, TOP + 12, 82, 5, f"{tx('volume', lang)}: {card.volume:,} · "
                f"{tx('requests', lang)}: {card.requests:,}", 8, align="R")
    y = _kpi_boxes(pdf, book, card, TOP + 22, lang)
    y = _indicator_table(pdf, book, card, y + 3, lang)
    y = _charts(pdf, book, card, y + 4, lang)
    y = _strengths(pdf, book, card, y + 2, lang)
    y = _drag_table(pdf, book, card, y + 3, lang)
    _definitions(pdf, book, y + 3, lang)


def _kpi_boxes(pdf: _Doc, book: ScorecardBook, card: UnitCard, y: float, lang: str) -> float:
    n = len(book.ranked)
    if card.insufficient:
        rank = tx("insufficient", lang)
    else:
        rank = f"{card.rank} / {n}"
    moved = card.rank_change
    moved_text = "" if moved is None else " · " + tx(
        "moved_up" if moved > 0 else "moved_down" if moved < 0 else "moved_none", lang, n=abs(moved))
    boxes = [(tx("score", lang), fmt_num(card.score)), (tx("grade", lang), card.grade(lang) or "—"),
             (tx("rank", lang), rank), (tx("change", lang), fmt_num(card.change, signed=True) + moved_text)]
    w = (WIDTH - 3 * 3) / 4
    pdf.set_draw_color(0)
    for k, (label, value) in enumerate(boxes):
        x = LEFT + k * (w + 3)
        pdf.set_line_width(0.5 if k == 0 else 0.2)
        pdf.rect(x, y, w, 17)
        pdf.text_at(x + 2, y + 1, w - 4, 4, label, 7.5)
        pdf.text_at(x + 2, y + 6, w - 4, 9, value, 16 if len(value) < 10 else 12 if len(value) < 14 else 10.5,
                    bold=True)
    pdf.set_line_width(0.2)
    return y + 17


def _indicator_table(pdf: _Doc, book: ScorecardBook, card: UnitCard, y: float, lang: str) -> float:
    cols = [("indicator", 28), ("value", 19), ("ci", 31), ("ind_score", 19), ("weight", 15),
            ("contribution", 20), ("city_value", 20), ("ind_rank", 28)]
    pdf.set_fill_color(LIGHT)
    x = LEFT
    for key, w in cols:
        pdf.text_at(x, y, w, ROW + 0.5, tx(key, lang), 7.5, bold=True, align="C", fill=True)
        x += w
    y += ROW + 0.5
    rows = []
    for line in card.indicators:
        d = book.definition(line.metric)
        unit = d.unit if d else "rate"
        ci = "—" if line.ci_low is None else f"{fmt_value('rate', line.ci_low)} – {fmt_value('rate', line.ci_high)}"
        rows.append([metric_label(line.metric, lang), fmt_value(unit, line.value), ci, fmt_num(line.score),
                     f"{100 * line.weight:g}%", fmt_num(line.contribution), fmt_value(unit, line.city_value),
                     "—" if line.rank is None else f"{line.rank} / {line.rank_of}"])
    if book.scheme.bonus:
        rows.append([tx("bonus", lang), "", "", "", "", fmt_num(card.bonus, signed=True), "", ""])
    if book.scheme.deductions:
        rows.append([tx("deduction", lang), "", "", "", "", fmt_num(-card.deduction, signed=True), "", ""])
    rows.append([tx("score", lang), "", "", "", "100%", fmt_num(card.score), "", ""])
    for k, values in enumerate(rows):
        bold = k == len(rows) - 1
        x = LEFT
        for (key, w), value in zip(cols, values):
            pdf.text_at(x, y, w, ROW, value, 8, bold=bold or key == "contribution", align="L" if key == "indicator" else "C")
            x += w
        pdf.set_draw_color(LIGHT if not bold else 0)
        pdf.line(LEFT, y if bold else y + ROW, LEFT + WIDTH, y if bold else y + ROW)
        y += ROW
    pdf.set_draw_color(0)
    return y


def _charts(pdf: _Doc, book: ScorecardBook, card: UnitCard, y: float, lang: str) -> float:
    half = (WIDTH - 6) / 2
    pdf.text_at(LEFT, y, half, 5, tx("vs_city", lang), 9.5, bold=True)
    pdf.text_at(LEFT + half + 6, y, half, 5, tx("trend", lang), 9.5, bold=True)
    legend(pdf, LEFT, y + 5.5, [("solid", tx("this_unit", lang)), ("hatch", tx("city_value", lang))])
    legend(pdf, LEFT + half + 6, y + 5.5, [("line", tx("this_unit", lang)), ("dash", tx("city_avg", lang))])
    rows = []
    for line in card.indicators:
        d = book.definition(line.metric)
        unit = d.unit if d else "rate"
        scale = 1.0 if unit == "rate" else max(v for v in (line.value, line.city_value, 1.0) if v is not None)
        rows.append((metric_label(line.metric, lang),
                     None if line.value is None else line.value / scale,
                     None if line.city_value is None else line.city_value / scale,
                     fmt_value(unit, line.value), fmt_value(unit, line.city_value)))
    bottom = paired_bars(pdf, LEFT, y + 12, half, rows)
    labels = [p.label[-5:] if p.label[-5:-2].isdigit() else p.label for p in card.trend]
    trend_lines(pdf, LEFT + half + 6, y + 10, half, 46, labels,
                [p.score for p in card.trend], [p.city_score for p in card.trend])
    return max(bottom, y + 57)


def _strengths(pdf: _Doc, book: ScorecardBook, card: UnitCard, y: float, lang: str) -> float:
    for key, line in (("strongest", card.strongest), ("weakest", card.weakest)):
        if line is None or len(card.indicators) < 2:
            continue
        d = book.definition(line.metric)
        unit = d.unit if d else "rate"
        diff = abs(line.gap or 0.0)
        diff_text = f"{100 * diff:.1f} {tx('pp', lang)}" if unit == "rate" else f"{diff:,.2f}"
        where = tx("ahead" if (line.gap or 0) >= 0 else "behind", lang, d=diff_text)
        pdf.text_at(LEFT, y, WIDTH, 5, f"{tx(key, lang)}: {metric_label(line.metric, lang)} "
                    f"{fmt_value(unit, line.value)}（{where}）", 8.5, bold=False)
        y += 5
    return y


def _drag_table(pdf: _Doc, book: ScorecardBook, card: UnitCard, y: float, lang: str) -> float:
    pdf.text_at(LEFT, y, WIDTH, 5, tx("drags", lang), 9.5, bold=True)
    y += 6
    if not card.drags:
        pdf.text_at(LEFT, y, WIDTH, 5, tx("none", lang), 8)
        return y + 5
    k = max(len(book.metrics), 1)
    cols = [(tx("category", lang), 32.0), (tx("requests", lang), 16.0), (tx("volume_short", lang), 18.0),
            (tx("points_lost", lang), 44.0)]
    cols += [(metric_label(m, lang), (WIDTH - 110) / k) for m in book.metrics]
    pdf.set_fill_color(LIGHT)
    x = LEFT
    for label, w in cols:
        pdf.text_at(x, y, w, ROW, label, 7.5, bold=True, align="C", fill=True)
        x += w
    y += ROW
    scale = max(d.points_lost for d in card.drags) or 1.0
    for drag in card.drags[:6]:
        rates = dict(drag.rates)
        values = [drag.category, f"{drag.requests:,}", f"{drag.visited:,}"]
        x = LEFT
        for (label, w), value in zip(cols[:3], values):
            pdf.text_at(x, y, w, ROW - 0.5, value, 7.5, align="L" if x == LEFT else "C")
            x += w
        pdf.set_font("noto", "", 7.5)
        loss_bar(pdf, x + 1, y, cols[3][1] - 2, ROW - 0.5, drag.points_lost, scale)
        x += cols[3][1]
        for (label, w), m in zip(cols[4:], book.metrics):
            pdf.text_at(x, y, w, ROW - 0.5, fmt_value("rate", rates.get(m)), 7.5, align="C")
            x += w
        y += ROW - 0.5
    return y


def _definitions(pdf: _Doc, book: ScorecardBook, y: float, lang: str) -> None:
    pdf.set_draw_color(DARK)
    pdf.line(LEFT, y, LEFT + WIDTH, y)
    pdf.text_at(LEFT, y + 1, WIDTH, 4, tx("definitions", lang), 7.5, bold=True)
    pdf.set_font("noto", "", 6.8)
    pdf.set_xy(LEFT, y + 5)
    for d in book.definitions:
        if pdf.get_y() > BOTTOM - 8:
            break
        pdf.set_x(LEFT)
        pdf.multi_cell(WIDTH, 3.4, f"{d.label(lang)}: {d.formula(lang)}")


def write_pdf(book: ScorecardBook, lang: str = "zh") -> bytes:
    """The PDF for book: cover page(s), then one page per card."""
    pdf = _Doc(book, lang)
    cover_pages = _cover(pdf, book, lang)
    for card in book.cards:
        _unit_page(pdf, book, card, lang)
    pdf.set_keywords(f"cover_pages={cover_pages} units={len(book.cards)}")
    return bytes(pdf.output())


def cover_page_count(keywords: str | None) -> int | None:
    """Read back the cover page count written by write_pdf."""
    for part in (keywords or "").split():
        if part.startswith("cover_pages="):
            return int(part.split("=", 1)[1])
    return None
