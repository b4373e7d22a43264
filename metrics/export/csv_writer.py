"""Scorecards as CSV: UTF-8 with a BOM (so Excel opens the Chinese correctly), numbers unformatted.

Two files: ``ranking.csv`` (one row per unit) and ``scorecards.csv`` (one row per unit and
indicator, plus bonus / deduction lines), with the same columns as the Excel sheets.
"""
from __future__ import annotations

import csv
import io

from metrics.core.csvsafe import safe_row
from metrics.export.text import SCORECARD_KEYS, grade_text, metric_label, ranking_labels, tx
from metrics.assess.scorecard import ScorecardBook, missing

BOM = "\ufeff"


def _n(value: object) -> str:
    """A number as plain text with full precision; empty when missing."""
    if missing(value):
        return ""
    if isinstance(value, int):
        return str(value)
    return repr(round(float(value), 10))


def _encode(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    buf.write(BOM)
    csv.writer(buf, lineterminator="\r\n").writerows(safe_row(r) for r in rows)  # no formula cells
    return buf.getvalue().encode("utf-8")


def ranking_rows(book: ScorecardBook, lang: str = "zh") -> list[list[str]]:
    rows = [ranking_labels(book.metrics, lang) + [tx("insufficient", lang)]]
    for card in book.ranking:
        by_metric = {i.metric: i for i in card.indicators}
        row = [_n(card.rank), card.unit_id, card.display_name(lang), card.parent or "", _n(card.score),
               grade_text(card, lang), _n(card.change), _n(card.rank_change),
               tx(card.on_list, lang) if card.on_list else ""]
        for m in book.metrics:
            line = by_metric.get(m)
            row += [_n(line.value if line else None), _n(line.score if line else None)]
        row += [_n(card.bonus), _n(card.deduction), _n(card.volume), _n(card.requests),
                "1" if card.insufficient else "0"]
        rows.append(row)
    return rows


def scorecard_rows(book: ScorecardBook, lang: str = "zh") -> list[list[str]]:
    rows = [[tx(k, lang) for k in SCORECARD_KEYS]]
    for card in book.cards:
        prefix = [_n(card.rank), card.unit_id, card.display_name(lang), _n(card.score), grade_text(card, lang),
                  _n(card.change)]
        for line in card.indicators:
            rows.append(prefix + [metric_label(line.metric, lang), _n(line.value), _n(line.ci_low),
                                  _n(line.ci_high), _n(line.score), _n(line.weight), _n(line.contribution),
                                  _n(line.city_value), _n(line.rank), _n(line.numerator), _n(line.denominator)])
        if book.scheme.bonus:
            rows.append(prefix + [tx("bonus", lang)] + [""] * 5 + [_n(card.bonus)] + [""] * 4)
        if book.scheme.deductions:
            rows.append(prefix + [tx("deduction", lang)] + [""] * 5 + [_n(-card.deduction)] + [""] * 4)
    return rows


def write_csv(book: ScorecardBook, lang: str = "zh") -> dict[str, bytes]:
    """{'ranking.csv': ..., 'scorecards.csv': ...} as UTF-8-with-BOM bytes.

    When indicators were left out (not in the data), each file ends with a one-cell row saying so."""
    note = [[book.left_out_note(lang)]] if book.left_out else []
    return {"ranking.csv": _encode(ranking_rows(book, lang) + note),
            "scorecards.csv": _encode(scorecard_rows(book, lang) + note)}
