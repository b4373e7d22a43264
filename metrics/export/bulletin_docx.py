"""The bulletin as a Word document (python-docx): a 红头 title, sections, tables, charts, page numbers."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from metrics.assess.bulletin import Bulletin
from metrics.export.bulletin_layout import Block, Chart, Heading, PageBreak, Para, Table, Title, blocks

BODY_FONT, HEAD_FONT = "SimSun", "SimHei"
RED = RGBColor(0xC0, 0x00, 0x00)
TEXT_WIDTH_CM = 16.0


def _font(run, name: str, size: float, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _rule(paragraph, color: str = "C00000") -> None:
    """A red line under the paragraph (the 红头's rule)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", color)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row) -> None:
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _page_number(paragraph) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
        else:
            field = OxmlElement("w:instrText")
            field.set(qn("xml:space"), "preserve")
            field.text = text
        run._r.append(field)
    _font(run, BODY_FONT, 9)


def _title(doc, block: Title) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(block.text), HEAD_FONT, 22, bold=True, color=RED)
    for k, line in enumerate(block.lines):
        q = doc.add_paragraph()
        q.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(q.add_run(line), BODY_FONT, 12 if k == 0 else 10.5)
        if k == 0:
            _rule(q)


def _table(doc, block: Table) -> None:
    table = doc.add_table(rows=1, cols=len(block.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(block.widths)
    widths = [Cm(TEXT_WIDTH_CM * w / total) for w in block.widths]
    for column, width in zip(table.columns, widths):
        column.width = width
    header = table.rows[0]
    _repeat_header(header)
    for cell, text, width in zip(header.cells, block.headers, widths):
        cell.width = width
        _shade(cell, "D9D9D9")
        _font(cell.paragraphs[0].add_run(text), HEAD_FONT, 8, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for k, values in enumerate(block.rows):
        cells = table.add_row().cells
        marked = bool(block.marked) and block.marked[k]
        for j, (cell, text, width) in enumerate(zip(cells, values, widths)):
            cell.width = width
            if marked:
                _shade(cell, "EDEDED")
            _font(cell.paragraphs[0].add_run(text), BODY_FONT, 8, bold=marked)
            if j != 1 and len(block.headers) > 2:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph()


def _draw(doc, block: Block) -> None:
    if isinstance(block, Title):
        _title(doc, block)
    elif isinstance(block, Heading):
        p = doc.add_paragraph()
        p.paragraph_format.space_before = Pt(10)
        _font(p.add_run(block.text), HEAD_FONT, 14, bold=True)
    elif isinstance(block, Para):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        size = 9 if block.small else 12
        p.paragraph_format.first_line_indent = Pt(2 * size)
        p.paragraph_format.line_spacing = 1.3
        _font(p.add_run(block.text), BODY_FONT, size)
    elif isinstance(block, Table):
        _table(doc, block)
    elif isinstance(block, Chart):
        doc.add_picture(io.BytesIO(block.png), width=Cm(TEXT_WIDTH_CM))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption = doc.add_paragraph()
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(caption.add_run(block.caption), BODY_FONT, 9)
    elif isinstance(block, PageBreak):
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def write_bulletin_docx(b: Bulletin, lang: str = "zh") -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    props = doc.core_properties
    layout = blocks(b, lang)
    title = next(x for x in layout if isinstance(x, Title))
    props.title = f"{title.text} {title.lines[0]}"
    props.subject = f"{b.scheme.name} v{b.scheme.version} · {b.level} · {b.period.label}"
    props.author = "GridScore"
    for block in layout:
        _draw(doc, block)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
