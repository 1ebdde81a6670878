"""Timing one runner on one workload: median of repeats, with a hard time cap."""

from __future__ import annotations

import gc
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from time import perf_counter, process_time

from .peers import CapExceeded, Runner, Workload

#: Stop repeating once a single run took longer than this many seconds.
LONG_RUN_S = 1.0
#: Runs shorter than this get an untimed warm-up run first.
SHORT_RUN_S = 0.01
#: Runs shorter than ``LONG_RUN_S`` are repeated until they span this many seconds in
#: total (at most ``MAX_REPEATS`` runs), so that a short burst of load from other
#: processes on a shared machine cannot hit every sample.
MIN_TOTAL_S = 0.5
MAX_REPEATS = 25
#: A run whose process CPU time is below this fraction of its wall time was descheduled
#: (another process took the core); it is discarded and run again, up to
#: ``MAX_DISTURBED`` times per measurement.
MIN_CPU_SHARE = 0.9
MAX_DISTURBED = 3

OK = "ok"
CAPPED = "capped"
SKIPPED = "skipped"
MISSING = "not installed"
ERROR = "error"


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Collect garbage, then keep every existing object out of the cyclic GC's way.

    The harness holds all its inputs (hundreds of thousands of chunks, the expected
    values) in memory; without ``gc.freeze()`` every full collection triggered by the
    library under test would also walk those, charging the harness's heap to the
    library.  Objects created while measuring are collected as usual.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass
class Measurement:
    """The outcome of timing one peer on one workload."""

    status: str
    seconds: float | None = None
    repeats: int = 0
    value_ok: bool | None = None
    detail: str = ""
    disturbed: int = 0
    #: Median wall time of the paired yardstick (a no-op method call per chunk over
    #: the same chunks, run right after each timed run), when it was measured.
    noop_seconds: float | None = None

    @property
    def ok(self) -> bool:
        """Whether a time was measured."""
        return self.status == OK and self.seconds is not None


def noop_run(work: Workload) -> float:
    """Wall time of a no-op method call per chunk of ``work``, in the runners' loop shape."""
    call = _Noop().call
    deadline = float("inf")
    start = perf_counter()
    for block in work.blocks:
        for chunk in block:
            call(chunk)
        if perf_counter() > deadline:  # the runners check their cap once per block
            break
    return perf_counter() - start


def measure(
    run: Runner,
    work: Workload,
    cap: float,
    repeat: int,
    min_total: float = MIN_TOTAL_S,
    yardstick: bool = False,
) -> Measurement:
    """Time ``run`` on ``work`` by the wall clock; the median of the runs is reported.

    At least ``repeat`` runs; one if a run takes longer than :data:`LONG_RUN_S`; short
    runs are repeated until they span ``min_total`` seconds (at most :data:`MAX_REPEATS`
    runs), and runs under :data:`SHORT_RUN_S` get an untimed warm-up run first.  A short
    run during which the process got less than :data:`MIN_CPU_SHARE` of the CPU is run
    again (at most :data:`MAX_DISTURBED` times).  A run that passes ``cap`` seconds
    aborts itself (the runner checks the clock) and is reported as capped.  The first
    run's final value is compared with ``work.expected``.

    With ``yardstick``, every kept run is followed by :func:`noop_run` over the same
    chunks, so the cost per chunk in no-op calls is a ratio of two medians measured
    side by side, whatever the machine's speed was at that minute.
    """
    with frozen_heap():
        return _measure(run, work, cap, repeat, min_total, yardstick)


def _measure(
    run: Runner, work: Workload, cap: float, repeat: int, min_total: float, yardstick: bool
) -> Measurement:
    times: list[float] = []
    noops: list[float] = []
    value_ok: bool | None = None
    checked = warmed = False
    disturbed = 0
    while len(times) < max(1, repeat) or (
        sum(times) < min_total and len(times) < MAX_REPEATS and times[-1] < LONG_RUN_S
    ):
        cpu_start = process_time()
        start = perf_counter()
        try:
            value = run(work, start + cap)
        except CapExceeded:
            return Measurement(CAPPED, None, len(times) + 1, value_ok)
        except Exception as exc:  # a peer failing on valid input is a result, not a crash
            detail = f"{type(exc).__name__}: {exc}"[:120]
            return Measurement(ERROR, None, len(times) + 1, False, detail)
        elapsed = perf_counter() - start
        cpu = process_time() - cpu_start
        if not checked:
            checked = True
            value_ok = None if value is None else bool(value == work.expected)
        value = None  # do not keep this run's result alive during the next run
        if not warmed and elapsed < SHORT_RUN_S:
            warmed = True  # discard this cold (warm-up) run
            continue
        short = 0.001 < elapsed < LONG_RUN_S
        if short and cpu < MIN_CPU_SHARE * elapsed and disturbed < MAX_DISTURBED:
            disturbed += 1  # descheduled by another process: run again
            continue
        times.append(elapsed)
        if yardstick:
            noops.append(noop_run(work))
        if elapsed > LONG_RUN_S:
            break
    return Measurement(
        OK,
        statistics.median(times),
        len(times),
        value_ok,
        disturbed=disturbed,
        noop_seconds=statistics.median(noops) if noops else None,
    )


class _Noop:
    def call(self, chunk: object) -> None:
        """Do nothing: the yardstick's method."""


def noop_call_seconds(calls: int = 200_000, rounds: int = 11) -> float:
    """Median wall time of one no-op Python method call, ``obj.call(chunk)``.

    Measured in the same loop shape as the incremental runners (a ``for`` over a
    list of chunks), so "µs per chunk / this" is the per-chunk cost in units of
    the cheapest thing a Python caller can do per chunk. That ratio is far more
    stable across machines (and load) than microseconds.
    """
    obj = _Noop()
    chunks = ["x"] * calls
    times, disturbed = [], []
    with frozen_heap():
        for _ in range(rounds):
            cpu_start = process_time()
            start = perf_counter()
            for chunk in chunks:
                obj.call(chunk)
            elapsed = perf_counter() - start
            # Like measure(): a round descheduled by other load does not count.
            quiet = process_time() - cpu_start >= MIN_CPU_SHARE * elapsed
            (times if quiet else disturbed).append(elapsed / calls)
    return statistics.median(times) if times else min(disturbed)
