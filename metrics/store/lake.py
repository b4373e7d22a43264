"""The lake: detail rows as Parquet partitioned by month, the layout a Spark job (or DuckDB) reads.

::

    DIR/lake.json                          manifest: rows, months, columns, units fingerprint
    DIR/requests/month=YYYY-MM/*.parquet   the requests received in that month
    DIR/units.parquet                      the unit tree (and departments)
    DIR/unit_ancestors.parquet             its closure table (depth 0 = the unit itself)
    DIR/import_fields.parquet              which fields each import supplied (field coverage)

Personal fields (free text, address, name, phone) stay in the store unless asked for: the roll-ups
never read them, and a lake is copied to machines the store's access rules do not govern.
:func:`export_lake` writes a lake from a store; :mod:`metrics.demo` can write one directly.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb

from metrics.store.rollup import stamp, table_columns
from metrics.store.snapshots import write_snapshot

LAKE_FORMAT = "gridscore-lake"
LAKE_VERSION = 1
MANIFEST = "lake.json"
REQUESTS_DIR = "requests"
PERSONAL = ("description", "address", "citizen_name", "citizen_phone")
TABLES = ("units", "unit_ancestors")
COVERAGE = "import_fields"   # which fields each import supplied: "not in the data" is judged from it
_UNITS_FINGERPRINT = (
    "SELECT md5(coalesce(string_agg(concat_ws('|', unit_id, level, coalesce(parent_id, '')), ',' ORDER BY unit_id), ''))"
    " FROM {units}"
)


class LakeError(ValueError):
    """A lake or roll-up folder that cannot be used: missing, not GridScore's, or not matching the store."""


def quote_path(path: Path | str) -> str:
    """A file path as a SQL string literal (COPY targets cannot be bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def month_partition(month: str) -> str:
    """The partition folder of a month ``YYYY-MM`` (hive style, as Spark and DuckDB read it)."""
    return f"month={month}"


def requests_glob(lake: Path) -> str:
    return str(Path(lake).resolve() / REQUESTS_DIR / "*" / "*.parquet")


def check_new_folder(out: Path, what: str) -> None:
    """Raise unless ``out`` is absent or an empty folder (a lake or a roll-up output is never written over)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise LakeError(f"{out} exists and is not an empty folder: choose a new folder for {what}")


def units_fingerprint(con: duckdb.DuckDBPyConnection, units: str = "units") -> str:
    """A fingerprint of the unit tree (ids, levels, parents): roll-ups built with another tree do not fit."""
    return con.execute(_UNITS_FINGERPRINT.format(units=units)).fetchone()[0]


def request_columns(con: duckdb.DuckDBPyConnection, *, personal: bool) -> list[str]:
    """The stored request columns a lake holds (without the personal ones unless ``personal``)."""
    names = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'requests' AND table_schema = 'main'"
        " ORDER BY ordinal_position").fetchall()]
    return [c for c in names if personal or c not in PERSONAL]


def _read_json(path: Path, fmt: str, version: int, what: str, missing: str) -> dict:
    """A manifest of format ``fmt`` and ``version``; LakeError naming ``path`` otherwise."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LakeError(missing) from None
    except (OSError, ValueError) as exc:
        raise LakeError(f"{path}: cannot read the {what} manifest: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != fmt or manifest.get("version") != version:
        raise LakeError(f"{path}: not GridScore {what} of version {version}")
    return manifest


def read_manifest(lake: Path) -> dict:
    return _read_json(Path(lake) / MANIFEST, LAKE_FORMAT, LAKE_VERSION, "lake",
                      f"{lake} is not a GridScore lake: {MANIFEST} is missing "
                      "(write one with: python -m metrics export-lake --db PATH --out DIR)")


@contextlib.contextmanager
def staged(out: Path, what: str) -> Iterator[Path]:
    """A temporary folder beside ``out`` (absent or empty) to write into, renamed to ``out`` on success
    and removed on failure: a failed run leaves nothing that looks like its output."""
    out = Path(out)
    check_new_folder(out, what)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        yield tmp
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_manifest(lake: Path, con: duckdb.DuckDBPyConnection, columns: list[str], *, personal: bool) -> dict:
    """Count what the lake holds (read back from its files) and write lake.json; returns the manifest."""
    glob = requests_glob(lake)
    units = f"read_parquet({quote_path(Path(lake).resolve() / 'units.parquet')})"
    rows, months = con.execute(
        "SELECT count(*), list(DISTINCT month ORDER BY month) FROM read_parquet($g, hive_partitioning = true)",
        {"g": glob}).fetchone() if any((Path(lake) / REQUESTS_DIR).glob("*/*.parquet")) else (0, [])
    manifest = {
        "format": LAKE_FORMAT, "version": LAKE_VERSION, "requests": int(rows), "months": list(months or []),
        "columns": columns, "personal": personal,
        "units": con.execute(f"SELECT count(*) FROM {units}").fetchone()[0],
        "units_fingerprint": units_fingerprint(con, units),
        "written_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    (Path(lake) / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def write_units(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """units.parquet, unit_ancestors.parquet and import_fields.parquet from the store's tables."""
    for table in (*TABLES, COVERAGE):
        con.execute(f"COPY {table} TO {quote_path(Path(lake) / f'{table}.parquet')} (FORMAT parquet)")


def export_lake(con: duckdb.DuckDBPyConnection, out: Path, *, personal: bool = False) -> dict:
    """Write the store's requests (partitioned by month) and units to the lake ``out``; returns the manifest.

    ``out`` must be empty or absent. The lake is written beside it first and renamed into place, so a
    failed export leaves nothing that looks like a lake.
    """
    with staged(out, "the lake") as tmp:
        columns = request_columns(con, personal=personal)
        con.execute(
            f"COPY (SELECT {', '.join(columns)}, strftime(received_at, '%Y-%m') AS month FROM requests) "
            f"TO {quote_path(tmp / REQUESTS_DIR)} (FORMAT parquet, PARTITION_BY (month), COMPRESSION zstd)")
        write_units(con, tmp)
        return write_manifest(tmp, con, columns, personal=personal)


# ---- roll-ups built elsewhere (metrics.scale's job), attached to a store --------------------------

ROLLUPS_FORMAT = "gridscore-rollups"
ROLLUPS_VERSION = 1
ROLLUPS_MANIFEST = "rollups.json"
UNIT_MONTH = "unit_month"
LAKE_KEY = "lake"   # gridscore_meta: the lake a store's requests view reads (absent: the store holds them)


def read_rollups_manifest(folder: Path) -> dict:
    return _read_json(Path(folder) / ROLLUPS_MANIFEST, ROLLUPS_FORMAT, ROLLUPS_VERSION, "roll-ups",
                      f"{folder} holds no roll-ups: {ROLLUPS_MANIFEST} is missing "
                      "(build them with: python -m metrics rollup --lake DIR --out DIR)")


def lake_of(con: duckdb.DuckDBPyConnection) -> str | None:
    """The lake whose files the store's ``requests`` view reads, or None when the store holds its requests."""
    row = con.execute("SELECT value FROM gridscore_meta WHERE key = $k", {"k": LAKE_KEY}).fetchone()
    return row[0] if row else None


def refuse_lake(con: duckdb.DuckDBPyConnection, store: Path) -> None:
    """Raise when the store's requests live in a lake: rows are added to the lake, not to the store."""
    lake = lake_of(con)
    if lake is not None:
        raise LakeError(f"{store} reads its requests from the lake {lake}; nothing was written. Add the rows "
                        "to the lake, then run: python -m metrics rollup --lake LAKE --out DIR and "
                        f"python -m metrics attach-rollups DIR --db {store}")


def _requests_view(con: duckdb.DuckDBPyConnection, lake: Path, lake_columns: list[str]) -> None:
    """``requests`` as a view over the lake's files, in the store's column order; personal fields the
    lake does not hold are NULL."""
    schema = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'requests'"
        " AND table_schema = 'main' ORDER BY ordinal_position").fetchall()
    cols = [name if name in lake_columns else f"CAST(NULL AS {kind}) AS {name}" for name, kind in schema]
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'requests'"
                       " AND table_schema = 'main'").fetchone()[0]
    con.execute("DROP VIEW requests" if kind == "VIEW" else "DROP TABLE requests")
    con.execute(f"CREATE VIEW requests AS SELECT {', '.join(cols)} FROM "
                f"read_parquet({quote_path(requests_glob(lake))}, hive_partitioning = false)")


def attach_rollups(store: Path | str | None, folder: Path, *, units_from_lake: bool = False) -> dict:
    """Load roll-ups built from a lake into the store (one new snapshot) and stamp them current.

    A store whose requests table is empty (or already reads a lake) then reads its requests from that
    lake; one that holds requests keeps them, and must hold exactly as many as the roll-ups were built
    from. Later writes of units or boundaries rebuild the roll-ups here from the lake (correct, slow at
    province scale); imports into a lake-backed store are refused (:func:`refuse_lake`). The unit tree must be
    the one the roll-ups were built with; ``units_from_lake`` makes it so in a store without requests
    (the lake's units replace the store's, e.g. in a store just made with ``init``). Returns the
    roll-up manifest.
    """
    folder = Path(folder).resolve()
    manifest = read_rollups_manifest(folder)
    with write_snapshot(store, label="attach") as con:
        _attach(con, folder, manifest, units_from_lake)
        stamp(con)
    return manifest


def _attach(con: duckdb.DuckDBPyConnection, folder: Path, manifest: dict, units_from_lake: bool) -> None:
    lake = Path(manifest["lake"])
    lake_manifest = read_manifest(lake)
    if lake_manifest["requests"] != manifest["requests"]:
        raise LakeError(f"the lake {lake} holds {lake_manifest['requests']:,} requests, the roll-ups in {folder} "
                        f"were built from {manifest['requests']:,}: run the roll-up job again")
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'requests'"
                       " AND table_schema = 'main'").fetchone()[0]
    held = con.execute("SELECT count(*) FROM requests").fetchone()[0] if kind != "VIEW" else 0
    if held and held != manifest["requests"]:
        raise LakeError(f"this store holds {held:,} requests, the roll-ups in {folder} were built from "
                        f"{manifest['requests']:,}: attach them to a store without requests (it then reads "
                        "them from the lake) or to the store the lake was exported from")
    if units_from_lake and not held:
        for table in TABLES:
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet({quote_path(lake / f'{table}.parquet')})")
    if units_fingerprint(con) != manifest["units_fingerprint"]:
        hint = ("attach them with --units-from-lake (the lake's units replace this store's)" if not held
                else "build the roll-ups again from this store's lake")
        raise LakeError(f"the roll-ups in {folder} were built with another unit tree than this store's: {hint}")
    if not held:
        _requests_view(con, lake, lake_manifest["columns"])
        if (lake / f"{COVERAGE}.parquet").exists():   # the field coverage of the lake's imports
            con.execute(f"DELETE FROM {COVERAGE}")
            con.execute(f"INSERT INTO {COVERAGE} BY NAME SELECT * FROM "
                        f"read_parquet({quote_path(lake / f'{COVERAGE}.parquet')})")
        con.execute("INSERT OR REPLACE INTO gridscore_meta VALUES ($k, $v)", {"k": LAKE_KEY, "v": str(lake)})
    for name, columns in table_columns().items():
        files = quote_path(folder / name / "*.parquet")
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {', '.join(columns)} FROM read_parquet({files})"
                    " ORDER BY day")
    con.execute(f"CREATE OR REPLACE TABLE {UNIT_MONTH} AS SELECT * FROM "
                f"read_parquet({quote_path(folder / UNIT_MONTH / '*' / '*.parquet')}, hive_partitioning = true)")
