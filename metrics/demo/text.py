"""Turn the simulated request codes of one chunk into ``requests`` rows as a pyarrow Table.

All string work is pyarrow compute over whole columns (take, cast, join): no Python loop
runs per request.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from metrics.demo import categories as cats
from metrics.demo import names
from metrics.demo.hierarchy import City
from metrics.demo.simulation import CHANNELS, STATUS_DETAILS

PHONE_IN_DESCRIPTION = 0.05
PATROL_PREFIX = "网格员巡查发现："
SATISFACTION = ("satisfied", "basic", "unsatisfied")


def _take(values, codes: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(list(values), pa.string()).take(pa.array(codes))
    if null is not None and null.any():
        arr = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), arr)
    return arr


def _str(ints: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(ints), pa.string())


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _times(seconds: np.ndarray) -> pa.Array:
    return pa.array(np.where(seconds < 0, 0, seconds).astype("datetime64[s]"), pa.timestamp("s"),
                    mask=seconds < 0)


def _bools(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(values, pa.bool_(), mask=null)


def _request_ids(received: np.ndarray, seq: np.ndarray) -> pa.Array:
    """"JZ" + yyyymmdd + a 7-digit sequence number within the day."""
    d = (received // 86_400).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    ymd = ((d.astype("datetime64[Y]").astype(np.int64) + 1970) * 10_000
           + (month.astype(np.int64) % 12 + 1) * 100 + (d - month).astype(np.int64) + 1)
    return _join("JZ", _str(ymd * 10_000_000 + seq))


def _people(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
    rank = np.arange(len(names.SURNAMES)) + 1.0
    p = rank**-0.8 / (rank**-0.8).sum()
    surname = _take(names.SURNAMES, rng.choice(len(names.SURNAMES), n, p=p))
    g = len(names.GIVEN_CHARS)
    second = np.where(rng.random(n) < 0.7, rng.integers(0, g, n), g)
    given = list(names.GIVEN_CHARS)
    name = _join(surname, _take(given, rng.integers(0, g, n)), _take([*given, ""], second))
    prefix = rng.choice(np.array([3, 5, 8, 7, 9, 6, 4]), n, p=[0.3, 0.25, 0.25, 0.08, 0.06, 0.04, 0.02])
    phone = _str(10_000_000_000 + prefix * 1_000_000_000 + rng.integers(0, 1_000_000_000, n))
    return name, phone


def _descriptions(rng: np.random.Generator, category: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(subcategory, description) from one template of each request's category."""
    templates = [(c, *t) for c, cat in enumerate(cats.CATEGORIES) for t in cat.templates]
    owner = np.array([t[0] for t in templates])
    first = np.searchsorted(owner, np.arange(len(cats.CATEGORIES)))
    count = np.bincount(owner, minlength=len(cats.CATEGORIES))
    t = first[category] + (rng.random(len(category)) * count[category]).astype(np.int64)
    head, rest = zip(*(text.split("{x}") for _, _, text, _, _ in templates))
    middle, tail = zip(*(r.split("{y}") if "{y}" in r else (r, "") for r in rest))
    has_y = np.array(["{y}" in r for r in rest])
    lo_x, hi_x = np.array([x for *_, x, _ in templates]).T
    lo_y, hi_y = np.array([y for *_, y in templates]).T
    x = lo_x[t] + (rng.random(len(t)) * (hi_x[t] - lo_x[t] + 1)).astype(np.int64)
    y = lo_y[t] + (rng.random(len(t)) * (hi_y[t] - lo_y[t] + 1)).astype(np.int64)
    y_text = pc.if_else(pa.array(has_y[t]), _str(y), "")
    text = _join(_take(head, t), _str(x), _take(middle, t), y_text, _take(tail, t))
    return _take([s for _, s, *_ in templates], t), text


def _addresses(rng: np.random.Generator, city: City, grid: np.ndarray) -> pa.Array:
    n = len(grid)
    road = _take(names.ROADS, (grid * 7 + rng.integers(0, 3, n)) % len(names.ROADS))
    room = rng.integers(1, 19, n) * 100 + rng.integers(1, 5, n)
    urban = _join(road, _str(rng.integers(1, 200, n)), "号", _str(rng.integers(1, 7, n)), "单元", _str(room), "室")
    rural = _join(_str(rng.integers(1, 13, n)), "组", _str(rng.integers(1, 80, n)), "号")
    prefix = _take(city.grid_address, grid)
    return _join(prefix, pc.if_else(pa.array(city.grid_village[grid]), rural, urban))


def build_table(rng: np.random.Generator, city: City, sim: dict[str, np.ndarray], import_id: str) -> pa.Table:
    """The requests table, columns named as in the schema."""
    n = len(sim["received"])
    proactive, closed, visited = sim["proactive"], sim["is_closed"], sim["visited"]
    subcategory, description = _descriptions(rng, sim["category"])
    name, phone = _people(rng, n)
    with_phone = ~proactive & (rng.random(n) < PHONE_IN_DESCRIPTION)
    description = pc.if_else(pa.array(with_phone), _join(description, "联系电话", phone), description)
    description = pc.if_else(pa.array(proactive), _join(PATROL_PREFIX, description), description)
    reason_p = np.array(names.EXCLUSION_WEIGHTS) / sum(names.EXCLUSION_WEIGHTS)
    reason = rng.choice(len(names.EXCLUSION_REASONS), n, p=reason_p)
    dept_ids = [f"DEPT{i + 1:02d}" for i in range(len(city.dept_codes))]
    lon, lat = sim["lon"], sim["lat"]
    return pa.table({
        "request_id": _request_ids(sim["received"], sim["seq"]),
        "received_at": _times(sim["received"]),
        "channel": _take(CHANNELS, sim["channel"]),
        "category": _take(cats.NAMES, sim["category"]),
        "subcategory": subcategory,
        "source": _take(("citizen", "proactive"), proactive.astype(np.int64)),
        "unit_id": _take(city.grid_ids, sim["grid"]),
        "dept_id": _take(dept_ids, np.maximum(sim["dept"], 0), null=sim["dept"] < 0),
        "lat": pa.array(lat), "lon": pa.array(lon),
        "location_status": pa.repeat(pa.scalar("point", pa.string()), n),   # every demo point lies in its grid
        "urgency": _take(("normal", "urgent"), sim["urgent"].astype(np.int64)),
        "respond_by": _times(sim["respond_by"]),
        "resolve_by": _times(sim["resolve_by"]),
        "first_contact_at": _times(sim["first_contact"]),
        "closed_at": _times(sim["closed"]),
        "status": _take(("open", "closed"), closed.astype(np.int64)),
        "status_detail": _take(STATUS_DETAILS, sim["status_detail"]),
        "returned_count": pa.array(sim["returned"].astype(np.int32)),
        "extended": _bools(sim["extended"]),
        "is_repeat": _bools(sim["is_repeat"]),
        "assessable": _bools(~sim["excluded"]),
        "exclusion_reason": _take(names.EXCLUSION_REASONS, reason, null=~sim["excluded"]),
        "visited": _bools(visited, null=~closed),
        "contacted": _bools(sim["contacted"], null=~visited),
        "resolved": _bools(sim["resolved"], null=~visited),
        "satisfaction": _take(SATISFACTION, sim["satisfaction"], null=~visited),
        "description": description,
        "address": _addresses(rng, city, sim["grid"]),
        "citizen_name": pc.if_else(pa.array(proactive), pa.scalar(None, pa.string()), name),
        "citizen_phone": pc.if_else(pa.array(proactive), pa.scalar(None, pa.string()), phone),
        "import_id": pa.repeat(pa.scalar(import_id, pa.string()), n),
    })
