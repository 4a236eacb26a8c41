"""Progress of a run: items done, rate and ETA per stage while it runs; one summary line after.

Progress is counted in items, not shards: a map stage's items are the rows of its first input
(known per shard from the upstream shard stats, so the total and the ETA are known up front), a
source stage's are the rows it writes (no total: a dump's row count is known only at its end).
The runner advances a stage when a shard is reported done, through the executor's outcomes or
the done markers it polls on the shared cache, so the same numbers arrive from in-process work,
a process pool and Ray workers on other nodes.

On a terminal the numbers drive rich progress bars. Anywhere else (CI logs, pipes, `nohup`) there
is no cursor to move, so a plain line is printed at most every `KG2I_PROGRESS_SECONDS` seconds
(default 30; `0` prints every update), and also while one long unit runs with nothing finishing,
so a log shows the run is alive. Every line is printed without wrapping, whatever the width.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

PROGRESS_ENV = "KG2I_PROGRESS_SECONDS"
DEFAULT_PLAIN_SECONDS = 30.0
UNIT = "rows"


@dataclass(frozen=True)
class StageSummary:
    """What one stage did, for its summary line (numbers as in the run manifest)."""

    stage: str
    kind: str
    rows_in: int            # rows of the first table input (0 for sources and artifacts)
    rows_out: int           # rows written
    dropped: int            # rows the stage counted as dropped (its funnel)
    seconds: float
    shards_computed: int
    shards_reused: int

    def line(self) -> str:
        """`[done] stage: in N rows, out M rows, dropped D, S s, R rows/s, shards C computed / U
        reused`; `in -` for a stage without a table input, `rate -` when nothing was computed."""
        rows_in = "-" if self.kind in ("source", "artifact") else f"{self.rows_in:,}"
        processed = self.rows_out if self.kind in ("source", "artifact") else self.rows_in
        rate = (f"{processed / self.seconds:,.0f} {UNIT}/s"
                if self.shards_computed and self.seconds > 0 else f"- {UNIT}/s")
        return (f"[done] {self.stage}: in {rows_in} {UNIT}, out {self.rows_out:,} {UNIT}, "
                f"dropped {self.dropped:,}, {self.seconds:.2f} s, {rate}, shards "
                f"{self.shards_computed} computed / {self.shards_reused} reused")


def plain_interval() -> float:
    """Seconds between plain progress lines (`KG2I_PROGRESS_SECONDS`; bad values: the default)."""
    raw = os.environ.get(PROGRESS_ENV, "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_PLAIN_SECONDS
    except ValueError:
        return DEFAULT_PLAIN_SECONDS


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class StageBar:
    """One stage's counts. Shards are remembered by id, so repeated reports of a shard (its
    outcome, then its done marker on the next poll) count once; each new shard adds its items."""

    def __init__(self, owner: RunProgress, name: str, total_shards: int | None,
                 done: list[str], items_of: Callable[[str], int],
                 total_items: int | None) -> None:
        self.name = name
        self.total_shards = total_shards
        self.total_items = total_items
        self._owner = owner
        self._items_of = items_of
        self._seen: set[str] = set(done)
        self.items = sum(items_of(s) for s in done)
        self._items_at_start = self.items       # reused work does not make the rate faster
        self.started = time.perf_counter()
        self._task: TaskID | None = None

    @property
    def shards_done(self) -> int:
        return len(self._seen)

    def rate(self) -> float | None:
        elapsed = time.perf_counter() - self.started
        computed = self.items - self._items_at_start
        return computed / elapsed if computed > 0 and elapsed > 0 else None

    def eta(self) -> float | None:
        rate = self.rate()
        if self.total_items is None or rate is None:
            return None
        return max(0, self.total_items - self.items) / rate

    def saw(self, shard_ids: list[str] | set[str]) -> None:
        new = [s for s in shard_ids if s not in self._seen]
        if not new:
            return
        added = sum(self._items_of(s) for s in new)
        with self._owner._lock:                 # the ticker reads these under the same lock
            self._seen.update(new)
            self.items += added
        self._owner._updated(self)

    def set_totals(self, total_shards: int, total_items: int) -> None:
        """Totals learnt after the stage started: a streamed stage's, once its input is complete."""
        with self._owner._lock:
            self.total_shards = total_shards
            self.total_items = total_items
        self._owner._updated(self)

    def finish(self, total: int) -> None:
        with self._owner._lock:
            self.total_shards = total
            if self.total_items is None:        # a source: its total is what it wrote
                self.total_items = self.items
            self.items = max(self.items, self.total_items)
        self._owner._updated(self, final=True)

    def status_line(self) -> str:
        """`stage: 1,200/3,571 rows (33%), 2/6 shards, 450 rows/s, elapsed 0:00:03, ETA
        0:00:05` (totals shown as `?` while unknown)."""
        total = "?" if self.total_items is None else f"{self.total_items:,}"
        share = (f" ({100 * self.items / self.total_items:.0f}%)"
                 if self.total_items else "")
        shards = "?" if self.total_shards is None else str(self.total_shards)
        rate = self.rate()
        return (f"{self.name}: {self.items:,}/{total} {UNIT}{share}, {self.shards_done}/{shards} "
                f"shards, {'-' if rate is None else f'{rate:,.0f}'} {UNIT}/s, elapsed "
                f"{_clock(time.perf_counter() - self.started)}, ETA {_clock(self.eta())}")


class RunProgress:
    """Stage bars on a terminal, plain periodic lines elsewhere; `note` and `stage_done` print
    one unwrapped line either way."""

    def __init__(self, console: Console | None = None, *, live: bool | None = None,
                 plain_seconds: float | None = None) -> None:
        from rich.console import Console

        self.console = console or Console(stderr=True)
        self.live = self.console.is_terminal if live is None else live
        self.plain_seconds = plain_interval() if plain_seconds is None else plain_seconds
        self._progress: Progress | None = self._bars() if self.live else None
        self._lock = threading.Lock()
        self._active: dict[str, StageBar] = {}   # several at once when stages stream
        self._last_line = 0.0
        self._stop = threading.Event()

    def _bars(self) -> Progress:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        return Progress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn(UNIT), TextColumn("{task.fields[shards]} shards"),
                        TextColumn("{task.fields[rate]}", style="cyan"), TimeElapsedColumn(),
                        TextColumn("ETA"), TimeRemainingColumn(), console=self.console)

    @contextmanager
    def running(self) -> Iterator[RunProgress]:
        if self._progress is not None:
            with self._progress:
                yield self
            return
        self._stop.clear()
        ticker = threading.Thread(target=self._tick, name="kg2i-progress", daemon=True)
        ticker.start()
        try:
            yield self
        finally:
            self._stop.set()
            ticker.join()

    def stage(self, name: str, total: int | None, done: list[str],
              items_of: Callable[[str], int] | None = None,
              total_items: int | None = None) -> StageBar:
        """A bar for `name`: `total` shards (None: unknown), `done` already finished;
        `items_of(shard)` = the shard's items (default 1: count shards)."""
        bar = StageBar(self, name, total, done, items_of or (lambda _: 1), total_items)
        with self._lock:
            self._active[name] = bar
            self._last_line = time.monotonic()
        if self._progress is not None:
            bar._task = self._progress.add_task(name, total=total_items, completed=bar.items,
                                                shards=self._shards(bar), rate="")
        return bar

    def note(self, message: str) -> None:
        with self._lock:
            self._print(message)

    def stage_done(self, summary: StageSummary) -> None:
        with self._lock:
            self._active.pop(summary.stage, None)
            self._print(summary.line())

    # ---- internals ------------------------------------------------------------------------
    def _print(self, line: str) -> None:
        """Print one line; callers hold `_lock`, so a line is built and printed in one go and
        lines from the ticker and the runner never come out of order."""
        self.console.print(line, highlight=False, markup=False, soft_wrap=True)

    @staticmethod
    def _shards(bar: StageBar) -> str:
        return f"{bar.shards_done}/{'?' if bar.total_shards is None else bar.total_shards}"

    def _updated(self, bar: StageBar, final: bool = False) -> None:
        if self._progress is not None and bar._task is not None:
            rate = bar.rate()
            self._progress.update(bar._task, completed=bar.items, total=bar.total_items,
                                  shards=self._shards(bar),
                                  rate="" if rate is None else f"{rate:,.0f} {UNIT}/s")
            return
        if final:
            return                       # the summary line follows
        with self._lock:
            if time.monotonic() - self._last_line >= self.plain_seconds:
                self._last_line = time.monotonic()
                self._print(bar.status_line())

    def _tick(self) -> None:
        """Plain mode: a status line when a stage has printed nothing for the interval (one
        long shard, a reduce, a KG build), so a log never looks hung."""
        while not self._stop.wait(max(self.plain_seconds, 1.0)):
            with self._lock:
                if self._active and time.monotonic() - self._last_line >= self.plain_seconds:
                    self._last_line = time.monotonic()
                    for bar in self._active.values():
                        self._print(bar.status_line())


def summary_of(stage: str, kind: str, funnel: Any, seconds: float, computed: int,
               reused: int) -> StageSummary:
    """A `StageSummary` from a manifest `Funnel` (records_in, kept, dropped by reason)."""
    dropped: Mapping[str, int] = funnel.dropped
    return StageSummary(stage, kind, funnel.records_in, funnel.kept, sum(dropped.values()),
                        seconds, computed, reused)
