"""A wall-clock budget for one unit of work (one wiki page), enforced with SIGALRM.

mwparserfromhell is known to take pathological time on some revisions; a 20-hour dump run must
not hang on one page. In the main thread (the local executor, Ray task workers) an interval
timer interrupts the work with `BudgetExceeded`; elsewhere, where signals cannot be delivered,
the caller checks the elapsed time afterwards, so the same rule applies either way.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class BudgetExceeded(Exception):
    """The work took longer than its budget (raised inside the `time_budget` block)."""


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` when a timer can be armed; otherwise run it whole."""
    armable = (hasattr(signal, "setitimer")
               and threading.current_thread() is threading.main_thread()
               and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0))   # never steal a timer
    if not armable:
        yield
        return

    def _expire(signum: int, frame: object) -> None:
        raise BudgetExceeded(f"over the time budget of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
