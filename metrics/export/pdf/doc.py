"""The fpdf2 document the scorecard PDF is drawn on: A4, Noto Sans CJK SC embedded, a footer."""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from metrics.export.text import tx
from metrics.assess.scorecard import ScorecardBook

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
CJK_SC = 2                       # index of Simplified Chinese in the Noto CJK collections
LEFT, TOP, WIDTH, BOTTOM = 15.0, 14.0, 180.0, 281.0
ROW = 5.0


class FontMissing(RuntimeError):
    """The Noto CJK fonts are not installed (Debian: apt-get install fonts-noto-cjk)."""


def add_cjk_fonts(pdf: FPDF) -> None:
    """Register Noto Sans CJK SC (regular and bold) as the font family 'noto' (embedded as subsets)."""
    for style, file in (("", "NotoSansCJK-Regular.ttc"), ("B", "NotoSansCJK-Bold.ttc")):
        path = FONT_DIR / file
        if not path.exists():
            raise FontMissing(f"{path} is missing: install fonts-noto-cjk")
        pdf.add_font("noto", style, str(path), collection_font_number=CJK_SC)


class Doc(FPDF):
    def __init__(self, book: ScorecardBook, lang: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.book, self.lang = book, lang
        add_cjk_fonts(self)
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
