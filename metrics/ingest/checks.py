"""Placing and checking parsed rows: coordinates -> WGS-84 and grids, then reasons and warnings.

:func:`place` fills ``_geo`` (rows with usable coordinates, converted, with the grid holding
them); :func:`check` builds ``_checked``: the final values of every row plus ``reasons``
(why it is rejected; empty = kept) and ``warnings`` (doubtful values kept).
"""
from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa

from metrics.ingest.coords import GridLocator, to_wgs84
from metrics.ingest.mapping import BOOLEANS, ENUMS, INTEGERS, NUMBERS, TEXT, TIMESTAMPS
from metrics.ingest.validate import EARLIEST, FUTURE_SLACK_MINUTES, MAX_ID_CHARS, Plan, lit

GEO_CHUNK = 250_000
USABLE = ("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180 AND NOT (lat = 0 AND lon = 0)")


def place(con: duckdb.DuckDBPyConnection, crs: str, locator: GridLocator,
          progress: Callable[[int, int], None] | None = None) -> None:
    """_geo(_row, lon, lat, grid_id) for every parsed row with usable coordinates."""
    con.execute("CREATE OR REPLACE TEMP TABLE _geo (_row BIGINT, lon DOUBLE, lat DOUBLE, grid_id VARCHAR)")
    lo, hi = con.execute(f"SELECT min(_row), max(_row) FROM _parsed WHERE {USABLE}").fetchone()
    if lo is None:
        return
    for start in range(lo, hi + 1, GEO_CHUNK):
        part = con.execute(
            f"SELECT _row, lon, lat FROM _parsed WHERE {USABLE} AND _row >= $a AND _row < $b",
            {"a": start, "b": start + GEO_CHUNK},
        ).fetchnumpy()
        if len(part["_row"]) == 0:
            continue
        lon, lat = to_wgs84(part["lon"], part["lat"], crs)
        grid = locator.locate(lon, lat)
        chunk = pa.table({"_row": part["_row"], "lon": lon, "lat": lat,
                          "grid_id": pa.array(grid.tolist(), type=pa.string())})
        con.register("_geo_chunk", chunk)
        con.execute("INSERT INTO _geo SELECT * FROM _geo_chunk")
        con.unregister("_geo_chunk")
        if progress:
            progress(min(start + GEO_CHUNK, hi) - lo, hi - lo)


def _reasons(plan: Plan, has_grids: bool) -> list[str]:
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
                   f"{lit(label(t) + ': cannot read ' + chr(39))} || left(raw_{t}, 60) || ''' as a time' END")
        out.append(f"CASE WHEN {t} < TIMESTAMP '{EARLIEST}' THEN {lit(label(t) + ': impossible, before ' + EARLIEST)} END")
        if t not in ("respond_by", "resolve_by"):
            out.append(f"CASE WHEN {t} > now_local + INTERVAL {FUTURE_SLACK_MINUTES} MINUTE "
                       f"THEN {lit(label(t) + ': in the future (')} || strftime({t}, '%Y-%m-%d %H:%M') || ')' END")
    if "closed_at" in src or "updated_at" in src:
        out.append(f"CASE WHEN closed_final < received_at THEN "
                   f"{lit(label('closed_at' if 'closed_at' in src else 'updated_at') + ': before received_at')} END")
    for t in (*NUMBERS, *INTEGERS):
        if t in src:
            out.append(f"CASE WHEN raw_{t} IS NOT NULL AND {t} IS NULL THEN "
                       f"{lit(label(t) + ': not a number ' + chr(39))} || left(raw_{t}, 60) || '''' END")
    if "returned_count" in src:
        out.append(f"CASE WHEN returned_count < 0 THEN {lit(label('returned_count') + ': negative')} END")
    for t in (*BOOLEANS, *ENUMS):
        if t in src:
            words = [str(k) for k in plan.mapping.values.get(t, {})] + list(plan.mapping.vocabulary(t))
            known = ", ".join(list(dict.fromkeys(words))[:10])
            out.append(f"CASE WHEN raw_{t} IS NOT NULL AND {t} IS NULL THEN {lit(label(t) + ': ' + chr(39))} "
                       f"|| left(raw_{t}, 60) || {lit(chr(39) + ' not in the vocabulary (' + known + ')')} END")
    unit_label = "unit" + (f" ({'/'.join(c for c in plan.unit_cols if c)})" if plan.unit_cols else "")
    coord_label = "lat/lon" + (f" ({src.get('lat')}/{src.get('lon')})" if "lat" in src else "")
    outside = (f"{lit(coord_label + ': (')} || round(wlat, 6) || ', ' || round(wlon, 6) || ') outside every grid boundary'"
               if has_grids else lit(f"{unit_label}: no unit, and no grid boundaries to place the coordinates"))
    out.append(f"""CASE WHEN unit_final IS NULL THEN CASE
        WHEN NOT coords_ok THEN {lit(unit_label + ': ')} || coalesce(un_miss || '; ', '') || 'unknown unit and no usable coordinates'
        ELSE {outside} END END""")
    return out


def _warnings(plan: Plan, has_grids: bool) -> list[str]:
    src, label = plan.source, plan.label
    out = ["CASE WHEN unit_final IS NOT NULL THEN un_miss END", "dp_miss"]
    if "first_contact_at" in src:
        out.append(f"CASE WHEN first_contact_at < received_at THEN {lit(label('first_contact_at') + ': before received_at')} END")
    if "status" in src:
        out.append(f"CASE WHEN status = 'closed' AND closed_final IS NULL THEN {lit(label('status') + ': closed but no closed_at')} END")
        out.append(f"CASE WHEN status = 'open' AND closed_final IS NOT NULL THEN {lit(label('status') + ': open but closed_at is set')} END")
    if "lat" in src and "lon" in src:
        out.append(f"CASE WHEN (raw_lat IS NOT NULL OR raw_lon IS NOT NULL) AND lat IS NOT NULL AND lon IS NOT NULL "
                   f"AND NOT coords_ok THEN {lit(label('lat') + '/' + label('lon') + ': missing, (0, 0) or out of range; ignored')} END")
        if has_grids:
            out.append(f"CASE WHEN coords_ok AND grid_id IS NULL AND unit_final IS NOT NULL "
                       f"THEN {lit('lat/lon: outside every grid boundary; unit kept from the names')} END")
            out.append("CASE WHEN grid_id IS NOT NULL AND un_id IS NOT NULL AND NOT grid_in_unit "
                       "THEN 'lat/lon: point in grid ' || grid_id || ', outside the named unit ' || un_id || '; named unit kept' END")
    for t in TEXT:
        if t in src:
            out.append(f"CASE WHEN contains({t}, chr(65533)) THEN {lit(label(t) + ': undecodable characters replaced')} END")
    return out


def check(con: duckdb.DuckDBPyConnection, plan: Plan, tz: str, has_grids: bool) -> None:
    """_parsed + _geo -> _checked(final columns, reasons VARCHAR[], warnings VARCHAR[])."""
    src = plan.source
    visited = "visited"
    if "visited" not in src and set(src) & {"visited_at", "contacted", "resolved", "satisfaction"}:
        visited = ("coalesce(visited, visited_at IS NOT NULL OR contacted IS NOT NULL "
                   "OR resolved IS NOT NULL OR satisfaction IS NOT NULL)")
    status = "coalesce(status, CASE WHEN closed_final IS NOT NULL THEN 'closed' ELSE 'open' END)"
    detail = "coalesce(status_detail, raw_status)" if "status" in src else "status_detail"
    reasons = ",\n  ".join(_reasons(plan, has_grids))
    warnings = ",\n  ".join(_warnings(plan, has_grids))
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _checked AS
WITH repeated AS (   -- a hash aggregate on two columns: far lighter than a window over whole rows
  SELECT request_id, min(_row) AS first_row FROM _parsed
  WHERE request_id IS NOT NULL GROUP BY request_id HAVING count(*) > 1
), geo AS (
  SELECT p.*, g.lon AS wlon, g.lat AS wlat, g.grid_id, g._row IS NOT NULL AS coords_ok,
         coalesce(a.ancestor_id IS NOT NULL, false) AS grid_in_unit,
         coalesce(p.closed_at, CASE WHEN p.status = 'closed' THEN p.updated_at END) AS closed_final,
         coalesce(d.first_row, p._row) AS first_row,
         CAST(timezone($tz, now()) AS TIMESTAMP) AS now_local
  FROM _parsed p LEFT JOIN _geo g ON g._row = p._row
  LEFT JOIN unit_ancestors a ON a.unit_id = g.grid_id AND a.ancestor_id = p.un_id
  LEFT JOIN repeated d ON d.request_id = p.request_id
), base AS (
  SELECT *, CASE WHEN grid_id IS NOT NULL AND (un_id IS NULL OR grid_in_unit) THEN grid_id ELSE un_id END AS unit_final
  FROM geo
)
SELECT _row, request_id, {', '.join(t for t in TEXT if t != 'status_detail')},
  {detail} AS status_detail, {status} AS status, closed_final AS closed_at,
  received_at, respond_by, resolve_by, first_contact_at, returned_count,
  extended, is_repeat, assessable, {visited} AS visited, contacted, resolved,
  source, urgency, satisfaction, unit_final AS unit_id, dp_id AS dept_id,
  wlat AS lat, wlon AS lon,
  list_filter([{reasons}], lambda x: x IS NOT NULL) AS reasons,
  list_filter([{warnings}], lambda x: x IS NOT NULL) AS warnings
FROM base""", {"tz": tz})
