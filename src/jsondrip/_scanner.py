"""Token-level scanning: compiled patterns and the exact slow paths.

Theory of operation
-------------------
The parser's hot loop (``_parser.py``) dispatches on one character and then
consumes whole runs with the precompiled patterns below, like CPython's
``json.scanner``: a run of plain string characters, of whitespace, or a whole
number is one ``pattern.match(buffer, pos)`` call.

The functions in this module are the slow paths the loop falls back to when a
token is unusual (an escape), touches the end of the buffer (the token may
still continue in the next chunk), or is malformed. They walk the token one
character at a time so that an error is reported at the *first* character
after which the text can no longer be a prefix of valid JSON, and so that an
incomplete token is recognised as "needs more input" rather than an error.

Positions here are indices into the buffer being scanned; the parser turns
them into stream offsets, lines and columns when it raises.
"""

from __future__ import annotations

import re
from typing import Callable, Optional, cast

# Patterns ending in "*" always match (possibly nothing), so their match
# functions are typed as never returning None.
_AlwaysMatch = Callable[..., "re.Match[str]"]

#: JSON whitespace (RFC 8259): nothing else counts, not even U+00A0 or U+FEFF.
WHITESPACE = frozenset(" \t\n\r")
WHITESPACE_RUN = cast(_AlwaysMatch, re.compile(r"[ \t\n\r]*").match)
#: A run of string characters that need no decoding.
STRING_RUN = cast(_AlwaysMatch, re.compile(r'[^"\\\x00-\x1f]*').match)
#: A whole number; group 1 is the integer part, ``lastindex > 1`` means float.
NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?").match
#: Characters that may start a number.
NUMBER_START = frozenset("-0123456789")
#: Characters that, right after a regex-matched number, mean the number is
#: either still growing or malformed; the exact slow path decides which.
NUMBER_CONTINUATION = frozenset("0123456789.eE+-")

ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
#: A run of hex digits (with ``endpos``, at most the four of a ``\\u`` escape).
HEX_RUN = cast(_AlwaysMatch, re.compile(r"[0-9a-fA-F]*").match)


class ScanError(Exception):
    """Internal: malformed input at buffer index ``pos``.

    Translated into the public :class:`~jsondrip.errors.JSONStreamError`
    (with stream offset, line and column) once, at the parser boundary.
    """

    def __init__(self, pos: int, msg: str, limit: str = "", maximum: int = 0) -> None:
        super().__init__(pos, msg)
        self.pos = pos
        self.msg = msg
        self.limit = limit
        self.maximum = maximum


def describe(char: str) -> str:
    """Name a character for an error message: ``'x'``, ``'"'`` or ``U+000A``."""
    if char.isprintable():
        return repr(char)
    return f"U+{ord(char):04X}"


def scan_escape(buf: str, pos: int) -> Optional[tuple[str, int]]:
    """Decode the escape sequence starting at the backslash ``buf[pos]``.

    Returns ``(decoded, end)``, or ``None`` when the buffer ends before the
    escape can be decoded. A high surrogate ``\\uD8xx`` is held back (``None``)
    until it is known whether a low surrogate escape follows (decided at the
    first character that cannot continue ``\\uDC00``-``\\uDFFF``), so a
    partial string never shows half of a surrogate pair; a lone surrogate is
    decoded as itself, exactly like ``json.loads``.

    Raises:
        ScanError: at the first character that cannot continue the escape.
    """
    n = len(buf)
    if pos + 1 >= n:
        return None
    char = buf[pos + 1]
    simple = ESCAPES.get(char)
    if simple is not None:
        return simple, pos + 2
    if char != "u":
        raise ScanError(
            pos + 1,
            f"expected an escape character (one of \"\\/bfnrtu) after '\\', found {describe(char)}",
        )
    code = _hex4(buf, pos + 2)
    if code is None:
        return None
    end = pos + 6
    if 0xD800 <= code <= 0xDBFF:
        mismatch = low_surrogate_mismatch(buf, end)
        if mismatch < 0:
            low = int(buf[end + 2 : end + 6], 16)
            return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), end + 6
        if mismatch >= n:
            return None
    return chr(code), end


_LOW_SURROGATE = ("\\", "u", "dD", "cdefCDEF", HEX_DIGITS, HEX_DIGITS)


def low_surrogate_mismatch(buf: str, start: int) -> int:
    """Where the text at ``start`` stops being a low surrogate escape.

    Returns -1 if ``buf[start:start + 6]`` is one (``\\uDC00``-``\\uDFFF``),
    ``len(buf)`` if the buffer ends on a prefix of one, else the index of the
    first character that rules it out.
    """
    n = len(buf)
    for i, allowed in enumerate(_LOW_SURROGATE):
        if start + i >= n:
            return n
        if buf[start + i] not in allowed:
            return start + i
    return -1


def is_high_surrogate(text: str) -> bool:
    """True for a lone high surrogate (the decoding of ``\\uD800``-``\\uDBFF``)."""
    return "\ud800" <= text <= "\udbff"


def _hex4(buf: str, start: int) -> Optional[int]:
    digits = buf[start : start + 4]
    for i, digit in enumerate(digits):
        if digit not in HEX_DIGITS:
            raise ScanError(
                start + i, f"expected 4 hex digits after '\\u', found {describe(digit)}"
            )
    if len(digits) < 4:
        return None
    return int(digits, 16)


def scan_string(buf: str, pos: int, parts: list[str], budget: int = -1) -> tuple[int, bool]:
    """Decode string contents from ``pos``, appending decoded pieces to ``parts``.

    Returns ``(pos, closed)``: ``closed`` is true when the closing quote was
    consumed (``pos`` is just after it); otherwise ``pos`` is where scanning
    must resume once more text arrives (the start of an unfinished escape, or
    the end of the buffer). With ``budget >= 0``, at most that many decoded
    characters may follow before max_string_length is passed.

    Raises:
        ScanError: on a control character, an invalid escape, or (budget) at
            the first character past the string length limit.
    """
    n = len(buf)
    while True:
        end = STRING_RUN(buf, pos).end()
        if budget >= 0:
            if end - pos > budget:
                raise _too_long(pos + budget)
            budget -= end - pos
        if end > pos:
            parts.append(buf[pos:end])
        if end >= n:
            return end, False
        char = buf[end]
        if char == '"':
            return end + 1, True
        if char == "\\":
            if budget == 0:
                raise _too_long(end)  # any escape adds a character
            escape = scan_escape(buf, end)
            if escape is None:
                return end, False
            if budget > 0:
                budget -= len(escape[0])
                if budget < 0:
                    raise _too_long(end)
                if budget == 0 and is_high_surrogate(escape[0]):
                    overflow = after_lone_surrogate(buf, escape[1])
                    if overflow >= 0:
                        raise _too_long(overflow)
            parts.append(escape[0])
            pos = escape[1]
        else:
            raise control_character(end, char)


def after_lone_surrogate(buf: str, end: int) -> int:
    """With no characters left in the budget after a lone high surrogate that
    ends at ``end``: where the next escape certainly passes the limit, or -1.

    That escape starts at ``end`` but might have been the low half of a
    surrogate pair (one character in all), so the limit is passed only at the
    character that ruled that out.
    """
    if end < len(buf) and buf[end] == "\\":
        return low_surrogate_mismatch(buf, end)
    return -1


def _too_long(pos: int) -> ScanError:
    # The parser puts in the configured maximum when it reports the error.
    return ScanError(pos, "max_string_length", "max_string_length", -1)


def control_character(pos: int, char: str) -> ScanError:
    """The error for an unescaped control character inside a string."""
    return ScanError(pos, f"expected '\"' or more string, found control character {describe(char)}")


# Number automaton states, after: nothing, '-', '0', [1-9][0-9]*, '.', fraction
# digits, 'e', exponent sign, exponent digits.
_START, _MINUS, _ZERO, _INT, _DOT, _FRAC, _EXP, _EXP_SIGN, _EXP_DIGITS = range(9)
_CAN_END = frozenset((_ZERO, _INT, _FRAC, _EXP_DIGITS))
_AFTER_ZERO = "expected '.', 'e' or the end of a number after a leading zero"
_EXPECTED = {
    _START: "expected a digit or '-' to start a number",
    _MINUS: "expected a digit after '-' in number",
    _DOT: "expected a digit after '.' in number",
    _EXP: "expected a digit or sign after exponent in number",
    _EXP_SIGN: "expected a digit in number exponent",
}


def scan_number(buf: str, pos: int, final: bool) -> int:
    """Find the end of the number starting at ``pos``, exactly.

    Returns the index just past the number, or ``-1`` when the number reaches
    the end of the buffer and more input could still extend it (with
    ``final`` the end of the buffer ends the number instead).

    Raises:
        ScanError: at the first character that cannot continue the number, or
            (``final``) at the end of input if the number is unfinished.
    """
    n = len(buf)
    state = _START
    i = pos
    while i < n:
        char = buf[i]
        digit = "0" <= char <= "9"
        if state == _START:
            state = _MINUS if char == "-" else _ZERO if char == "0" else _INT
        elif state == _MINUS:
            if not digit:
                raise ScanError(i, f"{_EXPECTED[_MINUS]}, found {describe(char)}")
            state = _ZERO if char == "0" else _INT
        elif state == _ZERO or state == _INT:
            if char == ".":
                state = _DOT
            elif char in "eE":
                state = _EXP
            elif digit:
                if state == _ZERO:
                    raise ScanError(i, f"{_AFTER_ZERO}, found {describe(char)}")
            else:
                return i
        elif state == _DOT:
            if not digit:
                raise ScanError(i, f"{_EXPECTED[_DOT]}, found {describe(char)}")
            state = _FRAC
        elif state == _FRAC:
            if char in "eE":
                state = _EXP
            elif not digit:
                return i
        elif state == _EXP:
            if char in "+-":
                state = _EXP_SIGN
            elif digit:
                state = _EXP_DIGITS
            else:
                raise ScanError(i, f"{_EXPECTED[_EXP]}, found {describe(char)}")
        elif state == _EXP_SIGN:
            if not digit:
                raise ScanError(i, f"{_EXPECTED[_EXP_SIGN]}, found {describe(char)}")
            state = _EXP_DIGITS
        elif not digit:  # _EXP_DIGITS
            return i
        i += 1
    if not final:
        return -1
    if state in _CAN_END:
        return n
    raise ScanError(n, f"{_EXPECTED[state]}, found end of input")


def scan_literal(buf: str, pos: int, word: str) -> bool:
    """Check the literal ``word`` (``true``, ``NaN``, ...) at ``pos``.

    Returns True when the whole word is present, False when the buffer ends
    with a proper prefix of it.

    Raises:
        ScanError: at the first character that differs from ``word``.
    """
    segment = buf[pos : pos + len(word)]
    if segment == word:
        return True
    for i, char in enumerate(segment):
        if char != word[i]:
            raise ScanError(pos + i, f"expected {word!r}, found {buf[pos : pos + i + 1]!r}")
    return False
