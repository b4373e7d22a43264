"""Who is looking: every query that reads requests takes a Viewer (DESIGN §7).

Scoping is enforced here, in the query layer, so adding login later changes no query.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb

Role = Literal["leader", "evaluator", "unit", "display", "admin"]


@dataclass(frozen=True)
class Viewer:
    role: Role
    scope_unit_id: str | None = None   # None = the whole territory; else a unit's subtree (or a department)
    may_see_personal: bool = False

    def scope_params(self) -> dict[str, object]:
        """Bound parameters for the scope predicate in metrics/sql (``$scope`` NULL = everything)."""
        return {"scope": self.scope_unit_id}


DEMO_VIEWER = Viewer(role="leader", scope_unit_id=None, may_see_personal=False)

# Appended to a WHERE clause over ``requests r``: the viewer's subtree, or the department it is.
SCOPE_PREDICATE = """(
    $scope IS NULL
    OR r.unit_id IN (SELECT a.unit_id FROM unit_ancestors a WHERE a.ancestor_id = $scope)
    OR r.dept_id = $scope
)"""


class AccessDenied(PermissionError):
    """The viewer reached for a unit outside its scope: "no access", never data."""


_IN_SCOPE_SQL = """
SELECT count(*) FROM units u
WHERE u.unit_id = $unit
  AND ($scope IS NULL OR u.unit_id IN (SELECT a.unit_id FROM unit_ancestors a WHERE a.ancestor_id = $scope))
"""


def in_scope(con: duckdb.DuckDBPyConnection, viewer: Viewer, unit_id: str | None) -> bool:
    """Whether ``unit_id`` (None: no unit asked for) is a unit the viewer may see."""
    if unit_id is None:
        return True
    return bool(con.execute(_IN_SCOPE_SQL, {"unit": unit_id, **viewer.scope_params()}).fetchone()[0])


def check_unit(con: duckdb.DuckDBPyConnection, viewer: Viewer, unit_id: str | None) -> None:
    """Raise :class:`AccessDenied` unless ``unit_id`` is within the viewer's scope."""
    if not in_scope(con, viewer, unit_id):
        raise AccessDenied(f"no access: unit {unit_id!r} is outside the scope of this account")
