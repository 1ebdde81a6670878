"""Error messages for people: ``FILE:LINE:COLUMN: message`` on standard error."""

from __future__ import annotations

import sys

from .. import JSONStreamError


def location(name: str, error: JSONStreamError) -> str:
    """``FILE:LINE:COLUMN: message``, like a compiler."""
    return f"{name}:{error.line}:{error.column}: {error.msg}"


def error(text: str) -> None:
    """Write one line to standard error, now."""
    if sys.stderr is not None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
