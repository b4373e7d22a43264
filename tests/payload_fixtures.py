"""A demo store with hostile text: Markdown / HTML payloads in every text column of imported requests
and in unit names, and personal numbers spelled every way in the personal columns.

``PLANTED`` are the digit strings that must never appear unmasked for any role but admin.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

from metrics.ingest import ImportOptions, import_files
from metrics.store.snapshots import after_write, write_snapshot

LINK = "点此查看处理结果](https://evil.example/phish) ["
MD_LINK = "[钓鱼链接](https://evil.example/login)"
HTML = '<b>粗体</b><a href="https://evil.example/x">恶意链接</a><img src=x onerror=alert(1)>'
MARKS = "**加粗** _斜体_ :red[红色] $x^2$ <script>alert(1)</script> https://evil.example/bare"
FORMULA = '=HYPERLINK("https://evil.example/f","点我")'
PAYLOADS = (LINK, MD_LINK, HTML, MARKS)
PHONES = ("+8613912345678", "139.1234.5678", "１３９１２３４５６７８", "139 1234 5678", "0086-139-1234-5678")
IDS = ("110101900307123", "110101199003071234")
PLANTED = ("13912345678", "110101900307123", "110101199003071234", "62345678")
TEXT_COLUMNS = ("channel", "category", "subcategory", "status_detail", "exclusion_reason", "description",
                "address", "citizen_name", "citizen_phone")
DAY = "2026-09-30 2{h}:{m:02d}:00"   # the newest rows of September: the first page of /requests


def _rows(grid: str, n: int) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        payload = PAYLOADS[i % len(PAYLOADS)]
        received = DAY.format(h=i % 4, m=i % 60)
        row = {c: payload for c in TEXT_COLUMNS}
        row.update({
            "request_id": f"PAYLOAD-{i:04d}", "received_at": received, "unit_id": grid,
            "category": (LINK, HTML)[i % 2], "channel": (MD_LINK, MARKS)[i % 2], "subcategory": FORMULA,
            "source": "citizen", "urgency": "normal", "status": "closed", "closed_at": received,
            "first_contact_at": received, "visited": "1", "contacted": "1", "resolved": "1",
            "satisfaction": "satisfied",
            "description": f"{payload} 请回电 {PHONES[i % len(PHONES)]} 身份证 {IDS[i % 2]} 座机 010-62345678",
            "address": f"{payload} 幸福路12号3栋201室", "citizen_name": f"{payload}张三",
            "citizen_phone": PHONES[i % len(PHONES)],
        })
        rows.append(row)
    return rows


def build_payload_store(demo_store: Path, dest: Path, n: int = 400) -> Path:
    """A copy of ``demo_store`` with ``n`` hostile requests imported and two units renamed to payloads."""
    shutil.copyfile(demo_store, dest)
    with write_snapshot(dest, label="payload units") as con:
        street, grid = (con.execute(f"SELECT unit_id FROM units WHERE level = '{level}' ORDER BY unit_id LIMIT 1")
                        .fetchone()[0] for level in ("street", "grid"))
        con.execute("UPDATE units SET name = $n, name_en = $n WHERE unit_id = $u", {"n": MD_LINK, "u": street})
        con.execute("UPDATE units SET name = $n, name_en = $n WHERE unit_id = $u", {"n": HTML, "u": grid})
        after_write(con)
    source = dest.parent / "payloads.csv"
    rows = _rows(grid, n)
    with open(source, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    [result] = import_files(dest, [source], ImportOptions(mapping="gridscore"))
    assert result.inserted == n and not result.rejected, (result.error, result.reject_kinds)
    return dest
