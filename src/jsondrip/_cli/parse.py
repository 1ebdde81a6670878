"""``jsondrip parse``: one JSON document, shown as it arrives.

The loop reads whatever bytes are available, passes them through the optional
SSE step, feeds the parser and hands the deltas to a sink, which prints in the
chosen mode once per read. Errors print what was parsed first, then the
location of the problem.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any, Callable, Optional, Protocol, Union

from .. import Delta, JSONStreamError, Parser
from . import report
from .errors import UsageError
from .patchmode import PatchSink
from .reading import Input, open_input
from .sse import SSEError, TextStep, sse_step
from .writing import Output, compact_line, delta_record


class Sink(Protocol):
    """Where the parsed value goes, in one output mode."""

    def changed(self, parser: Parser, deltas: list[Delta]) -> None: ...

    def flush(self, parser: Parser) -> None: ...

    def end(self, parser: Parser, error: Optional[BaseException]) -> None: ...


class ValueSink:
    """``--mode value``: the whole value, one compact line per read that changed it."""

    def __init__(self, out: Output) -> None:
        self._out = out
        self._changed = False
        self._last = ""

    def changed(self, parser: Parser, deltas: list[Delta]) -> None:
        self._changed = self._changed or bool(deltas)

    def flush(self, parser: Parser) -> None:
        if self._changed and parser.started:
            # Only when the line differs: a read may complete values (an
            # "end" delta) without changing what the value looks like.
            line = compact_line(parser.value)
            if line != self._last:
                self._last = line
                self._out.record(parser.value)
                self._out.flush()
        self._changed = False

    def end(self, parser: Parser, error: Optional[BaseException]) -> None:
        self.flush(parser)


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


def make_parser(lenient: bool) -> Parser:
    """A ``Parser``, finding the JSON inside prose and fences if ``lenient``."""
    return Parser(lenient=lenient)


def resolve_mode(mode: str) -> str:
    """``auto`` -> ``live`` on a terminal with rich installed, else ``value``."""
    live_possible = _has_rich()
    if mode == "live" and not live_possible:
        raise UsageError("--mode live needs rich: pip install 'jsondrip[cli]'")
    if mode != "auto":
        return mode
    if sys.stdout is not None and sys.stdout.isatty():
        if live_possible:
            return "live"
        report.error("jsondrip: install 'jsondrip[cli]' (rich) for the live view; printing values")
    return "value"


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
    parser = make_parser(args.lenient)
    step = sse_step(args.sse, args.slot) if args.sse else None
    mode = resolve_mode(args.mode)
    source = open_input(args.file)
    try:
        if mode == "live":
            with LiveSink(source) as live:
                return _pump(source, step, parser, live, live)
        out = Output(sys.stdout.buffer)
        sinks: dict[str, Callable[[Output], Sink]] = {
            "value": ValueSink,
            "deltas": DeltaSink,
            "final": FinalSink,
            "patch": PatchSink,
        }
        return _pump(source, step, parser, sinks[mode](out), None)
    finally:
        source.close()


def _pump(
    source: Input,
    step: Optional[TextStep],
    parser: Parser,
    sink: Sink,
    live: Optional[LiveSink],
) -> int:
    """Read, feed and print until the input ends or turns out bad."""
    error: Optional[Exception] = None
    try:
        while True:
            if live is not None:
                timeout = live.wait()
                if timeout is not None and not source.wait(timeout):
                    live.refresh()
                    continue
            data = source.read()
            if not data:
                break
            if live is not None:
                live.received(len(data))
            _feed(parser, sink, step.feed(data) if step is not None else (data,))
            sink.flush(parser)
        if step is not None:
            _feed(parser, sink, step.close())
        sink.changed(parser, parser.feed_eof())
        parser.close()
    except JSONStreamError as exc:
        error = exc
        sink.changed(parser, exc.deltas)
    except SSEError as exc:
        error = exc
        try:  # the JSON text that came before the bad event
            _feed(parser, sink, exc.pieces)
        except JSONStreamError as bad:
            sink.changed(parser, bad.deltas)
    except KeyboardInterrupt as exc:
        sink.end(parser, exc)  # print what was parsed, then stop
        raise
    sink.end(parser, error)
    return _verdict(source.name, step, parser, error)


def _feed(parser: Parser, sink: Sink, pieces: Iterable[Union[str, bytes]]) -> None:
    for piece in pieces:
        sink.changed(parser, parser.feed(piece))


def _verdict(
    name: str, step: Optional[TextStep], parser: Parser, error: Optional[Exception]
) -> int:
    """Report how the input ended; return the exit status."""
    if isinstance(error, SSEError):
        report.error(f"{name}: {error}")
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
    where = f"{name} (JSON in the SSE stream)"
    report.error(report.location(where, error) + (f" (cut short: {cut})" if cut else ""))
    if error.offset == 0 and not parser.started:
        report.error(
            "jsondrip: hint: --slot tool_call parses a tool call's arguments;"
            " --lenient skips prose around the JSON"
        )
    return 1
