"""Google Gemini: ``generateContent`` stream responses, sync and async.

Works with ``google-genai``'s ``client.models.generate_content_stream(...)``
and ``client.aio.models.generate_content_stream(...)``, and with the REST
responses of ``:streamGenerateContent?alt=sse`` as dicts (camelCase keys). The
SDK itself is never imported.

Slots, per candidate: ``Slot("content", candidate)`` for the text parts (all
of a candidate's text, across chunks, is one document; ``thought`` parts are
skipped); ``Slot("tool_call", candidate, k, id, name)`` for its ``k``-th
``functionCall`` part. The Gemini API sends a function call whole, so its slot
opens, gets ``json.dumps(args)`` and ends in one event. (Vertex AI's streamed
``partialArgs`` are not read.)

Truncation: a ``finishReason`` other than ``STOP`` (``MAX_TOKENS``,
``SAFETY``, ``RECITATION``, ...); an ``error`` payload; a stream that ends
before a candidate has a ``finishReason``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Optional

from ._drive import AsyncUpdateStream, UpdateStream
from ._router import Router
from ._slots import EventProtocol, ParserFactory, Sink, Slot, enum_text, get

__all__ = ["GeminiEvents", "astream_generate", "stream_generate"]

# An intermediate hop of the SDK's automatic continuation, not an end.
_NOT_AN_END = frozenset(["CONTINUATION"])


class GeminiEvents(EventProtocol):
    """Reads ``GenerateContentResponse`` chunks (SDK objects or REST dicts)."""

    def __init__(self) -> None:
        self._calls: dict[int, int] = {}  # function calls seen per candidate

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one streamed response chunk."""
        error = get(event, "error")
        if error is not None and get(event, "candidates") is None:
            message = get(error, "message")
            status = get(error, "status", "code")
            sink.finish_all(f"error: {status}: {message}" if status else f"error: {message}")
            return
        for position, candidate in enumerate(get(event, "candidates") or ()):
            number = get(candidate, "index")
            if not isinstance(number, int):
                number = position
            parts = get(get(candidate, "content"), "parts") or ()
            for part in parts:
                if get(part, "thought"):
                    continue
                text = get(part, "text")
                if isinstance(text, str):
                    sink.text(Slot("content", number), text)
                call = get(part, "function_call", "functionCall")
                if call is not None:
                    self._call(number, call, sink)
            reason = enum_text(get(candidate, "finish_reason", "finishReason"))
            if reason and reason not in _NOT_AN_END:
                sink.finish_choice(number, None if reason == "STOP" else f"finish_reason={reason}")

    def _call(self, candidate: int, call: Any, sink: Sink) -> None:
        count = self._calls.get(candidate, 0)
        self._calls[candidate] = count + 1
        name = get(call, "name")
        call_id = get(call, "id")
        slot = sink.open(
            Slot(
                "tool_call",
                candidate,
                count,
                call_id if isinstance(call_id, str) and call_id else None,
                name if isinstance(name, str) and name else None,
            )
        )
        args = get(call, "args")
        sink.text(slot, json.dumps(args if args is not None else {}, ensure_ascii=False))
        sink.finish(slot, None)

    def eof_reason(self) -> Optional[str]:
        """Why slots still open at the end were cut."""
        return "stream ended without finish_reason"


def stream_generate(
    response_stream: Iterable[Any],
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
) -> UpdateStream:
    """Updates per slot from ``client.models.generate_content_stream(...)``.

    Args:
        response_stream: The SDK's generator, or any iterable of response
            chunks (SDK objects or REST dicts).
        content: True when the text is JSON (``response_mime_type=
            "application/json"``); False when prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).

    Returns:
        An :class:`UpdateStream` (iterate; ``with`` or ``close()`` to stop
        early, which closes the SDK's generator; ``results`` at the end).
    """
    router = Router(GeminiEvents(), content=content, parser_factory=parser_factory)
    return UpdateStream(response_stream, router)


def astream_generate(
    response_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_generate`, for
    ``client.aio.models.generate_content_stream(...)`` (awaited or not)."""
    router = Router(GeminiEvents(), content=content, parser_factory=parser_factory)
    return AsyncUpdateStream(response_stream, router)
