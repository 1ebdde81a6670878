"""``jsondrip jsonl``: validate and normalise JSON Lines, streaming.

Reads 64 KiB at a time, prints each good record compact as soon as its line
ends (one write per read), reports bad lines as ``FILE:LINE:COLUMN: message``.
``--on-error`` maps onto ``JsonlParser``: ``raise`` stops at the first bad
line; ``collect`` and ``skip`` both keep going (the parser collects, the
errors are reported or counted, then dropped, so memory stays bounded).
"""

from __future__ import annotations

import argparse

from .. import JsonlParser, JSONStreamError
from . import report
from .progress import Reporter, reporter_for
from .reading import Input, open_input
from .writing import NUMBER_OPTIONS, Output, binary_stdout


def run(args: argparse.Namespace) -> int:
    """Run ``jsondrip jsonl``; return the exit status."""
    out = Output(binary_stdout())
    source = open_input(args.file)
    reporter = reporter_for(source, enabled=not args.no_progress)
    parser = JsonlParser(
        on_error="raise" if args.on_error == "raise" else "collect",
        allow_nan=args.allow_nan,
        **NUMBER_OPTIONS,
    )
    try:
        return _validate(source, parser, args.on_error, out, reporter)
    finally:
        reporter.close()
        source.close()


def _validate(
    source: Input, parser: JsonlParser, on_error: str, out: Output, reporter: Reporter
) -> int:
    name = source.name
    bad = 0
    tail = report.TextTail()
    nan = [False]  # a bad line could be NaN or Infinity: hint at --allow-nan once
    try:
        while True:
            data = source.read()
            if not data:
                break
            tail.add(data)
            records = parser.feed(data)
            out.records(records)
            out.flush()
            bad += _bad_lines(parser, name, on_error, reporter, tail, nan)
            reporter.advance(len(data), len(records))
        records = parser.close()
        out.records(records)
        out.flush()
        bad += _bad_lines(parser, name, on_error, reporter, tail, nan)
    except JSONStreamError as error:
        out.records(error.records)
        out.flush()
        reporter.message(report.location(name, error))
        if report.could_be_nan(tail.at(error.offset)):
            reporter.message(report.NAN_HINT)
        return 1
    if on_error == "skip":
        if bad:
            reporter.message(f"jsondrip: skipped {bad:,} bad line{'s' if bad != 1 else ''}")
        if nan[0]:
            reporter.message(report.NAN_HINT)
        return 0
    if nan[0]:
        reporter.message(report.NAN_HINT)
    return 1 if bad else 0


def _bad_lines(
    parser: JsonlParser,
    name: str,
    on_error: str,
    reporter: Reporter,
    tail: report.TextTail,
    nan: list[bool],
) -> int:
    """Report (collect) or just count (skip) the newly collected errors; forget them."""
    errors = parser.errors
    count = len(errors)
    for error in errors:
        if on_error == "collect":
            reporter.message(report.location(name, error))
        nan[0] = nan[0] or report.could_be_nan(tail.at(error.offset))
    errors.clear()
    return count
