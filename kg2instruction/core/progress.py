"""Progress bars with rates (rich) on a terminal; one line per finished stage everywhere."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task,
                           TaskID, TextColumn, TimeElapsedColumn)
from rich.text import Text


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.2f} shards/s", style="cyan")


class StageBar:
    """Tracks the set of shards seen, so repeated reports of one shard count once."""

    def __init__(self, progress: Progress, task: TaskID, done: list[str]) -> None:
        self._progress = progress
        self._task = task
        self._seen: set[str] = set(done)

    def saw(self, shard_ids: list[str] | set[str]) -> None:
        before = len(self._seen)
        self._seen.update(shard_ids)
        if len(self._seen) != before:
            self._progress.update(self._task, completed=len(self._seen))

    def finish(self, total: int) -> None:
        self._progress.update(self._task, total=total, completed=total)


class RunProgress:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._progress = Progress(TextColumn("{task.description:<22}"), BarColumn(),
                                  MofNCompleteColumn(), _RateColumn(), TimeElapsedColumn(),
                                  console=self.console, disable=not self.console.is_terminal)

    @contextmanager
    def running(self) -> Iterator[RunProgress]:
        with self._progress:
            yield self

    def stage(self, name: str, total: int | None, done: list[str]) -> StageBar:
        task = self._progress.add_task(name, total=total, completed=len(done))
        return StageBar(self._progress, task, done)

    def note(self, message: str) -> None:
        self.console.print(message, highlight=False)
