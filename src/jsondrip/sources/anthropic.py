"""Anthropic: Messages stream events, sync and async.

Works with ``client.messages.create(..., stream=True)`` (raw events), with the
``client.messages.stream(...)`` helper (the manager itself, or the
``MessageStream`` it yields; its extra ``text``/``input_json`` events are
skipped, their ``content_block_delta`` twins are read), and with the events as
dicts from raw SSE. The SDK itself is never imported.

Slots, keyed by content block index: ``Slot("content", 0, block)`` for text
blocks (``text_delta``), ``Slot("tool_call", 0, block, id, name)`` for
``tool_use`` blocks (``input_json_delta.partial_json``; opened by
``content_block_start``, so the name comes first), ``Slot("server_tool_call",
0, block, id, name)`` for ``server_tool_use`` / ``mcp_tool_use`` blocks.
Thinking blocks are skipped.

Truncation: ``message_delta`` with ``stop_reason`` ``"max_tokens"``,
``"model_context_window_exceeded"``, ``"refusal"`` or ``"pause_turn"``; an
``error`` event; a stream that ends before ``message_stop``.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from ._drive import AsyncUpdateStream, UpdateStream
from ._router import Router
from ._slots import EventProtocol, ParserFactory, Sink, Slot, SlotKind, get

__all__ = ["AnthropicEvents", "astream_messages", "stream_messages"]

#: ``stop_reason`` values that cut the output short.
CUT_STOP_REASONS = frozenset(
    ["max_tokens", "model_context_window_exceeded", "refusal", "pause_turn"]
)

_TOOL_BLOCKS: dict[str, SlotKind] = {
    "tool_use": "tool_call",
    "server_tool_use": "server_tool_call",
    "mcp_tool_use": "server_tool_call",
}


class AnthropicEvents(EventProtocol):
    """Reads Messages stream events (``message_start``, ``content_block_*``,
    ``message_delta``, ``message_stop``, ``ping``, ``error``)."""

    def __init__(self) -> None:
        self._blocks: dict[int, Slot] = {}  # tool blocks by index
        self._empty: dict[int, Any] = {}  # tool blocks with no input text yet: their input
        self._stopped = False

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one stream event."""
        kind = get(event, "type")
        if kind == "content_block_delta":
            index = _index(event)
            delta = get(event, "delta")
            delta_type = get(delta, "type")
            if delta_type == "text_delta":
                sink.text(Slot("content", 0, index), get(delta, "text") or "")
            elif delta_type == "input_json_delta":
                partial = get(delta, "partial_json")
                slot = self._blocks.get(index)
                if partial and slot is not None:
                    self._empty.pop(index, None)
                    sink.text(slot, partial)
        elif kind == "content_block_start":
            index = _index(event)
            block = get(event, "content_block")
            block_type = get(block, "type")
            tool = _TOOL_BLOCKS.get(block_type) if isinstance(block_type, str) else None
            if tool is not None:
                self._blocks[index] = sink.open(
                    Slot(
                        tool,
                        0,
                        index,
                        _text_or_none(get(block, "id")),
                        _text_or_none(get(block, "name")),
                    )
                )
                self._empty[index] = get(block, "input")
            elif block_type == "text":
                sink.text(Slot("content", 0, index), get(block, "text") or "")
        elif kind == "content_block_stop":
            index = _index(event)
            slot = self._blocks.get(index)
            if slot is None:
                slot = Slot("content", 0, index)
            elif index in self._empty:
                # No input_json_delta: the input is the one content_block_start
                # carried, ``{}`` for a tool without parameters.
                initial = self._empty.pop(index)
                sink.text(slot, json.dumps(initial if initial is not None else {}))
            sink.settle(slot)
        elif kind == "message_delta":
            reason = get(get(event, "delta"), "stop_reason")
            if reason:
                self._stopped = True
                sink.finish_all(f"stop_reason={reason}" if reason in CUT_STOP_REASONS else None)
        elif kind == "message_stop":
            self._stopped = True
            sink.finish_all(None)
        elif kind == "error":
            self._stopped = True
            error = get(event, "error")
            sink.finish_all(f"error: {get(error, 'type') or 'error'}: {get(error, 'message')}")

    def eof_reason(self) -> Optional[str]:
        """Why slots still open at the end were cut."""
        return "stream ended without message_stop"


def _index(event: Any) -> int:
    index = get(event, "index")
    return index if isinstance(index, int) else 0


def _text_or_none(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def stream_messages(
    message_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
) -> UpdateStream:
    """Updates per slot from a Messages stream.

    Args:
        message_stream: ``client.messages.create(..., stream=True)``, or
            ``client.messages.stream(...)`` (the manager: it is entered on
            first iteration and exited on close; or the ``MessageStream`` from
            ``with ... as stream``), or any iterable of events.
        content: True when the text blocks are JSON; False when prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).

    Returns:
        An :class:`UpdateStream` (iterate; ``with`` or ``close()`` to stop
        early and release the connection; ``results`` at the end).
    """
    router = Router(AnthropicEvents(), content=content, parser_factory=parser_factory)
    return UpdateStream(message_stream, router)


def astream_messages(
    message_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_messages`, for ``AsyncAnthropic``: the
    ``AsyncStream`` (or the un-awaited ``create(...)`` call), the
    ``messages.stream(...)`` async manager, or an ``AsyncMessageStream``."""
    router = Router(AnthropicEvents(), content=content, parser_factory=parser_factory)
    return AsyncUpdateStream(message_stream, router)
