"""Append Arrow batches to the build's staging tables on a background thread.

DuckDB releases the GIL while it inserts, so handing batches to a writer thread lets the next batch
be parsed meanwhile (parsing is the bottleneck on a 2-core machine). The queue is bounded, which
keeps memory at a few batches whatever the dump size; an insert error is re-raised in the caller.
"""
from __future__ import annotations

import queue
import threading

import duckdb
import pyarrow as pa

_DONE = None


class StageWriter:
    """Owns `con` until `close()`: the caller must not use the connection in between."""

    def __init__(self, con: duckdb.DuckDBPyConnection, max_pending: int = 1) -> None:
        self._con = con
        self._queue: queue.Queue[dict[str, pa.Table] | None] = queue.Queue(maxsize=max_pending)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kg-stage-writer", daemon=True)
        self._thread.start()

    def submit(self, tables: dict[str, pa.Table]) -> None:
        self._raise_if_failed()
        self._queue.put(tables)

    def close(self) -> None:
        """Wait for every submitted batch to be inserted; re-raise an insert failure."""
        self._queue.put(_DONE)
        self._thread.join()
        self._raise_if_failed()

    def __enter__(self) -> StageWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
            return
        self._queue.put(_DONE)  # the writer may still be busy: let it finish, keep the caller's error
        self._thread.join()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            tables = self._queue.get()
            if tables is _DONE:
                return
            if self._error is not None:
                continue  # drain without inserting after a failure
            try:
                for table, batch in tables.items():
                    self._con.register("_batch", batch)
                    self._con.execute(f"INSERT INTO stage.{table} BY NAME SELECT * FROM _batch")
                    self._con.unregister("_batch")
            except BaseException as exc:  # handed to the caller thread
                self._error = exc
