"""The bulletin's two charts as PNG (Pillow, Noto Sans CJK SC), shared by the docx and the PDF.

Readable in black and white: the current month is solid dark, the comparison light grey with an
outline, and every bar carries its value.
"""
from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from metrics.export.pdf.doc import CJK_SC, FONT_DIR, FontMissing

W, H = 1800, 760
INK, DARK, LIGHT, GRID = (0, 0, 0), (60, 60, 60), (200, 200, 200), (230, 230, 230)


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = FONT_DIR / ("NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc")
    if not path.exists():
        raise FontMissing(f"{path} is missing: install fonts-noto-cjk")
    return ImageFont.truetype(str(path), size, index=CJK_SC)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    return float(step * (int(value / step) + 1))


def monthly_bars(months: list[tuple[str, int]]) -> bytes:
    """Vertical bars per month (oldest first); the last month solid, the others grey."""
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    small, label = _font(26), _font(28, bold=True)
    left, right, top, bottom = 110, W - 30, 40, H - 80
    top_value = _nice_max(max((n for _, n in months), default=0))
    for k in range(5):
        value = top_value * k / 4
        y = bottom - (bottom - top) * k / 4
        draw.line([(left, y), (right, y)], fill=GRID, width=2)
        draw.text((left - 12, y), f"{value:,.0f}", font=small, fill=DARK, anchor="rm")
    n = max(len(months), 1)
    slot = (right - left) / n
    for k, (month, value) in enumerate(months):
        x0 = left + k * slot + slot * 0.18
        x1 = left + (k + 1) * slot - slot * 0.18
        y = bottom - (bottom - top) * value / top_value
        last = k == len(months) - 1
        draw.rectangle([x0, y, x1, bottom], fill=DARK if last else LIGHT, outline=INK, width=2)
        draw.text(((x0 + x1) / 2, y - 8), f"{value:,}", font=label if last else small, fill=INK, anchor="md")
        draw.text(((x0 + x1) / 2, bottom + 14), month, font=small, fill=INK, anchor="ma")
    draw.line([(left, bottom), (right, bottom)], fill=INK, width=3)
    return _png(image)


def paired_bars(rows: list[tuple[str, int, int]], now_label: str, before_label: str) -> bytes:
    """Horizontal bars per category: this month (solid) above last month (grey), with values."""
    row_h = 92
    height = 90 + row_h * max(len(rows), 1)
    image = Image.new("RGB", (W, height), "white")
    draw = ImageDraw.Draw(image)
    small, bold = _font(28), _font(28, bold=True)
    left, right, top = 260, W - 160, 70
    x_legend = left
    for fill, text in ((DARK, now_label), (LIGHT, before_label)):
        draw.rectangle([x_legend, 18, x_legend + 40, 44], fill=fill, outline=INK, width=2)
        draw.text((x_legend + 52, 31), text, font=small, fill=INK, anchor="lm")
        x_legend += 80 + int(draw.textlength(text, font=small))
    top_value = max((max(a, b) for _, a, b in rows), default=1) or 1
    for k, (category, now, before) in enumerate(rows):
        y = top + k * row_h
        draw.text((left - 16, y + 34), category, font=bold, fill=INK, anchor="rm")
        for j, (value, fill) in enumerate(((now, DARK), (before, LIGHT))):
            y0 = y + 4 + j * 36
            x1 = left + (right - left) * value / top_value
            draw.rectangle([left, y0, max(x1, left + 2), y0 + 30], fill=fill, outline=INK, width=2)
            draw.text((x1 + 10, y0 + 15), f"{value:,}", font=bold if j == 0 else small, fill=INK, anchor="lm")
    draw.line([(left, top - 6), (left, top + row_h * len(rows) - 10)], fill=INK, width=3)
    return _png(image)
