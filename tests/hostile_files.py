"""Hostile import files built byte by byte (fast, no spreadsheet library needed)."""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from metrics.ingest.sheet_readers import column_letter

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""


def write_xlsx(path: Path, rows: list[list[tuple[int, str]]] | None = None, blank_rows: int = 0,
               stray_column: int = 16384, dimension: str | None = "auto") -> Path:
    """A one-sheet workbook: rows of (column number, text) cells, then blank_rows rows holding only
    one space in stray_column (XFD by default). dimension: "auto" (as Excel writes it), a range, or None."""
    rows = rows or []
    last_row = len(rows) + blank_rows
    widest = max([c for row in rows for c, _ in row] + ([stray_column] if blank_rows else []) + [1])
    if dimension == "auto":
        dimension = f"A1:{column_letter(widest)}{max(last_row, 1)}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/'
                      b'spreadsheetml/2006/main">')
            if dimension:
                out.write(f'<dimension ref="{dimension}"/>'.encode())
            out.write(b"<sheetData>")
            for r, row in enumerate(rows, start=1):
                cells = "".join(f'<c r="{column_letter(c)}{r}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}</t>'
                                f"</is></c>" for c, v in row)
                out.write(f'<row r="{r}">{cells}</row>'.encode())
            stray = column_letter(stray_column)
            for r in range(len(rows) + 1, last_row + 1):
                out.write(f'<row r="{r}"><c r="{stray}{r}" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row>'
                          .encode())
            out.write(b"</sheetData></worksheet>")
    return path
