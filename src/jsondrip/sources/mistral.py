"""Mistral: the ``mistralai`` SDK's chat stream, sync and async.

Works with ``Mistral(...).chat.stream(...)`` (an ``EventStream`` of
``CompletionEvent``) and ``await ...chat.stream_async(...)``
(``EventStreamAsync``): each event's ``data`` is an OpenAI-shaped chunk, read
as :mod:`jsondrip.sources.openai` reads Chat Completions (slots, tool calls
keyed by ``index`` or, without one, by ``id``). ``delta.content`` may be a
list of typed parts (Magistral): ``text`` parts are the content, ``thinking``
parts go to ``Slot("reasoning", choice)`` with ``reasoning=True``. Raw SSE
bytes from ``/v1/chat/completions`` carry the chunks themselves
(``provider="mistral"``). The SDK is never imported.

Truncation: ``finish_reason`` ``length``, ``model_length`` or ``error``; a
stream that ends before every choice has a ``finish_reason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from ._drive import AsyncUpdateStream, UpdateStream
from ._registry import register
from ._router import Router
from ._slots import ParserFactory, Sink, get
from .openai import OpenAIEvents

__all__ = ["MistralEvents", "astream_chat", "stream_chat"]


class MistralEvents(OpenAIEvents):
    """Reads ``CompletionEvent`` objects (their ``data`` chunk) and plain
    chunks, as :class:`~jsondrip.sources.openai.OpenAIEvents` does."""

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one event or chunk."""
        data = get(event, "data")
        if data is not None and get(event, "choices") is None and not isinstance(data, str):
            event = data
        super().event(event, sink)


register("mistral", MistralEvents)


def stream_chat(
    chat_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> UpdateStream:
    """Updates per slot from ``Mistral(...).chat.stream(...)``.

    Args:
        chat_stream: The SDK's ``EventStream``, or any iterable of events or
            chunks.
        content: True when the content is JSON (``response_format``); False
            when prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).
        reasoning: Keep thinking parts in ``"reasoning"`` slots.
        model: A pydantic type for the content: typed partial values.
        tool_models: Tool name to pydantic type, for tool call arguments.

    Returns:
        An :class:`UpdateStream` (iterate; ``with`` or ``close()`` to stop
        early, which closes the SDK stream and its HTTP response).
    """
    router = Router(
        MistralEvents(),
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
    """Async twin of :func:`stream_chat`, for ``chat.stream_async(...)``
    (awaited or not)."""
    router = Router(
        MistralEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return AsyncUpdateStream(chat_stream, router)
