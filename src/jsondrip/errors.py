"""The exceptions jsondrip raises.

::

    ValueError
     └── JSONStreamError          the input is not (a prefix of) valid JSON
          ├── IncompleteJSONError the input ended before the value did (at close())
          └── LimitExceededError  a configured limit (nesting depth, ...) was passed
    RuntimeError
     ├── StreamClosedError        a programming error: feed() after close()
     └── ConcurrentUseError       a programming error: two calls at once

Every :class:`JSONStreamError` carries the position of the offending character
in the whole decoded stream (``offset``, 0-based, in characters; ``line`` and
``column``, 1-based), a message saying what was expected and what was found,
and the data the failing call had already produced (``deltas`` for
:class:`~jsondrip.Parser`, ``records`` for :class:`~jsondrip.JsonlParser`), so
that nothing which arrived is lost when an error is raised.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConcurrentUseError",
    "IncompleteJSONError",
    "JSONStreamError",
    "LimitExceededError",
    "StreamClosedError",
]


class JSONStreamError(ValueError):
    """The stream is not valid JSON (or not a valid prefix of it).

    Attributes:
        msg: The message without the position, e.g.
            ``"expected ',' or '}' after object member, found 'x'"``.
        offset: 0-based offset of the offending character, counted in
            characters of the whole decoded stream (a leading BOM is not
            counted).
        line: 1-based line of ``offset``.
        column: 1-based column of ``offset``, in characters.
        deltas: The deltas the failing :meth:`Parser.feed` produced before the
            error (they are already applied to ``Parser.value``).
        records: The records the failing :meth:`JsonlParser.feed` completed
            before the error (raise mode only).
    """

    def __init__(self, msg: str, offset: int, line: int, column: int) -> None:
        super().__init__(f"{msg} at line {line} column {column}")
        self.msg = msg
        self.offset = offset
        self.line = line
        self.column = column
        self.deltas: list[Any] = []
        self.records: list[Any] = []

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.msg, self.offset, self.line, self.column), self.__dict__)


class IncompleteJSONError(JSONStreamError):
    """The input ended (``close()``) while a value was still open.

    Attributes:
        partial: The partial value parsed before the input ended, exactly what
            ``value`` (or ``JsonlParser.partial``) showed last: never a number
            or literal that the end of input may have cut (``{"days": [1``
            gives ``{'days': []}``: the ``1`` might have been ``10``).
        pending_text: The raw text the parser was holding back when the input
            ended, not shown in ``partial``: an unfinished number, literal or
            escape (``"1"``, ``"tru"``, ``"\\u00"``), else ``""``.
    """

    def __init__(
        self,
        msg: str,
        offset: int,
        line: int,
        column: int,
        partial: Any = None,
        pending_text: str = "",
    ) -> None:
        super().__init__(msg, offset, line, column)
        self.partial = partial
        self.pending_text = pending_text

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            type(self),
            (self.msg, self.offset, self.line, self.column, self.partial, self.pending_text),
            self.__dict__,
        )


class LimitExceededError(JSONStreamError):
    """The input passed a configured limit.

    Attributes:
        limit: The name of the option that was exceeded, e.g. ``"max_depth"``.
        maximum: The configured value of that option.
    """

    def __init__(
        self, msg: str, offset: int, line: int, column: int, limit: str = "", maximum: int = 0
    ) -> None:
        super().__init__(msg, offset, line, column)
        self.limit = limit
        self.maximum = maximum

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            type(self),
            (self.msg, self.offset, self.line, self.column, self.limit, self.maximum),
            self.__dict__,
        )


class StreamClosedError(RuntimeError):
    """``feed()`` was called after ``close()``: a bug in the caller."""


class ConcurrentUseError(RuntimeError):
    """A parser was called while another call on it was still running.

    Parsers are not thread-safe: two threads feeding one parser at once get
    this error (in the later call) instead of a corrupted value. Use one
    parser per stream and thread, or serialise the calls with a lock.
    """
