"""CSV injection: a cell that a spreadsheet would read as a formula is written as text (OWASP).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``;
plain numbers (``-3.5``, ``1e-05``) are left as they are, so negative changes stay numbers.
Every CSV the dashboard or the command line hands out goes through :func:`safe_cell`.
"""
from __future__ import annotations

import re

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def safe_cell(value: object) -> object:
    """``value`` with a ``'`` in front if it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: list[object]) -> list[object]:
    return [safe_cell(v) for v in row]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and column names are neutralised (numbers and times untouched)."""
    out = frame.rename(columns=lambda c: safe_cell(c) if isinstance(c, str) else c)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell, na_action="ignore")
    return out
