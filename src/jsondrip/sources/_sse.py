"""Server-sent events: a push decoder for ``text/event-stream`` bytes.

Theory of operation
-------------------
The decoder follows the W3C/WHATWG event-stream interpretation rules. Bytes go
through an incremental UTF-8 decoder (invalid bytes become U+FFFD, as the spec
says), so a chunk may end inside a character. A BOM at the very start is
dropped. Lines end at CRLF, LF or a lone CR; a CR at the end of a chunk ends
its line at once, and an LF at the start of the next chunk is then swallowed
as the second half of a CRLF. The unfinished last line of a chunk is kept as
pieces, so a long ``data:`` line arriving in many chunks is joined once.

Each line is a field (``data``, ``event``, ``id``, ``retry``; others are
ignored) or a comment (``:``); a blank line dispatches the event. ``data``
lines are joined with ``\\n``. By the spec, an event that the stream ends
before its blank line is discarded; :attr:`SSEDecoder.discarded` tells that it
happened.
"""

from __future__ import annotations

import codecs
import json
import re
import zlib
from typing import NamedTuple, Optional, Protocol, Union

from ..errors import StreamClosedError

__all__ = [
    "AwsEventStreamDecoder",
    "Framer",
    "JsonLinesDecoder",
    "SSEDecoder",
    "SSEEvent",
    "framer_for",
]

_EOL = re.compile(r"\r\n|\r|\n")


class SSEEvent(NamedTuple):
    """One dispatched server-sent event.

    ``event`` is the ``event:`` field, ``"message"`` when there was none;
    ``data`` is the ``data:`` lines joined with ``\\n``; ``id`` is the last
    event id seen so far in the stream (``""`` before any), as the spec says.
    """

    event: str
    data: str
    id: str


class SSEDecoder:
    """Incremental ``text/event-stream`` decoder (sans-I/O).

    Feed it the response body in chunks split anywhere (inside a line, a CRLF
    or a UTF-8 character) and get back the events each chunk completed::

        decoder = SSEDecoder()
        for chunk in body_chunks:
            for event in decoder.feed(chunk):
                handle(event.data)
        decoder.close()
    """

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        self._at_start = True
        self._cr = False  # the last chunk ended with CR: an LF next is its pair
        self._partial: list[str] = []  # the unfinished line
        self._data: list[str] = []
        self._event = ""
        self._last_id = ""
        self._closed = False
        #: The last valid ``retry:`` value (milliseconds), or ``None``.
        self.retry: Optional[int] = None
        #: True when :meth:`close` dropped an event the stream ended inside.
        self.discarded = False

    def feed(self, data: Union[bytes, bytearray, memoryview, str]) -> list[SSEEvent]:
        """Decode the next chunk; return the events it completed, in order.

        Raises:
            StreamClosedError: :meth:`close` was already called.
            TypeError: ``data`` is neither bytes nor text.
        """
        if self._closed:
            raise StreamClosedError("feed() called after close()")
        if isinstance(data, str):
            text = data
        elif isinstance(data, (bytes, bytearray, memoryview)):
            text = self._utf8.decode(bytes(data))
        else:
            raise TypeError(f"feed() takes bytes or str, not {type(data).__name__}")
        if not text:
            return []
        if self._at_start:
            self._at_start = False
            if text[0] == "\ufeff":
                text = text[1:]
                if not text:
                    return []
        if self._cr:
            self._cr = False
            if text[0] == "\n":
                text = text[1:]
        if not text:
            return []
        events: list[SSEEvent] = []
        pos = 0
        for match in _EOL.finditer(text):
            line = text[pos : match.start()]
            if self._partial:
                self._partial.append(line)
                line = "".join(self._partial)
                self._partial = []
            self._line(line, events)
            pos = match.end()
        if pos < len(text):
            self._partial.append(text[pos:])
        elif text[-1] == "\r":
            self._cr = True
        return events

    def close(self) -> list[SSEEvent]:
        """End of the stream. Idempotent.

        Returns:
            Always ``[]``: by the spec an event the stream ends inside (before
            its blank line) is not dispatched. :attr:`discarded` is set when
            that happened. The list return keeps the ``feed``/``close`` shape
            of the other push decoders.
        """
        if not self._closed:
            self._closed = True
            tail = self._utf8.decode(b"", True)
            if tail or self._partial or self._data:
                self.discarded = True
            self._partial = []
            self._data = []
        return []

    @property
    def last_event_id(self) -> str:
        """The last ``id:`` seen (``""`` before any)."""
        return self._last_id

    def _line(self, line: str, events: list[SSEEvent]) -> None:
        if not line:
            if self._data:
                events.append(
                    SSEEvent(self._event or "message", "\n".join(self._data), self._last_id)
                )
                self._data = []
            self._event = ""
            return
        if line[0] == ":":
            return
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self.retry = int(value)


class Framer(Protocol):
    """Bytes in, each framed payload's text out (the ``feed``/``close`` shape)."""

    def feed(self, data: Union[bytes, bytearray, memoryview, str]) -> list[str]:
        """Decode the next chunk; return the payloads it completed."""

    def close(self) -> list[str]:
        """End of the stream; return the last payloads."""


class _SSEData:
    """An :class:`SSEDecoder` that hands out each event's data."""

    def __init__(self) -> None:
        self.decoder = SSEDecoder()

    def feed(self, data: Union[bytes, bytearray, memoryview, str]) -> list[str]:
        return [event.data for event in self.decoder.feed(data)]

    def close(self) -> list[str]:
        return [event.data for event in self.decoder.close()]


class JsonLinesDecoder:
    """Incremental JSON Lines framing (sans-I/O): bytes split anywhere in,
    each complete line's text out (blank lines skipped)."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        self._partial: list[str] = []
        self._closed = False
        #: True when :meth:`close` dropped an unfinished last line.
        self.discarded = False

    def feed(self, data: Union[bytes, bytearray, memoryview, str]) -> list[str]:
        """Decode the next chunk; return the lines it completed.

        Raises:
            StreamClosedError: :meth:`close` was already called.
            TypeError: ``data`` is neither bytes nor text.
        """
        if self._closed:
            raise StreamClosedError("feed() called after close()")
        if isinstance(data, str):
            text = data
        elif isinstance(data, (bytes, bytearray, memoryview)):
            text = self._utf8.decode(bytes(data))
        else:
            raise TypeError(f"feed() takes bytes or str, not {type(data).__name__}")
        if "\n" not in text:
            if text:
                self._partial.append(text)
            return []
        lines = text.split("\n")
        if self._partial:
            self._partial.append(lines[0])
            lines[0] = "".join(self._partial)
        tail = lines.pop()
        self._partial = [tail] if tail else []
        return [line for line in lines if line.strip()]

    def close(self) -> list[str]:
        """End of the stream. Idempotent.

        Returns:
            Always ``[]``: a last line the stream ended inside (before its
            newline) is dropped, as SSE drops an unfinished event: the
            provider's stop message never came, which the protocol reports.
            :attr:`discarded` tells that it happened.
        """
        if not self._closed:
            self._closed = True
            tail = "".join(self._partial) + self._utf8.decode(b"", True)
            self._partial = []
            self.discarded = bool(tail.strip())
        return []


class AwsEventStreamDecoder:
    """Incremental AWS event-stream framing (sans-I/O), as Bedrock's
    ``converse-stream`` sends it: binary messages (total length, headers
    length, prelude CRC32, headers, payload, message CRC32) split anywhere in;
    each message out as the JSON text ``{"<:event-type>": <payload>}`` (or
    ``{"<:exception-type>": <payload>}``), the shape botocore yields."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._closed = False
        #: True when :meth:`close` dropped an unfinished message.
        self.discarded = False

    def feed(self, data: Union[bytes, bytearray, memoryview, str]) -> list[str]:
        """Decode the next chunk; return the messages it completed.

        Raises:
            StreamClosedError: :meth:`close` was already called.
            TypeError: ``data`` is not bytes.
            ValueError: a message fails its CRC32 check or is malformed.
        """
        if self._closed:
            raise StreamClosedError("feed() called after close()")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"feed() takes bytes, not {type(data).__name__}")
        buffer = self._buffer
        buffer += data
        out: list[str] = []
        start = 0
        while len(buffer) - start >= 16:
            total = int.from_bytes(buffer[start : start + 4], "big")
            if total < 16:
                raise ValueError(f"AWS event stream message of {total} bytes: too short")
            if len(buffer) - start < total:
                break
            message = bytes(buffer[start : start + total])
            start += total
            out.append(_aws_message(message))
        del buffer[:start]
        return out

    def close(self) -> list[str]:
        """End of the stream (an unfinished message is dropped). Idempotent."""
        if not self._closed:
            self._closed = True
            self.discarded = bool(self._buffer)
            self._buffer = bytearray()
        return []


def _aws_message(message: bytes) -> str:
    headers_length = int.from_bytes(message[4:8], "big")
    if zlib.crc32(message[:8]) != int.from_bytes(message[8:12], "big"):
        raise ValueError("AWS event stream prelude fails its CRC32 check")
    if zlib.crc32(message[:-4]) != int.from_bytes(message[-4:], "big"):
        raise ValueError("AWS event stream message fails its CRC32 check")
    headers: dict[str, str] = {}
    pos, end = 12, 12 + headers_length
    while pos < end:
        size = message[pos]
        name = message[pos + 1 : pos + 1 + size].decode("utf-8")
        pos += 1 + size
        kind = message[pos]
        pos += 1
        if kind != 7:  # only string headers carry what is needed here
            raise ValueError(f"AWS event stream header {name!r} of type {kind} is not read")
        length = int.from_bytes(message[pos : pos + 2], "big")
        headers[name] = message[pos + 2 : pos + 2 + length].decode("utf-8")
        pos += 2 + length
    payload = message[end:-4].decode("utf-8") or "{}"
    kind_name = headers.get(":event-type") or headers.get(":exception-type") or "unknown"
    return "{" + json.dumps(kind_name) + ": " + payload + "}"


def framer_for(framing: str) -> Framer:
    """A fresh framer for an :attr:`EventProtocol.framing`.

    Raises:
        ValueError: an unknown framing.
    """
    if framing == "sse":
        return _SSEData()
    if framing == "jsonl":
        return JsonLinesDecoder()
    if framing == "aws-eventstream":
        return AwsEventStreamDecoder()
    raise ValueError(f"unknown framing {framing!r}: expected 'sse', 'jsonl' or 'aws-eventstream'")
