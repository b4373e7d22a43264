"""How names are compared: ignoring case, surrounding spaces and full/half-width forms.

:func:`name_key` (Python) and :func:`name_key_sql` (DuckDB) give the same key, so a unit named
"ＭＡＮＨＡＴＴＡＮ " in one file matches "Manhattan" in the store wherever the match is made.
"""
from __future__ import annotations

import re

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space fold to their half-width forms.
FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
_FOLD = str.maketrans(FULL_WIDTH, HALF_WIDTH)
_SPACES = re.compile(r"\s+")


def name_key(name: object) -> str:
    """The comparison key of a name: width-folded, lower case, spaces trimmed and collapsed."""
    return _SPACES.sub(" ", str(name).translate(_FOLD)).strip().lower()


def name_key_sql(expr: str) -> str:
    """A SQL expression computing :func:`name_key` of expr (NULL stays NULL)."""
    full = FULL_WIDTH.replace("'", "''")
    half = HALF_WIDTH.replace("'", "''")
    return f"lower(trim(regexp_replace(translate({expr}, '{full}', '{half}'), '\\s+', ' ', 'g')))"
