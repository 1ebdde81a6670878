"""``jsondrip parse --mode patch``: one jsondrip patch message per line.

The messages are those of :mod:`jsondrip.patch` (the format the browser client
applies): an ``add`` with its JSON Pointer path, a bare JSON string for text
appended to the open string (an append is never a re-sent string), and an
``end`` when a string or container completes.
"""

from __future__ import annotations

from typing import Optional

from .. import Delta, Parser
from ..patch import PatchEncoder
from .writing import Output


class PatchSink:
    """Writes the patch messages of every delta, flushed once per read."""

    def __init__(self, out: Output) -> None:
        self._out = out
        self._encoder = PatchEncoder()

    def changed(self, parser: Parser, deltas: list[Delta]) -> None:
        self._out.records(self._encoder.encode(deltas))

    def flush(self, parser: Parser) -> None:
        self._out.flush()

    def end(self, parser: Parser, error: Optional[BaseException]) -> None:
        self._out.flush()
