"""The cell layer of the scorecard workbook: typed cell writers, title rows, print setup, cell formats.

Every number is written as a number with a number format (never as text), a missing value as an
empty cell; :mod:`metrics.export.xlsx` lays the sheets out with these.
"""
from __future__ import annotations

import xlsxwriter

from metrics.assess.scorecard import ScorecardBook, missing
from metrics.export.text import level_label, tx

RATE_FMT, SCORE_FMT, COUNT_FMT, WEIGHT_FMT = "0.0%", "0.00", "#,##0", "0.00"


class Sheet:
    """A worksheet with typed cell writers that keep numbers numeric."""

    def __init__(self, wb: xlsxwriter.Workbook, name: str, fmts: dict) -> None:
        self.ws = wb.add_worksheet(name[:31])
        self.f = fmts

    def num(self, row: int, col: int, value: object, kind: str) -> None:
        fmt = self.f[kind]
        if missing(value):
            self.ws.write_blank(row, col, None, fmt)
        else:
            self.ws.write_number(row, col, float(value), fmt)

    def text(self, row: int, col: int, value: object, kind: str = "text") -> None:
        self.ws.write_string(row, col, "" if value is None else str(value), self.f[kind])

    def header(self, row: int, labels: list[str], widths: list[float]) -> None:
        for col, (label, width) in enumerate(zip(labels, widths)):
            self.ws.write_string(row, col, label, self.f["head"])
            self.ws.set_column(col, col, width)

    def title(self, book: ScorecardBook, lang: str, what: str, ncols: int) -> None:
        self.ws.merge_range(0, 0, 0, max(ncols - 1, 1), f"{tx('title', lang)} · {what}", self.f["title"])
        self.ws.merge_range(1, 0, 1, max(ncols - 1, 1), subtitle(book, lang), self.f["sub"])
        if book.left_out:     # row 2: which indicators the data lacks and the weights that applied
            self.ws.merge_range(2, 0, 2, max(ncols - 1, 1), book.left_out_note(lang), self.f["note"])

    def print_setup(self, header_row: int | None, ncols: int, landscape: bool = True) -> None:
        ws = self.ws
        ws.set_paper(9)                 # A4
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)           # one page wide, as many tall as needed
        if header_row is not None:
            ws.repeat_rows(header_row)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&C&P / &N")
        ws.print_area(0, 0, max((header_row or 0) + 1, self.ws.dim_rowmax or 0), ncols - 1)


def subtitle(book: ScorecardBook, lang: str) -> str:
    """Scheme, period, level and who generated the book: the second line of every sheet."""
    s = book.scheme
    title = s.title_zh if lang == "zh" else s.title_en
    return (f"{tx('scheme', lang)}: {title} ({s.name} v{s.version})   "
            f"{tx('period', lang)}: {book.period_label} ({book.period_start:%Y-%m-%d} – {book.period_last_day:%Y-%m-%d})   "
            f"{tx('level', lang)}: {level_label(book.level, lang)}   "
            f"{tx('generated', lang)}: {book.generated_at:%Y-%m-%d %H:%M} {book.generated_by}")


def cell_formats(wb: xlsxwriter.Workbook) -> dict:
    """The named cell formats every sheet writes with (a CJK font, number formats, header and list colours)."""
    base = {"font_name": "Noto Sans CJK SC", "font_size": 10, "valign": "vcenter"}
    def f(**kw):
        return wb.add_format({**base, **kw})
    return {
        "title": f(bold=True, font_size=14),
        "sub": f(font_color="#444444", font_size=9),
        "head": f(bold=True, bg_color="#D9D9D9", border=1, text_wrap=True, align="center"),
        "text": f(), "bold": f(bold=True),
        "rate": f(num_format=RATE_FMT), "score": f(num_format=SCORE_FMT),
        "count": f(num_format=COUNT_FMT), "weight": f(num_format=WEIGHT_FMT),
        "int": f(num_format="0"), "signed": f(num_format="+0.00;-0.00;0.00"),
        "signed_int": f(num_format="+0;-0;0"),
        "section": f(bold=True, font_size=11, bottom=1),
        "red": f(bold=True, bg_color="#C6EFCE"), "black": f(bold=True, bg_color="#595959", font_color="#FFFFFF"),
        "wrap": f(text_wrap=True, valign="top"),
        "note": f(bold=True, font_color="#9C5700", font_size=9),
    }
