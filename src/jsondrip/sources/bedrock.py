"""AWS Bedrock: the Converse API stream (``converse_stream``).

Works with boto3's ``client("bedrock-runtime").converse_stream(...)``: pass
the response (the dict; its ``"stream"`` is used) or its ``EventStream``.
botocore decodes the AWS event-stream binary framing and yields one dict per
event, ``{"contentBlockDelta": {...}}``; those dicts (or any iterable of
them) are what this module reads. Raw bytes of the binary framing are read
too (``stream(response, provider="bedrock")``). boto3 is never imported.

Slots, keyed by ``contentBlockIndex``: ``Slot("content", 0, block)`` for
``delta.text``; ``Slot("tool_call", 0, block, toolUseId, name)`` for a
``toolUse`` block (opened by ``contentBlockStart``, so the name comes first;
its ``delta.toolUse.input`` fragments go to one parser);
``Slot("reasoning", 0, block)`` for ``delta.reasoningContent.text`` with
``reasoning=True``.

Truncation: ``messageStop.stopReason`` ``max_tokens``,
``model_context_window_exceeded``, ``guardrail_intervened``,
``content_filtered``, ``malformed_model_output`` or ``malformed_tool_use``
(only the block still open is cut: one stopped before the next began was
complete); an exception event (botocore raises it as ``EventStreamError``); a
stream that ends before ``messageStop``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from ._drive import AsyncUpdateStream, UpdateStream
from ._registry import register
from ._router import Router
from ._slots import EventProtocol, ParserFactory, Sink, Slot, describe, get, text_or_none

__all__ = ["BedrockEvents", "astream_converse", "stream_converse"]

#: ``stopReason`` values that cut the output short.
CUT_STOP_REASONS = frozenset(
    [
        "max_tokens",
        "model_context_window_exceeded",
        "guardrail_intervened",
        "content_filtered",
        "malformed_model_output",
        "malformed_tool_use",
    ]
)

_QUIET = frozenset(["messageStart", "metadata"])


class BedrockEvents(EventProtocol):
    """Reads Converse stream events (``{"eventType": payload}`` dicts); raw
    bytes are AWS event-stream messages."""

    framing = "aws-eventstream"

    def __init__(self) -> None:
        self._tools: dict[int, Slot] = {}
        self._stopped: list[Slot] = []

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one stream event.

        Raises:
            TypeError: ``event`` is not a Converse stream event.
            ValueError: an unknown event or delta type.
        """
        if not isinstance(event, Mapping):
            raise TypeError(
                f"not a Bedrock Converse stream event: {describe(event)}; expected a dict "
                "such as {'contentBlockDelta': {...}} from converse_stream()['stream']"
            )
        for kind, payload in event.items():
            self._one(kind, payload, sink)

    def _one(self, kind: Any, payload: Any, sink: Sink) -> None:
        if kind == "contentBlockDelta":
            index = _index(payload)
            delta = get(payload, "delta")
            text = get(delta, "text")
            if isinstance(text, str):
                sink.text(Slot("content", 0, index), text)
            tool = get(delta, "toolUse")
            if tool is not None:
                slot = self._tools.get(index) or Slot("tool_call", 0, index)
                sink.text(slot, get(tool, "input") or "")
            reasoning = get(get(delta, "reasoningContent"), "text")
            if isinstance(reasoning, str):
                sink.text(Slot("reasoning", 0, index), reasoning)
        elif kind == "contentBlockStart":
            index = _index(payload)
            for stopped in self._stopped:  # ended before this block began: not cut
                sink.finish(stopped, None)
                sink.finish(Slot("reasoning", 0, stopped.index), None)
            self._stopped = []
            tool = get(get(payload, "start"), "toolUse")
            if tool is not None:
                self._tools[index] = sink.open(
                    Slot(
                        "tool_call",
                        0,
                        index,
                        text_or_none(get(tool, "toolUseId")),
                        text_or_none(get(tool, "name")),
                    )
                )
        elif kind == "contentBlockStop":
            index = _index(payload)
            slot = self._tools.get(index) or Slot("content", 0, index)
            sink.settle(slot)
            for other in (Slot("content", 0, index), slot):
                if other not in self._stopped:
                    self._stopped.append(other)
        elif kind == "messageStop":
            reason = get(payload, "stopReason")
            cut = f"stopReason={reason}" if reason in CUT_STOP_REASONS else None
            sink.finish_all(cut)
        elif isinstance(kind, str) and kind.endswith("Exception"):
            message = get(payload, "message", "Message")
            sink.finish_all(f"error: {kind}: {message}")
        elif kind not in _QUIET:
            raise ValueError(
                f"unknown Bedrock Converse event {kind!r}: expected messageStart, "
                "contentBlockStart/Delta/Stop, messageStop, metadata or an exception"
            )

    def eof_reason(self) -> Optional[str]:
        """Why slots still open at the end were cut."""
        return "stream ended without messageStop"


def _index(payload: Any) -> int:
    index = get(payload, "contentBlockIndex")
    return index if isinstance(index, int) else 0


def _events(response: Any) -> Any:
    """The event stream of a ``converse_stream`` response (or the stream itself)."""
    if isinstance(response, Mapping) and "stream" in response:
        return response["stream"]
    return response


register("bedrock", BedrockEvents)


def stream_converse(
    response: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> UpdateStream:
    """Updates per slot from ``converse_stream(...)``.

    Args:
        response: What boto3's ``converse_stream(...)`` returns (or its
            ``["stream"]``, or any iterable of event dicts).
        content: True when the text is JSON; False when prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).
        reasoning: Keep ``reasoningContent`` text in ``"reasoning"`` slots.
        model: A pydantic type for the text: typed partial values.
        tool_models: Tool name to pydantic type, for ``toolUse`` inputs.

    Returns:
        An :class:`UpdateStream` (iterate; ``with`` or ``close()`` to stop
        early, which closes the ``EventStream`` and its connection).
    """
    router = Router(
        BedrockEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return UpdateStream(_events(response), router)


def astream_converse(
    response: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_converse`, for aiobotocore's response (its
    ``["stream"]`` is an async iterable), or any (async) iterable of events.

    boto3 itself has no async client: given boto3's (sync) ``EventStream``,
    each event is read synchronously, blocking the event loop while it
    waits; use aiobotocore for a real async stream."""
    router = Router(
        BedrockEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return AsyncUpdateStream(_events(response), router)
