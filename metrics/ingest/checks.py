"""Placing and checking parsed rows: coordinates -> WGS-84 and units, then reasons and warnings.

:func:`place` fills ``_geo`` (rows with coordinates in range, converted, with the deepest unit
whose boundary holds them, and whether the point is a placeholder); :func:`check` builds
``_checked``: the final values of every row, its ``location_status`` and ``reasons`` (why it is
rejected; empty = kept) and ``warnings`` (doubtful values kept). No row is rejected for lack of
a place: a request no name and no point places sits on the city.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from metrics.ingest.coords import GridLocator, to_wgs84
from metrics.ingest.mapping import BOOLEANS, ENUMS, INTEGERS, NUMBERS, TEXT, TIMESTAMPS
from metrics.ingest.validate import EARLIEST, FUTURE_SLACK_MINUTES, MAX_ID_CHARS, Plan, lit, quoted

GEO_CHUNK = 250_000
IN_RANGE = "lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180"
# A single coordinate is a placeholder (a default point, not a place) when it holds at least
# CLUSTER_MIN_ROWS rows and CLUSTER_MIN_SHARE of the rows with coordinates, and those rows give
# at least CLUSTER_MIN_ADDRESSES distinct addresses (without an address column: a share of
# CLUSTER_SHARE_NO_ADDRESS is enough).
CLUSTER_MIN_ROWS = 5
CLUSTER_MIN_SHARE = 0.02
CLUSTER_MIN_ADDRESSES = 3
CLUSTER_SHARE_NO_ADDRESS = 0.05
LOCATION_STATUSES = ("point", "named", "unplaced", "placeholder", "outside")


@dataclass(frozen=True)
class Placeholder:
    """A coordinate that many rows share with many addresses: a default point, not a place."""

    lat: float
    lon: float
    rows: int
    addresses: int | None


def placeholder_clusters(con: duckdb.DuckDBPyConnection, has_address: bool) -> list[Placeholder]:
    """The single coordinates of _parsed that hold an implausible share of rows (source datum)."""
    total = con.execute(f"SELECT count(*) FROM _parsed WHERE {IN_RANGE}").fetchone()[0]
    # Only a coordinate holding its share of the rows can be one: count rows per coordinate first,
    # and distinct addresses only at those few (not at every one of a million coordinates).
    least = max(CLUSTER_MIN_ROWS, int((CLUSTER_MIN_SHARE if has_address else CLUSTER_SHARE_NO_ADDRESS) * total))
    addresses = "count(DISTINCT p.address)" if has_address else "NULL"
    rows = con.execute(f"""WITH c AS (SELECT lat, lon, count(*) AS n FROM _parsed WHERE {IN_RANGE}
            GROUP BY lat, lon HAVING count(*) >= $min)
        SELECT c.lat, c.lon, c.n, {addresses} AS a FROM c JOIN _parsed p ON p.lat = c.lat AND p.lon = c.lon
        GROUP BY c.lat, c.lon, c.n ORDER BY c.n DESC, c.lat, c.lon""", {"min": least}).fetchall()
    found = []
    for lat, lon, n, a in rows:
        if has_address and n >= CLUSTER_MIN_SHARE * total and a >= CLUSTER_MIN_ADDRESSES:
            found.append(Placeholder(lat, lon, n, a))
        elif not has_address and n >= CLUSTER_SHARE_NO_ADDRESS * total:
            found.append(Placeholder(lat, lon, n, None))
    return found


def place(con: duckdb.DuckDBPyConnection, crs: str, locator: GridLocator, has_address: bool = False,
          progress: Callable[[int, int], None] | None = None) -> list[Placeholder]:
    """_geo(_row, lon, lat, grid_id, placeholder) for every parsed row with coordinates in range.

    A point is a placeholder at (0, 0), outside the extent of the store's boundaries (when it has
    any), or on a placeholder cluster; placeholders are not placed. Returns the clusters found.
    """
    clusters = placeholder_clusters(con, has_address)
    con.execute("CREATE OR REPLACE TEMP TABLE _geo (_row BIGINT, lon DOUBLE, lat DOUBLE, grid_id VARCHAR, "
                "placeholder BOOLEAN)")
    con.execute("CREATE OR REPLACE TEMP TABLE _clusters (lat DOUBLE, lon DOUBLE)")
    if clusters:
        con.executemany("INSERT INTO _clusters VALUES (?, ?)", [(c.lat, c.lon) for c in clusters])
    lo, hi = con.execute(f"SELECT min(_row), max(_row) FROM _parsed WHERE {IN_RANGE}").fetchone()
    if lo is None:
        return clusters
    extent = locator.extent()
    for start in range(lo, hi + 1, GEO_CHUNK):
        part = con.execute(
            """SELECT p._row, p.lon, p.lat, (p.lat = 0 AND p.lon = 0) OR c.lat IS NOT NULL AS cluster
            FROM _parsed p LEFT JOIN _clusters c ON c.lat = p.lat AND c.lon = p.lon
            WHERE p.lat BETWEEN -90 AND 90 AND p.lon BETWEEN -180 AND 180 AND p._row >= $a AND p._row < $b""",
            {"a": start, "b": start + GEO_CHUNK},
        ).fetchnumpy()
        if len(part["_row"]) == 0:
            continue
        lon, lat = to_wgs84(part["lon"], part["lat"], crs)
        fake = np.asarray(part["cluster"], dtype=bool)
        if extent:
            fake |= (lon < extent[0]) | (lat < extent[1]) | (lon > extent[2]) | (lat > extent[3])
        grid = np.full(len(lon), None, dtype=object)
        real = np.flatnonzero(~fake)
        grid[real] = locator.locate(lon[real], lat[real])
        chunk = pa.table({"_row": part["_row"], "lon": lon, "lat": lat,
                          "grid_id": pa.array(grid.tolist(), type=pa.string()), "placeholder": pa.array(fake)})
        con.register("_geo_chunk", chunk)
        con.execute("INSERT INTO _geo SELECT * FROM _geo_chunk")
        con.unregister("_geo_chunk")
        if progress:
            progress(min(start + GEO_CHUNK, hi) - lo, hi - lo)
    return clusters


def _hint(plan: Plan, t: str) -> str:
    fmt = plan.formats.get(t)
    seen = f"this column reads as {fmt}" if fmt else "no format read this column"
    return f" ({seen}; another format: add timestamp_formats = [\"...\"] to the mapping)"


def _reasons(plan: Plan) -> list[str]:
    """CASE expressions over the ``base`` CTE, one per possible reason (NULL = not this one)."""
    src, label = plan.source, plan.label
    out = []
    if "request_id" not in src:
        out.append(lit(f"request_id: column {' / '.join(plan.missing['request_id'])} not in the file"))
    else:
        rid = label("request_id")
        out += [f"CASE WHEN request_id IS NULL THEN {lit(rid + ': missing')} END",
                f"CASE WHEN length(request_id) > {MAX_ID_CHARS} THEN {lit(f'{rid}: longer than {MAX_ID_CHARS} characters')} END",
                f"CASE WHEN request_id IS NOT NULL AND _row <> first_row "
                f"THEN {lit(rid + ': repeated in the file, first at row ')} || first_row END"]
    if "received_at" not in src:
        out.append(lit(f"received_at: column {' / '.join(plan.missing['received_at'])} not in the file"))
    else:
        out.append(f"CASE WHEN raw_received_at IS NULL THEN {lit(label('received_at') + ': missing')} END")
    for t in TIMESTAMPS:
        if t not in src:
            continue
        out.append(f"CASE WHEN raw_{t} IS NOT NULL AND {t} IS NULL THEN "
                   f"{lit(label(t) + ': cannot read ')} || {quoted('raw_' + t)} || {lit(' as a time' + _hint(plan, t))} END")
        out.append(f"CASE WHEN {t} < TIMESTAMP '{EARLIEST}' THEN {lit(label(t) + ': ')} || {quoted('raw_' + t)} "
                   f"|| ' read as ' || strftime({t}, '%Y-%m-%d') || {lit(', before ' + EARLIEST + _hint(plan, t))} END")
        if t not in ("respond_by", "resolve_by"):
            out.append(f"CASE WHEN {t} > now_local + INTERVAL {FUTURE_SLACK_MINUTES} MINUTE "
                       f"THEN {lit(label(t) + ': in the future (')} || strftime({t}, '%Y-%m-%d %H:%M') || ')' END")
    if "closed_at" in src or "updated_at" in src:
        out.append(f"CASE WHEN closed_final < received_at THEN "
                   f"{lit(label('closed_at' if 'closed_at' in src else 'updated_at') + ': before received_at')} END")
    for t in (*NUMBERS, *INTEGERS):
        if t in src:
            out.append(f"CASE WHEN raw_{t} IS NOT NULL AND {t} IS NULL THEN "
                       f"{lit(label(t) + ': not a number ')} || {quoted('raw_' + t)} END")
    if "returned_count" in src:
        out.append(f"CASE WHEN returned_count < 0 THEN {lit(label('returned_count') + ': negative')} END")
    for t in (*BOOLEANS, *ENUMS):
        if t in src:
            words = [str(k) for k in plan.mapping.values.get(t, {})] + list(plan.mapping.vocabulary(t))
            known = ", ".join(list(dict.fromkeys(words))[:10])
            out.append(f"CASE WHEN raw_{t} IS NOT NULL AND {t} IS NULL THEN {lit(label(t) + ': ')} "
                       f"|| {quoted('raw_' + t)} || {lit(' not in the vocabulary (' + known + ')')} END")
    return out


def _warnings(plan: Plan, has_bounds: bool) -> list[str]:
    src, label = plan.source, plan.label
    out = ["un_miss", "dp_miss"]
    if "first_contact_at" in src:
        out.append(f"CASE WHEN first_contact_at < received_at THEN {lit(label('first_contact_at') + ': before received_at')} END")
    if "status" in src:
        out.append(f"CASE WHEN status = 'closed' AND closed_final IS NULL THEN {lit(label('status') + ': closed but no closed_at')} END")
        out.append(f"CASE WHEN status = 'open' AND closed_final IS NOT NULL THEN {lit(label('status') + ': open but closed_at is set')} END")
    if "lat" in src and "lon" in src:
        where = f"{label('lat')}/{label('lon')}"
        point = "'(' || round(lat, 6) || ', ' || round(lon, 6) || ')'"
        out += [f"CASE WHEN lat IS NOT NULL AND lon IS NOT NULL AND g_row IS NULL "
                f"THEN {lit(where + ': out of range; ignored')} END",
                f"CASE WHEN placeholder THEN {lit(where + ': ')} || {point} || ' is a placeholder point; not used' END",
                f"CASE WHEN {has_bounds} AND coords_ok AND grid_id IS NULL THEN {lit(where + ': point outside every boundary; ')} "
                f"|| CASE WHEN un_id IS NULL THEN 'placed on the city' ELSE 'unit from the names' END END",
                "CASE WHEN grid_id IS NOT NULL AND un_id IS NOT NULL AND NOT grid_in_unit "
                "THEN 'lat/lon: point in ' || grid_id || ', outside the named unit ' || un_id || '; named unit kept' END"]
    for t in TEXT:
        if t in src:
            out.append(f"CASE WHEN contains({t}, chr(65533)) THEN {lit(label(t) + ': undecodable characters replaced')} END")
    return out


def city_of(con: duckdb.DuckDBPyConnection) -> str | None:
    """The store's city unit (where requests no name or point places go), if it has exactly one."""
    rows = con.execute("SELECT unit_id FROM units WHERE level = 'city' LIMIT 2").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def check(con: duckdb.DuckDBPyConnection, plan: Plan, tz: str, has_bounds: bool = True) -> None:
    """_parsed + _geo -> _checked(final columns, location_status, reasons VARCHAR[], warnings VARCHAR[])."""
    src = plan.source
    visited = "visited"
    if "visited" not in src and set(src) & {"visited_at", "contacted", "resolved", "satisfaction"}:
        visited = ("coalesce(visited, visited_at IS NOT NULL OR contacted IS NOT NULL "
                   "OR resolved IS NOT NULL OR satisfaction IS NOT NULL)")
    status = "coalesce(status, CASE WHEN closed_final IS NOT NULL THEN 'closed' ELSE 'open' END)"
    detail = "coalesce(status_detail, raw_status)" if "status" in src else "status_detail"
    reasons = ",\n  ".join(_reasons(plan))
    warnings = ",\n  ".join(_warnings(plan, has_bounds))
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _checked AS
WITH repeated AS (   -- a hash aggregate on two columns: far lighter than a window over whole rows
  SELECT request_id, min(_row) AS first_row FROM _parsed
  WHERE request_id IS NOT NULL GROUP BY request_id HAVING count(*) > 1
), geo AS (
  SELECT p.*, g.lon AS wlon, g.lat AS wlat, g.grid_id, g._row AS g_row,
         coalesce(g.placeholder, false) AS placeholder, g._row IS NOT NULL AND NOT g.placeholder AS coords_ok,
         coalesce(a.ancestor_id IS NOT NULL, false) AS grid_in_unit,
         coalesce(p.closed_at, CASE WHEN p.status = 'closed' THEN p.updated_at END) AS closed_final,
         coalesce(d.first_row, p._row) AS first_row,
         CAST(timezone($tz, now()) AS TIMESTAMP) AS now_local
  FROM _parsed p LEFT JOIN _geo g ON g._row = p._row
  LEFT JOIN unit_ancestors a ON a.unit_id = g.grid_id AND a.ancestor_id = p.un_id
  LEFT JOIN repeated d ON d.request_id = p.request_id
), base AS (
  SELECT *, CASE WHEN grid_id IS NOT NULL AND (un_id IS NULL OR grid_in_unit) THEN grid_id ELSE un_id END AS unit_placed
  FROM geo
)
SELECT _row, request_id, {', '.join(t for t in TEXT if t != 'status_detail')},
  {detail} AS status_detail, {status} AS status, closed_final AS closed_at,
  received_at, respond_by, resolve_by, first_contact_at, returned_count,
  extended, is_repeat, assessable, {visited} AS visited, contacted, resolved,
  source, urgency, satisfaction, coalesce(unit_placed, $city) AS unit_id, dp_id AS dept_id,
  wlat AS lat, wlon AS lon,
  CASE WHEN placeholder THEN 'placeholder' WHEN grid_id IS NOT NULL AND unit_placed = grid_id THEN 'point'
       WHEN un_id IS NOT NULL THEN 'named' WHEN coords_ok THEN 'outside' ELSE 'unplaced' END AS location_status,
  list_filter([{reasons}], lambda x: x IS NOT NULL) AS reasons,
  list_filter([{warnings}], lambda x: x IS NOT NULL) AS warnings
FROM base""", {"tz": tz, "city": city_of(con)})
