"""Scorecards as an A4 PDF (fpdf2, Noto Sans CJK SC embedded).

Layout: cover page(s) with the scheme and the ranking, then exactly one page per unit card.
The number of cover pages is written into the PDF's keywords (``cover_pages=N``) so a reader
can check page count = cover pages + units.
"""
from __future__ import annotations

from metrics.export.pdf.charts import DARK, LIGHT, legend, loss_bar, paired_bars, trend_lines
from metrics.export.pdf.cover import draw_cover, period_text
from metrics.export.pdf.doc import BOTTOM, LEFT, ROW, TOP, WIDTH, Doc, FontMissing
from metrics.export.text import fmt_num, fmt_value, level_label, metric_label, tx
from metrics.assess.scorecard import ScorecardBook, UnitCard

__all__ = ["FontMissing", "cover_page_count", "write_pdf"]


def _unit_page(pdf: Doc, book: ScorecardBook, card: UnitCard, lang: str) -> None:
    pdf.add_page()
    s = book.scheme
    pdf.set_fill_color(235)
    pdf.rect(LEFT, TOP, WIDTH, 18, style="F")
    pdf.text_at(LEFT + 3, TOP + 1.5, 110, 8, card.display_name(lang), 15, bold=True)
    pdf.text_at(LEFT + 3, TOP + 10.5, 110, 5, f"{tx('parent', lang)}: {card.parent or '—'} · "
                f"{level_label(book.level, lang)} · {card.unit_id}", 8)
    pdf.text_at(LEFT + 95, TOP + 2, 82, 5, f"{tx('period', lang)}: {period_text(book)}", 8, align="R")
    pdf.text_at(LEFT + 95, TOP + 7.5, 82, 5, f"{tx('scheme', lang)}: {s.name} v{s.version}", 8, align="R")
    pdf.text_at(LEFT + 95, TOP + 12, 82, 5, f"{tx('volume', lang)}: {card.volume:,} · "
                f"{tx('requests', lang)}: {card.requests:,}", 8, align="R")
    y = _kpi_boxes(pdf, book, card, TOP + 22, lang)
    y = _indicator_table(pdf, book, card, y + 3, lang)
    y = _charts(pdf, book, card, y + 4, lang)
    y = _strengths(pdf, book, card, y + 2, lang)
    y = _drag_table(pdf, book, card, y + 3, lang)
    _definitions(pdf, book, y + 3, lang)


def _kpi_boxes(pdf: Doc, book: ScorecardBook, card: UnitCard, y: float, lang: str) -> float:
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


def _indicator_table(pdf: Doc, book: ScorecardBook, card: UnitCard, y: float, lang: str) -> float:
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
        unit = book.unit_of(line.metric)
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


def _charts(pdf: Doc, book: ScorecardBook, card: UnitCard, y: float, lang: str) -> float:
    half = (WIDTH - 6) / 2
    pdf.text_at(LEFT, y, half, 5, tx("vs_city", lang), 9.5, bold=True)
    pdf.text_at(LEFT + half + 6, y, half, 5, tx("trend", lang), 9.5, bold=True)
    legend(pdf, LEFT, y + 5.5, [("solid", tx("this_unit", lang)), ("hatch", tx("city_value", lang))])
    legend(pdf, LEFT + half + 6, y + 5.5, [("line", tx("this_unit", lang)), ("dash", tx("city_avg", lang))])
    rows = []
    for line in card.indicators:
        unit = book.unit_of(line.metric)
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


def _strengths(pdf: Doc, book: ScorecardBook, card: UnitCard, y: float, lang: str) -> float:
    for key, line in (("strongest", card.strongest), ("weakest", card.weakest)):
        if line is None or len(card.indicators) < 2:
            continue
        unit = book.unit_of(line.metric)
        diff = abs(line.gap or 0.0)
        diff_text = f"{100 * diff:.1f} {tx('pp', lang)}" if unit == "rate" else f"{diff:,.2f}"
        where = tx("ahead" if (line.gap or 0) >= 0 else "behind", lang, d=diff_text)
        pdf.text_at(LEFT, y, WIDTH, 5, f"{tx(key, lang)}: {metric_label(line.metric, lang)} "
                    f"{fmt_value(unit, line.value)}（{where}）", 8.5, bold=False)
        y += 5
    return y


def _drag_table(pdf: Doc, book: ScorecardBook, card: UnitCard, y: float, lang: str) -> float:
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


def _definitions(pdf: Doc, book: ScorecardBook, y: float, lang: str) -> None:
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
    pdf = Doc(book, lang)
    cover_pages = draw_cover(pdf, book, lang)
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
