"""Staging: a reader's batches -> the temp tables _stage (text columns + _row) and _bad."""
from __future__ import annotations

import duckdb
import pyarrow as pa

from metrics.ingest.validate import q

BAD_COLUMNS = ("_bad_raw", "_bad_reason")


def stage(con: duckdb.DuckDBPyConnection, header: list[str], batches) -> tuple[list[str], int]:
    """Load batches into the temp tables _stage (text columns) and _bad; return (header, rows read).

    With a known header (CSV, XLSX, Parquet) the batches stream into one CREATE TABLE AS, the
    malformed rows riding along in two extra columns and split off after: one statement, not one
    INSERT per batch (those cost ~8 s per million rows). JSON sources, whose columns show up as
    they go, are inserted batch by batch; the header returned is then the columns they brought.
    """
    if not header:
        return _stage_growing(con, batches)
    schema = pa.schema([("_row", pa.int64()), *((h, pa.string()) for h in header),
                        *((c, pa.string()) for c in BAD_COLUMNS)])
    read = 0
    failure: list[BaseException] = []

    def record_batches():
        nonlocal read
        try:
            for batch in batches:
                n = batch.table.num_rows
                for rb in batch.table.to_batches():
                    nulls = pa.nulls(rb.num_rows, pa.string())
                    yield pa.RecordBatch.from_arrays([*rb.columns, nulls, nulls], schema=schema)
                if batch.bad:
                    k = len(batch.bad)
                    yield pa.RecordBatch.from_arrays(
                        [pa.array([b.row for b in batch.bad], pa.int64()), *(pa.nulls(k, pa.string()) for _ in header),
                         pa.array([b.raw for b in batch.bad], pa.string()),
                         pa.array([b.reason for b in batch.bad], pa.string())], schema=schema)
                read += n + len(batch.bad)
        except BaseException as exc:   # DuckDB would turn it into its own error type
            failure.append(exc)
            raise

    con.register("_stream", pa.RecordBatchReader.from_batches(schema, record_batches()))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _stage AS SELECT * FROM _stream")
    except duckdb.Error:
        if failure:
            raise failure[0] from None
        raise
    finally:
        con.unregister("_stream")
    con.execute("CREATE OR REPLACE TEMP TABLE _bad AS "
                "SELECT _row, _bad_raw AS raw, _bad_reason AS reason FROM _stage WHERE _bad_reason IS NOT NULL")
    if con.execute("SELECT count(*) FROM _bad").fetchone()[0]:
        con.execute("DELETE FROM _stage WHERE _bad_reason IS NOT NULL")
    return header, read


def _stage_growing(con: duckdb.DuckDBPyConnection, batches) -> tuple[list[str], int]:
    """stage() for sources without a header: a column is added when a batch first has it."""
    con.execute("CREATE OR REPLACE TEMP TABLE _stage (_row BIGINT)")
    con.execute("CREATE OR REPLACE TEMP TABLE _bad (_row BIGINT, raw VARCHAR, reason VARCHAR)")
    header: list[str] = []
    known: set[str] = set()
    read = 0
    for batch in batches:
        for name in batch.table.column_names[1:]:
            if name.lower() not in known:
                con.execute(f"ALTER TABLE _stage ADD COLUMN {q(name)} VARCHAR")
                header.append(name)
                known.add(name.lower())
        if batch.table.num_rows:
            con.register("_batch", batch.table)
            con.execute("INSERT INTO _stage BY NAME SELECT * FROM _batch")
            con.unregister("_batch")
        if batch.bad:
            con.executemany("INSERT INTO _bad VALUES (?, ?, ?)", [(b.row, b.raw, b.reason) for b in batch.bad])
        read += batch.table.num_rows + len(batch.bad)
    return header, read
