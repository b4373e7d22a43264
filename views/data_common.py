"""Shared by the sections of the Data page: texts in the viewer's language and uploaded files on disk."""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from views.state import lang

MAX_UPLOAD_MB = 200


def translator(table: dict[str, tuple[str, str]]) -> Callable[..., str]:
    """``tx(key, **fmt)``: the (zh, en) pair of ``table[key]`` in the viewer's language, formatted."""
    def tx(key: str, **fmt: object) -> str:
        zh, en = table[key]
        text = en if lang() == "en" else zh
        return text.format(**fmt) if fmt else text
    return tx


def saved_upload(upload, too_big: str) -> Path | None:
    """The uploaded file written once per upload (not per rerun) to a temp folder; None (and an
    error naming the command-line way) when it exceeds MAX_UPLOAD_MB."""
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        st.error(too_big.format(mb=MAX_UPLOAD_MB))
        return None
    work = Path(tempfile.gettempdir()) / "gridscore-uploads" / upload.file_id
    work.mkdir(parents=True, exist_ok=True)
    path = work / Path(upload.name).name
    if not path.exists():
        path.write_bytes(upload.getvalue())
    return path
