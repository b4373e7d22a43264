"""The unit levels (DESIGN §3), written once for every layer.

Plain tuples and no imports, so the import command can read them without loading pandas.
The units table's CHECK (store/sql/schema.sql) lists the same ``LEVELS``; a test compares them.
"""
from __future__ import annotations

TERRITORIAL: tuple[str, ...] = ("city", "district", "street", "community", "grid")
"""The territorial tree, top down: a request's place is a unit of one of these levels."""

LEVELS: tuple[str, ...] = (*TERRITORIAL, "department")
"""Every level a unit may have: the territorial tree and the handling departments."""

RANKED_LEVELS: tuple[str, ...] = tuple(level for level in LEVELS if level != "city")
"""The levels whose units are compared with one another: what a scheme assesses and pages list."""


def child_level(level: str) -> str | None:
    """The level one step down the territorial tree (None below grids and for departments)."""
    if level not in TERRITORIAL or level == TERRITORIAL[-1]:
        return None
    return TERRITORIAL[TERRITORIAL.index(level) + 1]
