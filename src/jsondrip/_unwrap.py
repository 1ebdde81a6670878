"""Finding the JSON inside LLM output (``Parser(lenient=True)``).

Theory of operation
-------------------
Models wrap JSON in prose ("Sure! Here it is:"), Markdown code fences and
reasoning blocks (``<think>...</think>``). Before the value starts, the parser
hands its buffer to a :class:`Hunter` instead of the JSON scanner; once the
value starts, the text goes to the strict JSON scanner as usual, so values
still stream from their first character.

Where the JSON starts:

* inside a fence (a run of 3 or more backticks or tildes, per CommonMark;
  found anywhere, not only at a line start) whose info string is empty or
  names JSON: at the first non-whitespace character (any JSON value). The
  fence closes at a run of the same character at least as long;
* in prose: at a ``{`` followed (after whitespace) by ``"`` or ``}``, or a
  ``[`` followed by ``]``, ``{``, ``[``, ``"``, or a whole number or
  ``true``/``false``/``null`` and then ``,`` or ``]`` (so ``[the docs]`` and
  ``[see 1a]`` are prose). A bare number or string in prose is not JSON;
* never inside a reasoning block (``<think>``, ``<thinking>``, any case,
  nested) or inside a fence of another language.

A value found in prose is *provisional* (single-value mode): once it is
complete, the rest of the text is still searched, and a json fence after it
takes precedence (``Sources [1], [2]. ```json {...}``` `` gives the fenced
object). The parser then starts over with a root ``add`` delta.

Linear time: text is scanned once; what is held back for the next chunk is
bounded (a marker cut by the chunk boundary, a fence's info string, a
candidate being checked). A candidate that whitespace leaves undecided
(``[``, ``[1`` or ``[true`` followed by spaces) is held as the bracket and
token alone, the whitespace skipped (it is insignificant in JSON), so no
chunking makes the parser copy or re-scan the same text twice. The one
exception is a number in prose still growing at the end of the text (``[``
and then thousands of digits): it is held, digits and all, until it ends.
"""

from __future__ import annotations

import re
from typing import Optional, Union

__all__ = ["AFTER", "PROSE", "Hunter", "fence_closes", "find_json"]

PROSE = 0  # looking for a fence, a think block, or a '{' / '['
THINK = 1  # inside <think>...</think> (nested: see Hunter.depth)
FENCE_INFO = 2  # after an opening fence run, reading the info string up to the newline
FENCE_JSON = 3  # inside a json fence, before the value
FENCE_OTHER = 4  # inside a fence of another language
AFTER = 5  # a prose value is complete: looking only for a json fence that overrides it

_MARKER = re.compile(r"<(?i:think(?:ing)?)>|`{3,}|~{3,}|[{\[]")
_AFTER_MARKER = re.compile(r"<(?i:think(?:ing)?)>|`{3,}|~{3,}")
_THINK_TAG = re.compile(r"<(/?)(?i:think(?:ing)?)>")
_TAGS = ("<think>", "<thinking>", "</think>", "</thinking>")
_JSON_INFO = frozenset(("", "json", "jsonc", "json5", "jsonl", "javascript", "js"))
_WHITESPACE_RUN = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NUMBER_RUN = re.compile(r"[-+.eE0-9]*")
_MAX_INFO = 64  # an "info string" longer than this is not a fence header


def _tag_prefix(buf: str, start: int) -> int:
    """Index from which ``buf`` ends with a proper prefix of a think tag (any
    case), or ``len(buf)``."""
    n = len(buf)
    cut = buf.rfind("<", max(start, n - 11))
    if cut < 0:
        return n
    tail = buf[cut:].lower()
    return cut if any(tag.startswith(tail) for tag in _TAGS) else n


def _run_end(buf: str, pos: int, char: str) -> int:
    while pos < len(buf) and buf[pos] == char:
        pos += 1
    return pos


class Hunter:
    """Where the JSON starts in LLM output, chunk by chunk (sans-I/O).

    :meth:`scan` is given the parser's held text with the new chunk appended;
    it never looks at text it has already passed.
    """

    # No __slots__: a parser pickles with every protocol, and 0 and 1 cannot
    # pickle a slotted object without __getstate__.

    max_number = 0  # for a hunter pickled before it had one

    def __init__(self, max_number: int = 0) -> None:
        #: The parser's max_number_length: a number in prose no longer than
        #: this is held without the whitespace around it (see _compact).
        self.max_number = max_number
        self.state = PROSE
        self.return_to = PROSE  # the state after a think block or another fence
        self.depth = 0  # nested think blocks
        self.fence = ""  # the open fence's run, e.g. "```" or "~~~~"
        #: The state the last value was found in (FENCE_JSON or PROSE).
        self.found_in = PROSE
        #: A bracket the last scan kept while skipping the whitespace after it.
        self.moved = ""

    def scan(self, buf: str) -> tuple[int, bool]:
        """Scan ``buf``: ``(pos, found)``. With ``found``, the value starts at
        ``buf[pos]``; otherwise ``buf[:pos]`` is skipped, and ``self.moved +
        buf[pos:]`` must be kept and given back with the next chunk."""
        self.moved = ""
        n = len(buf)
        pos = 0
        while True:
            state = self.state
            if state == THINK:
                match = _THINK_TAG.search(buf, pos)
                if match is None:
                    return _tag_prefix(buf, pos), False
                pos = match.end()
                self.depth += -1 if match.group(1) else 1
                if not self.depth:
                    self.state = self.return_to
            elif state == FENCE_INFO:
                newline = buf.find("\n", pos)
                end = newline if newline >= 0 else n
                tick = self.fence[0] == "`" and buf.find("`", pos, end) >= 0
                if tick or end - pos > _MAX_INFO:
                    # Inline code (a backtick in the "info") or too long for a
                    # fence header: not a fence after all.
                    self.state = self.return_to
                    continue
                if newline < 0:
                    return pos, False
                info = buf[pos:newline].strip().lower()
                pos = newline + 1
                if info in _JSON_INFO:
                    self.state = FENCE_JSON
                else:
                    self.state = FENCE_OTHER
            elif state == FENCE_JSON:
                pos = _WHITESPACE_RUN.match(buf, pos).end()  # type: ignore[union-attr]
                if pos >= n:
                    return pos, False
                char = self.fence[0]
                if buf[pos] == char:
                    end = _run_end(buf, pos, char)
                    if end >= n:
                        return pos, False  # the run may go on
                    if end - pos >= len(self.fence):  # an empty fence closes
                        pos = end
                        self.state = self.return_to = PROSE
                        continue
                self.found_in = FENCE_JSON
                self.return_to = PROSE
                return pos, True
            elif state == FENCE_OTHER:
                char = self.fence[0]
                while True:
                    start = buf.find(self.fence, pos)
                    if start < 0:
                        # Keep a run of the fence character at the end.
                        keep = n
                        while keep > pos and buf[keep - 1] == char:
                            keep -= 1
                        return keep, False
                    end = _run_end(buf, start, char)
                    if end >= n:
                        return start, False
                    pos = end
                    if start == 0 or buf[start - 1] != char:
                        break
                self.state = self.return_to
            else:
                pattern = _AFTER_MARKER if state == AFTER else _MARKER
                match = pattern.search(buf, pos)
                if match is None:
                    keep = _tag_prefix(buf, pos)
                    for char in "`~":  # one or two fence characters at the end
                        if buf.endswith(char, pos):
                            keep = min(keep, n - 1 if not buf.endswith(char * 2, pos) else n - 2)
                    return keep, False
                token = match.group()
                start = match.start()
                first = token[0]
                if first == "<":
                    pos = match.end()
                    self.return_to = state
                    self.state = THINK
                    self.depth = 1
                elif first in "`~":
                    if match.end() >= n:
                        return start, False  # the run may go on
                    pos = match.end()
                    self.fence = token
                    self.return_to = state
                    self.state = FENCE_INFO
                else:
                    verdict = _candidate(buf, start)
                    if verdict is None:  # undecided: wait for more
                        held = _compact(buf, start, self.max_number)
                        if held is not None:
                            self.moved = held
                            return n, False
                        return start, False
                    if verdict:
                        self.found_in = PROSE
                        return start, True
                    pos = start + 1


def _candidate(buf: str, start: int) -> Optional[bool]:
    """Whether the ``{`` or ``[`` at ``buf[start]`` starts JSON in prose:
    True, False, or None when the text so far cannot tell."""
    n = len(buf)
    after = _WHITESPACE_RUN.match(buf, start + 1).end()  # type: ignore[union-attr]
    if after >= n:
        return None
    char = buf[after]
    if buf[start] == "{":
        return char in '"}'
    if char in ']{["':
        return True
    if char in "-0123456789":
        run = _NUMBER_RUN.match(buf, after).end()  # type: ignore[union-attr]
        if run >= n:
            return None  # the number may go on
        match = _NUMBER.match(buf, after)
        if match is None or match.end() != run:
            return False  # '1a', '1.', '1e+x': not a JSON number
        end = run
    elif char in "tfn":
        word = {"t": "true", "f": "false", "n": "null"}[char]
        if not word.startswith(buf[after : after + len(word)]):
            return False
        end = after + len(word)
        if end > n:
            return None
    else:
        return False
    end = _WHITESPACE_RUN.match(buf, end).end()  # type: ignore[union-attr]
    if end >= n:
        return None
    return buf[end] in ",]"


def _compact(buf: str, start: int, max_number: int) -> Optional[str]:
    """The undecided candidate ``buf[start:]`` (which ends the buffer) without
    its whitespace, or None to keep it as it is.

    Whitespace is insignificant in JSON, and the text before the value is
    skipped, so only the bracket and the token after it (a whole number or
    literal) need to be kept: then no run of whitespace, in any chunking, is
    copied and scanned again on every feed. The kept text no longer sits at
    its own position, so this only applies when nothing in it can be an
    error: a bracket, a literal, a number within ``max_number`` characters.
    """
    n = len(buf)
    after = _WHITESPACE_RUN.match(buf, start + 1).end()  # type: ignore[union-attr]
    if after >= n:
        return buf[start] if n - start > 1 else None
    char = buf[after]
    if char in "tfn":
        end = after + {"t": 4, "f": 5, "n": 4}[char]
    else:
        end = _NUMBER_RUN.match(buf, after).end()  # type: ignore[union-attr]
        if end - after > max_number:
            return None
    if end >= n:
        return None  # the token may go on (what is held is at most the chunk)
    return buf[start] + buf[after:end]


def find_json(state: Union[int, Hunter], buf: str, max_number: int = 0) -> tuple[Hunter, int, bool]:
    """Scan ``buf`` for the start of the JSON value with ``state`` (a
    :class:`Hunter`, or :data:`PROSE` for a fresh one that may hold numbers
    up to ``max_number`` characters without the whitespace around them).

    Returns ``(hunter, pos, found)``: with ``found``, the value starts at
    ``buf[pos]``; otherwise ``buf[:pos]`` is skipped text and ``hunter.moved
    + buf[pos:]`` must be kept and scanned again with the next chunk.
    """
    hunter = state if isinstance(state, Hunter) else Hunter(max_number)
    pos, found = hunter.scan(buf)
    return hunter, pos, found


def fence_closes(hunter: Union[int, Hunter], buf: str, pos: int, column: int) -> bool:
    """True when the value was found in a fence and ``buf[pos]`` (at
    ``column``, 1-based) starts that fence's closing run at the start of a
    line (up to three spaces of indentation): the JSON stopped inside an open
    value, a truncation."""
    if not isinstance(hunter, Hunter) or hunter.found_in != FENCE_JSON or not hunter.fence:
        return False
    char = hunter.fence[0]
    if pos >= len(buf) or buf[pos] != char or column > 4:
        return False
    if buf[max(0, pos - column + 1) : pos].strip(" "):
        return False  # not indentation (what is in buf of it)
    end = _run_end(buf, pos, char)
    return end - pos >= len(hunter.fence) or end >= len(buf)
