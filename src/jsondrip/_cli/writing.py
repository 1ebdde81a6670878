"""Output: compact JSON lines as UTF-8 in batches, and text for people.

Records are collected while one input chunk is processed and written with one
``write`` + ``flush`` when the chunk is done: a slow stream is echoed as it
arrives, a fast file is not slowed down by a flush per record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, BinaryIO

from .. import Delta, Path

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_pretty = json.JSONEncoder(ensure_ascii=False, indent=2, check_circular=False).encode
_SURROGATE = re.compile("[\ud800-\udfff]")


def compact(value: Any) -> str:
    """One-line JSON, unicode kept as is (``separators=(",", ":")``)."""
    return _compact(value)


def pretty(value: Any) -> str:
    """Indented JSON for the screen; lone surrogates shown as ``\\uXXXX`` escapes."""
    return _escape_surrogates(_pretty(value))


def delta_record(delta: Delta) -> dict[str, Any]:
    """A delta as the JSON object ``--mode deltas`` prints."""
    return {"op": delta.op, "path": list(delta.path), "value": delta.value}


def path_label(path: Path) -> str:
    """``('ingredients', 0, 'name')`` -> ``ingredients[0].name``."""
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(f".{part}" if out else part)
    return "".join(out) or "(root)"


def _escape_surrogates(text: str) -> str:
    """JSON text with a lone surrogate (from ``"\\ud800"``) escaped, so it encodes."""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class Output:
    """JSON Lines on a binary stream (standard output), written in batches."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lines: list[str] = []

    def record(self, value: Any) -> None:
        """Queue one value as a compact JSON line."""
        self._lines.append(_compact(value))

    def records(self, values: Iterable[Any]) -> None:
        """Queue several values as compact JSON lines."""
        self._lines.extend(map(_compact, values))

    def flush(self) -> None:
        """Write the queued lines and flush the stream."""
        if not self._lines:
            return
        self._lines.append("")
        text = "\n".join(self._lines)
        self._lines.clear()
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            data = _escape_surrogates(text).encode("utf-8")
        self._stream.write(data)
        self._stream.flush()


def compact_line(value: Any) -> str:
    """The compact JSON line ``Output.record`` writes for ``value``."""
    return _compact(value)
