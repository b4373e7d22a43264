"""Charts drawn with fpdf2 vector primitives, readable in black and white.

Series differ by fill pattern and marker shape, not by colour alone, and every bar and point
carries its value as a label.
"""
from __future__ import annotations

from fpdf import FPDF

from metrics.assess.scorecard import missing

INK, DARK, MID, LIGHT = 0, 70, 150, 225


def hatch(pdf: FPDF, x: float, y: float, w: float, h: float, step: float = 1.2) -> None:
    """A white box with diagonal hatching and a black outline (the 'city' pattern)."""
    pdf.set_fill_color(255)
    pdf.set_draw_color(INK)
    pdf.rect(x, y, w, h, style="DF")
    if w <= 0 or h <= 0:
        return
    pdf.set_line_width(0.15)
    with pdf.rect_clip(x, y, w, h):
        k = -h
        while k < w:
            pdf.line(x + k, y + h, x + k + h, y)
            k += step
    pdf.set_line_width(0.2)


def solid(pdf: FPDF, x: float, y: float, w: float, h: float, gray: int = DARK) -> None:
    pdf.set_fill_color(gray)
    pdf.set_draw_color(INK)
    pdf.rect(x, y, w, h, style="DF")


def legend(pdf: FPDF, x: float, y: float, items: list[tuple[str, str]]) -> None:
    """items: (kind, label) with kind 'solid', 'hatch', 'line', 'dash'."""
    pdf.set_font("noto", "", 7)
    for kind, label in items:
        if kind == "solid":
            solid(pdf, x, y + 0.6, 4, 2.6)
        elif kind == "hatch":
            hatch(pdf, x, y + 0.6, 4, 2.6)
        elif kind in ("line", "dash"):
            pdf.set_line_width(0.5 if kind == "line" else 0.3)
            if kind == "dash":
                pdf.set_dash_pattern(dash=1, gap=0.8)
            pdf.line(x, y + 1.9, x + 4, y + 1.9)
            pdf.set_dash_pattern()
            pdf.set_line_width(0.2)
        pdf.set_xy(x + 5, y)
        pdf.cell(pdf.get_string_width(label) + 1, 3.8, label)
        x += 5 + pdf.get_string_width(label) + 4


def paired_bars(pdf: FPDF, x: float, y: float, w: float, rows: list[tuple[str, float | None, float | None, str, str]],
                bar_h: float = 3.6, gap: float = 2.6) -> float:
    """Horizontal bars per row: (label, unit 0..1, city 0..1, unit text, city text).

    The unit is a solid dark bar, the city a hatched bar below it. Returns the y below the chart.
    """
    label_w, text_w = 22.0, 14.0
    track = w - label_w - text_w
    pdf.set_font("noto", "", 7.5)
    top_y = y
    for label, unit, city, unit_text, city_text in rows:
        pdf.set_xy(x, y + bar_h - 1.8)
        pdf.cell(label_w - 1, 3.6, label, align="R")
        for k, (value, text) in enumerate(((unit, unit_text), (city, city_text))):
            top = y + k * bar_h
            length = 0.0 if missing(value) else max(0.0, min(1.0, float(value))) * track
            if length > 0:
                (solid if k == 0 else hatch)(pdf, x + label_w, top, length, bar_h - 0.4)
            pdf.set_xy(x + label_w + length + 0.8, top)
            pdf.set_font("noto", "B" if k == 0 else "", 6.5)
            pdf.cell(text_w, bar_h - 0.4, text)
            pdf.set_font("noto", "", 7.5)
        y += 2 * bar_h + gap
    pdf.set_draw_color(INK)
    pdf.line(x + label_w, top_y - 1, x + label_w, y - gap + 0.5)
    return y


def trend_lines(pdf: FPDF, x: float, y: float, w: float, h: float, labels: list[str],
                unit: list[float | None], city: list[float | None]) -> None:
    """A score trend: the unit as a solid line with filled dots, the city dashed with open squares."""
    values = [v for v in unit + city if not missing(v)]
    if not values:
        pdf.set_xy(x, y + h / 2)
        pdf.cell(w, 4, "—", align="C")
        return
    lo, hi = max(0.0, min(values) - 3), min(100.0, max(values) + 3)
    step = next(s for s in (2, 5, 10, 20, 25) if (hi - lo) / s <= 5)
    lo, hi = step * (lo // step), step * -(-hi // step)
    steps = int(round((hi - lo) / step))
    left, bottom, plot_w, plot_h = x + 9, y + h - 6, w - 12, h - 9
    pdf.set_font("noto", "", 6.5)
    pdf.set_draw_color(LIGHT)
    pdf.set_line_width(0.15)
    for k in range(steps + 1):
        value = lo + (hi - lo) * k / steps
        yy = bottom - plot_h * k / steps
        pdf.line(left, yy, left + plot_w, yy)
        pdf.set_xy(x, yy - 1.5)
        pdf.cell(8, 3, f"{value:.0f}", align="R")
    pdf.set_draw_color(INK)
    pdf.set_line_width(0.2)
    pdf.line(left, bottom, left + plot_w, bottom)
    n = max(len(labels), 1)
    xs = [left + plot_w * (k + 0.5) / n for k in range(len(labels))]
    for xx, label in zip(xs, labels):
        pdf.set_xy(xx - 7, bottom + 0.8)
        pdf.cell(14, 3, label, align="C")

    def ys(series):
        return [None if missing(v) else bottom - plot_h * (float(v) - lo) / (hi - lo) for v in series]

    for series, dashed in ((city, True), (unit, False)):
        coords = list(zip(xs, ys(series)))
        points = [(xx, yy) for xx, yy in coords if yy is not None]
        pdf.set_line_width(0.3 if dashed else 0.6)
        if dashed:
            pdf.set_dash_pattern(dash=1.2, gap=0.9)
        for (xa, ya), (xb, yb) in zip(coords, coords[1:]):
            if ya is not None and yb is not None:
                pdf.line(xa, ya, xb, yb)
        pdf.set_dash_pattern()
        pdf.set_line_width(0.2)
        for (xx, yy), value in zip(points, [v for v in series if not missing(v)]):
            if dashed:
                pdf.set_fill_color(255)
                pdf.rect(xx - 0.9, yy - 0.9, 1.8, 1.8, style="DF")
            else:
                pdf.set_fill_color(INK)
                pdf.circle(xx, yy, 0.9, style="F")
                pdf.set_font("noto", "B", 6.5)
                pdf.set_xy(xx - 6, yy - 4.2)
                pdf.cell(12, 3, f"{value:.1f}", align="C")
                pdf.set_font("noto", "", 6.5)


def loss_bar(pdf: FPDF, x: float, y: float, w: float, h: float, value: float, scale: float) -> None:
    """A short grey bar for points lost, with its number."""
    length = 0.0 if scale <= 0 else max(0.0, min(1.0, value / scale)) * (w - 10)
    if length > 0:
        solid(pdf, x, y + 0.7, length, h - 1.4, MID)
    pdf.set_xy(x + length + 0.8, y)
    pdf.cell(10, h, f"{value:.2f}")
