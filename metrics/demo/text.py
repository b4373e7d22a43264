"""Turn the simulated request codes of one chunk into ``requests`` rows as a pyarrow Table.

All string work is pyarrow compute over whole columns (take, cast, join): no Python loop
runs per request.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

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


@functools.cache
def _templates() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, pa.Array, pa.Array]:
    """Every template filled with every (x, y) of its ranges, once: the descriptions are then
    taken from this pool by index. Per template: first pool index, x range, y range (1 wide
    when the text has no {y}); plus the pool and the subcategory of each template."""
    templates = [(c, *t) for c, cat in enumerate(cats.CATEGORIES) for t in cat.templates]
    owner, first, lo_x, n_x, lo_y, n_y, pool = [], [], [], [], [], [], []
    for c, _, text, (x0, x1), (y0, y1) in templates:
        y1 = y1 if "{y}" in text else y0
        owner.append(c)
        first.append(len(pool))
        lo_x.append(x0)
        n_x.append(x1 - x0 + 1)
        lo_y.append(y0)
        n_y.append(y1 - y0 + 1)
        pool += [text.replace("{x}", str(x)).replace("{y}", str(y)) for x in range(x0, x1 + 1)
                 for y in range(y0, y1 + 1)]
    subcategory = pa.array([s for _, s, *_ in templates], pa.string())
    ints = (np.array(v) for v in (owner, first, n_x, n_y))
    return (*ints, pa.array(pool, pa.string()), subcategory)


def _descriptions(rng: np.random.Generator, category: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(subcategory, description) from one template of each request's category, with x and y
    uniform over the template's ranges."""
    owner, first_filled, n_x, n_y, pool, subcategory = _templates()
    first = np.searchsorted(owner, np.arange(len(cats.CATEGORIES)))
    count = np.bincount(owner, minlength=len(cats.CATEGORIES))
    t = first[category] + (rng.random(len(category)) * count[category]).astype(np.int64)
    x = (rng.random(len(t)) * n_x[t]).astype(np.int64)
    y = (rng.random(len(t)) * n_y[t]).astype(np.int64)
    return subcategory.take(pa.array(t)), pool.take(pa.array(first_filled[t] + x * n_y[t] + y))


@functools.cache
def _address_tails() -> tuple[pa.Array, int]:
    """Every urban tail (12号3单元502室) then every rural one (3组45号), and how many are urban."""
    urban = [f"{no}号{unit}单元{floor}0{room}室" for no in range(1, 200) for unit in range(1, 7)
             for floor in range(1, 19) for room in range(1, 5)]
    rural = [f"{group}组{no}号" for group in range(1, 13) for no in range(1, 80)]
    return pa.array(urban + rural, pa.string()), len(urban)


def _addresses(rng: np.random.Generator, city: City, grid: np.ndarray) -> pa.Array:
    """Grid's district + street + community, then (in town) one of three roads near the grid and a
    door, unit and room, or (in a village) a group and a house number."""
    n, roads = len(grid), len(names.ROADS)
    heads = pa.array([prefix if village else prefix + names.ROADS[(g * 7 + k) % roads]
                      for g, (prefix, village) in enumerate(zip(city.grid_address, city.grid_village))
                      for k in range(3)], pa.string())
    tails, n_urban = _address_tails()
    village = city.grid_village[grid]
    tail = np.where(village, n_urban + rng.integers(0, len(tails) - n_urban, n), rng.integers(0, n_urban, n))
    return _join(heads.take(pa.array(grid * 3 + rng.integers(0, 3, n))), tails.take(pa.array(tail)))


def _edit(values: pa.Array, where: np.ndarray, change: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """values with change applied to the selected rows only (change gets and returns just those)."""
    mask = pa.array(where)
    return pc.replace_with_mask(values, mask, change(values.filter(mask))) if where.any() else values


def build_table(rng: np.random.Generator, city: City, sim: dict[str, np.ndarray], import_id: str) -> pa.Table:
    """The requests table, columns named as in the schema."""
    n = len(sim["received"])
    proactive, closed, visited = sim["proactive"], sim["is_closed"], sim["visited"]
    subcategory, description = _descriptions(rng, sim["category"])
    name, phone = _people(rng, n)
    with_phone = ~proactive & (rng.random(n) < PHONE_IN_DESCRIPTION)
    description = _edit(description, with_phone, lambda d: _join(d, "联系电话", phone.filter(with_phone)))
    description = _edit(description, proactive, lambda d: _join(PATROL_PREFIX, d))
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
