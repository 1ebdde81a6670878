"""``jsondrip parse``: one JSON document, shown as it arrives.

The loop reads whatever bytes are available, passes them through the optional
SSE step, feeds the parser and hands the deltas to a sink, which prints in the
chosen mode once per read. Errors print what was parsed first, then the
location of the problem.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterable
from typing import Any, Callable, Optional, Protocol, Union

from .. import Delta, JSONStreamError, Parser
from . import report
from .args import VALUE_RATE
from .errors import UsageError
from .patchmode import PatchSink
from .reading import Input, open_input
from .sse import SSEError, TextStep, sse_step
from .writing import NUMBER_OPTIONS, Output, binary_stdout, compact_line, delta_record


class Sink(Protocol):
    """Where the parsed value goes, in one output mode."""

    def changed(self, parser: Parser, deltas: list[Delta]) -> None: ...

    def flush(self, parser: Parser) -> None: ...

    def end(self, parser: Parser, error: Optional[BaseException]) -> None: ...


class ValueSink:
    """``--mode value``: the whole value as one compact line, throttled.

    A line is written when the value changed and at least ``1 / rate`` seconds
    (and four times what the last line took to encode and write) have passed
    since the last one, so writing takes at most a fifth of the time; the last
    value is always written, and a pending one is written on time even if no
    input arrives (``wait`` / ``refresh``).
    """

    def __init__(
        self, out: Output, rate: float = VALUE_RATE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._out = out
        self._clock = clock
        self._interval = 1.0 / rate
        self._next = -math.inf
        self._parser: Optional[Parser] = None
        self._pending = False
        self._last = ""

    def changed(self, parser: Parser, deltas: list[Delta]) -> None:
        if deltas:
            self._parser = parser
            self._pending = True

    def flush(self, parser: Parser) -> None:
        if self._pending and self._clock() >= self._next:
            self._write()

    def wait(self) -> Optional[float]:
        """Seconds until the pending line is due; ``None`` if nothing is pending."""
        if not self._pending:
            return None
        return max(0.0, self._next - self._clock())

    def refresh(self) -> None:
        """Write the pending line (it is due)."""
        if self._pending:
            self._write()

    def end(self, parser: Parser, error: Optional[BaseException]) -> None:
        if self._pending:
            self._write()

    def _write(self) -> None:
        self._pending = False
        parser = self._parser
        if parser is None or not parser.started:
            return
        started = self._clock()
        # Only when the line differs: a read may complete values (an "end"
        # delta) without changing what the value looks like.
        line = compact_line(parser.value)
        if line != self._last:
            self._last = line
            self._out.line(line)
            self._out.flush()
        now = self._clock()
        self._next = now + max(self._interval, 4.0 * (now - started))


class DeltaSink:
    """``--mode deltas``: one JSON line per delta."""

    def __init__(self, out: Output) -> None:
        self._out = out

    def changed(self, parser: Parser, deltas: list[Delta]) -> None:
        self._out.records(map(delta_record, deltas))

    def flush(self, parser: Parser) -> None:
        self._out.flush()

    def end(self, parser: Parser, error: Optional[BaseException]) -> None:
        self._out.flush()


class FinalSink:
    """``--mode final``: the final value only (the partial one if the input was bad)."""

    def __init__(self, out: Output) -> None:
        self._out = out

    def changed(self, parser: Parser, deltas: list[Delta]) -> None:
        pass

    def flush(self, parser: Parser) -> None:
        pass

    def end(self, parser: Parser, error: Optional[BaseException]) -> None:
        if parser.started:
            self._out.record(parser.value)
            self._out.flush()


class LiveSink:
    """``--mode live``: the partial value redrawn on the terminal."""

    def __init__(self, source: Input) -> None:
        from .live import LiveView

        self._name = source.name
        self._view = LiveView()
        self._bytes = 0
        self._reads = 0

    def __enter__(self) -> LiveSink:
        self._view.__enter__()
        self._view.update(None, False, f"{self._name} · waiting for input")
        return self

    def __exit__(self, *exc: Any) -> None:
        self._view.__exit__(*exc)

    def wait(self) -> Optional[float]:
        return self._view.wait()

    def refresh(self) -> None:
        self._view.refresh()

    def received(self, size: int) -> None:
        self._bytes += size
        self._reads += 1

    def changed(self, parser: Parser, deltas: list[Delta]) -> None:
        pass

    def flush(self, parser: Parser) -> None:
        status = f"{self._name} · {self._bytes:,} bytes in {self._reads:,} reads · streaming…"
        self._view.update(parser.value, parser.started, status)

    def end(self, parser: Parser, error: Optional[BaseException]) -> None:
        state = "done"
        if isinstance(error, KeyboardInterrupt):
            state = "interrupted"
        elif error is not None:
            state = "invalid"
        lines = [f"{self._name} · {self._bytes:,} bytes in {self._reads:,} reads · {state}"]
        self._view.finish(parser.value, parser.started, lines)


class Timed(Protocol):
    """A sink with output due at a time of its own (the live view, ``--mode value``)."""

    def wait(self) -> Optional[float]: ...

    def refresh(self) -> None: ...


def make_parser(lenient: bool, allow_nan: bool = False) -> Parser:
    """A ``Parser`` that keeps every number's text, finding the JSON inside prose
    and fences if ``lenient``."""
    return Parser(lenient=lenient, allow_nan=allow_nan, **NUMBER_OPTIONS)


def resolve_mode(mode: str) -> str:
    """``auto`` -> ``live`` on a terminal with rich installed, else ``final``.

    Piped or redirected, the default is the final value: one line, linear in
    the input however large (``--mode value`` and ``deltas`` stream).
    """
    live_possible = _has_rich()
    if mode == "live" and not live_possible:
        raise UsageError("--mode live needs rich: pip install 'jsondrip[cli]'")
    if mode != "auto":
        return mode
    if sys.stdout is not None and sys.stdout.isatty():
        if live_possible:
            return "live"
        report.error(
            "jsondrip: install 'jsondrip[cli]' (rich) for the live view; printing the final value"
        )
    return "final"


def _has_rich() -> bool:
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    """Run ``jsondrip parse``; return the exit status."""
    if args.slot and not args.sse:
        raise UsageError("--slot needs --sse")
    parser = make_parser(args.lenient, args.allow_nan)
    step = sse_step(args.sse, args.slot) if args.sse else None
    mode = resolve_mode(args.mode)
    source = open_input(args.file)
    try:
        if mode == "live":
            with LiveSink(source) as live:
                return _pump(source, step, parser, live, live, live)
        out = Output(binary_stdout())
        if mode == "value":
            value = ValueSink(out)
            return _pump(source, step, parser, value, value)
        if mode == "patch":
            return _pump(source, step, parser, PatchSink(out))
        return _pump(source, step, parser, DeltaSink(out) if mode == "deltas" else FinalSink(out))
    finally:
        source.close()


def _pump(
    source: Input,
    step: Optional[TextStep],
    parser: Parser,
    sink: Sink,
    timed: Optional[Timed] = None,
    live: Optional[LiveSink] = None,
) -> int:
    """Read, feed and print until the input ends or turns out bad.

    ``timed`` is the sink whose output is due at times of its own (a pending
    redraw or line is written when no input arrives in time).
    """
    error: Optional[Exception] = None
    tail = report.TextTail()
    try:
        while True:
            if timed is not None:
                timeout = timed.wait()
                if timeout is not None and not source.wait(timeout):
                    timed.refresh()
                    continue
            data = source.read()
            if not data:
                break
            if live is not None:
                live.received(len(data))
            _feed(parser, sink, step.feed(data) if step is not None else (data,), tail)
            sink.flush(parser)
        if step is not None:
            _feed(parser, sink, step.close(), tail)
        sink.changed(parser, parser.feed_eof())
        parser.close()
    except JSONStreamError as exc:
        error = exc
        sink.changed(parser, exc.deltas)
    except SSEError as exc:
        error = exc
        try:  # the JSON text that came before the bad event
            _feed(parser, sink, exc.pieces, tail)
        except JSONStreamError as bad:
            sink.changed(parser, bad.deltas)
    except KeyboardInterrupt as exc:
        sink.end(parser, exc)  # print what was parsed, then stop
        raise
    sink.end(parser, error)
    return _verdict(source.name, step, parser, error, tail)


def _feed(
    parser: Parser, sink: Sink, pieces: Iterable[Union[str, bytes]], tail: report.TextTail
) -> None:
    for piece in pieces:
        tail.add(piece)
        sink.changed(parser, parser.feed(piece))


def _verdict(
    name: str,
    step: Optional[TextStep],
    parser: Parser,
    error: Optional[Exception],
    tail: report.TextTail,
) -> int:
    """Report how the input ended; return the exit status."""
    # (With --allow-nan such text is never at an error: the word is accepted.)
    nan = isinstance(error, JSONStreamError) and report.could_be_nan(tail.at(error.offset))
    status = _report(name, step, parser, error)
    if nan:
        report.error(report.NAN_HINT)
    return status


def _report(name: str, step: Optional[TextStep], parser: Parser, error: Optional[Exception]) -> int:
    if isinstance(error, SSEError):
        report.error(f"{name}:{error}")  # the message starts with the line number
        return 1
    if step is None:
        if isinstance(error, JSONStreamError):
            report.error(report.location(name, error))
            return 1
        return 0
    cut = step.cut()
    if not isinstance(error, JSONStreamError):
        if cut is not None:
            report.error(
                f"jsondrip: {name}: the stream was cut short ({cut}), but the JSON is complete"
            )
        return 0
    diagnosis = step.diagnose()
    if diagnosis is not None:
        report.error(f"{name}: {diagnosis}")
        return 1
    origin = step.where(error.offset)
    text = f"{error.msg} (the JSON text's line {error.line}, column {error.column})"
    if cut is not None:
        report.error(f"{name}: the stream was cut short ({cut}): {text}")
    elif error.msg.endswith("found end of input") or origin is None:
        report.error(f"{name}: at the end of the stream: {text}")
    else:
        report.error(f"{name}:{origin[1]}: event {origin[0]}: {text}")
    if error.offset == 0 and not parser.started and origin is not None:
        report.error(
            "jsondrip: hint: --slot tool_call parses a tool call's arguments;"
            " --lenient skips prose around the JSON"
        )
    return 1
