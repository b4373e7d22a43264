"""Incremental pull from the hotline's own database (PostgreSQL, MySQL) through SQLAlchemy.

One sync: read the source's watermark from the store, pull the rows whose ``since_column`` is
past it (every row without a since column), and import them exactly as a file import does —
the rows are written as text columns to a Parquet file that :func:`metrics.ingest.importer.import_one`
reads, so mapping, validation, rejects and the accounting (read = inserted + updated + unchanged +
rejected) are the import's own. The rows, the ``imports`` record and the new watermark are written
in one store snapshot: a killed sync leaves the store and the watermark as they were.

A run whose first fetch returns no row opens no snapshot and writes nothing; a full pull (no
since column) in which every row is unchanged is discarded too. The password never appears in
output: it comes from an environment variable or a file, and the URL is only shown redacted.
Caveat: rows are found by ``since_column > watermark``; a source that commits a row with an
older ``updated_at`` after a sync has passed that value is not seen until the row changes again.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from metrics.ingest.batches import cell_text
from metrics.ingest.importer import MEMORY_LIMIT, ImportOptions, ImportResult, import_one
from metrics.ingest.validate import lit
from metrics.core.sqlfiles import read_sql
from metrics.store.lake import refuse_lake
from metrics.store.snapshots import after_write, default_path, open_read, write_snapshot

BATCH_ROWS = 10_000
PASSWORD_ENV = "GRIDSCORE_SYNC_PASSWORD"


class SyncError(RuntimeError):
    """A sync that cannot run: bad source, query or options. The message never holds the password."""


class _NothingNew(Exception):
    """Raised inside the snapshot to discard it when a full pull changed nothing."""


@dataclass(frozen=True)
class Source:
    url: str                              # without a password
    table: str | None = None
    query: str | None = None              # SQL text of --query-file
    query_name: str | None = None         # the query file's name (part of the source key)
    since_column: str | None = None
    password: str | None = None

    @property
    def redacted(self) -> str:
        return sa.make_url(self.url).render_as_string(hide_password=True)

    @property
    def key(self) -> str:
        what = f"table={self.table}" if self.table else f"query={self.query_name}"
        return f"{self.redacted}|{what}"

    def engine(self) -> sa.Engine:
        url = sa.make_url(self.url)
        if self.password is not None:
            url = url.set(password=self.password)
        return sa.create_engine(url, poolclass=sa.pool.NullPool)


def read_password(env: str | None = PASSWORD_ENV, file: Path | None = None) -> str | None:
    """The password from a file (first line) if given, else from the environment variable (None if unset)."""
    if file is not None:
        try:
            return Path(file).read_text(encoding="utf-8").splitlines()[0] if Path(file).stat().st_size else ""
        except OSError as exc:
            raise SyncError(f"{file}: cannot read the password file ({exc.strerror})") from None
    return os.environ.get(env) if env else None


def make_source(url: str, table: str | None = None, query_file: Path | None = None,
                since_column: str | None = None, password: str | None = None) -> Source:
    """Check the options and build a :class:`Source`; a password in the URL moves out of it."""
    if (table is None) == (query_file is None):
        raise SyncError("give exactly one of --table and --query-file")
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise SyncError(f"not a database URL: {url.split('@')[-1]!r} (e.g. postgresql+psycopg://user@host/db)") from None
    if parsed.password is not None:
        password = password if password is not None else parsed.password
        parsed = sa.URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port,
                               parsed.database, parsed.query)
    query = None
    if query_file is not None:
        try:
            query = Path(query_file).read_text(encoding="utf-8").strip().rstrip(";").strip()
        except OSError as exc:
            raise SyncError(f"{query_file}: cannot read the query ({exc.strerror})") from None
        if not query:
            raise SyncError(f"{query_file}: the query is empty")
    return Source(parsed.render_as_string(hide_password=False), table,
                  query, Path(query_file).name if query_file else None, since_column, password)


def _encode(value: object) -> str:
    if isinstance(value, dt.datetime):
        return json.dumps({"type": "datetime", "value": value.isoformat()})
    if isinstance(value, dt.date):
        return json.dumps({"type": "date", "value": value.isoformat()})
    if isinstance(value, (int, decimal.Decimal)) and not isinstance(value, bool):
        return json.dumps({"type": "number", "value": str(value)})
    return json.dumps({"type": "text", "value": str(value)})


def _decode(text: str | None) -> object:
    if not text:
        return None
    kind, value = (w := json.loads(text))["type"], w["value"]
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "number":
        number = decimal.Decimal(value)
        return int(number) if number == number.to_integral_value() else number
    return value


def read_watermark(db: Path, source: Source) -> object:
    """The source's last watermark in the store (None: never synced, or no since column)."""
    if not Path(db).exists():
        return None
    con = open_read(db)
    try:
        return stored_watermark(con, source)
    finally:
        con.close()


def stored_watermark(con: duckdb.DuckDBPyConnection, source: Source) -> object:
    has = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'sync_state'").fetchone()[0]
    row = con.execute("SELECT watermark FROM sync_state WHERE source = $s", {"s": source.key}).fetchone() if has else None
    return _decode(row[0]) if row else None


def pull_statement(source: Source, watermark: object, dialect: sa.Dialect) -> sa.Executable:
    """The SELECT of rows past the watermark (identifiers quoted by the dialect, the value bound)."""
    where = source.since_column is not None and watermark is not None
    if source.table:
        schema, _, name = source.table.rpartition(".")
        stmt = sa.select(sa.text("*")).select_from(sa.table(name, schema=schema or None))
        return stmt.where(sa.column(source.since_column) > sa.bindparam("since", watermark)) if where else stmt
    sql = f"SELECT * FROM ({source.query}) src"
    if where:
        sql += f" WHERE src.{dialect.identifier_preparer.quote(source.since_column)} > :since"
        return sa.text(sql).bindparams(since=watermark)
    return sa.text(sql)


def _rows(source: Source, watermark: object, batch_rows: int) -> tuple[list[str], Iterator[list[tuple]], Callable[[], None]]:
    """(column names, batches of rows, close) streamed with a server-side cursor."""
    try:
        engine = source.engine()
        conn = engine.connect()
    except sa.exc.SQLAlchemyError as exc:
        raise SyncError(f"{source.redacted}: cannot connect ({_short(exc, source)})") from None
    except ModuleNotFoundError as exc:
        raise SyncError(f"{source.redacted}: the database driver is not installed ({exc.name})") from None
    stmt = pull_statement(source, watermark, conn.dialect)
    try:
        result = conn.execution_options(stream_results=True, yield_per=batch_rows).execute(stmt)
    except sa.exc.SQLAlchemyError as exc:
        conn.close()
        engine.dispose()
        raise SyncError(f"{source.redacted}: the query failed ({_short(exc, source)})") from None
    columns = list(result.keys())

    def batches() -> Iterator[list[tuple]]:
        try:
            for part in result.partitions(batch_rows):
                yield [tuple(r) for r in part]
        except sa.exc.SQLAlchemyError as exc:
            raise SyncError(f"{source.redacted}: reading rows failed ({_short(exc, source)})") from None

    def close() -> None:
        conn.close()
        engine.dispose()

    return columns, batches(), close


def _short(exc: Exception, source: Source) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return text.replace(source.password, "***") if source.password else text


@dataclass
class SyncResult:
    source: str                              # the source key (password redacted)
    pulled: int = 0
    watermark_before: object = None
    watermark_after: object = None
    wrote: bool = False
    result: ImportResult | None = None

    @property
    def reconciles(self) -> bool:
        return self.result is None or self.result.reconciles


def sync(db: Path | str | None, source: Source, mapping: str, tz: str | None = None, crs: str = "wgs84",
         batch_rows: int = BATCH_ROWS, rejects_dir: Path | None = None,
         progress: Callable[[str], None] | None = None) -> SyncResult:
    """Pull what changed since the last sync and import it in one snapshot; see the module docstring."""
    store = Path(db) if db else default_path()
    say = progress or (lambda _m: None)
    watermark = read_watermark(store, source) if source.since_column else None
    out = SyncResult(source.key, watermark_before=watermark, watermark_after=watermark)
    columns, batches, close = _rows(source, watermark, batch_rows)
    try:
        first = next(batches, [])
        if not first:
            say("no new rows")
            return out
        if source.since_column and source.since_column not in columns:
            raise SyncError(f"{source.redacted}: the rows have no column {source.since_column!r} "
                            f"(columns: {', '.join(columns)})")
        work = store.parent / f".{store.name}.sync-{uuid.uuid4().hex[:12]}"
        try:
            with write_snapshot(store, label="sync") as con:
                refuse_lake(con, store)
                for stale in store.parent.glob(f".{store.name}.sync-*"):   # left by a killed sync; we hold the lock
                    if stale != work:
                        shutil.rmtree(stale, ignore_errors=True)
                work.mkdir()
                say("snapshot opened, pulling rows")
                parquet = work / "pull.parquet"
                out.pulled, out.watermark_after = _write_parquet(parquet, columns, first, batches, source, watermark)
                say(f"pulled {out.pulled:,} rows, importing")
                con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
                con.execute(f"SET temp_directory = {lit(str(work / 'spill'))}")
                options = ImportOptions(mapping=mapping, fmt="parquet", crs=crs, tz=tz, rejects_dir=rejects_dir)
                r = import_one(con, parquet, options)
                r.file = Path(source.key)
                out.result = r
                # a sync that committed while this one waited for the lock may have gone further
                stored = stored_watermark(con, source)
                if stored is not None and (out.watermark_after is None or stored > out.watermark_after):
                    out.watermark_after = stored
                if not (r.inserted or r.updated or r.rejected) and out.watermark_after == stored:
                    raise _NothingNew
                con.execute("UPDATE imports SET kind = 'sync', file = $f WHERE import_id = $id",
                            {"f": source.key, "id": r.import_id})
                con.execute(read_sql("sync_state"))
                con.execute("INSERT OR REPLACE INTO sync_state VALUES ($s, $c, $w, $i, $t)", {
                    "s": source.key, "c": source.since_column, "i": r.import_id, "t": dt.datetime.now(),
                    "w": None if out.watermark_after is None else _encode(out.watermark_after)})
                if r.inserted or r.updated:
                    after_write(con, incremental=True)
            out.wrote = True
        except _NothingNew:
            say("every row unchanged: nothing written")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    finally:
        close()
    return out


def _write_parquet(path: Path, columns: list[str], first: list[tuple], rest: Iterator[list[tuple]],
                   source: Source, watermark: object) -> tuple[int, object]:
    """Write the rows as text columns (as a typed spreadsheet cell reads); (rows, largest since value)."""
    schema = pa.schema([(c, pa.string()) for c in columns])
    at = columns.index(source.since_column) if source.since_column else None
    high, n = watermark, 0
    with pq.ParquetWriter(path, schema) as writer:
        for batch in _chain(first, rest):
            cols = list(zip(*batch))
            writer.write_table(pa.table([pa.array([cell_text(v) for v in col], pa.string()) for col in cols],
                                        schema=schema))
            n += len(batch)
            if at is not None:
                values = [v for v in cols[at] if v is not None]
                if values and (high is None or max(values) > high):
                    high = max(values)
    return n, high


def _chain(first: list[tuple], rest: Iterator[list[tuple]]) -> Iterator[list[tuple]]:
    yield first
    yield from rest
