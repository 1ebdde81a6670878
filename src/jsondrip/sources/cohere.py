"""Cohere: the v2 Chat API stream (``ClientV2().chat_stream(...)``), sync and async.

Works with the ``cohere`` SDK's ``ClientV2.chat_stream(...)`` and
``AsyncClientV2.chat_stream(...)`` generators (``V2ChatStreamResponse``
events), and with the raw SSE events as dicts (``provider="cohere"``). The
SDK is never imported.

Slots: ``Slot("content", 0, index)`` for ``content-delta``
``delta.message.content.text``; ``Slot("reasoning", 0, index)`` for its
``thinking`` (with ``reasoning=True``), and
``Slot("reasoning", 0, -1, None, "tool_plan")`` for ``tool-plan-delta``;
``Slot("tool_call", 0, index, id, name)`` for a tool call, opened by
``tool-call-start`` (the name first), its ``tool-call-delta`` argument
fragments going to one parser.

Truncation: ``message-end`` with ``delta.finish_reason`` ``MAX_TOKENS``,
``ERROR`` or ``TIMEOUT`` (only the content block still open is cut: one
ended before the next began was complete); a stream that ends before
``message-end``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from ._drive import AsyncUpdateStream, UpdateStream
from ._registry import register
from ._router import Router
from ._slots import EventProtocol, ParserFactory, Sink, Slot, describe, get, text_or_none

__all__ = ["CohereEvents", "astream_chat", "stream_chat"]

#: ``finish_reason`` values that cut the output short.
CUT_FINISH_REASONS = frozenset(["MAX_TOKENS", "ERROR", "TIMEOUT"])

_QUIET = frozenset(["message-start", "citation-start", "citation-end", "debug"])
TOOL_PLAN = Slot("reasoning", 0, -1, None, "tool_plan")


class CohereEvents(EventProtocol):
    """Reads v2 chat stream events (``message-start``, ``content-*``,
    ``tool-plan-delta``, ``tool-call-*``, ``citation-*``, ``message-end``)."""

    def __init__(self) -> None:
        self._tools: dict[int, Slot] = {}
        self._stopped: list[int] = []  # content blocks ended, not yet past

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one stream event.

        Raises:
            TypeError: ``event`` is not a v2 chat stream event.
            ValueError: an unknown event type.
        """
        kind = get(event, "type")
        index = get(event, "index")
        index = index if isinstance(index, int) else 0
        message = get(get(event, "delta"), "message")
        if kind == "content-delta":
            content = get(message, "content")
            text = get(content, "text")
            if isinstance(text, str):
                sink.text(Slot("content", 0, index), text)
            thinking = get(content, "thinking")
            if isinstance(thinking, str):
                sink.text(Slot("reasoning", 0, index), thinking)
        elif kind == "content-start":
            self._end_stopped(sink)
            content = get(message, "content")
            text = get(content, "text")
            if isinstance(text, str):
                sink.text(Slot("content", 0, index), text)
            thinking = get(content, "thinking")
            if isinstance(thinking, str):
                sink.text(Slot("reasoning", 0, index), thinking)
        elif kind == "content-end":
            sink.settle(Slot("content", 0, index))
            self._stopped.append(index)
        elif kind == "tool-call-delta":
            arguments = get(get(get(message, "tool_calls"), "function"), "arguments")
            slot = self._tools.get(index) or Slot("tool_call", 0, index)
            if isinstance(arguments, str):
                sink.text(slot, arguments)
        elif kind == "tool-call-start":
            self._end_stopped(sink)
            call = get(message, "tool_calls")
            function = get(call, "function")
            slot = self._tools[index] = sink.open(
                Slot(
                    "tool_call",
                    0,
                    index,
                    text_or_none(get(call, "id")),
                    text_or_none(get(function, "name")),
                )
            )
            arguments = get(function, "arguments")
            if isinstance(arguments, str):
                sink.text(slot, arguments)
        elif kind == "tool-call-end":
            ended = self._tools.get(index)
            if ended is not None:
                sink.settle(ended)
        elif kind == "tool-plan-delta":
            plan = get(message, "tool_plan")
            if isinstance(plan, str):
                sink.text(TOOL_PLAN, plan)
        elif kind == "message-end":
            reason = get(get(event, "delta"), "finish_reason")
            text = getattr(reason, "value", reason)
            sink.finish_all(f"finish_reason={text}" if text in CUT_FINISH_REASONS else None)
        elif kind in _QUIET:
            pass
        elif isinstance(kind, str):
            raise ValueError(
                f"unknown Cohere chat stream event {kind!r}: expected message-start, "
                "content-start/delta/end, tool-plan-delta, tool-call-start/delta/end, "
                "citation-start/end, debug or message-end"
            )
        else:
            raise TypeError(
                f"not a Cohere v2 chat stream event: {describe(event)}; expected a "
                "V2ChatStreamResponse (or its JSON)"
            )

    def _end_stopped(self, sink: Sink) -> None:
        """A new block began: the ones that ended before it were complete."""
        for stopped in self._stopped:
            sink.finish(Slot("content", 0, stopped), None)
            sink.finish(Slot("reasoning", 0, stopped), None)
        self._stopped = []
        sink.finish(TOOL_PLAN, None)

    def eof_reason(self) -> Optional[str]:
        """Why slots still open at the end were cut."""
        return "stream ended without message-end"


register("cohere", CohereEvents)


def stream_chat(
    chat_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> UpdateStream:
    """Updates per slot from ``ClientV2().chat_stream(...)``.

    Args:
        chat_stream: The SDK's generator, or any iterable of events.
        content: True when the text is JSON (``response_format``); False
            when prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).
        reasoning: Keep thinking and the tool plan in ``"reasoning"`` slots.
        model: A pydantic type for the text: typed partial values.
        tool_models: Tool name to pydantic type, for tool call arguments.

    Returns:
        An :class:`UpdateStream` (iterate; ``with`` or ``close()`` to stop
        early, which closes the generator and its HTTP response).
    """
    router = Router(
        CohereEvents(),
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
    """Async twin of :func:`stream_chat`, for ``AsyncClientV2().chat_stream(...)``."""
    router = Router(
        CohereEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return AsyncUpdateStream(chat_stream, router)
