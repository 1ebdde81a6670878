"""Finding the JSON inside LLM output (``Parser(lenient=True)``).

Theory of operation
-------------------
Models wrap JSON in prose ("Sure! Here it is:"), Markdown code fences and
reasoning blocks (``<think>...</think>``). Before the value starts, the parser
runs :func:`find_json` over its buffer instead of the JSON scanner; once the
value starts, the text goes to the strict JSON scanner as usual, so values
still stream from their first character. Text after the value is ignored by
the parser itself.

Where the JSON starts:

* inside a fence whose info string is empty or ``json``: at the first
  non-whitespace character (any JSON value);
* in prose: at the first ``{`` followed (after whitespace) by ``"`` or ``}``,
  or the first ``[`` followed by the start of a value or ``]``. A bare number
  or string in prose is not taken for JSON;
* never inside ``<think>...</think>`` or inside a fence with another language.

A marker cut by a chunk boundary (``<thi``, two backticks, a ``{`` at the end)
is held back until the next chunk decides it, so the result never depends on
the chunking.
"""

from __future__ import annotations

import re

__all__ = ["PROSE", "find_json"]

PROSE = 0  # looking for a fence, a think block, or a '{' / '['
THINK = 1  # inside <think>...</think>
FENCE_INFO = 2  # after an opening ```, reading the info string up to the newline
FENCE_JSON = 3  # inside a json fence, before the value
FENCE_OTHER = 4  # inside a fence of another language

_MARKER = re.compile(r"<think>|```|[{\[]")
_PROSE_MARKERS = ("<think>", "```")
_JSON_INFO = frozenset(("", "json", "jsonc", "json5", "jsonl", "javascript", "js"))
_WHITESPACE_RUN = re.compile(r"[ \t\n\r]*")
_ARRAY_ELEMENT_START = frozenset('{["-0123456789tfn]')
_MAX_INFO = 64  # an "info string" longer than this is not a fence header


def _held_suffix(buf: str, start: int, markers: tuple[str, ...]) -> int:
    """Index from which ``buf`` ends with a proper prefix of one of ``markers``
    (text that the next chunk may turn into a marker), or ``len(buf)``."""
    n = len(buf)
    longest = max(len(m) for m in markers) - 1
    for i in range(max(start, n - longest), n):
        tail = buf[i:]
        if any(m.startswith(tail) for m in markers):
            return i
    return n


def find_json(state: int, buf: str) -> tuple[int, int, bool]:
    """Scan ``buf`` for the start of the JSON value.

    Returns ``(state, pos, found)``: with ``found``, the value starts at
    ``buf[pos]``; otherwise ``buf[:pos]`` is skipped text and ``buf[pos:]``
    must be kept and scanned again with the next chunk appended.
    """
    n = len(buf)
    pos = 0
    while True:
        if state == THINK:
            end = buf.find("</think>", pos)
            if end < 0:
                return state, _held_suffix(buf, pos, ("</think>",)), False
            pos = end + len("</think>")
            state = PROSE
        elif state == FENCE_INFO:
            newline = buf.find("\n", pos)
            if (newline if newline >= 0 else n) - pos > _MAX_INFO:
                # Too long for an info string, whether or not its end arrived.
                state = FENCE_OTHER
                continue
            if newline < 0:
                return state, pos, False
            info = buf[pos:newline].strip().lower()
            pos = newline + 1
            state = FENCE_JSON if info in _JSON_INFO else FENCE_OTHER
        elif state == FENCE_JSON:
            pos = _WHITESPACE_RUN.match(buf, pos).end()  # type: ignore[union-attr]
            if pos >= n:
                return state, pos, False
            if buf[pos] == "`":
                if n - pos < 3:
                    return state, pos, False
                if buf.startswith("```", pos):
                    pos += 3
                    state = PROSE
                    continue
            return state, pos, True
        elif state == FENCE_OTHER:
            end = buf.find("```", pos)
            if end < 0:
                return state, _held_suffix(buf, pos, ("```",)), False
            pos = end + 3
            state = PROSE
        else:
            match = _MARKER.search(buf, pos)
            if match is None:
                return state, _held_suffix(buf, pos, _PROSE_MARKERS), False
            token = match.group()
            if token == "<think>":
                pos = match.end()
                state = THINK
            elif token == "```":
                pos = match.end()
                state = FENCE_INFO
            else:
                start = match.start()
                after = _WHITESPACE_RUN.match(buf, start + 1).end()  # type: ignore[union-attr]
                if after >= n:
                    return state, start, False
                char = buf[after]
                if (token == "{" and char in '"}') or (
                    token == "[" and char in _ARRAY_ELEMENT_START
                ):
                    return state, start, True
                pos = start + 1
