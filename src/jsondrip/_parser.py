"""The push parser for one JSON document (or several, concatenated).

Theory of operation
-------------------
``Parser.feed`` turns the chunk into text (bytes go through an incremental
UTF-8 decoder, so a chunk may end inside a multi-byte character), prepends the
few characters left over from the previous chunk, and runs ``_consume`` over
that buffer once, from left to right. Nothing already consumed is ever looked
at again: the cost of a ``feed`` depends on the chunk, not on what came before.

``_consume`` is a state machine whose state is one small int plus a stack of
open containers. It dispatches on the current character and swallows whole
runs with the compiled patterns of ``_scanner`` (whitespace, plain string text,
numbers). A token that touches the end of the buffer and might continue (a
number, a literal such as ``tru``, an escape such as ``\\u00``, a high
surrogate whose low half may follow) is left unconsumed: it becomes the
leftover that the next chunk is appended to. Leftovers are at most a few
characters, except for a long number, which is re-scanned as it grows.

The partial value is built in place: containers are the real ``dict`` and
``list`` objects the caller sees in ``value``, inserted into their parent the
moment they open, so reading ``value`` costs O(1).

The open string is one ``str`` that grows in place. With ``partial_strings``
it lives in its container (``_s_cont[_s_key]``), otherwise in ``_s_text``;
the open object key lives in ``_k_text``. To append, the string is taken out
of its holder (the holder gets ``""``), extended with ``+=`` on a local
variable, and put back: with no other reference, CPython resizes it in place
(amortised O(appended text)), so a long string costs O(chunk) per feed and
memory about its own size, whatever the chunking and however often ``value``
is read. If the caller holds a reference to the string, ``+=`` copies it once
and carries on in place with the copy.

Paths are built once per container: a frame of the container stack is
``(container, is_object, path, key)`` and a value's path is its container's
path plus its key. Containers opened inside ``TUPLE_DEPTH`` (16) others get a
``DeepPath``, a link to the parent's path, so every path and every delta
costs O(1) memory whatever the depth (see ``_delta``).

Every change is also reported as a ``Delta`` (``add``, ``append``, ``end``),
in the order it happened, so that folding the deltas reproduces ``value``.

Errors are raised at the first character after which the text can no longer
be a prefix of a valid document. Internally they are ``ScanError`` with a
buffer index; ``_fail`` turns them, once, into the public ``JSONStreamError``
with stream offset, line and column, and latches the parser in the failed
state (h11 style): later calls raise the same error.
"""

from __future__ import annotations

import codecs
import json
import json.scanner
import math
import sys
from typing import Any, Callable, Optional, Union

from ._backend import ParserBase, accelerate
from ._delta import TUPLE_DEPTH, DeepPath, Delta, Path
from ._scanner import (
    ESCAPES,
    HEX_RUN,
    NUMBER,
    NUMBER_CONTINUATION,
    NUMBER_START,
    STRING_RUN,
    WHITESPACE,
    WHITESPACE_RUN,
    ScanError,
    after_lone_surrogate,
    control_character,
    describe,
    is_high_surrogate,
    scan_escape,
    scan_literal,
    scan_number,
    scan_string,
)
from ._unwrap import AFTER, PROSE, Hunter, fence_closes, find_json
from .errors import (
    ConcurrentUseError,
    IncompleteJSONError,
    JSONStreamError,
    LimitExceededError,
    StreamClosedError,
)

__all__ = ["Parser"]

Chunk = Union[str, bytes, bytearray, memoryview]

# Parser states. Plain ints: IntEnum comparisons cost ~4x in the hot loop.
# The states where a value starts come first, so that one comparison
# (state <= _LITERAL) recognises them.
_VALUE = 0  # a value must start here
_ARRAY_FIRST = 1  # just after '[': a value or ']'
_BETWEEN = 2  # multiple_values: between documents
_FOUND = 3  # lenient + multiple_values: a value starts here (found in prose)
_NUMBER = 4  # a number is the leftover; it is re-scanned when text arrives
_LITERAL = 5  # a literal (true, false, null, NaN, ...) is the leftover
_AFTER = 6  # after a value inside a container: ',' or the closing bracket
_COLON = 7  # after a key
_KEY = 8  # after ',' in an object: a key
_OBJECT_FIRST = 9  # just after '{': a key or '}'
_STRING = 10  # inside a string value
_KEY_STRING = 11  # inside an object key
_DONE = 12  # the top-level value is complete: only whitespace may follow
_FAILED = 13
_CLOSED = 14

_AT_END_OF_INPUT = {
    _VALUE: "expected a value",
    _FOUND: "expected a value",
    _ARRAY_FIRST: "expected a value or ']'",
    _OBJECT_FIRST: "expected '\"' or '}'",
    _KEY: "expected '\"' to start an object key",
    _COLON: "expected ':' after object key",
    _STRING: "expected '\"' to end the string",
    _KEY_STRING: "expected '\"' to end the object key",
}

#: A container with at least this much text after it in the buffer is first
#: offered to the C scanner of the standard library's json module.
SUBTREE_MIN = 256
#: After this many failed offers in one buffer (incomplete or invalid text),
#: the rest of the buffer is parsed incrementally only.
SUBTREE_MAX_MISSES = 8

#: The last characters of a number that any digits may follow.
_TAKES_DIGITS = frozenset(".eE+")

_new = tuple.__new__
_ADD = "add"
_APPEND = "append"
_END = "end"


class Parser(ParserBase):
    """Incremental parser for one JSON document.

    Feed it chunks with :meth:`feed`; read the partial value with
    :attr:`value` at any time; call :meth:`close` at the end of input.

    Args:
        partial_strings: Show the decoded prefix of an unfinished string in
            ``value`` (and report it with ``add``/``append`` deltas). When
            false, a string appears only once it is complete.
        allow_nan: Accept ``NaN``, ``Infinity`` and ``-Infinity`` (as Python
            floats, like ``json.loads``). Off by default: they are not JSON.
        max_depth: Maximum nesting of arrays and objects.
        max_string_length: Maximum length of a string or object key, in
            decoded characters (default 64 Mi).
        max_number_length: Maximum length of a number's text (default 10,000).
        max_members: Maximum number of members of one object (default 1 Mi).
        max_document_size: Maximum length of the whole input, in decoded
            characters (default 1 Gi).
        parse_float: Called with the text of every number with a fraction or
            exponent (default ``float``). Pass ``decimal.Decimal`` to keep
            every digit.
        parse_int: Called with the text of every integer (default ``int``).
        multiple_values: Accept several top-level values one after another
            (separated by whitespace where needed, e.g. ``1 2``, ``{}{}``).
            ``value`` is then the list of the documents so far, the last one
            possibly partial, and delta paths start with the document's index.
        lenient: Find the JSON inside LLM output: skip prose before it,
            Markdown code fences, reasoning blocks and any text after the
            value. A fence is a run of 3+ backticks or tildes (CommonMark),
            closed by a run of the same character at least as long; in one
            whose info string is empty or names JSON (``json``, ``jsonc``,
            ``json5``, ``jsonl``, ``js``, ``javascript``) the value is any
            JSON value. In prose it is the first ``{`` followed (after
            whitespace) by ``"`` or ``}``, or ``[`` followed by ``]``,
            ``{``, ``[``, ``"`` or a number/``true``/``false``/``null`` then
            ``,`` or ``]`` (so ``[the docs]`` is prose). A value from prose
            is provisional: a json fence after it takes precedence (a new
            root ``add`` delta). ``<think>``/``<thinking>`` blocks (any
            case, nested) and fences of other languages are skipped whole.
            A closing fence (at a line start) inside an open value is a
            truncation: :class:`IncompleteJSONError` with the partial value.
            The JSON itself is parsed strictly and streams from its first
            character. With ``multiple_values``, every value found is
            collected.
        deltas: Report the changes as deltas. When false, :meth:`feed` and
            :meth:`feed_eof` return empty lists (and errors' ``deltas`` are
            empty) but behave exactly the same otherwise: for callers that
            only read :attr:`value` (a UI redrawing the partial value) or
            parse whole documents, and it is faster.

    ``value`` is ``None`` before any value has started (check :attr:`started`
    to tell that apart from a JSON ``null``). It is the parser's own live
    object, not a copy: later chunks keep growing the same dicts and lists in
    place, so copy it (``copy.deepcopy``) if you need a snapshot. Do not modify
    it while parsing: the open string is grown in place in its container.

    A parser is not thread-safe: a call made while another call on it runs
    raises :class:`~jsondrip.errors.ConcurrentUseError`.
    """

    def __init__(
        self,
        *,
        partial_strings: bool = True,
        allow_nan: bool = False,
        max_depth: int = 1024,
        max_string_length: int = 64 * 1024 * 1024,
        max_number_length: int = 10_000,
        max_members: int = 1024 * 1024,
        max_document_size: int = 1024 * 1024 * 1024,
        parse_float: Optional[Callable[[str], Any]] = None,
        parse_int: Optional[Callable[[str], Any]] = None,
        multiple_values: bool = False,
        lenient: bool = False,
        deltas: bool = True,
    ) -> None:
        limits = {
            "max_depth": max_depth,
            "max_string_length": max_string_length,
            "max_number_length": max_number_length,
            "max_members": max_members,
            "max_document_size": max_document_size,
        }
        for name, limit in limits.items():
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                raise ValueError(f"{name} must be a positive int, not {limit!r}")
        self._max_string_length = max_string_length
        self._max_number_length = max_number_length
        self._max_members = max_members
        self._max_document_size = max_document_size
        # Limits cost nothing until they could be reached. A string's raw
        # text bounds its decoded length and cannot be longer than the input
        # so far, so no string can pass max_string_length (nor the input
        # max_document_size, the leftover being at most a number) before the
        # input reaches _watch. Feeds ending past it, and buffers longer than
        # _careful_length (a whole string or number could exceed its limit
        # inside one), are "careful": they take the exact checks.
        self._watch = min(max_document_size - max_number_length - 16, max_string_length)
        self._careful_length = min(max_string_length, max_number_length)
        self._base = 0
        self._partial_strings = bool(partial_strings)
        self._deltas = bool(deltas)
        self._allow_nan = bool(allow_nan)
        self._max_depth = max_depth
        self._parse_float: Callable[[str], Any] = parse_float or float
        self._parse_int: Callable[[str], Any] = parse_int or int
        self._multiple = bool(multiple_values)
        self._lenient = bool(lenient)
        # lenient: still looking for where the JSON starts (see _unwrap).
        self._hunting = self._lenient
        self._hunt_state: Union[int, Hunter] = PROSE  # lenient: see _unwrap.Hunter
        self._literals: dict[str, tuple[str, Any]] = {
            "t": ("true", True),
            "f": ("false", False),
            "n": ("null", None),
        }
        if allow_nan:
            self._literals["N"] = ("NaN", math.nan)
            self._literals["I"] = ("Infinity", math.inf)
        self._scanners: dict[bool, Any] = {}

        # The values live in a list that plays the role of an outer array:
        # the document (or, with multiple_values, each document) is an element.
        self._root: list[Any] = []
        self._stack: list[tuple[Any, bool, Path, Any]] = []
        # The innermost open container: (container, is_object, path, key).
        self._frame: tuple[Any, bool, Path, Any] = (self._root, False, (), None)
        self._root_after = _BETWEEN if self._multiple else _DONE
        self._state = _BETWEEN if self._multiple else _VALUE
        self._pending = ""
        self._literal: tuple[str, Any] = ("", None)

        # Where the leftover text starts in the whole decoded stream.
        self._offset = 0
        self._line = 1
        self._line_start = 0
        self._decoder: Optional[codecs.IncrementalDecoder] = None
        self._at_start = True
        self._error: Optional[JSONStreamError] = None
        # One token, taken (list.pop, atomic) for the length of a feed() or
        # feed_eof(): a second call meanwhile raises ConcurrentUseError.
        self._guard: list[None] = [None]
        # With multiple_values the root is the list of documents; its "add"
        # goes out with the first deltas so that folding starts from nothing.
        self._announce_root = self._multiple
        # True when feed() can skip the checks _feed_slow makes: the parser is
        # healthy, past the first chunk, and holds no undecoded bytes.
        self._plain = False

        # The open string value: where it lives (its text is _s_cont[_s_key]
        # with partial_strings, else _s_text; see the module docs).
        self._s_cont: Any = None
        self._s_key: Any = None
        self._s_path: Path = ()
        self._s_text = ""
        self._s_reported = False
        self._s_len = 0  # decoded characters of the open string (careful feeds)
        self._k_text = ""  # the open object key's text so far
        self._k_len = 0

    # -- public API -------------------------------------------------------

    @property
    def value(self) -> Any:
        """The current partial value (the live object; see the class docs)."""
        root = self._root
        if self._multiple:
            return root
        return root[0] if root else None

    @property
    def done(self) -> bool:
        """True once the top-level value is complete.

        With ``multiple_values``, true whenever no document is in progress.
        """
        state = self._state
        if state == _CLOSED:
            return True
        return state == _DONE or state == _BETWEEN

    @property
    def started(self) -> bool:
        """True once ``value`` holds the top-level value (or a part of it).

        A top-level number or literal appears only once complete, so it does
        not count while it is still arriving.
        """
        return bool(self._root)

    def feed(self, chunk: Chunk) -> list[Delta]:
        """Parse the next chunk of input.

        Args:
            chunk: Text (``str``) or UTF-8 ``bytes``, split anywhere: bytes may
                end inside a multi-byte character, text inside an escape.

        Returns:
            The deltas this chunk produced, in order (possibly none).

        Raises:
            JSONStreamError: the input cannot be the start of valid JSON. The
                parser stays failed; ``value`` keeps what was parsed before.
            StreamClosedError: :meth:`close` was already called.
            ConcurrentUseError: another call on this parser is running (from
                another thread); nothing was parsed.
            TypeError: ``chunk`` is neither text nor bytes.
        """
        guard = self._guard
        try:
            guard.pop()  # atomic: the token is free, or another call holds it
        except IndexError:
            raise _busy("feed") from None
        try:
            if type(chunk) is not str or not self._plain or self._offset + len(chunk) > self._watch:
                return self._feed_slow(chunk)
            state = self._state
            if (
                (state == _STRING or state == _KEY_STRING)
                and not self._pending
                and '"' not in chunk
                and "\\" not in chunk
                and chunk.isprintable()
            ):
                # Fast path: the whole chunk is plain text inside an open string or
                # key (isprintable() rules out control characters).
                if chunk:
                    self._offset += len(chunk)
                    # Grow the open string in place (see the module docs).
                    if state == _KEY_STRING:
                        text = self._k_text
                        self._k_text = ""
                        text += chunk
                        self._k_text = text
                        return []
                    if self._partial_strings:
                        cont = self._s_cont
                        key = self._s_key
                        text = cont[key]
                        cont[key] = ""
                        text += chunk
                        cont[key] = text
                        if self._deltas:
                            return [_new(Delta, (_APPEND, self._s_path, chunk))]
                        return []
                    text = self._s_text
                    self._s_text = ""
                    text += chunk
                    self._s_text = text
                return []
            if state == _NUMBER and chunk.isdigit() and chunk.isascii():
                # Fast path: digits extending a number that can take them (it
                # ends with a digit other than a lone leading zero, '.', 'e'
                # or an exponent's sign) leave it a number that the next chunk
                # may extend; it is re-scanned whole when it ends. A buffer no
                # longer than _careful_length passes no limit (see __init__).
                pending = self._pending
                last = pending[-1:]
                if (
                    "1" <= last <= "9"
                    or last in _TAKES_DIGITS
                    or (last == "0" and pending != "0" and pending != "-0")
                    or (last == "-" and pending != "-")  # an exponent's sign
                ) and len(pending) + len(chunk) <= self._careful_length:
                    self._pending = pending + chunk
                    return []
            pending = self._pending
            buf = pending + chunk if pending else chunk
            deltas: list[Delta] = []
            try:
                # The leftover is at most a number, so no limit can be reached.
                self._consume(buf, deltas, False, len(buf) > self._careful_length)
            except ScanError as exc:
                raise self._fail(buf, exc, deltas) from None
            if self._hunting:
                self._hunt(deltas)
            return deltas
        finally:
            guard.append(None)

    def _feed_slow(self, chunk: Chunk) -> list[Delta]:
        """``feed`` for everything but text into a healthy, started parser:
        bytes, the first chunk (BOM), a failed or closed parser, bad types."""
        if self._state == _FAILED or self._state == _CLOSED:
            self._raise_unusable()
        if isinstance(chunk, str):
            # A str subclass (a StrEnum member, ...) is read as plain text.
            text = chunk if type(chunk) is str else str.__str__(chunk)
            if self._undecoded:
                return self._fail_utf8_truncated("found text (str) fed after it")
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            decoder = self._decoder
            if decoder is None:
                decoder = self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return self._fail_utf8(exc)
        else:
            raise TypeError(f"feed() takes str or bytes, not {type(chunk).__name__}")
        deltas: list[Delta] = []
        if self._announce_root:
            self._announce_root = False
            if self._deltas:
                deltas.append(_new(Delta, (_ADD, (), [])))
        if self._at_start:
            if not text:
                return deltas
            self._at_start = False
            if text[0] == "\ufeff":
                text = text[1:]
        room = self._max_document_size - (self._offset - self._base) - len(self._pending)
        over = len(text) > room
        if over:
            text = text[:room]
        buf = self._pending + text if self._pending else text
        if self._hunting:
            self._pending = buf
        elif buf:
            try:
                self._consume(buf, deltas, False, self._is_careful(buf))
            except ScanError as exc:
                raise self._fail(buf, exc, deltas) from None
        if self._hunting:  # from the start, or again after a value (multiple_values)
            self._hunt(deltas)
        if over:
            pending = self._pending
            limit = self._max_document_size
            error = ScanError(
                len(pending),
                f"expected at most {limit} characters of input (max_document_size), found more",
                "max_document_size",
                limit,
            )
            raise self._fail(pending, error, deltas)
        # Text into a started parser takes the fast entry from now on; bytes
        # take the C one (_speedups/utf8.c), which keeps a UTF-8 sequence cut
        # at the end of a chunk in self._decoder as this method does.
        self._plain = not self._undecoded and not self._hunting
        return deltas

    def _hunt(self, deltas: list[Delta]) -> None:
        """lenient: skip the text before the JSON in the leftover, then parse
        from where the value starts (repeatedly, with multiple_values)."""
        while self._hunting:
            buf = self._pending
            hunter, pos, found = find_json(self._hunt_state, buf, self._max_number_length)
            self._skip(buf, pos)
            self._hunt_state = hunter
            if hunter.moved:  # lenient: a bracket (and token) kept, the whitespace skipped
                self._pending = hunter.moved + self._pending
                self._offset -= len(hunter.moved)
            if not found:
                return
            # Keep the state: after a value found inside a json fence, the
            # next ``` closes that fence.
            self._hunting = False
            if self._state == _BETWEEN:
                self._state = _FOUND
            elif self._state == _DONE:  # lenient: a json fence overrides a value from prose
                self._root = []
                self._frame = (self._root, False, (), None)
                self._state = _VALUE
            buf = self._pending
            self._pending = ""
            try:
                self._consume(buf, deltas, False, self._is_careful(buf))
            except ScanError as exc:
                raise self._fail(buf, exc, deltas) from None

    def _skip(self, buf: str, pos: int) -> None:
        """Consume ``buf[:pos]`` without parsing it; keep the rest as leftover."""
        self._pending = buf[pos:]
        newlines = buf.count("\n", 0, pos)
        if newlines:
            self._line += newlines
            self._line_start = self._offset + buf.rindex("\n", 0, pos) + 1
        self._offset += pos

    def feed_eof(self) -> list[Delta]:
        """Signal the end of input and return the deltas that produces.

        Only a top-level number can still complete at the end of input, so the
        result is usually empty; delta consumers call this instead of
        :meth:`close` to receive that last ``add``/``end``.

        Raises:
            IncompleteJSONError: the input ended inside a value.
            JSONStreamError: the input ended inside a UTF-8 sequence.
        """
        guard = self._guard
        try:
            guard.pop()
        except IndexError:
            raise _busy("feed_eof") from None
        try:
            return self._feed_eof()
        finally:
            guard.append(None)

    def _feed_eof(self) -> list[Delta]:
        state = self._state
        if state == _CLOSED:
            return []
        if state == _FAILED:
            self._raise_unusable()
        if self._decoder is not None and self._decoder.getstate()[0]:
            self._fail_utf8_truncated("")
        deltas: list[Delta] = []
        if self._announce_root:
            self._announce_root = False
            if self._deltas:
                deltas.append(_new(Delta, (_ADD, (), [])))
        if self._hunting:
            self._skip(self._pending, len(self._pending))
        buf = pending = self._pending
        if state == _NUMBER or state == _LITERAL:
            # The end of input ends the number; if the document is still open
            # after it, the number may have been cut ("1" of "10"): it is
            # taken out again, so that the error's partial is what ``value``
            # showed, and its text goes to ``pending_text``.
            cont, is_obj, _, key = self._frame
            before = cont.get(key, _MISSING) if is_obj else len(cont)
            start = len(deltas)
            try:
                self._consume(buf, deltas, True, self._is_careful(buf))
            except ScanError as exc:
                incomplete = exc.pos >= len(buf)
                raise self._fail(buf, exc, deltas, incomplete, pending) from None
            state = self._state
            buf = self._pending
            if state != _DONE and state != _BETWEEN:
                del deltas[start:]
                if not is_obj:
                    del cont[before:]
                elif before is _MISSING:
                    cont.pop(key, None)
                else:
                    cont[key] = before
        if state != _DONE and state != _BETWEEN:
            message = self._end_of_input_message(state)
            end = ScanError(len(buf), f"{message}, found end of input")
            raise self._fail(buf, end, deltas, True, pending)
        self._state = _CLOSED
        self._plain = False
        return deltas

    def close(self) -> Any:
        """Signal the end of input and return the final value.

        Calling it again returns the same value.

        Raises:
            IncompleteJSONError: the input ended inside a value; its
                ``partial`` holds everything parsed until then.
            JSONStreamError: the stream had failed earlier (the same error).
        """
        if self._state != _CLOSED:
            self.feed_eof()
        return self.value

    def __getstate__(self) -> dict[str, Any]:
        # The C scanners cannot be pickled; they are rebuilt when needed.
        state = self._state_dict()  # C backend: its struct fields too
        state["_scanners"] = {}
        state["_guard"] = [None]  # a copy is free, even if taken mid-call
        return state

    def __repr__(self) -> str:
        status = {
            _DONE: "done",
            _BETWEEN: "between values",
            _FAILED: "failed",
            _CLOSED: "closed",
        }.get(self._state, "in progress")
        return f"<{type(self).__name__} {status} at offset {self._offset + len(self._pending)}>"

    # -- package-internal hooks (used by JsonlParser) ------------------------

    def _start_at(self, offset: int, line: int) -> None:
        """Count positions from ``offset``/``line`` of an enclosing stream, which
        is at the start of a line; no BOM is skipped there."""
        self._offset = offset
        self._line = line
        self._line_start = offset
        self._at_start = False
        # Size limits count from here, not from the enclosing stream's start.
        self._base = offset
        self._watch += offset
        self._plain = not self._announce_root

    @property
    def _blank(self) -> bool:
        """Nothing but whitespace arrived (used to skip blank JSON Lines)."""
        return (
            self._state == _VALUE and not self._pending and not self._root and not self._undecoded
        )

    @property
    def _undecoded(self) -> bytes:
        """Bytes held by the UTF-8 decoder: the start of a split character."""
        return self._decoder.getstate()[0] if self._decoder is not None else b""

    @property
    def _end_offset(self) -> int:
        """Stream offset just past the text decoded so far."""
        return self._offset + len(self._pending)

    # -- the hot loop -----------------------------------------------------

    def _is_careful(self, buf: str) -> bool:
        """Could a limit be reached while consuming ``buf``? (see __init__)"""
        return len(buf) > self._careful_length or self._offset + len(buf) > self._watch

    def _consume(self, buf: str, deltas: list[Delta], final: bool, careful: bool) -> None:
        # With deltas=False no Delta and no path is built: the frames then
        # hold () as paths, as in the C backend (nothing reads them).
        report = self._deltas
        n = len(buf)
        pos = 0
        state = self._state
        stack = self._stack
        frame = self._frame
        cont, is_obj, cpath, key = frame
        depth = len(stack)
        fresh = ""  # text of the open string decoded in this call (grown in place)
        misses = 0  # failed offers of a container to the C scanner
        if careful:
            # Exact lengths of the open string and key, for the limit checks.
            self._s_len = len(self._open_text()) if state == _STRING else 0
            self._k_len = len(self._k_text)
        try:
            while pos < n:
                if state == _STRING:
                    end = STRING_RUN(buf, pos).end()
                    if careful and end > pos:
                        self._s_len += end - pos
                        if self._s_len > self._max_string_length:
                            excess = self._s_len - self._max_string_length
                            raise self._too_long(end - excess)
                    if end >= n:
                        if end > pos:
                            fresh += buf[pos:end]
                        pos = n
                        break
                    char = buf[end]
                    if char == '"':
                        text = buf[pos:end]
                        if fresh:
                            text = fresh + text
                            fresh = ""
                        pos = end + 1
                        # The string is complete: grow it in place (see the
                        # module docs), store and report it.
                        if self._partial_strings:
                            full = cont[self._s_key]
                            cont[self._s_key] = ""
                            full += text
                            cont[self._s_key] = full
                            if report:
                                if not self._s_reported:
                                    deltas.append(_new(Delta, (_ADD, self._s_path, full)))
                                elif text:
                                    deltas.append(_new(Delta, (_APPEND, self._s_path, text)))
                                deltas.append(_new(Delta, (_END, self._s_path, full)))
                        else:
                            full = self._s_text
                            self._s_text = ""
                            full += text
                            if is_obj:
                                cont[key] = full
                            else:
                                cont.append(full)
                            if report:
                                deltas.append(_new(Delta, (_ADD, self._s_path, full)))
                                deltas.append(_new(Delta, (_END, self._s_path, full)))
                        state = _AFTER if depth else self._root_after
                        continue
                    if end > pos:
                        fresh += buf[pos:end]
                    if char == "\\":
                        if not careful:
                            # The common escapes without a call: a simple one, a
                            # \uXXXX that is not a high surrogate, or one cut by
                            # the end of the buffer (so far only hex digits).
                            # scan_escape decides everything else exactly.
                            simple = ESCAPES.get(buf[end + 1 : end + 2])
                            if simple is not None:
                                fresh += simple
                                pos = end + 2
                                continue
                            if end + 1 >= n:
                                pos = end
                                break
                            if buf[end + 1] == "u":
                                hex_end = HEX_RUN(buf, end + 2, end + 6).end()
                                if hex_end == end + 6:
                                    code = int(buf[end + 2 : hex_end], 16)
                                    if not 0xD800 <= code <= 0xDBFF:
                                        fresh += chr(code)
                                        pos = hex_end
                                        continue
                                elif hex_end >= n:
                                    pos = end
                                    break
                        if careful and self._s_len >= self._max_string_length:
                            raise self._too_long(end)  # any escape adds a character
                        escape = scan_escape(buf, end)
                        if escape is None:
                            pos = end
                            break
                        fresh += escape[0]
                        if careful:
                            self._s_len += len(escape[0])
                            if self._s_len > self._max_string_length:
                                raise self._too_long(end)
                            if self._s_len == self._max_string_length and is_high_surrogate(
                                escape[0]
                            ):
                                overflow = after_lone_surrogate(buf, escape[1])
                                if overflow >= 0:
                                    raise self._too_long(overflow)
                        pos = escape[1]
                        continue
                    raise control_character(end, char)

                if state == _KEY_STRING:
                    end = STRING_RUN(buf, pos).end()
                    if end < n and buf[end] == '"':
                        piece = buf[pos:end]
                        if careful:
                            self._check_key(end, end - pos)
                        pos = end + 1
                    elif end >= n:
                        if end > pos:
                            if careful:
                                self._check_key(end, end - pos)
                            self._grow_key(buf[pos:end])
                        pos = n
                        break
                    else:
                        budget = self._max_string_length - self._k_len if careful else -1
                        parts: list[str] = []
                        pos, closed = scan_string(buf, pos, parts, budget)
                        piece = "".join(parts)
                        if careful:
                            self._k_len += len(piece)
                        if not closed:
                            self._grow_key(piece)
                            break
                    key = self._k_text + piece
                    self._k_text = ""
                    state = _COLON
                    continue

                char = buf[pos]
                if char in WHITESPACE:
                    # Usually a single space: try that before the regex.
                    pos += 1
                    if pos < n and buf[pos] in WHITESPACE:
                        pos = WHITESPACE_RUN(buf, pos).end()
                    if pos >= n:
                        break
                    char = buf[pos]

                if state <= _LITERAL:
                    # A value starts here (or ']' closes an empty array).
                    if char == "]" and state == _ARRAY_FIRST:
                        pos += 1
                        if report:
                            deltas.append(_new(Delta, (_END, cpath, cont)))
                        cont, is_obj, cpath, key = stack.pop()
                        depth -= 1
                        state = _AFTER if depth else self._root_after
                        continue

                    # A value starts at pos (state is _VALUE, _ARRAY_FIRST,
                    # _BETWEEN, or _NUMBER/_LITERAL re-scanning their leftover).
                    if state == _BETWEEN and self._lenient:
                        self._hunting = True
                        self._plain = False
                        break
                    vpath: Path
                    if not report:
                        vpath = ()
                    elif is_obj:
                        vpath = cpath + (key,)
                    elif depth or self._multiple:
                        vpath = cpath + (len(cont),)
                    else:
                        vpath = ()

                    if char == '"':
                        end = STRING_RUN(buf, pos + 1).end()
                        if careful and end - pos - 1 > self._max_string_length:
                            raise self._too_long(pos + 1 + self._max_string_length)
                        if end < n and buf[end] == '"':
                            value: Any = buf[pos + 1 : end]
                            pos = end + 1
                            if is_obj:
                                cont[key] = value
                            else:
                                cont.append(value)
                            if report:
                                deltas.append(_new(Delta, (_ADD, vpath, value)))
                                deltas.append(_new(Delta, (_END, vpath, value)))
                            state = _AFTER if depth else self._root_after
                            continue
                        self._s_cont = cont
                        self._s_path = vpath
                        self._s_text = ""
                        self._s_reported = False
                        self._s_len = 0
                        if is_obj:
                            self._s_key = key
                            if self._partial_strings:
                                cont[key] = ""
                        else:
                            self._s_key = len(cont)
                            if self._partial_strings:
                                cont.append("")
                        state = _STRING
                        pos += 1
                        continue

                    if char == "{" or char == "[":
                        if depth >= TUPLE_DEPTH and report and type(vpath) is tuple:
                            vpath = DeepPath(cpath, vpath[-1])  # see _delta
                        if n - pos >= SUBTREE_MIN and misses < SUBTREE_MAX_MISSES:
                            end, value = self._subtree(buf, pos, vpath, depth, careful, deltas)
                            if end > 0:
                                if is_obj:
                                    cont[key] = value
                                else:
                                    cont.append(value)
                                pos = end
                                state = _AFTER if depth else self._root_after
                                continue
                            misses += 1
                        if depth >= self._max_depth:
                            raise ScanError(
                                pos,
                                f"expected at most {self._max_depth} levels of nesting (max_depth),"
                                f" found {describe(char)} opening level {depth + 1}",
                                "max_depth",
                                self._max_depth,
                            )
                        if char == "{":
                            value = {}
                            if report:
                                deltas.append(_new(Delta, (_ADD, vpath, {})))
                            state = _OBJECT_FIRST
                        else:
                            value = []
                            if report:
                                deltas.append(_new(Delta, (_ADD, vpath, [])))
                            state = _ARRAY_FIRST
                        if is_obj:
                            cont[key] = value
                        else:
                            cont.append(value)
                        stack.append((cont, is_obj, cpath, key))
                        depth += 1
                        cont = value
                        is_obj = char == "{"
                        cpath = vpath
                        key = None
                        pos += 1
                        continue

                    if char in NUMBER_START and state != _LITERAL:
                        match = NUMBER(buf, pos)
                        end = match.end() if match is not None else -1
                        if careful:
                            self._check_number(buf, pos, n, final)
                        if end == n and not final:
                            # A whole number so far; the next chunk may extend it.
                            state = _NUMBER
                            break
                        if end < 0 or end >= n or buf[end] in NUMBER_CONTINUATION:
                            if (
                                char == "-"
                                and self._allow_nan
                                and pos + 1 < n
                                and buf[pos + 1] == "I"
                            ):
                                self._literal = ("-Infinity", -math.inf)
                                state = _LITERAL
                                continue
                            end = scan_number(buf, pos, final)
                            if end < 0:
                                state = _NUMBER
                                break
                            match = NUMBER(buf, pos)
                        assert match is not None
                        try:
                            if match.lastindex == 1:
                                value = self._parse_int(buf[pos:end])
                            else:
                                value = self._parse_float(buf[pos:end])
                        except ValueError as exc:
                            raise _number_error(pos, buf[pos:end], exc) from None
                        pos = end
                        if is_obj:
                            cont[key] = value
                        else:
                            cont.append(value)
                        if report:
                            deltas.append(_new(Delta, (_ADD, vpath, value)))
                            deltas.append(_new(Delta, (_END, vpath, value)))
                        state = _AFTER if depth else self._root_after
                        continue

                    if state == _LITERAL:
                        literal = self._literal
                    else:
                        found = self._literals.get(char)
                        if found is None:
                            # No allow_nan hint: one character cannot tell "Infinity"
                            # from "I think", and the text after it depends on the
                            # chunking (the CLI, holding the text, gives the hint).
                            raise ScanError(pos, f"expected a value, found {describe(char)}")
                        literal = found
                    word = literal[0]
                    if not buf.startswith(word, pos):
                        if not scan_literal(buf, pos, word) and final:
                            raise ScanError(n, f"expected {word!r}, found end of input")
                        self._literal = literal
                        state = _LITERAL
                        break
                    pos += len(word)
                    value = literal[1]
                    if is_obj:
                        cont[key] = value
                    else:
                        cont.append(value)
                    if report:
                        deltas.append(_new(Delta, (_ADD, vpath, value)))
                        deltas.append(_new(Delta, (_END, vpath, value)))
                    state = _AFTER if depth else self._root_after
                    continue

                if state == _AFTER:
                    if char == ",":
                        pos += 1
                        state = _KEY if is_obj else _VALUE
                        continue
                    if char == ("}" if is_obj else "]"):
                        pos += 1
                        if report:
                            deltas.append(_new(Delta, (_END, cpath, cont)))
                        cont, is_obj, cpath, key = stack.pop()
                        depth -= 1
                        state = _AFTER if depth else self._root_after
                        continue
                    if is_obj:
                        raise ScanError(
                            pos, f"expected ',' or '}}' after object member, found {describe(char)}"
                        )
                    raise ScanError(
                        pos, f"expected ',' or ']' after array element, found {describe(char)}"
                    )

                if state == _COLON:
                    if char == ":":
                        pos += 1
                        state = _VALUE
                        continue
                    raise ScanError(pos, f"expected ':' after object key, found {describe(char)}")

                if state == _KEY or state == _OBJECT_FIRST:
                    if char == '"':
                        if state == _KEY and len(cont) >= self._max_members:
                            raise ScanError(
                                pos,
                                f"expected at most {self._max_members} members in an object"
                                " (max_members), found another key",
                                "max_members",
                                self._max_members,
                            )
                        end = STRING_RUN(buf, pos + 1).end()
                        if careful and end - pos - 1 > self._max_string_length:
                            raise self._too_long(pos + 1 + self._max_string_length)
                        if end < n and buf[end] == '"':
                            key = buf[pos + 1 : end]
                            pos = end + 1
                            state = _COLON
                            continue
                        self._k_len = 0
                        if end >= n:
                            # The key continues in the next chunk.
                            if careful and end > pos + 1:
                                self._check_key(end, end - pos - 1)
                            self._k_text = buf[pos + 1 : end]
                            pos = n
                            state = _KEY_STRING
                            break
                        budget = self._max_string_length if careful else -1
                        parts = []
                        pos, closed = scan_string(buf, pos + 1, parts, budget)
                        key = "".join(parts)
                        if careful:
                            self._k_len = len(key)
                        if closed:
                            state = _COLON
                            continue
                        self._k_text = key
                        state = _KEY_STRING
                        break
                    if char == "}" and state == _OBJECT_FIRST:
                        pos += 1
                        if report:
                            deltas.append(_new(Delta, (_END, cpath, cont)))
                        cont, is_obj, cpath, key = stack.pop()
                        depth -= 1
                        state = _AFTER if depth else self._root_after
                        continue
                    if state == _OBJECT_FIRST:
                        raise ScanError(
                            pos,
                            f"expected '\"' to start an object key or '}}', found {describe(char)}",
                        )
                    raise ScanError(
                        pos, f"expected '\"' to start an object key, found {describe(char)}"
                    )

                if state == _DONE:
                    if self._lenient:
                        hunter = self._hunt_state
                        if isinstance(hunter, int) or hunter.found_in != PROSE:
                            pos = n  # text after the value is not ours
                        else:  # lenient: a json fence after a value from prose wins
                            hunter.state = AFTER
                            self._hunting = True
                            self._plain = False
                        break
                    raise ScanError(
                        pos, f"expected the end of input after the value, found {describe(char)}"
                    )
        finally:
            self._state = state
            if key is not frame[3] or cont is not frame[0]:  # (a container is in one frame)
                self._frame = (cont, is_obj, cpath, key)
            if state == _STRING:
                # Record the text decoded in this call for the open string:
                # grow it in place, report it (add the first time, then append).
                if self._partial_strings:
                    full = cont[self._s_key]
                    if fresh:
                        cont[self._s_key] = ""  # ours is now the only reference
                        full += fresh
                        cont[self._s_key] = full
                    if not self._s_reported:
                        self._s_reported = True
                        if report:
                            deltas.append(_new(Delta, (_ADD, self._s_path, full)))
                    elif fresh and report:
                        deltas.append(_new(Delta, (_APPEND, self._s_path, fresh)))
                elif fresh:
                    full = self._s_text
                    self._s_text = ""
                    full += fresh
                    self._s_text = full

        self._pending = buf[pos:] if pos < n else ""
        newlines = buf.count("\n", 0, pos) if "\n" in buf else 0
        if newlines:
            self._line += newlines
            self._line_start = self._offset + buf.rindex("\n", 0, pos) + 1
        self._offset += pos

    # -- complete subtrees ---------------------------------------------------

    def _subtree(
        self, buf: str, pos: int, path: Path, depth: int, careful: bool, deltas: list[Delta]
    ) -> tuple[int, Any]:
        """Parse the container at ``pos`` with the C scanner if it is complete.

        On success, append its deltas (the same ``add``/``end`` sequence the
        incremental path produces; none with ``deltas=False``) and return the
        index after it and the value; return ``(-1, None)`` when the text is
        incomplete, invalid, or passes a limit: the incremental path then
        takes over and finds the exact outcome.
        """
        scanner = self._scanners.get(careful)
        if scanner is None:
            scanner = self._scanners[careful] = self._make_scanner(careful)
        try:
            value, end = scanner(buf, pos)
        except (StopIteration, ValueError, RecursionError):
            return -1, None
        start = len(deltas)
        result = self._walk(value, path, depth, careful, deltas)
        if result is None:
            del deltas[start:]
            return -1, None
        return int(end), result

    def _make_scanner(self, careful: bool) -> Any:
        parse_float = self._parse_float
        parse_int = self._parse_int
        if careful:
            limit = self._max_number_length
            plain_float, plain_int = parse_float, parse_int

            def parse_float(text: str) -> Any:
                if len(text) > limit:
                    raise ValueError("number too long")
                return plain_float(text)

            def parse_int(text: str) -> Any:
                if len(text) > limit:
                    raise ValueError("number too long")
                return plain_int(text)

        decoder = json.JSONDecoder(
            parse_float=parse_float,
            parse_int=parse_int,
            parse_constant=_constant if self._allow_nan else _reject_constant,
            object_pairs_hook=_Pairs,  # duplicates kept: each gets its delta
        )
        return json.scanner.make_scanner(decoder)  # type: ignore[arg-type]

    def _walk(self, root: Any, path: Path, depth: int, careful: bool, out: list[Delta]) -> Any:
        """Append the deltas of the complete value ``root`` (objects as
        ``_Pairs``) at ``path`` (none with ``deltas=False``), building its
        dicts in place of the pairs; return the value, or None if it passes
        a limit (max_depth, max_members; when careful, string lengths)."""
        report = self._deltas
        emit = out.append
        max_depth = self._max_depth
        max_members = self._max_members
        max_string = self._max_string_length if careful else -1
        if depth >= max_depth:
            return None
        if type(root) is _Pairs:
            result: Any = {}
            if report:
                emit(_new(Delta, (_ADD, path, {})))
            stack: list[tuple[Any, Path, Any, bool]] = [(result, path, iter(root), True)]
        else:
            result = root
            if report:
                emit(_new(Delta, (_ADD, path, [])))
            stack = [(result, path, enumerate(root), False)]
        while stack:
            container, cpath, items, is_object = stack[-1]
            for key, item in items:
                if is_object:
                    if len(container) >= max_members:
                        return None
                    if careful and len(key) > max_string:
                        return None
                kind = type(item)
                # Paths only go into deltas: without them, every path is ().
                ipath = cpath + (key,) if report else cpath
                if kind is _Pairs or kind is list:
                    if depth + len(stack) >= max_depth:
                        return None
                    if depth + len(stack) >= TUPLE_DEPTH and report and type(ipath) is tuple:
                        ipath = DeepPath(cpath, key)
                    if kind is _Pairs:
                        child: Any = {}
                        if report:
                            emit(_new(Delta, (_ADD, ipath, {})))
                        stack.append((child, ipath, iter(item), True))
                    else:
                        child = item
                        if report:
                            emit(_new(Delta, (_ADD, ipath, [])))
                        stack.append((child, ipath, enumerate(item), False))
                    container[key] = child
                    break
                if careful and kind is str and len(item) > max_string:
                    return None
                if is_object:
                    container[key] = item
                if report:
                    emit(_new(Delta, (_ADD, ipath, item)))
                    emit(_new(Delta, (_END, ipath, item)))
            else:
                stack.pop()
                if report:
                    emit(_new(Delta, (_END, cpath, container)))
        return result

    # -- limits -------------------------------------------------------------

    def _too_long(self, pos: int) -> ScanError:
        limit = self._max_string_length
        return ScanError(
            pos,
            f"expected a string of at most {limit} characters (max_string_length), found more",
            "max_string_length",
            limit,
        )

    def _check_number(self, buf: str, pos: int, n: int, final: bool) -> None:
        """max_number_length, judged at the first character past it."""
        limit = self._max_number_length
        if n - pos <= limit or (self._allow_nan and buf.startswith("-I", pos)):
            return  # short enough, or -Infinity (a literal, checked as such)
        try:
            end = scan_number(buf, pos, final)
        except ScanError as error:
            if error.pos - pos <= limit:
                raise
            end = error.pos
        if end < 0 or end - pos > limit:
            raise ScanError(
                pos + limit,
                f"expected a number of at most {limit} characters (max_number_length), found more",
                "max_number_length",
                limit,
            )

    def _check_key(self, end: int, added: int, start: int = -1) -> None:
        """Count ``added`` decoded characters of the open key (ending at ``end``)."""
        self._k_len += added
        excess = self._k_len - self._max_string_length
        if excess > 0:
            raise self._too_long(max(start, end - excess))

    # -- strings ------------------------------------------------------------

    def _open_text(self) -> str:
        """The open string value's text so far."""
        text: str = self._s_cont[self._s_key] if self._partial_strings else self._s_text
        return text

    def _grow_key(self, text: str) -> None:
        """Append ``text`` to the open object key, in place."""
        key = self._k_text
        self._k_text = ""
        key += text
        self._k_text = key

    # -- errors -------------------------------------------------------------

    def _end_of_input_message(self, state: int) -> str:
        if state == _AFTER:
            if self._frame[1]:
                return "expected ',' or '}' after object member"
            return "expected ',' or ']' after array element"
        if state in (_STRING, _KEY_STRING) and self._pending:
            return "expected the rest of an escape sequence"
        return _AT_END_OF_INPUT.get(state, "expected more input")

    def _position(self, buf: str, pos: int) -> tuple[int, int, int]:
        """Stream offset, line and column of ``buf[pos]`` (``buf`` starts at
        the leftover, i.e. at ``self._offset``)."""
        offset = self._offset + pos
        newlines = buf.count("\n", 0, pos)
        if newlines:
            line = self._line + newlines
            line_start = self._offset + buf.rindex("\n", 0, pos) + 1
        else:
            line = self._line
            line_start = self._line_start
        return offset, line, offset - line_start + 1

    def _fail(
        self,
        buf: str,
        exc: ScanError,
        deltas: list[Delta],
        incomplete: bool = False,
        pending: str = "",
    ) -> JSONStreamError:
        """Latch the failed state and build the public error for ``exc``."""
        if exc.limit == "max_string_length" and exc.maximum < 0:
            exc = self._too_long(exc.pos)  # from scan_string, which knows no maximum
        offset, line, column = self._position(buf, exc.pos)
        error: JSONStreamError
        if (
            self._lenient
            and not incomplete
            and fence_closes(self._hunt_state, buf, exc.pos, column)
        ):
            # lenient: the code fence closed while the value was still open
            incomplete = True
            exc = ScanError(exc.pos, "expected the rest of the value, found the closing code fence")
        if incomplete:
            error = IncompleteJSONError(exc.msg, offset, line, column, self.value, pending)
        elif exc.limit:
            error = LimitExceededError(exc.msg, offset, line, column, exc.limit, exc.maximum)
        else:
            error = JSONStreamError(exc.msg, offset, line, column)
        error.deltas = deltas
        self._error = error
        self._state = _FAILED
        self._plain = False
        return error

    def _fail_utf8(self, exc: UnicodeDecodeError) -> list[Delta]:
        """Parse the valid text before a UTF-8 error, then fail at the bad byte."""
        data = bytes(exc.object)
        decoder = self._decoder
        assert decoder is not None
        decoder.reset()
        text = data[: exc.start].decode("utf-8")
        deltas = self._feed_slow(text) if text else []
        bad = data[exc.start]
        buf = self._pending
        error = ScanError(len(buf), f"expected valid UTF-8, found byte 0x{bad:02X} ({exc.reason})")
        raise self._fail(buf, error, deltas)

    def _fail_utf8_truncated(self, found: str) -> list[Delta]:
        buf = self._pending
        error = ScanError(
            len(buf), f"expected the rest of a UTF-8 sequence, {found or 'found end of input'}"
        )
        raise self._fail(buf, error, [], not found, buf)

    def _raise_unusable(self) -> None:
        if self._state == _FAILED:
            assert self._error is not None
            raise self._error
        raise StreamClosedError("feed() called after close()")


_MISSING: Any = object()


def _busy(method: str) -> ConcurrentUseError:
    return ConcurrentUseError(
        f"Parser.{method}() called while another call on the same parser is running"
        " (from another thread?): a parser is not thread-safe; use one per thread"
        " or serialise the calls with a lock"
    )


accelerate(Parser)  # the C feed and value, when the extension is available


class _Pairs(list):  # type: ignore[type-arg]
    """An object's (key, value) pairs, as the C scanner returns them."""

    __slots__ = ()


def _constant(name: str) -> float:
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _number_error(pos: int, text: str, exc: ValueError) -> ScanError:
    if "digits" in str(exc) and hasattr(sys, "get_int_max_str_digits"):
        limit = sys.get_int_max_str_digits()
        return ScanError(
            pos,
            f"expected an integer of at most {limit} digits (sys.set_int_max_str_digits),"
            f" found {len(text)} digits",
            "int_max_str_digits",
            limit,
        )
    return ScanError(pos, f"invalid number {text[:40]!r}: {exc}")
