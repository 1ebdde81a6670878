"""Progress and messages on standard error for ``jsondrip jsonl``.

A bar (rich) is shown only when it can help and cannot get in the way: the
input is a regular file of known size, standard error is a terminal, and the
records are not being printed on that same terminal. Otherwise messages go
straight to standard error.
"""

from __future__ import annotations

import sys
from typing import Any, Optional, Protocol

from .reading import Input


class Reporter(Protocol):
    """Where ``jsonl`` sends progress and messages for people."""

    def advance(self, size: int, records: int) -> None: ...

    def message(self, text: str) -> None: ...

    def close(self) -> None: ...


class PlainReporter:
    """No bar: messages are written to standard error, one line each."""

    def advance(self, size: int, records: int) -> None:
        pass

    def message(self, text: str) -> None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        pass


class BarReporter:
    """A rich progress bar (bytes, records, speed, time left); messages above it."""

    def __init__(self, name: str, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[records]:,} records"),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True, highlight=False),
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task: Any = self._progress.add_task(name, total=total, records=0)
        self._records = 0
        self._progress.start()

    def advance(self, size: int, records: int) -> None:
        self._records += records
        self._progress.update(self._task, advance=size, records=self._records)

    def message(self, text: str) -> None:
        self._progress.console.print(text, markup=False, soft_wrap=True)

    def close(self) -> None:
        self._progress.stop()


def reporter_for(source: Input, *, enabled: bool = True) -> Reporter:
    """A progress bar for ``source`` where one fits, else plain messages."""
    if enabled and _bar_fits(source.size):
        try:
            return BarReporter(source.name, source.size or 0)
        except ImportError:
            pass
    return PlainReporter()


def _bar_fits(size: Optional[int]) -> bool:
    return (
        size is not None
        and sys.stderr is not None
        and sys.stderr.isatty()
        and not (sys.stdout is not None and sys.stdout.isatty())
    )
