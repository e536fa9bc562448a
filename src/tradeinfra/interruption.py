"""Stopping a command on purpose: SIGINT (Ctrl-C), SIGTERM (a CI cancel,
`timeout`) and SIGHUP (a closed terminal) all unwind the command the same
way, as `Interrupted`, so whatever was in progress records how it ended,
stops its child tools and releases its locks. A second signal during that
clean-up is ignored: the clean-up is what keeps the records true. SIGKILL
cannot be caught; the next command that takes the environment's lock marks
what the killed one left in progress (`ops/ledger.py`)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """Raised in the main thread when a stop signal arrives. A BaseException,
    like KeyboardInterrupt: no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(f"interrupted by {self.name}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP


def describe(exc: BaseException) -> str:
    """How an interruption is recorded."""
    if isinstance(exc, Interrupted):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted by SIGINT"
    return f"interrupted: {type(exc).__name__}: {exc}"


def _raise(signum: int, _frame: FrameType | None) -> None:
    for stop in STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)  # let the clean-up finish
    raise Interrupted(signum)


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """Within the block, a stop signal raises `Interrupted`; outside it, the
    previous handlers are back. Only the main thread receives signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {stop: signal.signal(stop, _raise) for stop in STOP_SIGNALS}
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
