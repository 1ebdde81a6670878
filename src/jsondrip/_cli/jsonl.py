"""``jsondrip jsonl``: validate and normalise JSON Lines, streaming.

Reads 64 KiB at a time, prints each good record compact as soon as its line
ends (one write per read), reports bad lines as ``FILE:LINE:COLUMN: message``.
``--on-error`` maps onto ``JsonlParser``: ``raise`` stops at the first bad
line; ``collect`` and ``skip`` both keep going (the parser collects, the
errors are reported or counted, then dropped, so memory stays bounded).
"""

from __future__ import annotations

import argparse
import sys

from .. import JsonlParser, JSONStreamError
from . import report
from .progress import Reporter, reporter_for
from .reading import Input, open_input
from .writing import Output


def run(args: argparse.Namespace) -> int:
    """Run ``jsondrip jsonl``; return the exit status."""
    source = open_input(args.file)
    reporter = reporter_for(source, enabled=not args.no_progress)
    try:
        return _validate(source, args.on_error, Output(sys.stdout.buffer), reporter)
    finally:
        reporter.close()
        source.close()


def _validate(source: Input, on_error: str, out: Output, reporter: Reporter) -> int:
    parser = JsonlParser(on_error="raise" if on_error == "raise" else "collect")
    name = source.name
    bad = 0
    try:
        while True:
            data = source.read()
            if not data:
                break
            records = parser.feed(data)
            out.records(records)
            out.flush()
            bad += _bad_lines(parser, name, on_error, reporter)
            reporter.advance(len(data), len(records))
        records = parser.close()
        out.records(records)
        out.flush()
        bad += _bad_lines(parser, name, on_error, reporter)
    except JSONStreamError as error:
        out.records(error.records)
        out.flush()
        reporter.message(report.location(name, error))
        return 1
    if on_error == "skip":
        if bad:
            reporter.message(f"jsondrip: skipped {bad:,} bad line{'s' if bad != 1 else ''}")
        return 0
    return 1 if bad else 0


def _bad_lines(parser: JsonlParser, name: str, on_error: str, reporter: Reporter) -> int:
    """Report (collect) or just count (skip) the newly collected errors; forget them."""
    errors = parser.errors
    count = len(errors)
    if count and on_error == "collect":
        for error in errors:
            reporter.message(report.location(name, error))
    errors.clear()
    return count
