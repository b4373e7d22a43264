"""Shared by the sections of the Data page: texts in the viewer's language and uploaded files on disk."""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from views.auth import record
from views.state import lang

MAX_UPLOAD_MB = 200
_LOADED = "_uploads_loaded"   # file ids of uploads already loaded (and removed from disk)
LOADED_TEXT = ("此文件已导入并已从服务器删除；如需再次导入请重新上传。",
               "This file was loaded and removed from the server; upload it again to load it again.")


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


def loaded(upload) -> bool:
    """True once this upload was loaded (and its file removed); says so on the page."""
    if upload.file_id not in st.session_state.get(_LOADED, ()):
        return False
    st.info(LOADED_TEXT[lang() == "en"], icon=":material/check:")
    return True


def discard(path: Path) -> None:
    """Remove an upload saved by :func:`saved_upload` once it has been loaded: no copy stays on disk,
    and later reruns holding the same upload do not write it again."""
    st.session_state.setdefault(_LOADED, set()).add(path.parent.name)
    shutil.rmtree(path.parent, ignore_errors=True)


def audit_load(path: Path, kind: str, result=None, error: str | None = None) -> None:
    """Audit a load from the page (requests, units, boundaries): who, the file and its SHA-256, the counts."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    counts = {} if result is None else dict(
        import_id=result.import_id, error=result.error, read=result.read, inserted=result.inserted,
        updated=result.updated, rejected=result.rejected)
    record("import", kind=kind, file=path.name, sha256=digest, **counts, **({"error": error} if error else {}))
