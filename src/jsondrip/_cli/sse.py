"""The ``--sse`` step: a server-sent-events byte stream in, JSON text out.

``jsondrip.sources.SSEText`` decodes the events and reads the provider's
format; a stream may carry several documents (slots: the model's text, each
tool call's arguments, each choice). ``parse`` shows one: the first slot of
the kind ``--slot`` asks for, else the first that is not a refusal. Others
are named on standard error and ignored.
"""

from __future__ import annotations

import bisect
import contextlib
import importlib
import json
import re
from typing import Any, Callable, Optional, Protocol

from . import report
from .errors import UsageError

PROVIDERS = ("openai", "anthropic", "gemini", "raw")
SLOT_KINDS = ("content", "tool_call", "server_tool_call")


class SSEError(Exception):
    """The event stream itself is bad (an event's data is not JSON).

    Attributes:
        pieces: The JSON text the same ``feed`` read before the bad event.
    """

    def __init__(self, message: str, pieces: list[str]) -> None:
        super().__init__(message)
        self.pieces = pieces


#: What each provider's events look like, for messages.
EXPECTED = {
    "openai": "each event's data is a JSON chat.completion.chunk (or a Responses event),"
    " then data: [DONE]",
    "anthropic": 'each event\'s data is a JSON object with a "type" (message_start,'
    " content_block_delta, ..., message_stop)",
    "gemini": 'each event\'s data is a JSON GenerateContentResponse ({"candidates": [...]})',
    "raw": "each event's data is the next piece of the JSON text",
}

_ANTHROPIC_TYPES = frozenset(
    {
        "message_start",
        "message_delta",
        "message_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "ping",
    }
)


def sniff(payload: Any) -> Optional[tuple[str, str]]:
    """Whose event ``payload`` (an event's decoded data) looks like, and why:
    ``("anthropic", 'type "message_start"')``; ``None`` if nobody's."""
    if not isinstance(payload, dict):
        return None
    kind = payload.get("type")
    if isinstance(kind, str) and kind.startswith("response."):
        return "openai", f"type {kind!r}"
    if kind in _ANTHROPIC_TYPES:
        return "anthropic", f"type {kind!r}"
    if "choices" in payload or str(payload.get("object", "")).startswith("chat.completion"):
        return "openai", '"choices"'
    if "candidates" in payload or "usageMetadata" in payload:
        return "gemini", '"candidates"'
    return None


_FIELD = re.compile(rb"(data|event|id|retry)(:|\r?\n|\r|$)|:")


class TextStep(Protocol):
    """Turns input bytes into the text pieces the parser is fed."""

    def feed(self, data: bytes) -> list[str]: ...

    def close(self) -> list[str]: ...

    def cut(self) -> Optional[str]:
        """After ``close``: why the provider cut the document short, if it did."""

    def diagnose(self) -> Optional[str]:
        """After a failure: why the input is not what ``--sse`` expected (not
        SSE at all, another provider's events), with the flag to use; else ``None``."""

    def where(self, offset: int) -> Optional[tuple[int, int]]:
        """``(event, line)``: the event that carried the JSON text at ``offset``
        (1-based; the line where that event starts)."""


def sse_step(provider: str, slot_kind: Optional[str] = None) -> TextStep:
    """The SSE reader for ``provider``, keeping one document.

    Raises:
        UsageError: this installation has no ``jsondrip.sources``.
    """
    sse_text = _sources_sse_text()
    if sse_text is None:
        raise UsageError("--sse needs the jsondrip.sources module, which this installation lacks")
    from jsondrip.sources import SSEDecoder

    return SlotText(sse_text(provider), slot_kind, provider, SSEDecoder())


def _sources_sse_text() -> Optional[Callable[[str], Any]]:
    """``jsondrip.sources.SSEText`` if it exists, else ``None``."""
    try:
        module = importlib.import_module("jsondrip.sources")
    except ModuleNotFoundError as exc:
        if exc.name in ("jsondrip.sources", "jsondrip"):
            return None
        raise
    sse_text: Optional[Callable[[str], Any]] = getattr(module, "SSEText", None)
    return sse_text


def describe(slot: Any) -> str:
    """``tool_call 1 (get_weather)``, for messages."""
    kind = getattr(slot, "kind", slot)
    index = getattr(slot, "index", 0)
    choice = getattr(slot, "choice", 0)
    name = getattr(slot, "name", None)
    where = f"{kind} {index}" + (f" of choice {choice}" if choice else "")
    return where + (f" ({name})" if name else "")


class SlotText:
    """``SSEText`` narrowed to one slot: the first of ``kind`` (or of any kind
    but ``refusal``), numbering events and lines for messages.

    The input is fed line by line to ``SSEText`` and to a second
    ``SSEDecoder`` that only counts events and keeps the first payloads, to
    tell what the input is when it is not what ``provider`` sends.
    """

    SAMPLES = 3  # payloads kept for sniffing

    def __init__(self, sse_text: Any, kind: Optional[str], provider: str, decoder: Any) -> None:
        self._sse = sse_text
        self._kind = kind
        self._provider = provider
        self._events = decoder
        self._slot: Any = None
        self._ignored: set[Any] = set()
        self._line = 1  # the line the next input byte is on
        self._cr = False  # the last piece ended with "\r" (a "\n" may follow)
        self._event_line: Optional[int] = None  # first line of the event being read
        self._count = 0  # events dispatched
        self._current = (0, 0)  # (event, line) of the newest event
        self._first_line = b""  # the first non-blank line, for "not SSE at all"
        self._samples: list[Any] = []
        self._starts: list[int] = []  # JSON offset where each run of pieces starts
        self._origins: list[tuple[int, int]] = []  # its (event, line)
        self._offset = 0  # characters of JSON text handed out

    def feed(self, data: bytes) -> list[str]:
        # Line by line: if an event's data is not JSON, SSEText raises and the
        # text of the good events in the same call would be lost.
        out: list[str] = []
        for line in data.splitlines(keepends=True):
            self._track(line)
            try:
                pieces = self._sse.feed(line)
            except json.JSONDecodeError as exc:
                event, first = self._current
                other = self.diagnose()
                if other is not None:  # e.g. OpenAI's "data: [DONE]" with --sse anthropic
                    raise SSEError(f"{first}: event {event}: {other}", out) from None
                raise SSEError(
                    f"{first}: event {event}: its data is not JSON"
                    f" ({exc.msg}, column {exc.colno}); with --sse {self._provider},"
                    f" {EXPECTED[self._provider]}",
                    out,
                ) from None
            except (ValueError, TypeError) as exc:
                # The provider's reader rejects an event it does not know
                # (jsondrip.sources is never silent about one).
                event, first = self._current
                other = self.diagnose()
                detail = other if other is not None else str(exc)
                raise SSEError(f"{first}: event {event}: {detail}", out) from None
            out.extend(self._select(pieces))
        return out

    def close(self) -> list[str]:
        pieces = self._select(self._sse.close())
        decoder = getattr(self._sse, "decoder", None)
        if getattr(decoder, "discarded", False) and not self._not_sse():
            report.error("jsondrip: the stream ended inside an event, which was dropped")
        return pieces

    def cut(self) -> Optional[str]:
        truncated: dict[Any, str] = getattr(self._sse, "truncated", {})
        return truncated.get(self._slot) if self._slot is not None else None

    def diagnose(self) -> Optional[str]:
        if self._slot is not None:
            return None
        flag = f"--sse {self._provider}"
        if self._count == 0:
            if self._not_sse():
                start = self._first_line[:40].decode("utf-8", "replace").rstrip()
                return (
                    f"the input is not a server-sent-events stream (line 1: {start!r});"
                    f" {flag} expects 'data: ...' lines: {EXPECTED[self._provider]}."
                    " Without --sse, jsondrip parse reads the JSON itself"
                )
            return f"no event in the input; with {flag}, {EXPECTED[self._provider]}"
        for payload in self._samples:
            found = sniff(payload)
            if found is not None and found[0] != self._provider:
                return (
                    f"the events look like {found[0]}'s ({found[1]} in the first ones),"
                    f" not {self._provider}'s: try --sse {found[0]}"
                )
        return None

    def where(self, offset: int) -> Optional[tuple[int, int]]:
        if not self._starts:
            return None
        return self._origins[max(0, bisect.bisect_right(self._starts, offset) - 1)]

    def _not_sse(self) -> bool:
        """True if the input's first line is no SSE field (``data:``, ``: comment``...)."""
        return bool(self._first_line) and not _FIELD.match(self._first_line)

    def _track(self, line: bytes) -> None:
        """Count lines and events; keep the first payloads and the first line."""
        if self._cr and line.startswith(b"\n"):
            # The "\n" of a "\r\n" split across reads: same line end.
            self._cr = False
            for _ in self._events.feed(line):
                pass
            return
        number = self._line
        body = line.rstrip(b"\r\n")
        if body != line:
            self._line += 1
        self._cr = line.endswith(b"\r")
        if body:
            if self._event_line is None:
                self._event_line = number
            if not self._first_line:
                self._first_line = body
        for event in self._events.feed(line):
            self._count += 1
            self._current = (self._count, self._event_line or number)
            if len(self._samples) < self.SAMPLES:
                with contextlib.suppress(ValueError):  # [DONE], or raw text
                    self._samples.append(json.loads(event.data))
        if not body and body != line:
            self._event_line = None

    def _select(self, pieces: list[tuple[Any, str]]) -> list[str]:
        out = []
        for slot, text in pieces:
            if self._slot is None and self._wanted(slot):
                self._slot = slot
            if slot == self._slot:
                out.append(text)
                if self._current != (self._origins[-1] if self._origins else None):
                    self._starts.append(self._offset)
                    self._origins.append(self._current)
                self._offset += len(text)
            elif slot not in self._ignored:
                self._ignored.add(slot)
                if self._slot is not None:
                    report.error(
                        f"jsondrip: showing {describe(self._slot)}, ignoring {describe(slot)}"
                    )
        return out

    def _wanted(self, slot: Any) -> bool:
        kind = getattr(slot, "kind", None)
        return kind == self._kind if self._kind else kind != "refusal"
