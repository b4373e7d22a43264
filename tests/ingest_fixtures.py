"""A tiny city for import tests and benchmarks (the demo city is bigger and slower to build).

16 grids of 0.05° on a 4 × 4 lattice from (116.30, 39.80): two districts (东城区, 西城区), each
with two streets named alike in both districts (和平街道, 建设街道) so that matching must go
district first, two communities per street, two grids per community; two departments.
"""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import duckdb

from metrics.store.snapshots import after_write, write_snapshot

ORIGIN = (116.30, 39.80)
STEP = 0.05
DISTRICTS = ("东城区", "西城区")
STREETS = ("和平街道", "建设街道")
COMMUNITIES = ("幸福社区", "光明社区")
DEPARTMENTS = ("城管委", "住建委")


def cell(i: int, j: int) -> dict:
    """The grid at lattice column i (longitude) and row j (latitude)."""
    d, s, c, g = i // 2, j // 2, i % 2, j % 2
    return {"district": f"D{d}", "street": f"D{d}S{s}", "community": f"D{d}S{s}C{c}",
            "grid": f"D{d}S{s}C{c}G{g}", "names": (DISTRICTS[d], STREETS[s], COMMUNITIES[c]),
            "center": (ORIGIN[0] + (i + 0.5) * STEP, ORIGIN[1] + (j + 0.5) * STEP)}


def units() -> list[tuple]:
    rows = [("C", "示范市", "city", None)]
    for i in range(4):
        for j in range(4):
            c = cell(i, j)
            d, s, cm = c["names"]
            rows += [(c["district"], d, "district", "C"), (c["street"], s, "street", c["district"]),
                     (c["community"], cm, "community", c["street"]),
                     (c["grid"], f"{cm}{c['grid'][-2:]}网格", "grid", c["community"])]
    rows += [(f"DEPT{k}", name, "department", None) for k, name in enumerate(DEPARTMENTS)]
    return sorted(set(rows))


def grid_polygon(i: int, j: int) -> dict:
    x0, y0 = ORIGIN[0] + i * STEP, ORIGIN[1] + j * STEP
    ring = [[x0, y0], [x0 + STEP, y0], [x0 + STEP, y0 + STEP], [x0, y0 + STEP], [x0, y0]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def build_tiny_store(path: Path) -> Path:
    """A fresh store at path with the tiny city's units and grid boundaries, no requests."""
    with write_snapshot(path, fresh=True, label="tiny") as con:
        con.executemany("INSERT INTO units (unit_id, name, level, parent_id) VALUES (?, ?, ?, ?)", units())
        for i in range(4):
            for j in range(4):
                c = cell(i, j)
                con.execute("INSERT INTO boundaries VALUES (?, ?, ?, ?)",
                            [c["grid"], json.dumps(grid_polygon(i, j)), c["center"][1], c["center"][0]])
        after_write(con)
    return path


HEADER = ["工单编号", "受理时间", "诉求渠道", "诉求类别", "诉求内容", "所属区", "所属街道", "所属社区", "承办单位",
          "首次联系时间", "办结时间", "办理状态", "是否联系", "是否解决", "是否满意", "回访时间", "经度", "纬度"]
CATEGORIES = ["物业管理", "噪音扰民", "环境卫生", "市政设施", "交通出行", "供暖", "其他"]


def write_hotline_csv(path: Path, rows: int, encoding: str, seed: int = 1) -> None:
    """A hotline-zh CSV of rows plausible requests in the tiny city (some by name, some by coordinates)."""
    rng = random.Random(seed)
    cells = [cell(i, j) for i in range(4) for j in range(4)]
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for n in range(rows):
            c = rng.choice(cells)
            day, minute = rng.randrange(1, 28), rng.randrange(24 * 60)
            received = f"2026-0{rng.randrange(1, 10)}-{day:02d} {minute // 60:02d}:{minute % 60:02d}:00"
            closed = rng.random() < 0.8
            names = c["names"] if rng.random() < 0.7 else ("", "", "")
            lon = f"{c['center'][0] + rng.uniform(-0.02, 0.02):.6f}" if not names[0] or rng.random() < 0.5 else ""
            lat = f"{c['center'][1] + rng.uniform(-0.02, 0.02):.6f}" if lon else ""
            w.writerow([f"W{n:09d}", received, "12345热线", rng.choice(CATEGORIES), "市民反映问题，请尽快处理。" * 2,
                        *names, "城管委", received, received if closed else "", "已办结" if closed else "办理中",
                        "是" if closed else "", "是" if closed else "", "满意" if closed else "",
                        received if closed else "", lon, lat])


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """A CSV file of header and rows in encoding."""
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def query(db: Path, sql: str) -> list[tuple]:
    """The rows of sql on the store file db, opened read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
