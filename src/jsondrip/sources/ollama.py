"""Ollama: the native ``/api/chat`` (and ``/api/generate``) stream, sync and async.

Works with the ``ollama`` package's ``Client().chat(..., stream=True)`` and
``AsyncClient().chat(..., stream=True)`` (``ChatResponse`` objects), and with
the raw stream as dicts or bytes: JSON Lines (one object per line), not SSE,
so raw bytes use ``provider="ollama"``. The package itself is never imported.
(Ollama's OpenAI-compatible ``/v1`` endpoint is read by the ``openai``
provider.)

Slots: ``Slot("content")`` for ``message.content`` (``response`` of
``/api/generate``); ``Slot("reasoning")`` for ``message.thinking`` with
``reasoning=True``; ``Slot("tool_call", 0, k, id, name)`` for the ``k``-th of
``message.tool_calls``. Ollama sends each tool call whole (``arguments`` is
an object), so its slot opens, gets ``json.dumps(arguments)`` and ends at once.

Truncation: ``done_reason`` ``"length"``; an ``error`` line (the ``ollama``
package raises it as ``ResponseError``); a stream that ends before the
``done: true`` line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from ._drive import AsyncUpdateStream, UpdateStream
from ._registry import register
from ._router import Router
from ._slots import EventProtocol, ParserFactory, Sink, Slot, describe, get, text_or_none

__all__ = ["OllamaEvents", "astream_chat", "stream_chat"]

#: ``done_reason`` values that cut the output short.
CUT_DONE_REASONS = frozenset(["length"])


class OllamaEvents(EventProtocol):
    """Reads ``/api/chat`` and ``/api/generate`` stream objects."""

    framing = "jsonl"

    def __init__(self) -> None:
        self._calls = 0

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one streamed object.

        Raises:
            TypeError: ``event`` is not an Ollama stream object.
        """
        error = get(event, "error")
        if isinstance(error, str):
            sink.finish_all(f"error: {error}")
            return
        message = get(event, "message")
        done = get(event, "done")
        if message is None and done is None and get(event, "response") is None:
            raise TypeError(
                f"not an Ollama stream object: {describe(event)}; expected a /api/chat "
                "ChatResponse (or /api/generate response) with 'message' and 'done'"
            )
        thinking = get(message, "thinking") if message is not None else get(event, "thinking")
        if isinstance(thinking, str):
            sink.text(Slot("reasoning"), thinking)
        content = get(message, "content") if message is not None else get(event, "response")
        if isinstance(content, str):
            sink.text(Slot("content"), content)
        for call in get(message, "tool_calls") or ():
            function = get(call, "function")
            slot = sink.open(
                Slot(
                    "tool_call",
                    0,
                    self._calls,
                    text_or_none(get(call, "id")),
                    text_or_none(get(function, "name")),
                )
            )
            self._calls += 1
            arguments = get(function, "arguments")
            if isinstance(arguments, str):  # some builds send the JSON text
                sink.text(slot, arguments)
            else:
                text = json.dumps(arguments if arguments is not None else {}, ensure_ascii=False)
                sink.text(slot, text)
            sink.finish(slot, None)
        if done:
            reason = get(event, "done_reason")
            sink.finish_all(f"done_reason={reason}" if reason in CUT_DONE_REASONS else None)

    def eof_reason(self) -> Optional[str]:
        """Why slots still open at the end were cut."""
        return "stream ended without done"


register("ollama", OllamaEvents)


def stream_chat(
    chat_stream: Iterable[Any],
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> UpdateStream:
    """Updates per slot from ``ollama.Client().chat(..., stream=True)``.

    Args:
        chat_stream: The package's generator, or any iterable of stream
            objects (``ChatResponse`` or dicts).
        content: True when the content is JSON (``format="json"`` or a
            schema); False when prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).
        reasoning: Keep ``message.thinking`` in a ``"reasoning"`` slot.
        model: A pydantic type for the content: typed partial values.
        tool_models: Tool name to pydantic type, for tool call arguments.

    Returns:
        An :class:`UpdateStream` (iterate; ``with`` or ``close()`` to stop
        early, which closes the generator and its HTTP response).
    """
    router = Router(
        OllamaEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return UpdateStream(chat_stream, router)


def astream_chat(
    chat_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_chat`, for ``ollama.AsyncClient().chat(...,
    stream=True)`` (awaited or not)."""
    router = Router(
        OllamaEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return AsyncUpdateStream(chat_stream, router)
