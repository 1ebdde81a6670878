"""OpenAI: Chat Completions chunks and Responses API events, sync and async.

Works with the ``openai`` SDK's stream objects (``client.chat.completions.create(
..., stream=True)``, ``client.responses.create(..., stream=True)``) and with any
OpenAI-compatible server's events as dicts; the SDK itself is never imported.

Slots:

* Chat Completions: ``Slot("content", choice)`` for ``choices[i].delta.content``;
  ``Slot("tool_call", choice, j, id, name)`` for ``delta.tool_calls[j]`` (keyed
  by its ``index``; the id and name arrive first, then the ``arguments``
  fragments); the legacy ``delta.function_call`` is ``Slot("tool_call",
  choice, 0)``; ``delta.refusal`` is a prose ``Slot("refusal", choice)``.
* Responses: ``Slot("content", output_index, content_index, item_id)`` for
  ``response.output_text.delta``; ``Slot("tool_call", output_index, 0,
  call_id, name)`` for ``response.function_call_arguments.delta`` (opened by
  ``response.output_item.added``); ``Slot("refusal", output_index,
  content_index)`` for ``response.refusal.delta``.

Truncation: ``finish_reason`` ``"length"`` or ``"content_filter"``; a
``response.incomplete`` event (``incomplete_details.reason``), a
``response.failed`` or ``error`` event; a stream that ends before every choice
has a ``finish_reason`` (or before ``response.completed``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

from ._drive import AsyncUpdateStream, UpdateStream
from ._router import Router
from ._slots import EventProtocol, ParserFactory, Sink, Slot, get

__all__ = [
    "OpenAIEvents",
    "astream_chat",
    "astream_responses",
    "stream_chat",
    "stream_responses",
]

#: Chat Completions finish reasons that cut the output short.
CUT_FINISH_REASONS = frozenset(["length", "content_filter"])


class OpenAIEvents(EventProtocol):
    """Reads Chat Completions chunks and Responses API events (told apart by
    their shape: a chunk has ``choices``, a Responses event a ``type``)."""

    def __init__(self) -> None:
        self._tool: dict[int, Slot] = {}  # chat: the latest tool call per choice
        self._choices: set[int] = set()  # chat: choices seen
        self._finished: set[int] = set()  # chat: choices with a finish_reason
        self._responses = False  # Responses events seen
        self._terminal = False  # [DONE], response.completed/incomplete/failed, error
        self._items: dict[int, Slot] = {}  # responses: function call slot per output

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one chunk or Responses event."""
        choices = get(event, "choices")
        if choices is not None:
            self._chunk(choices, sink)
            return
        kind = get(event, "type")
        if isinstance(kind, str):
            self._response_event(kind, event, sink)
            return
        error = get(event, "error")
        if error is not None:  # an OpenAI-compatible server's error payload
            self._terminal = True
            sink.finish_all(f"error: {_error_text(error)}")

    def marker(self, data: str, sink: Sink) -> bool:
        """``[DONE]`` ends a raw Chat Completions stream."""
        if data.strip() == "[DONE]":
            self._terminal = True
            return True
        return False

    def eof_reason(self) -> Optional[str]:
        """Why slots still open at the end were cut."""
        if self._responses:
            return "stream ended without response.completed"
        return "stream ended without finish_reason"

    # -- Chat Completions --------------------------------------------------------

    def _chunk(self, choices: Any, sink: Sink) -> None:
        for position, choice in enumerate(choices):
            number = get(choice, "index")
            if not isinstance(number, int):
                number = position
            self._choices.add(number)
            delta = get(choice, "delta")
            if delta is not None:
                self._delta(number, delta, sink)
            reason = get(choice, "finish_reason")
            if reason:
                self._finished.add(number)
                self._tool.pop(number, None)
                sink.finish_choice(
                    number, f"finish_reason={reason}" if reason in CUT_FINISH_REASONS else None
                )

    def _delta(self, choice: int, delta: Any, sink: Sink) -> None:
        content = get(delta, "content")
        if content:
            sink.text(Slot("content", choice), content)
        refusal = get(delta, "refusal")
        if refusal:
            sink.text(Slot("refusal", choice), refusal)
        calls = get(delta, "tool_calls")
        if calls:
            for position, call in enumerate(calls):
                index = get(call, "index")
                self._tool_delta(
                    choice,
                    index if isinstance(index, int) else position,
                    get(call, "id"),
                    get(call, "function"),
                    sink,
                )
        function_call = get(delta, "function_call")
        if function_call is not None:
            self._tool_delta(choice, 0, None, function_call, sink)

    def _tool_delta(self, choice: int, index: int, call_id: Any, function: Any, sink: Sink) -> None:
        slot = Slot("tool_call", choice, index)
        current = self._tool.get(choice)
        if current != slot:
            if current is not None:
                sink.settle(current)  # the model moved on to the next call
            slot = sink.open(
                Slot("tool_call", choice, index, _text_or_none(call_id), _name(function))
            )
            self._tool[choice] = slot
        arguments = get(function, "arguments")
        if isinstance(arguments, str):
            sink.text(slot, arguments)

    # -- Responses ---------------------------------------------------------------

    def _response_event(self, kind: str, event: Any, sink: Sink) -> None:
        if kind.startswith("response."):
            self._responses = True
        if kind == "response.output_text.delta":
            sink.text(_text_slot("content", event), get(event, "delta") or "")
        elif kind == "response.function_call_arguments.delta":
            sink.text(self._call_slot(event, sink), get(event, "delta") or "")
        elif kind == "response.output_item.added":
            item = get(event, "item")
            if get(item, "type") == "function_call":
                output = _output_index(event)
                self._items[output] = sink.open(
                    Slot(
                        "tool_call",
                        output,
                        0,
                        _text_or_none(get(item, "call_id", "id")),
                        _name(item),
                    )
                )
        elif kind == "response.refusal.delta":
            sink.text(_text_slot("refusal", event), get(event, "delta") or "")
        elif kind == "response.output_text.done":
            sink.settle(_text_slot("content", event))
        elif kind == "response.function_call_arguments.done":
            sink.settle(self._call_slot(event, sink))
        elif kind == "response.output_item.done":
            status = get(get(event, "item"), "status")
            if status != "incomplete":  # an incomplete item waits for the reason
                sink.finish_choice(_output_index(event), None)
        elif kind == "response.completed":
            self._terminal = True
            sink.finish_all(None)
        elif kind == "response.incomplete":
            self._terminal = True
            details = get(get(event, "response"), "incomplete_details")
            reason = get(details, "reason")
            sink.finish_all(f"incomplete_details.reason={reason}" if reason else "incomplete")
        elif kind == "response.failed":
            self._terminal = True
            error = get(get(event, "response"), "error")
            sink.finish_all(f"response.failed: {_error_text(error)}")
        elif kind == "error":
            self._terminal = True
            sink.finish_all(f"error: {_error_text(event)}")

    def _call_slot(self, event: Any, sink: Sink) -> Slot:
        output = _output_index(event)
        slot = self._items.get(output)
        if slot is None:  # output_item.added was not seen
            slot = self._items[output] = sink.open(Slot("tool_call", output, 0))
        return slot


def _output_index(event: Any) -> int:
    index = get(event, "output_index")
    return index if isinstance(index, int) else 0


def _text_slot(kind: Any, event: Any) -> Slot:
    part = get(event, "content_index")
    return Slot(
        kind,
        _output_index(event),
        part if isinstance(part, int) else 0,
        _text_or_none(get(event, "item_id")),
    )


def _name(function: Any) -> Optional[str]:
    return _text_or_none(get(function, "name"))


def _text_or_none(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def _error_text(error: Any) -> str:
    code = get(error, "code", "type")
    message = get(error, "message")
    if code and message:
        return f"{code}: {message}"
    return str(code or message or "unknown error")


def stream_chat(
    completion_stream: Iterable[Any],
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
) -> UpdateStream:
    """Updates per slot from a Chat Completions stream.

    Args:
        completion_stream: What ``client.chat.completions.create(...,
            stream=True)`` returns, or any iterable of chunks (SDK objects or
            dicts).
        content: True when ``delta.content`` is JSON (structured output /
            JSON mode); False when it is prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).

    Returns:
        An :class:`UpdateStream`: iterate it for :class:`Update` objects; use
        it as a context manager (or call ``close()``) to stop early and release
        the HTTP connection; read ``results`` at the end.
    """
    router = Router(OpenAIEvents(), content=content, parser_factory=parser_factory)
    return UpdateStream(completion_stream, router)


def astream_chat(
    completion_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_chat`, for ``AsyncOpenAI``.

    ``completion_stream`` is the ``AsyncStream`` (or the un-awaited
    ``create(...)`` call: it is awaited on first iteration), or any async
    iterable of chunks.
    """
    router = Router(OpenAIEvents(), content=content, parser_factory=parser_factory)
    return AsyncUpdateStream(completion_stream, router)


def stream_responses(
    event_stream: Iterable[Any],
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
) -> UpdateStream:
    """Updates per slot from a Responses API stream
    (``client.responses.create(..., stream=True)``); see :func:`stream_chat`."""
    router = Router(OpenAIEvents(), content=content, parser_factory=parser_factory)
    return UpdateStream(event_stream, router)


def astream_responses(
    event_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_responses`."""
    router = Router(OpenAIEvents(), content=content, parser_factory=parser_factory)
    return AsyncUpdateStream(event_stream, router)
