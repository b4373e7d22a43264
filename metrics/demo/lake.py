"""The demo's requests written straight to a lake (:mod:`metrics.store.lake`) instead of the store.

Each chunk file the generator wrote (chunks never span a month) is copied through the store's
DuckDB connection to ``requests/month=YYYY-MM/chunk-NNNNNN.parquet``, cast to the store's column
types and without the personal columns, so the lake holds what :func:`metrics.store.lake.export_lake`
would write from a store built with the same arguments. The lake is staged beside its folder and
renamed into place at the end: a failed build leaves no lake.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb

from metrics.store import lake as store_lake


def check_target(lake: Path) -> None:
    """Refuse a lake folder that exists and is not empty (the rule of export_lake)."""
    store_lake.check_new_folder(lake, "the lake")


def staging(lake: Path) -> Path:
    """A fresh folder beside ``lake`` to write it in."""
    tmp = lake.parent / f".{lake.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    return tmp


def _select(con: duckdb.DuckDBPyConnection) -> tuple[list[str], str]:
    """The lake's request columns and the SELECT list casting a chunk's columns to the store's types."""
    columns = store_lake.request_columns(con, personal=False)
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_name = 'requests' AND table_schema = 'main'").fetchall())
    return columns, ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in columns)


def chunk_month(con: duckdb.DuckDBPyConnection, chunk: Path) -> str:
    """The month ``YYYY-MM`` every row of the chunk file was received in."""
    first, last = con.execute(
        "SELECT strftime(min(received_at), '%Y-%m'), strftime(max(received_at), '%Y-%m') FROM read_parquet($f)",
        {"f": str(chunk)}).fetchone()
    if first != last:
        raise RuntimeError(f"{chunk.name} spans the months {first} to {last}: a chunk must stay in one month")
    return first


def write_requests(con: duckdb.DuckDBPyConnection, chunks: list[Path], tmp: Path) -> list[str]:
    """Copy each chunk file into its month's partition of the lake staged at ``tmp`` (removing the
    chunk file after); returns the columns written."""
    columns, select = _select(con)
    for chunk in chunks:
        folder = tmp / store_lake.REQUESTS_DIR / store_lake.month_partition(chunk_month(con, chunk))
        folder.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY (SELECT {select} FROM read_parquet({store_lake.quote_path(chunk)})) "
                    f"TO {store_lake.quote_path(folder / chunk.name)} (FORMAT parquet, COMPRESSION zstd)")
        chunk.unlink()
    return columns


def finish(con: duckdb.DuckDBPyConnection, tmp: Path, columns: list[str]) -> dict:
    """The units, their closure (built by then) and the manifest; returns the manifest."""
    store_lake.write_units(con, tmp)
    return store_lake.write_manifest(tmp, con, columns, personal=False)


def publish(tmp: Path, lake: Path) -> None:
    """Rename the staged lake into place (an empty folder already there is replaced)."""
    check_target(lake)
    if lake.exists():
        lake.rmdir()
    os.replace(tmp, lake)


def discard(tmp: Path) -> None:
    shutil.rmtree(tmp, ignore_errors=True)
