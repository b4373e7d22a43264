"""The bulletin as a list of blocks (title, headings, paragraphs, tables, charts) both writers render.

The order and content of the 通报 is decided here once; metrics/export/bulletin_docx.py and
metrics/export/pdf/bulletin.py only draw blocks, so the docx and the PDF say the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass

from metrics.assess.bulletin import Bulletin, Row
from metrics.export import bulletin_charts as charts
from metrics.export import bulletin_text as bt
from metrics.core.registry import BY_ID
from metrics.export.text import fmt_value, metric_label, tx


@dataclass(frozen=True)
class Title:
    text: str
    lines: tuple[str, ...]                  # issue number, issuer, period (centred under the title)


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]               # relative column widths
    marked: tuple[bool, ...] = ()           # rows to shade (the black list)


@dataclass(frozen=True)
class Chart:
    png: bytes
    caption: str
    height_ratio: float                     # height / width of the image


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Title | Heading | Para | Table | Chart | PageBreak


def _list_mark(row: Row, lang: str) -> str:
    return {"red": bt.t("red", lang), "black": bt.t("black", lang)}.get(row.on_list or "", "")


def ranking_table(b: Bulletin, lang: str) -> Table:
    metrics = [i.metric for i in b.scheme.indicators]
    headers = (bt.t("c.rank", lang), bt.t("c.unit", lang), tx("parent", lang), bt.t("c.requests", lang),
               *(metric_label(m, lang) for m in metrics), bt.t("c.score", lang), bt.t("c.change", lang),
               bt.t("c.grade", lang), bt.t("c.list", lang))
    rows = []
    for r in b.ranked:
        values = dict(r.values)
        rows.append((str(r.rank), bt.name(r, lang), r.parent_name(lang), bt.count(r.requests),
                     *(fmt_value(BY_ID[m].unit if m in BY_ID else "rate", values[m]) for m in metrics),
                     bt.score(r.score), bt.signed_score(r.score_change), r.grade(lang) or "", _list_mark(r, lang)))
    widths = (6, 16, 11, 8, *(10,) * len(metrics), 9, 9, 8, 7)
    return Table(headers, tuple(rows), widths, tuple(r.on_list == "black" for r in b.ranked))


def floors_table(b: Bulletin, lang: str) -> Table | None:
    ids = list(dict.fromkeys(a.subject for a in b.floors))
    if not ids:
        return None
    rows = tuple((bt.name(b.row(u), lang), b.row(u).parent_name(lang), str(b.row(u).rank or ""), bt.score(b.row(u).score),
                  bt.floor_items(b, u, lang)) for u in ids)
    headers = (bt.t("c.unit", lang), tx("parent", lang), bt.t("c.rank", lang), bt.t("c.score", lang),
               bt.t("c.below", lang))
    return Table(headers, rows, (16, 12, 6, 9, 40))


def definitions_table(b: Bulletin, lang: str) -> Table:
    rows = tuple((d.label(lang), d.formula(lang)) for d in b.definitions)
    return Table((bt.t("c.metric", lang), bt.t("c.formula", lang)), rows, (18, 60))


def _ratio(png: bytes) -> float:
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    return height / width


def _chart(png: bytes, caption: str) -> Chart:
    return Chart(png, caption, _ratio(png))


def blocks(b: Bulletin, lang: str = "zh") -> list[Block]:
    """The whole 通报, in order."""
    period = b.period
    out: list[Block] = [Title(bt.t("title", lang), (
        bt.t("issue", lang, y=period.last_day.year, n=b.issue), bt.t("issuer", lang), bt.period_text(b, lang)))]
    out.append(Heading(bt.t("h.overview", lang)))
    out += [Para(p) for p in bt.overview(b, lang)]
    if b.trend:
        out.append(_chart(charts.monthly_bars(list(b.trend)), bt.t("chart.trend", lang)))
    out.append(Heading(bt.t("h.ranking", lang)))
    out += [Para(p) for p in bt.ranking(b, lang)]
    if b.ranked:
        out.append(ranking_table(b, lang))
    if b.unranked:
        out.append(Para(bt.sentence([bt.t("unranked", lang, items=bt.join(
            [bt.name(r, lang) for r in b.unranked], lang))], lang), small=True))
    out.append(Heading(bt.t("h.categories", lang)))
    out += [Para(p) for p in bt.categories(b, lang)]
    if b.rising:
        rows = [(m.category, m.requests, m.previous) for m in b.rising]
        out.append(_chart(charts.paired_bars(rows, bt.t("c.this", lang), bt.t("c.before", lang)),
                          bt.t("chart.categories", lang)))
    overdue = bt.overdue(b, lang)
    if overdue:
        out.append(Heading(bt.t("h.overdue", lang)))
        out += [Para(p) for p in overdue]
    out.append(Heading(bt.t("h.floors", lang)))
    out.append(Para(bt.floor_text(b, lang)))
    table = floors_table(b, lang)
    if table:
        out.append(table)
    out.append(Para(bt.t("closing", lang)))
    out.append(PageBreak())
    out.append(Heading(bt.t("h.annex", lang)))
    out += [Para(line) for line in bt.scheme_lines(b, lang)]
    out.append(Heading(bt.t("h.definitions", lang)))
    out.append(definitions_table(b, lang))
    return out
