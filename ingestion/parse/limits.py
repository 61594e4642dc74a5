"""A wall-clock limit for CPU-bound work on untrusted input (parsing, extraction).

trafilatura is quadratic on some structures (10,000 ``<span>`` in one paragraph
take 7 s, 20,000 take 25 s), so a structural pre-check alone cannot bound the
time. ``time_limit`` raises ``TimeLimitExceeded`` from a SIGALRM timer. Signals
are delivered only to the main thread, which is where Airflow's task runner and
the command line run a task; in any other thread (or where a timer is already
running, e.g. an outer limit) the block runs unlimited and the structural caps
are the only bound.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TimeLimitExceeded(BaseException):
    """The work took longer than its limit.

    A BaseException, so that a library's broad ``except Exception`` (trafilatura
    has several) cannot swallow it and carry on; the timer also fires again
    every quarter second until the block is left, in case it is swallowed anyway.
    """


def _can_use_alarm() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise ``TimeLimitExceeded`` if the block runs longer than ``seconds``."""
    if seconds <= 0 or not _can_use_alarm():
        yield
        return

    def _on_alarm(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(f"{what} took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
