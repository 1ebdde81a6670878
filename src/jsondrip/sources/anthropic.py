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
Thinking blocks (``thinking_delta``) go to ``Slot("reasoning", 0, block)``
with ``reasoning=True`` and are skipped otherwise.

Truncation: ``message_delta`` with ``stop_reason`` ``"max_tokens"``,
``"model_context_window_exceeded"``, ``"refusal"`` or ``"pause_turn"`` (it
cuts only the last block: a block stopped before the next one started was
complete); an ``error`` event; a stream that ends before ``message_stop``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional

from ._drive import AsyncUpdateStream, UpdateStream
from ._registry import register
from ._router import Router
from ._slots import EventProtocol, ParserFactory, Sink, Slot, SlotKind, describe, get, text_or_none

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
    ``message_delta``, ``message_stop``, ``ping``, ``error``) and the
    ``MessageStream`` helper's extra events (skipped: they repeat the
    ``content_block_delta`` events)."""

    def __init__(self) -> None:
        self._blocks: dict[int, Slot] = {}  # tool blocks by index
        self._empty: dict[int, Any] = {}  # tool blocks with no input text yet: their input
        self._stopped: list[Slot] = []  # blocks stopped, ended once the next one starts
        self._done = False

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one stream event.

        Raises:
            TypeError: ``event`` is not a Messages stream event.
            ValueError: an unknown event or delta type.
        """
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
            elif delta_type == "thinking_delta":
                sink.text(Slot("reasoning", 0, index), get(delta, "thinking") or "")
            elif delta_type not in _SILENT_DELTAS:
                raise ValueError(
                    f"unknown Anthropic delta type {delta_type!r}: expected text_delta, "
                    "input_json_delta, thinking_delta, signature_delta or citations_delta"
                )
        elif kind == "content_block_start":
            self._start(_index(event), get(event, "content_block"), sink)
        elif kind == "content_block_stop":
            index = _index(event)
            slot = self._blocks.get(index)
            if slot is None:
                slot = Slot("content", 0, index)
                sink.settle(Slot("reasoning", 0, index))
            elif index in self._empty:
                # No input_json_delta: the input is the one content_block_start
                # carried, ``{}`` for a tool without parameters.
                initial = self._empty.pop(index)
                sink.text(slot, json.dumps(initial if initial is not None else {}))
            sink.settle(slot)
            # The block may still be the one a max_tokens cut falls in: it
            # ends normally once the next block starts.
            self._stopped.append(slot)
        elif kind == "message_delta":
            reason = get(get(event, "delta"), "stop_reason")
            if reason:
                self._done = True
                sink.finish_all(f"stop_reason={reason}" if reason in CUT_STOP_REASONS else None)
        elif kind == "message_stop":
            self._done = True
            sink.finish_all(None)
        elif kind == "error":
            self._done = True
            error = get(event, "error")
            sink.finish_all(f"error: {get(error, 'type') or 'error'}: {get(error, 'message')}")
        elif kind in _OTHER_EVENTS:
            pass
        elif isinstance(kind, str):
            raise ValueError(
                f"unknown Anthropic event type {kind!r}: expected a Messages stream event "
                "(message_start, content_block_start/delta/stop, message_delta, "
                "message_stop, ping, error)"
            )
        else:
            raise TypeError(
                f"not an Anthropic stream event: {describe(event)}; expected a Messages "
                "stream event"
            )

    def _start(self, index: int, block: Any, sink: Sink) -> None:
        for stopped in self._stopped:  # they ended before this block began: not cut
            sink.finish(stopped, None)
            sink.finish(Slot("reasoning", 0, stopped.index), None)
        self._stopped = []
        block_type = get(block, "type")
        tool = _TOOL_BLOCKS.get(block_type) if isinstance(block_type, str) else None
        if tool is not None:
            self._blocks[index] = sink.open(
                Slot(
                    tool,
                    0,
                    index,
                    text_or_none(get(block, "id")),
                    text_or_none(get(block, "name")),
                )
            )
            self._empty[index] = get(block, "input")
        elif block_type == "text":
            sink.text(Slot("content", 0, index), get(block, "text") or "")
        elif block_type == "thinking":
            sink.text(Slot("reasoning", 0, index), get(block, "thinking") or "")

    def eof_reason(self) -> Optional[str]:
        """Why slots still open at the end were cut."""
        return "stream ended without message_stop"


#: Delta types that carry no slot text (a thinking block's signature, citations).
_SILENT_DELTAS = frozenset(["signature_delta", "citations_delta"])

#: Events with nothing for a slot: lifecycle, and the ``MessageStream``
#: helper's twins of ``content_block_delta``.
_OTHER_EVENTS = frozenset(
    [
        "message_start",
        "ping",
        "text",
        "input_json",
        "citation",
        "thinking",
        "signature",
        "compaction",
    ]
)


def _index(event: Any) -> int:
    index = get(event, "index")
    return index if isinstance(index, int) else 0


register("anthropic", AnthropicEvents)


def stream_messages(
    message_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> UpdateStream:
    """Updates per slot from a Messages stream.

    Args:
        message_stream: ``client.messages.create(..., stream=True)``, or
            ``client.messages.stream(...)`` (the manager: it is entered on
            first iteration and exited on close; or the ``MessageStream`` from
            ``with ... as stream``), or any iterable of events.
        content: True when the text blocks are JSON; False when prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).
        reasoning: Keep thinking blocks as ``"reasoning"`` slots (dropped by
            default).
        model: A pydantic type for the text blocks: typed partial values.
        tool_models: Tool name to pydantic type, for ``tool_use`` inputs.

    Returns:
        An :class:`UpdateStream` (iterate; ``with`` or ``close()`` to stop
        early and release the connection; ``results`` at the end).
    """
    router = Router(
        AnthropicEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return UpdateStream(message_stream, router)


def astream_messages(
    message_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_messages`, for ``AsyncAnthropic``: the
    ``AsyncStream`` (or the un-awaited ``create(...)`` call), the
    ``messages.stream(...)`` async manager, or an ``AsyncMessageStream``."""
    router = Router(
        AnthropicEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return AsyncUpdateStream(message_stream, router)
