"""The bulletin as PDF (fpdf2), drawn from the same blocks as the docx, with the scorecards' CJK fonts."""
from __future__ import annotations

import io

from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from metrics.assess.bulletin import Bulletin
from metrics.export.bulletin_layout import Block, Chart, Heading, PageBreak, Para, Table, Title, blocks
from metrics.export.pdf.doc import add_cjk_fonts

MARGIN, WIDTH = 20.0, 170.0
RED = (192, 0, 0)


class BulletinDoc(FPDF):
    def __init__(self, b: Bulletin, lang: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.bulletin, self.lang = b, lang
        add_cjk_fonts(self)
        self.set_margins(MARGIN, 18, MARGIN)
        self.set_auto_page_break(True, margin=18)
        self.set_font("noto", "", 10.5)
        self.set_creator("GridScore")
        self.set_author("GridScore")
        self.set_subject(f"{b.scheme.name} v{b.scheme.version} · {b.level} · {b.period.label}")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("noto", "", 8)
        self.set_text_color(90)
        self.cell(0, 4, f"— {self.page_no()} —", align="C")
        self.set_text_color(0)


def _title(pdf: BulletinDoc, block: Title) -> None:
    pdf.set_title(f"{block.text} {block.lines[0]}")
    pdf.set_font("noto", "B", 20)
    pdf.set_text_color(*RED)
    pdf.cell(WIDTH, 12, block.text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    for k, line in enumerate(block.lines):
        pdf.set_font("noto", "", 11 if k == 0 else 9.5)
        pdf.cell(WIDTH, 6.5, line, align="C", new_x="LMARGIN", new_y="NEXT")
        if k == 0:
            pdf.set_draw_color(*RED)
            pdf.set_line_width(0.6)
            y = pdf.get_y() + 1
            pdf.line(MARGIN, y, MARGIN + WIDTH, y)
            pdf.set_line_width(0.2)
            pdf.set_draw_color(0)
            pdf.ln(3)
    pdf.ln(2)


def _table(pdf: BulletinDoc, block: Table) -> None:
    pdf.set_font("noto", "", 7.5)
    head = FontFace(family="noto", emphasis="BOLD", fill_color=(217, 217, 217), size_pt=7.5)
    with pdf.table(col_widths=block.widths, width=WIDTH, headings_style=head, repeat_headings=1,
                   line_height=4.2, text_align="CENTER", padding=0.6) as table:
        header = table.row()
        for text in block.headers:
            header.cell(text)
        for k, values in enumerate(block.rows):
            marked = bool(block.marked) and block.marked[k]
            style = FontFace(emphasis="BOLD", fill_color=(237, 237, 237)) if marked else None
            row = table.row(style=style)
            for j, text in enumerate(values):
                row.cell(text, align="LEFT" if j == 1 or len(block.headers) <= 2 else None)
    pdf.ln(3)


def _draw(pdf: BulletinDoc, block: Block) -> None:
    if isinstance(block, Title):
        _title(pdf, block)
    elif isinstance(block, Heading):
        if pdf.get_y() > pdf.h - 45:
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font("noto", "B", 13)
        pdf.cell(WIDTH, 8, block.text, new_x="LMARGIN", new_y="NEXT")
    elif isinstance(block, Para):
        size = 8.5 if block.small else 10.5
        pdf.set_font("noto", "", size)
        zh = pdf.lang == "zh"   # Chinese wraps between any two characters; English between words
        pdf.multi_cell(WIDTH, size * 0.62, ("\u3000\u3000" if zh else "") + block.text, align="L" if zh else "J",
                       wrapmode=WrapMode.CHAR if zh else WrapMode.WORD, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif isinstance(block, Table):
        _table(pdf, block)
    elif isinstance(block, Chart):
        height = WIDTH * block.height_ratio
        if pdf.get_y() + height + 8 > pdf.h - 18:
            pdf.add_page()
        pdf.image(io.BytesIO(block.png), x=MARGIN, w=WIDTH)
        pdf.set_font("noto", "", 8.5)
        pdf.cell(WIDTH, 5, block.caption, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    elif isinstance(block, PageBreak):
        pdf.add_page()


def write_bulletin_pdf(b: Bulletin, lang: str = "zh") -> bytes:
    pdf = BulletinDoc(b, lang)
    pdf.add_page()
    for block in blocks(b, lang):
        _draw(pdf, block)
    return bytes(pdf.output())
