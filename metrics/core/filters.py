"""Request filters shared by every page: SQL with bound parameters, and the URL round trip (DESIGN §8).

The SQL is a predicate over ``r`` with the columns category, channel, source, urgency,
unit_id and dept_id, so it applies equally to ``requests r`` and to the roll-up tables.
Values are always bound parameters (``$f_categories`` …), never spliced into the SQL.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from metrics.core import sqldialect as sd

# field name -> (column of r, URL key)
_LISTS: dict[str, tuple[str, str]] = {
    "categories": ("category", "cat"),
    "channels": ("channel", "ch"),
    "sources": ("source", "src"),
    "urgencies": ("urgency", "urg"),
}
UNIT_KEY = "unit"


@dataclass(frozen=True)
class Filters:
    """Empty tuples and None mean "no restriction". ``unit_id`` keeps its subtree (or a department's requests)."""

    categories: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    unit_id: str | None = None

    def __post_init__(self) -> None:
        for name in _LISTS:  # normalise: sorted, unique tuples so equal filters hash (and cache) equally
            object.__setattr__(self, name, tuple(sorted(set(getattr(self, name)))))

    def where_sql(self) -> str:
        """A predicate over ``r`` (``TRUE`` when nothing is filtered); pair with :meth:`params`."""
        parts = [sd.in_list(f"r.{col}", f"f_{name}") for name, (col, _) in _LISTS.items() if getattr(self, name)]
        if self.unit_id is not None:
            parts.append(
                "(r.unit_id IN (SELECT fa.unit_id FROM unit_ancestors fa WHERE fa.ancestor_id = $f_unit)"
                " OR r.dept_id = $f_unit)"
            )
        return " AND ".join(parts) if parts else "TRUE"

    def params(self) -> dict[str, object]:
        """The bound parameters :meth:`where_sql` uses (only those)."""
        out: dict[str, object] = {f"f_{name}": list(getattr(self, name)) for name in _LISTS if getattr(self, name)}
        if self.unit_id is not None:
            out["f_unit"] = self.unit_id
        return out

    def to_query(self) -> dict[str, str]:
        """URL query parameters, e.g. ``{"cat": "噪音扰民,供暖", "unit": "S01"}`` (empty fields left out)."""
        out = {key: ",".join(getattr(self, name)) for name, (_, key) in _LISTS.items() if getattr(self, name)}
        if self.unit_id:
            out[UNIT_KEY] = self.unit_id
        return out

    @classmethod
    def from_query(cls, query: Mapping[str, object]) -> Filters:
        """Inverse of :meth:`to_query`; accepts comma-joined strings or lists (as st.query_params gives)."""
        def values(key: str) -> tuple[str, ...]:
            raw = query.get(key)
            if raw is None:
                return ()
            items = raw if isinstance(raw, (list, tuple)) else [raw]
            return tuple(v.strip() for item in items for v in str(item).split(",") if v.strip())

        unit = values(UNIT_KEY)
        return cls(**{name: values(key) for name, (_, key) in _LISTS.items()}, unit_id=unit[0] if unit else None)

    def with_unit(self, unit_id: str | None) -> Filters:
        return Filters(**{f.name: getattr(self, f.name) for f in fields(self) if f.name != "unit_id"}, unit_id=unit_id)
