"""``python -m metrics import FILE [FILE ...]``: import request exports into the store."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from metrics.cli.common import add_db_option, audit_cli, db_path, fail
from metrics.ingest.coords import CRS
from metrics.ingest.importer import ImportOptions, ImportResult, import_files
from metrics.ingest.mapping import MappingError, available
from metrics.ingest.readers import FORMATS
from metrics.ingest.timeparse import DEFAULT_TZ
from metrics.store.snapshots import StoreError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_db_option(parser)
    parser.add_argument("--mapping", help=f"a preset ({', '.join(available())}) or a TOML file; default: guessed from the header")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, help="default: from the file name")
    parser.add_argument("--crs", choices=CRS, default="wgs84", help="datum of the coordinates in the file (default wgs84)")
    parser.add_argument("--rejects", type=Path, metavar="DIR", help="also write rejected rows as CSV into DIR")
    parser.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    parser.add_argument("--tz", default=None, help=f"time zone of the store's local times (default {DEFAULT_TZ})")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument("--timings", action="store_true", help="also print the seconds spent in each stage")


class ProgressLine:
    """Progress on stderr: redrawn in place on a terminal, a line every few seconds otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, path: Path, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else 2.0) and done != total:
            return
        self.last = now
        pct = f" {100 * done / total:5.1f}%" if total else ""
        text = f"{path.name}: {stage}{pct}"
        if self.tty:
            print(f"\r{text:<70}", end="", file=sys.stderr, flush=True)
        else:
            print(f"progress {text}", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.tty:
            print("\r" + " " * 72 + "\r", end="", file=sys.stderr, flush=True)


_LOADED = time.perf_counter()


def command_seconds() -> float:
    """Seconds since this process started (Linux), else since this module was loaded."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _LOADED


def rate(rows: int, seconds: float) -> str:
    return f"{seconds:.1f} s, {rows / seconds if seconds else 0:,.0f} rows/s"


def summary(r: ImportResult, timings: bool = False, whole: float | None = None) -> str:
    """The report of one file; ``whole``: the command's seconds, when this is the only file."""
    if r.error:
        return f"{r.file}: cannot be read: {r.error.removeprefix(f'{r.file}: ')}"
    if whole is not None:
        end = "nothing written" if r.already else "to the snapshot published"
        speed = f"  {rate(r.read, whole)} (the whole command, {end})"
    else:
        speed = f"  this file's stages {r.seconds:.1f} s"
    lines = [
        f"{r.file}  [{r.fmt}{', ' + r.encoding if r.encoding else ''}; mapping {r.mapping}; import {r.import_id}]",
        f"  read {r.read:,}  inserted {r.inserted:,}  updated {r.updated:,}  unchanged {r.unchanged:,}  "
        f"rejected {r.rejected:,}  warnings {r.warnings:,}",
        speed + ("" if r.reconciles else "  (!) read does not equal inserted + updated + unchanged + rejected"),
    ]
    if r.already:
        lines.insert(1, f"  already imported on {r.already.finished_at:%Y-%m-%d %H:%M:%S} as {r.already.import_id}, "
                        "the same file with the same mapping and options, and nothing written since: "
                        "not read again, nothing written"
                        + (f" (its {r.rejected:,} rejected rows are kept with that import)" if r.rejected else ""))
    if timings and r.timings:
        lines.append("  stages: " + ", ".join(f"{stage} {sec:.2f} s" for stage, sec in r.timings.items()))
    if r.missing_columns:
        lines.append(f"  columns not in the file: {', '.join(r.missing_columns)}"
                     + (f" (the file was read as {r.encoding})" if r.encoding else ""))
    if r.created:
        lines.append("  created from the file's names: " + ", ".join(f"{n:,} {level}" for level, n in r.created.items()))
    if r.placed:
        lines.append("  placed: " + ", ".join(f"{status} {n:,}" for status, n in r.placed.items())
                     + "  (point: in a boundary; named: from names or ids; unplaced: on the city)")
    for p in r.placeholders:
        where = f", {p.addresses:,} distinct addresses" if p.addresses is not None else ""
        lines.append(f"  placeholder point ({p.lat}, {p.lon}): {p.rows:,} rows{where}; not used to place them, not drawn")
    if r.formats:
        lines.append("  time formats: " + ", ".join(f"{t} {f}" for t, f in r.formats.items()))
    for title, kinds in (("rejected because", r.reject_kinds), ("warnings", r.warning_kinds)):
        if kinds:
            lines.append(f"  {title}:")
            lines += [f"    {n:>9,}  {kind}" for kind, n in kinds]
    if r.rejects_csv:
        lines.append(f"  rejected rows with reasons: {r.rejects_csv}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    options = ImportOptions(mapping=args.mapping, fmt=args.fmt, crs=args.crs, tz=args.tz,
                            sheet=args.sheet, rejects_dir=args.rejects)
    progress = None if args.quiet else ProgressLine()
    try:
        results = import_files(db_path(args), args.files, options, progress)
    except (StoreError, MappingError, ValueError) as exc:
        return fail(str(exc))
    finally:
        if progress:
            progress.done()
    whole = command_seconds()
    for r in results:
        audit_cli(args, "import", file=str(r.file), import_id=r.import_id, error=r.error, read=r.read,
                  inserted=r.inserted, updated=r.updated, rejected=r.rejected)
        print(summary(r, args.timings, whole if len(results) == 1 else None))
    if len(results) > 1:
        read = sum(r.read for r in results)
        print(f"all {len(results)} files: read {read:,} in {rate(read, whole)} (the whole command, to the snapshot published)")
    if any(r.error for r in results):
        return 1
    return 0 if any(r.inserted + r.updated + r.unchanged for r in results) else 1
