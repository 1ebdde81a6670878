"""The ``jsondrip`` command: ``demo``, ``parse`` and ``jsonl``.

Entry point of the console script and of ``python -m jsondrip``. The commands
live in ``jsondrip._cli``; the terminal UI (rich, the ``cli`` extra) is
imported only when a command draws on a terminal.

Exit status: 0 success, 1 invalid or truncated input, 2 usage error, 74
standard output cannot be written (closed, disk full: one line on standard
error, never a traceback), 130 interrupted, 141 the reader of standard output
went away (``| head``: quietly, as ``cat`` would).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Callable, Optional

from ._cli import report
from ._cli.args import build_parser
from ._cli.errors import UsageError
from ._cli.writing import OutputError

__all__ = ["main"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``jsondrip`` with ``argv`` (default: ``sys.argv[1:]``).

    Returns:
        The exit status (argparse exits with 2 itself on a bad flag).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return _command(args.command)(args)
    except UsageError as exc:
        report.error(f"jsondrip {args.command}: error: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as `cat` would.
        _drop_stdout()
        return 141
    except OutputError as exc:
        report.error(f"jsondrip {args.command}: error: cannot write the output: {exc}")
        _drop_stdout()
        return 74


def _drop_stdout() -> None:
    """Point standard output at the null device, so that the interpreter's own
    flush at exit does not fail again on what is still buffered."""
    if sys.stdout is None:
        return
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The ``run`` function of a command, imported only when it is used."""
    if name == "demo":
        from ._cli.demo import run as demo

        return demo
    if name == "parse":
        from ._cli.parse import run as parse

        return parse
    from ._cli.jsonl import run as jsonl

    return jsonl
