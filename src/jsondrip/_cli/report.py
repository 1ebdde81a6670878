"""Error messages for people: ``FILE:LINE:COLUMN: message`` on standard error."""

from __future__ import annotations

import codecs
import sys
from typing import Union

from .. import JSONStreamError


def location(name: str, error: JSONStreamError) -> str:
    """``FILE:LINE:COLUMN: message``, like a compiler."""
    return f"{name}:{error.line}:{error.column}: {error.msg}"


def error(text: str) -> None:
    """Write one line to standard error, now."""
    if sys.stderr is not None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


#: What ``--allow-nan`` accepts; the hint names it only where the input could be one.
NAN_WORDS = ("NaN", "Infinity", "-Infinity")
NAN_HINT = "jsondrip: hint: --allow-nan accepts NaN, Infinity and -Infinity"


def could_be_nan(text: str) -> bool:
    """True if ``text`` (the input from an error's offset on) could begin a word of
    ``NAN_WORDS``: ``Inf`` or ``NaN,`` could, ``I think`` could not."""
    return bool(text) and any(word.startswith(text[: len(word)]) for word in NAN_WORDS)


class TextTail:
    """The newest decoded input text and its offset in the stream, to quote the
    input at an error: call ``add`` with each piece before the parser gets it.

    Offsets count decoded characters as the parsers do (a leading BOM is not
    counted); invalid UTF-8 decodes as U+FFFD, one character per bad byte run.
    """

    KEEP = 16  # characters of the previous pieces kept (a number or word the parser held)

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._text = ""
        self._start = 0
        self._begun = False

    def add(self, piece: Union[str, bytes]) -> None:
        """Record the next piece of input."""
        text = piece if isinstance(piece, str) else self._decoder.decode(piece)
        if not self._begun and text:
            self._begun = True
            if text[0] == "\ufeff":
                text = text[1:]
        keep = self._text[-self.KEEP :]
        self._start += len(self._text) - len(keep)
        self._text = keep + text

    def at(self, offset: int, size: int = 9) -> str:
        """Up to ``size`` characters from stream offset ``offset`` ("" if forgotten)."""
        index = offset - self._start
        return self._text[index : index + size] if index >= 0 else ""
