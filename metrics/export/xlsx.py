"""Scorecards as an Excel workbook (xlsxwriter): ranking, scorecards, trend, categories, scheme.

Every number is written as a number with a number format (never as text), a missing value as
an empty cell. Sheets have frozen headers, set widths, autofilters and an A4 print setup.
"""
from __future__ import annotations

import io

import xlsxwriter

from metrics.export.text import (SCORECARD_KEYS, grade_text, level_label, method_label, metric_label,
                                 period_kind_label, ranking_labels, tx)
from metrics.assess.scorecard import ScorecardBook, UnitCard
from metrics.export.xlsx_sheet import Sheet, cell_formats


def _kind(book: ScorecardBook, metric: str) -> str:
    return "rate" if book.unit_of(metric) == "rate" else "count"


def _ranking(wb, fmts, book: ScorecardBook, lang: str) -> None:
    sh = Sheet(wb, tx("ranking", lang), fmts)
    labels = ranking_labels(book.metrics, lang)
    widths = [6, 12, 18, 14, 10, 9, 9, 9, 10] + [10, 10] * len(book.metrics) + [8, 8, 11, 10]
    head = 3
    sh.title(book, lang, tx("ranking", lang), len(labels))
    sh.header(head, labels, widths)
    row = head
    for row, card in enumerate(book.ranking, start=head + 1):
        _ranking_row(sh, row, card, book, lang)
    ws = sh.ws
    ws.freeze_panes(head + 1, 3)
    ws.autofilter(head, 0, max(row, head + 1), len(labels) - 1)
    ws.set_row(head, 30)
    if book.ranking:
        ws.conditional_format(head + 1, 4, row, 4, {"type": "data_bar", "bar_color": "#7F7F7F",
                                                    "bar_solid": True, "min_type": "num", "min_value": 0,
                                                    "max_type": "num", "max_value": 100})
        for k in range(len(book.metrics)):
            col = 9 + 2 * k + 1
            ws.conditional_format(head + 1, col, row, col, {"type": "3_color_scale", "min_color": "#F8696B",
                                                            "mid_color": "#FFEB84", "max_color": "#63BE7B"})
        ws.conditional_format(head + 1, 6, row, 6, {"type": "icon_set", "icon_style": "3_arrows",
                              "icons": [{"criteria": ">", "type": "number", "value": 0},
                                        {"criteria": ">=", "type": "number", "value": 0}]})
    sh.print_setup(head, len(labels))


def _ranking_row(sh: Sheet, row: int, card: UnitCard, book: ScorecardBook, lang: str) -> None:
    sh.num(row, 0, card.rank, "int")
    sh.text(row, 1, card.unit_id)
    sh.text(row, 2, card.display_name(lang), "bold" if card.on_list else "text")
    sh.text(row, 3, card.parent)
    sh.num(row, 4, card.score, "score")
    sh.text(row, 5, grade_text(card, lang))
    sh.num(row, 6, card.change, "signed")
    sh.num(row, 7, card.rank_change, "signed_int")
    sh.text(row, 8, tx(card.on_list, lang) if card.on_list else "", card.on_list or "text")
    by_metric = {i.metric: i for i in card.indicators}
    for k, m in enumerate(book.metrics):
        line = by_metric.get(m)
        sh.num(row, 9 + 2 * k, line.value if line else None, _kind(book, m))
        sh.num(row, 10 + 2 * k, line.score if line else None, "score")
    col = 9 + 2 * len(book.metrics)
    sh.num(row, col, card.bonus, "score")
    sh.num(row, col + 1, card.deduction, "score")
    sh.num(row, col + 2, card.volume, "count")
    sh.num(row, col + 3, card.requests, "count")


SCORECARD_COLS = (*SCORECARD_KEYS, "note")


def _scorecards(wb, fmts, book: ScorecardBook, lang: str) -> None:
    sh = Sheet(wb, tx("scorecards", lang), fmts)
    widths = [6, 12, 18, 10, 9, 9, 14, 10, 10, 10, 10, 7, 9, 10, 9, 9, 9, 12]
    head = 3
    sh.title(book, lang, tx("scorecards", lang), len(SCORECARD_COLS))
    sh.header(head, [tx(k, lang) for k in SCORECARD_COLS], widths)
    row, breaks = head, []
    for card in book.cards:
        if row > head:
            breaks.append(row + 1)
        strongest, weakest = card.strongest, card.weakest
        for line in card.indicators:
            row += 1
            _card_prefix(sh, row, card, lang)
            sh.text(row, 6, metric_label(line.metric, lang))
            kind = _kind(book, line.metric)
            for col, value, fmt in ((7, line.value, kind), (8, line.ci_low, "rate"), (9, line.ci_high, "rate"),
                                    (10, line.score, "score"), (11, line.weight, "weight"),
                                    (12, line.contribution, "score"), (13, line.city_value, kind),
                                    (14, line.rank, "int"), (15, line.numerator, "score"),
                                    (16, line.denominator, "count")):
                sh.num(row, col, value, fmt)
            note = [tx("strongest", lang)] if line is strongest and len(card.indicators) > 1 else []
            note += [tx("weakest", lang)] if line is weakest and len(card.indicators) > 1 else []
            sh.text(row, 17, " ".join(note))
        for key, rules, points in (("bonus", book.scheme.bonus, card.bonus),
                                   ("deduction", book.scheme.deductions, -card.deduction if card.deduction else 0.0)):
            if rules:
                row += 1
                _card_prefix(sh, row, card, lang)
                sh.text(row, 6, tx(key, lang))
                sh.num(row, 12, points, "score")
    ws = sh.ws
    ws.freeze_panes(head + 1, 3)
    ws.autofilter(head, 0, max(row, head + 1), len(SCORECARD_COLS) - 1)
    ws.set_row(head, 30)
    ws.set_h_pagebreaks(breaks[:1000])
    sh.print_setup(head, len(SCORECARD_COLS))


def _card_prefix(sh: Sheet, row: int, card: UnitCard, lang: str) -> None:
    sh.num(row, 0, card.rank, "int")
    sh.text(row, 1, card.unit_id)
    sh.text(row, 2, card.display_name(lang))
    sh.num(row, 3, card.score, "score")
    sh.text(row, 4, grade_text(card, lang))
    sh.num(row, 5, card.change, "signed")


def _trend(wb, fmts, book: ScorecardBook, lang: str) -> None:
    sh = Sheet(wb, tx("trend_sheet", lang), fmts)
    labels = [tx("unit_id", lang), tx("unit", lang)] + list(book.trend_labels)
    head = 3
    sh.title(book, lang, tx("trend", lang), len(labels))
    sh.header(head, labels, [12, 18] + [10] * len(book.trend_labels))
    row = head
    for row, card in enumerate(book.cards, start=head + 1):
        sh.text(row, 0, card.unit_id)
        sh.text(row, 1, card.display_name(lang))
        scores = {p.label: p.score for p in card.trend}
        for k, label in enumerate(book.trend_labels):
            sh.num(row, 2 + k, scores.get(label), "score")
    sh.ws.freeze_panes(head + 1, 2)
    sh.ws.autofilter(head, 0, max(row, head + 1), len(labels) - 1)
    sh.print_setup(head, len(labels), landscape=False)


def _drags(wb, fmts, book: ScorecardBook, lang: str) -> None:
    sh = Sheet(wb, tx("drag_sheet", lang), fmts)
    labels = [tx(k, lang) for k in ("unit_id", "unit", "category", "requests", "volume", "points_lost")]
    labels += [metric_label(m, lang) for m in book.metrics]
    head = 3
    sh.title(book, lang, tx("drags", lang), len(labels))
    sh.header(head, labels, [12, 18, 14, 9, 11, 9] + [10] * len(book.metrics))
    row = head
    for card in book.cards:
        for drag in card.drags:
            row += 1
            sh.text(row, 0, card.unit_id)
            sh.text(row, 1, card.display_name(lang))
            sh.text(row, 2, drag.category)
            sh.num(row, 3, drag.requests, "count")
            sh.num(row, 4, drag.visited, "count")
            sh.num(row, 5, drag.points_lost, "score")
            rates = dict(drag.rates)
            for k, m in enumerate(book.metrics):
                sh.num(row, 6 + k, rates.get(m), _kind(book, m))
    sh.ws.freeze_panes(head + 1, 2)
    sh.ws.autofilter(head, 0, max(row, head + 1), len(labels) - 1)
    sh.print_setup(head, len(labels))


def _scheme(wb, fmts, book: ScorecardBook, lang: str) -> None:
    sh = Sheet(wb, tx("scheme_sheet", lang), fmts)
    ws, s = sh.ws, book.scheme
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 5, 14)
    sh.title(book, lang, tx("scheme_sheet", lang), 6)
    facts = [
        ("scheme", s.title_zh if lang == "zh" else s.title_en), ("version", f"{s.name} v{s.version}"),
        ("author", s.author), ("created", s.created),
        ("level", level_label(s.level, lang)),
        ("period", period_kind_label(s.period.kind, s.period.start_day, lang)),
        ("min_volume", f"{s.min_volume.n} ({s.min_volume.basis})"),
        ("formula", tx("score_formula", lang)), ("note", s.note),
    ]
    row = 3
    for key, value in facts:
        sh.text(row, 0, tx(key, lang), "bold")
        ws.merge_range(row, 1, row, 5, str(value), fmts["wrap"])
        if key == "note":
            ws.set_row(row, 15 * max(1, len(str(value)) // 80 + 1))
        row += 1
    sh.num(row, 1, s.basic_credit, "weight")
    sh.text(row, 0, tx("basic_credit", lang), "bold")
    row += 2
    sh.text(row, 0, tx("indicator", lang), "section")
    row += 1
    sh.header(row, [tx(k, lang) for k in ("indicator", "method", "weight", "target", "cap")], [18, 34, 14, 14, 14])
    for ind in s.indicators:
        row += 1
        sh.text(row, 0, metric_label(ind.metric, lang))
        sh.text(row, 1, method_label(ind.method, lang))
        sh.num(row, 2, ind.weight, "weight")
        sh.num(row, 3, ind.target, "rate")
        sh.num(row, 4, ind.cap if ind.method == "target" else None, "weight")
    row += 2
    sh.text(row, 0, tx("rules", lang), "section")
    for key, rules in (("bonus", s.bonus), ("deduction", s.deductions)):
        for rule in rules:
            row += 1
            sh.text(row, 0, tx(key, lang))
            ws.merge_range(row, 1, row, 5, f"{metric_label(rule.metric, lang)}: {rule.note} "
                           f"(per {rule.per:g}, above {rule.above:g}, cap {rule.cap:g})", fmts["text"])
    if not (s.bonus or s.deductions):
        row += 1
        sh.text(row, 0, tx("none", lang))
    row += 2
    sh.text(row, 0, tx("grades", lang), "section")
    quartiles = ("≥ Q3", "≥ Q2", "≥ Q1", "< Q1")     # grades = "quartiles": cut at the units' quartiles
    for k, grade in enumerate(s.grades):
        row += 1
        sh.text(row, 0, grade.name_zh if lang == "zh" else grade.name_en)
        sh.text(row, 1, quartiles[k] if s.grades_by == "quartiles" else
                f"[{grade.min:g}, {grade.max:g}{']' if grade.max >= 100 else ')'}")
    row += 2
    sh.text(row, 0, tx("definitions", lang), "section")
    row += 1
    for col, key in enumerate(("indicator", "formula", "direction")):
        ws.write_string(row, col, tx(key, lang), fmts["head"])
    for d in book.definitions:
        row += 1
        sh.text(row, 0, d.label(lang))
        sh.text(row, 1, d.formula(lang), "wrap")
        sh.text(row, 2, tx("higher_better" if d.higher_is_better else "lower_better", lang))
    sh.print_setup(None, 6, landscape=False)


def write_xlsx(book: ScorecardBook, lang: str = "zh") -> bytes:
    """The workbook for book, as bytes."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"title": f"{tx('title', lang)} {book.period_label}", "author": book.generated_by,
                       "subject": f"{book.scheme.name} v{book.scheme.version} {book.level}",
                       "company": "GridScore"})
    fmts = cell_formats(wb)
    _ranking(wb, fmts, book, lang)
    _scorecards(wb, fmts, book, lang)
    _trend(wb, fmts, book, lang)
    _drags(wb, fmts, book, lang)
    _scheme(wb, fmts, book, lang)
    wb.close()
    return buf.getvalue()
