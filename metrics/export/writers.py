"""Scorecard exports: one entry point for the page, the command line and the batch ZIP.

Writers live in export_xlsx / export_pdf / export_csv and take a :class:`ScorecardBook`;
this module names the files, writes them, and bundles a level's units into one ZIP.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from metrics.export.csv_writer import write_csv
from metrics.export.pdf.book import cover_page_count, write_pdf
from metrics.export.xlsx import write_xlsx
from metrics.assess.scorecard import ScorecardBook

FORMATS = ("xlsx", "pdf", "csv")
Progress = Callable[[int, int, str], None]


def safe_name(text: str) -> str:
    """A file-name-safe version of text (keeps Chinese, drops path and shell characters)."""
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text).strip("._") or "unit"


def file_stem(book: ScorecardBook) -> str:
    """e.g. scorecard_2026-09_beijing-3rates_street, with _<unit> when one unit is printed."""
    stem = f"scorecard_{book.period_label}_{book.scheme.name}_{book.level}"
    if book.unit_ids is not None and len(book.unit_ids) == 1:
        card = book.cards[0]
        stem += f"_{card.unit_id}_{card.name}"
    return safe_name(stem)


def render(book: ScorecardBook, fmt: str, lang: str = "zh") -> dict[str, bytes]:
    """The files of one format as {file name: bytes} (csv gives two files)."""
    stem = file_stem(book)
    if fmt == "xlsx":
        return {f"{stem}.xlsx": write_xlsx(book, lang)}
    if fmt == "pdf":
        return {f"{stem}.pdf": write_pdf(book, lang)}
    if fmt == "csv":
        return {f"{stem}_{name}": data for name, data in write_csv(book, lang).items()}
    raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def write_book(book: ScorecardBook, fmt: str, out_dir: Path, lang: str = "zh") -> list[Path]:
    """Write the files of one format into out_dir; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in render(book, fmt, lang).items():
        path = out_dir / name
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        paths.append(path)
    return paths


def split_pdf(data: bytes) -> list[bytes]:
    """Split a book's PDF into one PDF per card: the first cover page (scheme and the top of the
    ranking), then the unit's page. The whole ranking stays in the book's own PDF.

    Font subsetting dominates the cost of a PDF (about 2 s with the CJK font), so the batch
    renders the whole book once and splits it, instead of rendering each unit on its own.
    """
    reader = PdfReader(io.BytesIO(data))
    cover = cover_page_count((reader.metadata or {}).get("/Keywords")) or 1
    parts = []
    for k in range(cover, len(reader.pages)):
        writer = PdfWriter()
        for i in (0, k):
            writer.add_page(reader.pages[i])
        writer.add_metadata({**{key: str(v) for key, v in (reader.metadata or {}).items()},
                             "/Keywords": "cover_pages=1 units=1"})
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
        parts.append(out.getvalue())
    return parts


def write_batch_zip(book: ScorecardBook, lang: str = "zh", progress: Progress | None = None) -> bytes:
    """Every unit of the book's level in one ZIP.

    Contents: the workbook and the CSVs for all units, one PDF with every card, and
    units/NNN_<rank>_<id>_<name>.pdf per unit (the cover + its card). ``progress(done, total, item)``
    is called after each file.
    """
    whole = book.for_units([c.unit_id for c in book.ranking])
    cards = whole.cards
    total = 3 + len(cards)
    done = 0
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for fmt in FORMATS:
            files = render(whole, fmt, lang)
            for name, data in files.items():
                zf.writestr(name, data)
            done += 1
            if progress:
                progress(done, total, fmt)
            if fmt == "pdf":
                pdf = next(iter(files.values()))
        for k, (card, part) in enumerate(zip(cards, split_pdf(pdf)), start=1):
            name = safe_name(f"{card.rank or 'na'}_{card.unit_id}_{card.name}")
            zf.writestr(f"units/{k:03d}_{name}.pdf", part)
            done += 1
            if progress:
                progress(done, total, card.name)
    return buf.getvalue()
