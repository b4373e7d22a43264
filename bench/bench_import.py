"""Import throughput: a generated hotline-zh CSV of N rows into the tiny city store.

    .venv/bin/python bench/bench_import.py [--rows 1000000] [--encoding utf-8|gb18030] [--keep DIR]

Runs ``python -m metrics import`` in a child process (as a user would) and reports wall time,
rows/s and the child's peak RSS. Then imports the same file again (all unchanged).
"""
from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from metrics.ingest.fixtures import build_tiny_store, cell  # noqa: E402

HEADER = ["工单编号", "受理时间", "诉求渠道", "诉求类别", "诉求内容", "所属区", "所属街道", "所属社区", "承办单位",
          "首次联系时间", "办结时间", "办理状态", "是否联系", "是否解决", "是否满意", "回访时间", "经度", "纬度"]
CATEGORIES = ["物业管理", "噪音扰民", "环境卫生", "市政设施", "交通出行", "供暖", "其他"]


def write_csv(path: Path, rows: int, encoding: str, seed: int = 1) -> None:
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


def run_import(db: Path, csv_path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "metrics", "import", str(csv_path), "--db", str(db), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    return elapsed, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep the files")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    db, data = work / "bench.duckdb", work / f"requests-{args.rows}.csv"
    build_tiny_store(db)
    t0 = time.perf_counter()
    write_csv(data, args.rows, args.encoding)
    print(f"generated {args.rows:,} rows ({data.stat().st_size / 1e6:.0f} MB, {args.encoding}) "
          f"in {time.perf_counter() - t0:.1f} s")
    for label in ("first import", "same file again"):
        elapsed, out = run_import(db, data)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{label}: {elapsed:.1f} s wall, {args.rows / elapsed:,.0f} rows/s, peak RSS so far {rss:,.0f} MB")
        print("  " + out.strip().splitlines()[1].strip())


if __name__ == "__main__":
    main()
