"""JSON Lines (NDJSON): line framing around the incremental parser.

Theory of operation
-------------------
A record ends at ``\\n`` (a ``\\r`` before it is JSON whitespace, so ``\\r\\n``
needs no special case, and a lone ``\\r`` is whitespace, not a separator).
``0x0A`` never occurs inside a multi-byte UTF-8 sequence, so byte input is
split on ``b"\\n"`` before decoding: a line with invalid UTF-8 spoils only
itself.

Lines that arrive whole in a chunk are handed to the C ``json`` decoder, the
fastest way to read complete JSON in CPython. Only the unfinished last line of
a chunk goes through an incremental :class:`~jsondrip.Parser`, which shows it
as ``partial`` and continues with the next chunk. When the C decoder rejects a
line (or recurses too deep), the line is parsed again with ``Parser`` to get
the exact earliest error, its message and its position, so both paths report
the same errors; a line ``Parser`` accepts is kept.

With the C backend, runs of complete lines go to ``RecordDecoder.lines``
(``_speedups/decode.c``) instead: one C call frames and decodes them, straight
from the bytes chunk (or the str chunk), and appends the records. It decides
only lines whose answer is certain to be the one above (valid JSON that
``json.loads`` gives and no limit could reject, or a blank line) and stops at
any other line, which then takes the path above; so both backends give the
same records, errors, lines and offsets.
"""

from __future__ import annotations

import codecs
import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any, Callable, Literal, Optional, Union

from ._backend import _speedups
from ._parser import Chunk, Parser
from .errors import (
    ConcurrentUseError,
    IncompleteJSONError,
    JSONStreamError,
    LimitExceededError,
    StreamClosedError,
)

__all__ = ["JsonlParser"]

OnError = Literal["raise", "skip", "collect"]

_BOM_BYTES = codecs.BOM_UTF8
_BLANK = " \t\r"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


class JsonlParser:
    """Incremental parser for JSON Lines / NDJSON.

    Args:
        on_error: What to do with a bad line (invalid JSON or UTF-8, two values
            on one line, a truncated last record at :meth:`close`):
            ``"raise"`` raises :class:`JSONStreamError` (the parser then stays
            failed), ``"skip"`` drops the line, ``"collect"`` drops it and keeps
            the error in :attr:`errors`. Records before and after a bad line are
            never lost.
        max_record_size: Maximum length of one line, in decoded characters
            (default 64 Mi); a longer line is a bad line (``LimitExceededError``)
            and is never held in memory whole.
        **options: Passed to :class:`Parser` for each record
            (``partial_strings``, ``allow_nan``, ``max_depth``,
            ``max_string_length``, ``max_number_length``, ``max_members``,
            ``parse_float``, ``parse_int``).

    Blank lines (only whitespace) are skipped; ``\\r\\n`` line ends are
    accepted; a UTF-8 BOM at the very start of the stream is skipped.
    """

    def __init__(
        self,
        *,
        on_error: OnError = "raise",
        max_record_size: int = 64 * 1024 * 1024,
        partial_strings: bool = True,
        allow_nan: bool = False,
        max_depth: int = 1024,
        max_string_length: int = 64 * 1024 * 1024,
        max_number_length: int = 10_000,
        max_members: int = 1024 * 1024,
        parse_float: Optional[Callable[[str], Any]] = None,
        parse_int: Optional[Callable[[str], Any]] = None,
    ) -> None:
        if on_error not in ("raise", "skip", "collect"):
            raise ValueError(f"on_error must be 'raise', 'skip' or 'collect', not {on_error!r}")
        self._on_error = on_error
        self._options: dict[str, Any] = {
            "partial_strings": partial_strings,
            "allow_nan": allow_nan,
            "max_depth": max_depth,
            "max_string_length": max_string_length,
            "max_number_length": max_number_length,
            "max_members": max_members,
            # A line is a document: its size limit is the record size limit.
            "max_document_size": max_record_size,
            "parse_float": parse_float,
            "parse_int": parse_int,
        }
        self._max_record_size = max_record_size
        # A whole line this long could pass a per-value limit (a string, a
        # number, an object's members: each member takes 4+ characters), so
        # it goes through Parser, which judges limits exactly.
        self._check_length = min(
            max_string_length, max_number_length, 4 * max_members, max_record_size
        )
        Parser(**self._options)  # validate the options now, not at the first record
        self._json = _whole_line_decoder(self._options)
        self._records = _record_decoder(self._options, self._check_length)
        self._max_depth = max_depth
        #: The errors of bad lines, in order (``on_error="collect"`` only).
        self.errors: list[JSONStreamError] = []
        #: How many bad lines were skipped or collected.
        self.bad_lines = 0
        self._tail: Optional[Parser] = None  # the record in progress
        # What the tail was fed (while it is short enough for _finish_line).
        self._pieces: Optional[list[Union[str, bytes]]] = None
        self._pieces_length = 0
        # The line in progress is only in _pieces: no tail Parser yet (see _defers).
        self._deferred = False
        self._skipping = False  # discarding the rest of a bad line
        self._skip_decoder: Optional[codecs.IncrementalDecoder] = None
        self._line = 1  # the line the next text belongs to
        self._offset = 0  # stream offset of the start of that line (or of the skip)
        self._at_start = True
        self._head = b""  # the first bytes, held until a BOM can be ruled out
        self._error: Optional[JSONStreamError] = None
        self._closed = False
        self._guard: list[None] = [None]  # see Parser: one call at a time

    @property
    def partial(self) -> Any:
        """The partial value of the record in progress, or ``None``."""
        if self._deferred:
            self._materialize()
        return self._tail.value if self._tail is not None else None

    @property
    def line(self) -> int:
        """The 1-based number of the line the next input belongs to."""
        return self._line

    def feed(self, chunk: Chunk) -> list[Any]:
        """Parse the next chunk; return the records it completed, in order.

        Raises:
            JSONStreamError: a bad line, with ``on_error="raise"``. Its
                ``records`` holds the records this chunk completed before the
                bad line; the parser then stays failed.
            StreamClosedError: :meth:`close` was already called.
            ConcurrentUseError: another call on this parser is running.
            TypeError: ``chunk`` is neither text nor bytes.
        """
        guard = self._guard
        try:
            guard.pop()
        except IndexError:
            raise _busy("feed") from None
        try:
            self._check_usable()
            records: list[Any] = []
            try:
                if type(chunk) is str:
                    self._feed_text(chunk, records)
                elif isinstance(chunk, (bytes, bytearray, memoryview)):
                    self._feed_bytes(bytes(chunk), records)
                elif isinstance(chunk, str):  # a str subclass, e.g. a StrEnum member
                    self._feed_text(str.__str__(chunk), records)
                else:
                    raise TypeError(f"feed() takes str or bytes, not {type(chunk).__name__}")
            except JSONStreamError as error:
                error.records = records
                self._error = error
                raise
            return records
        finally:
            guard.append(None)

    def close(self) -> list[Any]:
        """End of input: return the last record if it had no final newline.

        Returns:
            ``[record]``, or ``[]`` when the input ended with a newline (a list,
            because a record may itself be ``null``).

        Raises:
            IncompleteJSONError: the last record is truncated (raise mode);
                its ``partial`` holds what was parsed of it.
        """
        guard = self._guard
        try:
            guard.pop()
        except IndexError:
            raise _busy("close") from None
        try:
            if self._closed:
                return []
            self._check_usable()
            records: list[Any] = []
            try:
                if self._head:
                    head, self._head = self._head, b""
                    self._at_start = False
                    self._feed_bytes(head, records)
                self._end_line(records, final=True)
            except JSONStreamError as error:
                error.records = records
                self._error = error
                raise
            self._closed = True
            return records
        finally:
            guard.append(None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at line {self._line}>"

    def __getstate__(self) -> dict[str, Any]:
        # The C scanner inside json.JSONDecoder cannot be pickled; rebuild it.
        state = self.__dict__.copy()
        del state["_json"]
        del state["_records"]
        state["_guard"] = [None]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({"_pieces": None, "_pieces_length": 0, "_deferred": False})
        self.__dict__.update(state)
        self._json = _whole_line_decoder(self._options)
        self._records = _record_decoder(self._options, self._check_length)

    # -- framing --------------------------------------------------------------

    def _check_usable(self) -> None:
        if self._error is not None:
            raise self._error
        if self._closed:
            raise StreamClosedError("feed() called after close()")

    def _feed_text(self, text: str, records: list[Any]) -> None:
        if self._head and text:
            # Bytes held while a BOM was possible, then text: they start the
            # first line (where Parser reports the cut UTF-8 sequence).
            head, self._head = self._head, b""
            self._at_start = False
            self._feed_bytes(head, records)
        if self._at_start and text:
            self._at_start = False
            if text[0] == "\ufeff":
                text = text[1:]
        pos = 0
        if self._tail is not None or self._skipping or self._deferred:
            newline = text.find("\n")
            if newline < 0:
                self._continue_line(text)
                return
            if not self._finish_line(text[:newline], records):
                self._continue_line(text[:newline])
                self._end_line(records)
            pos = newline + 1
        last = text.rfind("\n")
        if last >= pos:
            if self._records is not None:
                self._decode_lines(text, pos, last, records)
            else:
                self._complete_lines(text[pos:last], records)
            pos = last + 1
        if pos < len(text):
            self._continue_line(text[pos:])

    def _feed_bytes(self, data: bytes, records: list[Any]) -> None:
        if self._at_start:
            data = self._head + data
            if len(data) < len(_BOM_BYTES) and _BOM_BYTES.startswith(data):
                self._head = data
                return
            self._head = b""
            self._at_start = False
            if data.startswith(_BOM_BYTES):
                data = data[len(_BOM_BYTES) :]
        pos = 0
        if self._tail is not None or self._skipping or self._deferred:
            newline = data.find(b"\n")
            if newline < 0:
                self._continue_line(data)
                return
            if not self._finish_line(data[:newline], records):
                self._continue_line(data[:newline])
                self._end_line(records)
            pos = newline + 1
        last = data.rfind(b"\n")
        if last >= pos and self._records is not None:
            self._decode_lines(data, pos, last, records)
            pos = last + 1
        elif last >= pos:
            region = data[pos:last]
            try:
                text = region.decode("utf-8")
            except UnicodeDecodeError:
                for line in region.split(b"\n"):
                    self._complete_bytes_line(line, records)
            else:
                self._complete_lines(text, records)
            pos = last + 1
        if pos < len(data):
            self._continue_line(data[pos:])

    def _decode_lines(
        self, buf: Union[str, bytes], pos: int, last: int, records: list[Any]
    ) -> None:
        """The C backend's ``_complete_lines`` for ``buf[pos:last]`` (whole
        lines; ``buf[last]`` is a newline), str or UTF-8 bytes alike.

        ``RecordDecoder.lines`` decodes lines until one it does not decide
        (see ``_speedups/decode.c``); that one line takes the path every line
        takes in the pure-Python backend, then the C loop goes on.
        """
        assert self._records is not None
        decode = self._records.lines
        first, line, offset = pos, self._line, self._offset
        try:
            while True:
                pos, lines, chars = decode(buf, pos, last, records)
                self._line += lines
                self._offset += chars
                if pos > last:
                    return
                if isinstance(buf, bytes):
                    end = buf.find(b"\n", pos)
                    self._complete_bytes_line(buf[pos:end], records)
                else:
                    end = buf.find("\n", pos)
                    self._complete_lines(buf[pos:end], records)
                pos = end + 1
        except JSONStreamError:
            # A bad line raised. Where the Python path takes the lines as one
            # text (str, or bytes that decode), it counts them at the end
            # only: the (failed) parser's line and offset stay at the start.
            if isinstance(buf, str) or _decodes(buf[first:last]):
                self._line, self._offset = line, offset
            raise

    def _complete_lines(self, text: str, records: list[Any]) -> None:
        """Parse ``text``: whole lines joined by ``\\n``, the last one included."""
        loads = self._json.decode
        # The decoder's C scanner itself: a line that is one value and nothing
        # else (no whitespace around it) needs neither decode() nor its
        # regular expressions; any other line takes decode(), which decides.
        scan = self._json.scan_once  # type: ignore[attr-defined]
        max_depth = self._max_depth
        append = records.append
        lines = text.split("\n")
        offset = self._offset
        first_line = self._line
        max_record = self._max_record_size
        check_length = self._check_length
        # Where lines[done] starts, advanced lazily (only bad lines need it):
        # each line's length is added once, however many lines are bad.
        done = 0
        start = offset
        for index, line in enumerate(lines):
            length = len(line)
            try:
                if length > check_length:
                    raise ValueError("let Parser judge the limits")
                try:
                    record, end = scan(line, 0)
                except StopIteration:
                    end = -1
                if end != length:
                    record = loads(line)
                if length > max_depth and line.count("[") + line.count("{") > max_depth:
                    raise ValueError("possibly too deep")
            except (ValueError, RecursionError):
                if length <= max_record and not line.strip(_BLANK):
                    continue
                # Rare path: position the line exactly, then let Parser judge it.
                while done < index:
                    start += len(lines[done]) + 1
                    done += 1
                self._parse_line(line, start, first_line + index, records)
                continue
            append(record)
        self._offset += len(text) + 1
        self._line = first_line + len(lines)

    def _complete_bytes_line(self, data: bytes, records: list[Any]) -> None:
        try:
            line = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            good = data[: exc.start].decode("utf-8")
            error = self._syntax_error(good)
            if error is None:
                byte = data[exc.start]
                message = f"expected valid UTF-8, found byte 0x{byte:02X} ({exc.reason})"
                if _held_by_a_decoder(data[exc.start :]):
                    # Bytes an incremental decoder would still hold (the line
                    # ended first): the same words as when it arrives in pieces.
                    message = "expected the rest of a UTF-8 sequence, found end of line"
                error = JSONStreamError(
                    message, self._offset + len(good), self._line, len(good) + 1
                )
            self._bad_line(error)
            self._offset += len(data.decode("utf-8", "replace")) + 1
            self._line += 1
            return
        self._complete_lines(line, records)

    def _syntax_error(self, text: str) -> Optional[JSONStreamError]:
        """The error ``Parser`` finds in ``text`` (the valid UTF-8 before a bad
        byte, at the start of the current line), if any: it comes first."""
        parser = Parser(**self._options)
        parser._start_at(self._offset, self._line)
        try:
            parser.feed(text)
        except JSONStreamError as exc:
            return _as_record_limit(exc)
        return None

    def _parse_line(self, line: str, offset: int, number: int, records: list[Any]) -> None:
        parser = Parser(**self._options)
        parser._start_at(offset, number)
        try:
            parser.feed(line)
            record = parser.close()
        except IncompleteJSONError as exc:
            self._bad_line(_at_end_of_line(exc))
        except JSONStreamError as exc:
            self._bad_line(_as_record_limit(exc))
        else:
            records.append(record)

    def _finish_line(self, rest: Union[str, bytes], records: list[Any]) -> bool:
        """The end of the line in progress arrived: read the whole line at once.

        The tail ``Parser`` accepted the line's start; if the whole line is a
        line ``_complete_lines`` would take from the JSON decoder, its record
        is the one the tail would give once fed the rest (the same rule as
        for whole lines), so the rest need not go through the incremental
        parser. Returns False, having changed nothing, for any other line:
        the caller then feeds the rest to the tail as usual.
        """
        pieces = self._pieces
        if pieces is None or (self._tail is None and not self._deferred) or self._skipping:
            return False
        if self._pieces_length + len(rest) > self._check_length:
            return False
        if isinstance(rest, bytes):
            if not all(isinstance(piece, bytes) for piece in pieces):
                return False
            try:
                line = b"".join(pieces + [rest]).decode("utf-8")  # type: ignore[arg-type]
            except UnicodeDecodeError:
                return False
        else:
            if not all(isinstance(piece, str) for piece in pieces):
                return False
            line = "".join(pieces) + rest  # type: ignore[arg-type]
        if len(line) > self._check_length or not line.strip(_BLANK):
            return False
        if len(line) > self._max_depth and line.count("[") + line.count("{") > self._max_depth:
            return False
        try:
            record = self._json.decode(line)
        except (ValueError, RecursionError):
            return False
        records.append(record)
        self._tail = None
        self._pieces = None
        self._deferred = False
        # The line started at self._offset (the tail's _start_at).
        self._offset += len(line) + 1
        self._line += 1
        return True

    def _defers(self, piece: Union[str, bytes]) -> bool:
        """Can the start of a line wait for its end before it is parsed?

        Only when ``Parser`` cannot find an error in it: when it is the start
        of some valid JSON (``_completes``) and too short and shallow for any
        limit (the rule of ``_complete_lines``). Then, in the usual case, the
        rest arrives with the next chunk and ``_finish_line`` reads the whole
        line without the incremental parser ever seeing it; otherwise
        (``partial`` read, more pieces, a line the decoder rejects)
        ``_materialize`` feeds the start to a tail as it came.
        """
        if len(piece) > self._check_length:
            return False
        if isinstance(piece, bytes):
            try:
                # A character cut at the end is held by a tail's decoder
                # without an error: the text before it is what matters.
                text = codecs.utf_8_decode(piece, "strict", False)[0]
            except UnicodeDecodeError:
                return False
        else:
            text = piece
        if len(text) > self._max_depth and text.count("[") + text.count("{") > self._max_depth:
            return False
        return _completes(text, self._json.decode)

    def _materialize(self) -> None:
        """Feed a deferred line start to a tail Parser, as it came."""
        pieces = self._pieces or []
        self._deferred = False
        self._pieces = None
        for piece in pieces:
            self._continue_line(piece, defer=False)

    def _continue_line(self, piece: Union[str, bytes], defer: bool = True) -> None:
        """More of the unfinished last line arrived."""
        if self._deferred:
            self._materialize()
        if self._skipping:
            self._skip(piece)
            return
        tail = self._tail
        if tail is None:
            # (With the C backend, whose tail parses the start faster than
            # _completes guesses, the guess does not pay.)
            if defer and self._records is None and self._defers(piece):
                self._pieces = [piece]
                self._pieces_length = len(piece)
                self._deferred = True
                return
            tail = self._tail = Parser(**self._options)
            tail._start_at(self._offset, self._line)
            self._pieces = []
            self._pieces_length = 0
        start = tail._end_offset
        held = tail._undecoded
        try:
            tail.feed(piece)
        except JSONStreamError as exc:
            # Drop the rest of the line; count its characters so that the
            # positions of later lines stay exact.
            self._tail = None
            self._pieces = None
            self._skipping = True
            self._offset = start
            if isinstance(piece, bytes):
                self._skip(held + piece)
            else:
                if held:
                    self._skip(held)  # a cut UTF-8 sequence, then text
                self._skip(piece)
            self._bad_line(_as_record_limit(exc))
            return
        pieces = self._pieces
        if pieces is not None:
            self._pieces_length += len(piece)
            if self._pieces_length > self._check_length:
                self._pieces = None  # too long for _finish_line: the tail decides
            else:
                pieces.append(piece)

    def _skip(self, piece: Union[str, bytes]) -> None:
        # Offsets count decoded characters, so skipped bytes are decoded too
        # (an invalid sequence counts as one U+FFFD, as errors="replace" says).
        if isinstance(piece, bytes):
            if self._skip_decoder is None:
                self._skip_decoder = codecs.getincrementaldecoder("utf-8")("replace")
            self._offset += len(self._skip_decoder.decode(piece))
        else:
            self._offset += len(piece)

    def _end_line(self, records: list[Any], final: bool = False) -> None:
        """The line in progress ended (at a newline, or at the end of input)."""
        if self._deferred:
            self._materialize()
        tail = self._tail
        if self._skipping:
            if self._skip_decoder is not None:
                self._offset += len(self._skip_decoder.decode(b"", True))
                self._skip_decoder = None
            self._skipping = False
            end = self._offset
        elif tail is not None:
            self._tail = None
            self._pieces = None
            # Held bytes count as errors="replace" counts them, as in whole lines.
            cut = len(tail._undecoded.decode("utf-8", "replace"))
            try:
                if not tail._blank:
                    records.append(tail.close())
            except IncompleteJSONError as exc:
                self._bad_line(exc if final else _at_end_of_line(exc))
            except JSONStreamError as exc:
                self._bad_line(exc)
            end = tail._end_offset + cut
        else:
            end = self._offset
        if not final:
            self._offset = end + 1
            self._line += 1

    def _bad_line(self, error: JSONStreamError) -> None:
        self.bad_lines += 1
        if self._on_error == "raise":
            raise error
        if self._on_error == "collect":
            self.errors.append(error)


def _busy(method: str) -> ConcurrentUseError:
    return ConcurrentUseError(
        f"JsonlParser.{method}() called while another call on the same parser is running"
        " (from another thread?): a parser is not thread-safe; use one per thread"
        " or serialise the calls with a lock"
    )


_STRUCTURE = re.compile(r'["\[\]{}]')


def _completes(text: str, decode: Callable[[str], Any]) -> bool:
    """True if ``text`` is the start of a JSON document: one of a few likely
    endings (close the cut string, a value after ``,`` or ``:``, the closing
    brackets) makes it one that ``decode`` accepts. False: not known.

    Any ending ``decode`` accepts proves it, so the guess may be rough: it
    tracks brackets outside strings, skipping each string with the JSON
    decoder's own (C) ``scanstring``.
    """
    closers: list[str] = []
    cut = ""
    search = _STRUCTURE.search
    pos = 0
    while True:
        match = search(text, pos)
        if match is None:
            break
        char = match.group()
        pos = match.end()
        if char == '"':
            try:
                pos = scanstring(text, pos)[1]
            except ValueError:  # the string runs to the end (or is bad: decode says)
                backslashes = len(text) - len(text.rstrip("\\"))
                cut = '\\"' if backslashes % 2 else '"'
                break
        elif char == "[":
            closers.append("]")
        elif char == "{":
            closers.append("}")
        elif closers:
            closers.pop()
        else:
            return False
    head = text + cut
    last = head.rstrip(_BLANK)[-1:]
    in_object = bool(closers) and closers[-1] == "}"
    if last == ",":
        fillers: tuple[str, ...] = ('"":null',) if in_object else ("null",)
    elif last == ":":
        fillers = ("null",)
    elif last == '"' and in_object:
        fillers = ("", ":null")  # a value, or a key
    else:
        fillers = ("",)
    end = "".join(reversed(closers))
    for filler in fillers:
        try:
            decode(head + filler + end)
        except (ValueError, RecursionError):
            continue
        return True
    return False


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _held_by_a_decoder(data: bytes) -> bool:
    """True when an incremental UTF-8 decoder takes ``data`` without output."""
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data) == ""
    except UnicodeDecodeError:
        return False


def _whole_line_decoder(options: dict[str, Any]) -> json.JSONDecoder:
    """``json.loads`` for one complete line (its ``decode``), with the parser's options."""
    return json.JSONDecoder(
        parse_float=options["parse_float"],
        parse_int=options["parse_int"],
        parse_constant=None if options["allow_nan"] else _reject_constant,
    )


def _record_decoder(options: dict[str, Any], check_length: int) -> Any:
    """The C decoder of whole lines (C backend, default number types), or None."""
    if _speedups is None or options["parse_float"] or options["parse_int"]:
        return None
    return _speedups.RecordDecoder(check_length, options["max_depth"], options["max_document_size"])


def _as_record_limit(exc: JSONStreamError) -> JSONStreamError:
    """A line's max_document_size is the stream's max_record_size."""
    if isinstance(exc, LimitExceededError) and exc.limit == "max_document_size":
        message = exc.msg.replace(
            "characters of input (max_document_size)", "characters in a line (max_record_size)"
        )
        error = LimitExceededError(
            message, exc.offset, exc.line, exc.column, "max_record_size", exc.maximum
        )
        error.deltas = exc.deltas
        return error
    return exc


def _at_end_of_line(exc: IncompleteJSONError) -> JSONStreamError:
    """A record cut by a newline is invalid JSON, not truncated input."""
    message = exc.msg.replace("found end of input", "found end of line")
    return JSONStreamError(message, exc.offset, exc.line, exc.column)
