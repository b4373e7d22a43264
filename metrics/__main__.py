"""The command line: ``python -m metrics <command> ...``.

Each command lives in its own module exposing ``configure(parser)`` and ``run(args) -> int``;
only the module of the command being run is imported, so a broken import in one command
never takes the others down.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("metrics.cli.demo", "build the demo city (units, boundaries, requests)"),
    "init": ("metrics.cli.init", "start an empty store for your own city"),
    "units": ("metrics.cli.units", "add or update units and departments from CSV / XLSX"),
    "sql": ("metrics.cli.sql", "run a read-only query, print CSV with a header"),
    "import": ("metrics.cli.imports", "import request exports (CSV, XLSX, Parquet, JSONL, Open311)"),
    "boundaries": ("metrics.cli.boundaries", "unit polygons from GeoJSON or a zipped Shapefile"),
    "sync": ("metrics.cli.sync", "pull new and changed requests from the hotline's database"),
    "rollback": ("metrics.cli.rollback", "restore the previous snapshot of the store"),
    "scores": ("metrics.cli.scores", "assessment scores for one period and scheme"),
    "scorecard": ("metrics.cli.scorecard", "write scorecards as xlsx / pdf / csv"),
    "user": ("metrics.cli.user", "add, change, list or remove dashboard accounts"),
    "bulletin": ("metrics.cli.bulletin", "the monthly bulletin (月度通报) as docx / pdf"),
    "quality": ("metrics.cli.quality", "data quality: coverage, placement, timing anomalies, duplicates, rejects"),
    "export-lake": ("metrics.cli.export_lake", "the requests as month-partitioned Parquet for a Spark job"),
    "rollup": ("metrics.cli.rollup", "build the roll-ups from a lake, on DuckDB or Spark"),
    "attach-rollups": ("metrics.cli.attach_rollups", "serve roll-ups built from a lake"),
}


def _usage() -> str:
    lines = ["usage: python -m metrics <command> [options]", "", "commands:"]
    lines += [f"  {name:<14} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines.append("\nRun 'python -m metrics <command> --help' for a command's options.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    parser = argparse.ArgumentParser(prog=f"python -m metrics {name}", description=COMMANDS[name][1])
    module.configure(parser)
    args = parser.parse_args(rest)
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
