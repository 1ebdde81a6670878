"""Output: compact JSON lines as UTF-8 in batches, and text for people.

Records are collected while one input chunk is processed and written with one
``write`` + ``flush`` when the chunk is done: a slow stream is echoed as it
arrives, a fast file is not slowed down by a flush per record.

Numbers are written as their original text: the parsers are given
``parse_float=RawNumber`` and ``parse_int=exact_int`` (``NUMBER_OPTIONS``), the
encoder turns a ``RawNumber`` into a marked string (``default``), and the
marks are removed from the encoded text, which keeps the C encoder's speed.
A failed write raises ``OutputError``.
"""

from __future__ import annotations

import json
import re
import secrets
import sys
from collections.abc import Iterable
from typing import Any, BinaryIO, Callable, Union

from .. import Delta, Path

_SURROGATE = re.compile("[\ud800-\udfff]")


class OutputError(Exception):
    """Standard output cannot be written (closed, disk full): exit status 74."""


class RawNumber:
    """A JSON number kept as its text (``1e400``, ``0.10000000000000000001``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawNumber) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def exact_int(text: str) -> Union[int, RawNumber]:
    """``int(text)``, or a ``RawNumber`` where ``int`` would not write ``text`` back
    (``-0``, more digits than ``sys.get_int_max_str_digits()`` allows)."""
    try:
        value = int(text)
    except ValueError:
        return RawNumber(text)
    return RawNumber(text) if value == 0 and text != "0" else value


#: Parser options that keep every number's text.
NUMBER_OPTIONS: dict[str, Any] = {"parse_float": RawNumber, "parse_int": exact_int}

# A private-use character and a random tag: no string in the input can carry
# this mark by chance.
_MARK = f"\ue000jsondrip-{secrets.token_hex(8)}:"
_MARKED = re.compile('"' + re.escape(_MARK) + '([^"]*)"')


def _raw(value: object) -> str:
    if isinstance(value, RawNumber):
        return _MARK + value.text
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encoder(**options: Any) -> Callable[[Any], str]:
    encode = json.JSONEncoder(
        ensure_ascii=False, check_circular=False, default=_raw, **options
    ).encode

    def encoder(value: Any) -> str:
        text: str = encode(value)
        if _MARK in text:
            text = _MARKED.sub(r"\1", text)
        return text

    return encoder


_compact = _encoder(separators=(",", ":"))
_pretty = _encoder(indent=2)


def compact(value: Any) -> str:
    """One-line JSON, unicode kept as is (``separators=(",", ":")``)."""
    return _compact(value)


def pretty(value: Any) -> str:
    """Indented JSON for the screen; lone surrogates shown as ``\\uXXXX`` escapes."""
    return _escape_surrogates(_pretty(value))


def binary_stdout() -> BinaryIO:
    """Standard output as a binary stream.

    Raises:
        OutputError: standard output is closed.
    """
    if sys.stdout is None:
        raise OutputError("standard output is closed")
    return sys.stdout.buffer


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

    def line(self, text: str) -> None:
        """Queue one line of JSON text already encoded (``compact_line``)."""
        self._lines.append(text)

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
        try:
            self._stream.write(data)
            self._stream.flush()
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as exc:  # ValueError: the stream was closed
            raise OutputError(getattr(exc, "strerror", None) or str(exc)) from None


def compact_line(value: Any) -> str:
    """The compact JSON line ``Output.record`` writes for ``value``."""
    return _compact(value)
