"""Small timing helpers: best-of-N wall time, which resists noise from other
processes better than the mean."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """Fastest of `repeat` runs of `fn`, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def report(name: str, measured: float, baseline: float, baseline_name: str) -> None:
    print(
        f"{name:<34} {measured * 1000:9.1f} ms   {baseline_name} {baseline * 1000:9.1f} ms   ratio {measured / baseline:5.2f}x"
    )
