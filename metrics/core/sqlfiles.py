"""Static SQL files: each layer keeps its ``.sql`` files in its own ``sql/`` folder.

A file is named once across the package (``metrics/store/sql/schema.sql`` is ``schema``), so a
caller names the query, not the folder it lives in.
"""
from __future__ import annotations

import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


@functools.cache
def _index() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.glob("*/sql/*.sql")):
        if path.stem in found:
            raise RuntimeError(f"SQL file name {path.stem!r} is used twice: {found[path.stem]} and {path}")
        found[path.stem] = path
    return found


def read_sql(name: str) -> str:
    """The text of ``metrics/<layer>/sql/NAME.sql``."""
    try:
        path = _index()[name]
    except KeyError:
        raise KeyError(f"no SQL file {name}.sql under {PACKAGE}/*/sql/") from None
    return path.read_text(encoding="utf-8")
