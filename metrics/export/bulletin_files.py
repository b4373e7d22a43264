"""The bulletin's formats (format -> writer) and file names, for the command line and the page."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from metrics.assess.bulletin import Bulletin
from metrics.export.bulletin_docx import write_bulletin_docx
from metrics.export.pdf.bulletin import write_bulletin_pdf
from metrics.export.writers import safe_name

WRITERS: dict[str, Callable[[Bulletin, str], bytes]] = {"docx": write_bulletin_docx, "pdf": write_bulletin_pdf}
FORMATS = tuple(WRITERS)
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}


def bulletin_name(b: Bulletin, fmt: str, lang: str = "zh") -> str:
    """e.g. bulletin_2026-11_beijing-3rates_street_zh.docx"""
    return f"{safe_name(f'bulletin_{b.period.label}_{b.scheme.name}_{b.level}_{lang}')}.{fmt}"


def render_bulletin(b: Bulletin, fmt: str, lang: str = "zh") -> tuple[str, bytes]:
    if fmt not in WRITERS:
        raise ValueError(f"unknown bulletin format {fmt!r} (known: {', '.join(FORMATS)})")
    return bulletin_name(b, fmt, lang), WRITERS[fmt](b, lang)


def write_bulletin(b: Bulletin, fmt: str, out_dir: Path, lang: str = "zh") -> Path:
    """Write one format into out_dir (atomically: a reader never sees half a file); returns its path."""
    name, data = render_bulletin(b, fmt, lang)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    tmp = path.with_name(f".{name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
