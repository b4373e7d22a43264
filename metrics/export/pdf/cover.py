"""The scorecard PDF's cover: title, scheme, and the ranking (continued on further pages if long)."""
from __future__ import annotations

from metrics.export.pdf.charts import LIGHT
from metrics.export.pdf.doc import BOTTOM, LEFT, ROW, TOP, WIDTH, Doc
from metrics.export.text import (fmt_num, fmt_value, level_label, method_label, metric_label,
                                 period_kind_label, tx)
from metrics.assess.scorecard import ScorecardBook, UnitCard


def period_text(book: ScorecardBook) -> str:
    return f"{book.period_label}（{book.period_start:%Y-%m-%d} – {book.period_last_day:%Y-%m-%d}）"


def _scheme_lines(book: ScorecardBook, lang: str) -> list[str]:
    s = book.scheme
    pct = " · ".join(f"{metric_label(i.metric, lang)} {100 * i.weight:g}%（{method_label(i.method, lang)}"
                     + (f"，{tx('target', lang)} {fmt_value('rate', i.target)}" if i.target else "") + "）"
                     for i in s.indicators)
    rules = [f"{tx(k, lang)}: {r.note or metric_label(r.metric, lang)}" for k, rs in
             (("bonus", s.bonus), ("deduction", s.deductions)) for r in rs]
    grades = " · ".join(f"{g.name_zh if lang == 'zh' else g.name_en} ≥{g.min:g}" for g in s.grades)
    if s.grades_by == "quartiles":
        grades = " · ".join(f"{g.name_zh if lang == 'zh' else g.name_en} ≥{q}" for g, q in
                            zip(s.grades, ("Q3", "Q2", "Q1", "0")))
    return ([book.left_out_note(lang)] if book.left_out else []) + [
        f"{tx('indicator', lang)}: {pct}",
        f"{tx('period', lang)}: {period_kind_label(s.period.kind, s.period.start_day, lang)} · "
        f"{tx('min_volume', lang)}: {s.min_volume.n}（{s.min_volume.basis}） · "
        f"{tx('basic_credit', lang)}: {s.basic_credit:g}",
        f"{tx('rules', lang)}: {'；'.join(rules) if rules else tx('none', lang)}",
        f"{tx('grades', lang)}: {grades}",
        tx("score_formula", lang),
    ]


def draw_cover(pdf: Doc, book: ScorecardBook, lang: str) -> int:
    """The cover: title, scheme, ranking (continued on further pages if long). Returns its page count."""
    s = book.scheme
    pdf.add_page()
    pdf.text_at(LEFT, TOP, WIDTH, 10, tx("title", lang), 20, bold=True)
    facts = [
        f"{tx('scheme', lang)}: {s.title_zh if lang == 'zh' else s.title_en}（{s.name} v{s.version}）",
        f"{tx('period', lang)}: {period_text(book)}   {tx('level', lang)}: {level_label(book.level, lang)}",
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


def _ranking_header(pdf: Doc, cols: list[tuple[str, float]], y: float) -> float:
    pdf.set_fill_color(LIGHT)
    x = LEFT
    for label, w in cols:
        pdf.text_at(x, y, w, ROW + 0.5, label, 7.5, bold=True, align="C", fill=True)
        x += w
    return y + ROW + 0.5


def _ranking_row(pdf: Doc, book: ScorecardBook, card: UnitCard, cols, y: float, lang: str) -> float:
    by_metric = {i.metric: i for i in card.indicators}
    values = [str(card.rank or ""), card.display_name(lang), card.parent or "", fmt_num(card.score),
              card.grade(lang) or "", fmt_num(card.change, signed=True)]
    values += [fmt_value(book.unit_of(m), by_metric[m].value if m in by_metric else None) for m in book.metrics]
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
