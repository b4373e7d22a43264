"""Progress of an import: stage timings, and reports relayed to the caller's thread."""
from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import duckdb

# (stage, done, total): stage is "read", "check", "place" or "write"
Progress = Callable[[str, int, int], None]
POLL_SECONDS = 0.25
SQL_STEPS = 1000   # progress of a SQL stage is reported as done / SQL_STEPS
T = TypeVar("T")


class StageTimer:
    """``with timer("stage"):`` adds the block's wall time to timings["stage"]."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


class ProgressRelay:
    """Runs one import in a worker thread and reports its progress from the calling thread.

    Progress comes from the readers, which DuckDB may call from its own threads while it scans
    the batches, and, for the SQL stages ("check" = mapping and validation, "write"), from
    DuckDB's query progress. Callers such as a Streamlit page may only be called from their own
    thread, so every report is queued and made here. Without a callback the import runs inline.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, progress: Progress | None):
        self.con, self.progress = con, progress
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.stage = ""

    def run(self, work: Callable[[Progress | None], T]) -> T:
        if self.progress is None:
            return work(None)
        outcome: dict[str, object] = {}

        def target() -> None:
            try:
                outcome["value"] = work(lambda stage, done, total: self.queue.put((stage, done, total)))
            except BaseException as exc:   # re-raised in the calling thread
                outcome["error"] = exc

        worker = threading.Thread(target=target, name="gridscore-import", daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(POLL_SECONDS)
                self._drain()
                if self.stage in ("check", "write") and (share := self.con.query_progress()) > 0:
                    self.progress(self.stage, int(share / 100 * SQL_STEPS), SQL_STEPS)
        except BaseException:
            self.con.interrupt()
            worker.join()
            raise
        self._drain()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _drain(self) -> None:
        while True:
            try:
                stage, done, total = self.queue.get_nowait()
            except queue.Empty:
                return
            self.stage = stage
            self.progress(stage, done, total)
