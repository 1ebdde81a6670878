"""Timing one runner on one workload: median of repeats, with a hard time cap."""

from __future__ import annotations

import gc
import statistics
from dataclasses import dataclass
from time import perf_counter

from .peers import CapExceeded, Runner, Workload

#: Stop repeating once a single run took longer than this many seconds.
LONG_RUN_S = 1.0
#: Runs shorter than this are repeated more often (up to ``SHORT_RUN_REPEATS``).
SHORT_RUN_S = 0.01
SHORT_RUN_REPEATS = 25

OK = "ok"
CAPPED = "capped"
SKIPPED = "skipped"
MISSING = "not installed"
ERROR = "error"


@dataclass
class Measurement:
    """The outcome of timing one peer on one workload."""

    status: str
    seconds: float | None = None
    repeats: int = 0
    value_ok: bool | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether a time was measured."""
        return self.status == OK and self.seconds is not None


def measure(run: Runner, work: Workload, cap: float, repeat: int) -> Measurement:
    """Time ``run`` on ``work``: ``repeat`` runs, median reported.

    Only one run is made if it takes longer than :data:`LONG_RUN_S`; runs shorter than
    :data:`SHORT_RUN_S` are repeated up to :data:`SHORT_RUN_REPEATS` times.  A run that passes
    ``cap`` seconds aborts itself (the runner checks the clock) and is reported as
    capped.  The first run's final value is compared with ``work.expected``.
    """
    times: list[float] = []
    value_ok: bool | None = None
    wanted = max(1, repeat)
    i = 0
    while i < wanted:
        gc.collect()
        start = perf_counter()
        try:
            value = run(work, start + cap)
        except CapExceeded:
            return Measurement(CAPPED, None, i + 1, value_ok)
        except Exception as exc:  # a peer failing on valid input is a result, not a crash
            return Measurement(ERROR, None, i + 1, False, f"{type(exc).__name__}: {exc}"[:120])
        elapsed = perf_counter() - start
        times.append(elapsed)
        if i == 0 and value is not None:
            value_ok = bool(value == work.expected)
        if elapsed > LONG_RUN_S:
            break
        if elapsed < SHORT_RUN_S:
            wanted = max(wanted, SHORT_RUN_REPEATS)
        i += 1
    return Measurement(OK, statistics.median(times), len(times), value_ok)
