"""OpenAI: Chat Completions chunks and Responses API events, sync and async.

Works with the ``openai`` SDK's stream objects (``client.chat.completions.create(
..., stream=True)``, ``client.responses.create(..., stream=True)``) and with any
OpenAI-compatible server's events as dicts; the SDK itself is never imported.

Slots:

* Chat Completions: ``Slot("content", choice)`` for ``choices[i].delta.content``;
  ``Slot("tool_call", choice, j, id, name)`` for ``delta.tool_calls[j]`` (keyed
  by its ``index``; the id and name arrive first, then the ``arguments``
  fragments; a server that omits ``index``, or reuses one, gets a new slot
  for each new ``id``); the legacy ``delta.function_call`` is
  ``Slot("tool_call", choice, 0)``; ``delta.refusal`` is a prose
  ``Slot("refusal", choice)``; ``reasoning_content`` / ``reasoning`` and
  Mistral's ``thinking`` content parts go to ``Slot("reasoning", choice)``
  with ``reasoning=True``.
* The SDK's ``.stream()`` helpers (chat and Responses, sync and async): the
  chat helper's ``chunk`` events are read, its other events skipped.
* Responses: ``Slot("content", output_index, content_index, item_id)`` for
  ``response.output_text.delta``; ``Slot("tool_call", output_index, 0,
  call_id, name)`` for ``response.function_call_arguments.delta`` (opened by
  ``response.output_item.added``); ``Slot("refusal", output_index,
  content_index)`` for ``response.refusal.delta``; MCP call arguments
  (``response.mcp_call_arguments.delta``) in a JSON ``Slot("server_tool_call",
  output_index)``; custom tool input, code interpreter code, shell commands
  and apply_patch diffs in prose ``Slot("tool_input", output_index, k, id,
  name)``; reasoning text in ``Slot("reasoning", ...)``. A ``.done`` event's
  whole text is used when no delta came, and checked against the deltas when
  they did (a mismatch fails the slot with ``ValueError``).

Truncation: ``finish_reason`` ``"length"`` or ``"content_filter"``; a
``response.incomplete`` event (``incomplete_details.reason``), a
``response.failed`` or ``error`` event; a stream that ends before every choice
has a ``finish_reason`` (or before ``response.completed``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from ._drive import AsyncUpdateStream, UpdateStream
from ._registry import register
from ._router import Router
from ._slots import EventProtocol, ParserFactory, Sink, Slot, describe, get, text_or_none

__all__ = [
    "OpenAIEvents",
    "astream_chat",
    "astream_responses",
    "stream_chat",
    "stream_responses",
]

#: Chat Completions finish reasons that cut the output short (``model_length``
#: and ``error`` are Mistral's).
CUT_FINISH_REASONS = frozenset(["length", "content_filter", "model_length", "error"])


class OpenAIEvents(EventProtocol):
    """Reads Chat Completions chunks and Responses API events (told apart by
    their shape: a chunk has ``choices``, a Responses event a ``type``), and
    the events of the SDK's ``.stream()`` helpers (their ``chunk`` events are
    read; the other helper events repeat what the chunks or events say)."""

    def __init__(self) -> None:
        self._tool: dict[int, Slot] = {}  # chat: the latest tool call per choice
        self._wire: dict[int, dict[int, int]] = {}  # chat: tool call index -> slot index
        self._used: dict[int, set[int]] = {}  # chat: slot indices taken per choice
        self._ids: dict[tuple[int, int], str] = {}  # chat: (choice, slot index) -> call id
        self._choices: set[int] = set()  # chat: choices seen
        self._finished: set[int] = set()  # chat: choices with a finish_reason
        self._responses = False  # Responses events seen
        self._terminal = False  # [DONE], response.completed/incomplete/failed, error
        self._items: dict[int, Slot] = {}  # responses: the tool slot per output item
        self._texts: dict[Slot, list[str]] = {}  # responses: what the deltas said

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one chunk or Responses event.

        Raises:
            TypeError: ``event`` is neither a chunk nor an event.
            ValueError: an event type this protocol does not know (another
                provider's event, an unknown event that carries a ``delta``).
        """
        choices = get(event, "choices")
        if choices is not None:
            self._chunk(choices, sink)
            return
        kind = get(event, "type")
        if isinstance(kind, str):
            if kind.startswith("response."):
                self._response_event(kind, event, sink)
            elif kind == "chunk" and get(event, "chunk") is not None:
                self.event(get(event, "chunk"), sink)  # the .stream() helper's raw chunk
            elif kind in _HELPER_EVENTS:
                pass  # the chat .stream() helper repeats what its chunk events say
            elif kind == "error":
                self._terminal = True
                sink.finish_all(f"error: {_error_text(get(event, 'error') or event)}")
            else:
                raise ValueError(
                    f"unknown OpenAI event type {kind!r}: expected a Chat Completions chunk "
                    "(with 'choices'), a Responses event ('response.*') or an event of the "
                    "SDK's chat .stream() helper"
                )
            return
        error = get(event, "error")
        if error is not None:  # an OpenAI-compatible server's error payload
            self._terminal = True
            sink.finish_all(f"error: {_error_text(error)}")
            return
        if get(event, "object") == "chat.completion.chunk":
            return  # a chunk without choices (e.g. only usage)
        raise TypeError(
            f"not an OpenAI stream event: {describe(event)}; expected a Chat Completions "
            "chunk or a Responses event"
        )

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
        for name in ("reasoning_content", "reasoning"):  # DeepSeek, vLLM / OpenRouter, Groq
            reasoning = get(delta, name)
            if isinstance(reasoning, str) and reasoning:
                sink.text(Slot("reasoning", choice), reasoning)
                break
        content = get(delta, "content")
        if isinstance(content, str):
            if content:
                sink.text(Slot("content", choice), content)
        elif content is not None:
            self._parts(choice, content, sink)
        refusal = get(delta, "refusal")
        if refusal:
            sink.text(Slot("refusal", choice), refusal)
        calls = get(delta, "tool_calls")
        if calls:
            for position, call in enumerate(calls):
                self._tool_delta(choice, position, call, get(call, "function"), sink)
        function_call = get(delta, "function_call")
        if function_call is not None:
            self._tool_delta(choice, 0, {"index": 0}, function_call, sink)

    def _parts(self, choice: int, parts: Any, sink: Sink) -> None:
        """Typed content parts (Mistral's Magistral): text to the content,
        thinking to the reasoning slot."""
        if not isinstance(parts, (list, tuple)):
            raise TypeError(
                f"delta.content is {type(parts).__name__}: expected a string or a list of "
                "content parts"
            )
        for part in parts:
            kind = get(part, "type")
            if kind == "text":
                text = get(part, "text")
                if isinstance(text, str) and text:
                    sink.text(Slot("content", choice), text)
            elif kind == "thinking":
                sink.text(Slot("reasoning", choice), _joined_text(get(part, "thinking")))
            elif kind not in _SILENT_PARTS:
                raise ValueError(
                    f"unknown content part type {kind!r} in delta.content: expected 'text' "
                    "or 'thinking'"
                )

    def _tool_delta(self, choice: int, position: int, call: Any, function: Any, sink: Sink) -> None:
        wire = get(call, "index")
        call_id = text_or_none(get(call, "id"))
        current = self._tool.get(choice)
        mapped = self._wire.setdefault(choice, {})
        index: Optional[int]
        if isinstance(wire, int):
            index = mapped.get(wire)
        else:
            # No index (older Ollama, vLLM): a fragment without an id continues
            # the current call; several calls in one chunk are several calls.
            index = current.index if current is not None and position == 0 else None
        if index is not None and call_id is not None:
            known = self._ids.get((choice, index))
            if known is not None and known != call_id:
                index = None  # a new id at the same index (Mistral-like): a new call
        if index is None:
            used = self._used.setdefault(choice, set())
            index = wire if isinstance(wire, int) and wire not in used else len(used)
            while index in used:
                index += 1
            used.add(index)
            if isinstance(wire, int):
                mapped[wire] = index
        if call_id is not None:
            self._ids.setdefault((choice, index), call_id)
        slot = Slot("tool_call", choice, index)
        if current != slot:
            if current is not None:
                sink.settle(current)  # the model moved on to the next call
            slot = sink.open(Slot("tool_call", choice, index, call_id, _name(function)))
            self._tool[choice] = slot
        arguments = get(function, "arguments")
        if isinstance(arguments, str):
            sink.text(slot, arguments)
        elif arguments is not None:  # some servers send the arguments as an object
            sink.text(slot, json.dumps(arguments, ensure_ascii=False))

    # -- Responses ---------------------------------------------------------------

    def _response_event(self, kind: str, event: Any, sink: Sink) -> None:
        self._responses = True
        route = _DELTAS.get(kind)
        if route is not None:
            slot = self._slot_for(route, event, sink)
            delta = get(event, "delta") or ""
            if route[2] and isinstance(delta, str):
                self._texts.setdefault(slot, []).append(delta)
            sink.text(slot, delta)
            return
        final = _DONES.get(kind)
        if final is not None:
            route, field = final
            slot = self._slot_for(route, event, sink)
            self._check_done(slot, get(event, field), kind, sink)
            sink.settle(slot)
            return
        if kind == "response.output_item.added":
            self._item_added(get(event, "item"), _output_index(event), sink)
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
        elif kind.endswith(".delta") and kind not in _IGNORED_DELTAS:
            raise ValueError(
                f"unknown Responses event {kind!r} carries text this version of jsondrip "
                "does not route; please report it"
            )
        # Other events (created, in_progress, content_part.*, *_call.searching,
        # ...) only report progress.

    def _item_added(self, item: Any, output: int, sink: Sink) -> None:
        kind = get(item, "type")
        call_id = text_or_none(get(item, "call_id", "id"))
        if kind == "function_call":
            self._items[output] = sink.open(Slot("tool_call", output, 0, call_id, _name(item)))
        elif kind == "mcp_call":
            self._items[output] = sink.open(
                Slot("server_tool_call", output, 0, text_or_none(get(item, "id")), _name(item))
            )
        elif kind == "custom_tool_call":
            self._items[output] = sink.open(Slot("tool_input", output, 0, call_id, _name(item)))
        elif isinstance(kind, str) and kind in _TOOL_INPUT_ITEMS:
            name = _TOOL_INPUT_ITEMS[kind]
            self._items[output] = Slot("tool_input", output, 0, call_id, name)

    def _slot_for(self, route: tuple[str, str, bool], event: Any, sink: Sink) -> Slot:
        kind, part, _ = route
        output = _output_index(event)
        if part == "item":  # a tool item: opened by output_item.added
            slot = self._items.get(output)
            if slot is None or slot.kind != kind:  # output_item.added was not seen
                slot = self._items[output] = sink.open(Slot(kind, output, 0))  # type: ignore[arg-type]
            return slot
        number = get(event, part)
        index = number if isinstance(number, int) else 0
        if kind == "tool_input":  # a shell call's commands, one slot each
            known = self._items.get(output)
            return Slot("tool_input", output, index, known.id if known else None, "shell")
        return Slot(kind, output, index, text_or_none(get(event, "item_id")))  # type: ignore[arg-type]

    def _check_done(self, slot: Slot, final: Any, kind: str, sink: Sink) -> None:
        """A ``.done`` event repeats the whole text: use it when no delta came,
        check it against the deltas when they did."""
        if not isinstance(final, str):
            return
        if isinstance(slot.kind, str) and slot.kind == "reasoning" and not sink.reasoning:
            return
        parts = self._texts.pop(slot, None)
        if parts is None:
            sink.text(slot, final)
            return
        sent = "".join(parts)
        if sent != final:
            sink.fail(
                slot,
                ValueError(
                    f"{kind} disagrees with the deltas before it: the deltas gave "
                    f"{len(sent)} characters, the final text has {len(final)} "
                    f"(first difference at {_first_difference(sent, final)})"
                ),
            )


#: Responses delta events: type -> (slot kind, where the slot's index is, keep
#: the text to check it against the .done event).
_DELTAS: dict[str, tuple[str, str, bool]] = {
    "response.output_text.delta": ("content", "content_index", True),
    "response.refusal.delta": ("refusal", "content_index", True),
    "response.function_call_arguments.delta": ("tool_call", "item", True),
    "response.mcp_call_arguments.delta": ("server_tool_call", "item", True),
    "response.custom_tool_call_input.delta": ("tool_input", "item", True),
    "response.code_interpreter_call_code.delta": ("tool_input", "item", True),
    "response.apply_patch_call_operation_diff.delta": ("tool_input", "item", True),
    "response.shell_call_command.delta": ("tool_input", "command_index", True),
    "response.reasoning_text.delta": ("reasoning", "content_index", False),
    "response.reasoning_summary_text.delta": ("reasoning", "summary_index", False),
}

#: Responses ``.done`` events: type -> (the delta's route, the field with the
#: whole text).
_DONES: dict[str, tuple[tuple[str, str, bool], str]] = {
    "response.output_text.done": (_DELTAS["response.output_text.delta"], "text"),
    "response.refusal.done": (_DELTAS["response.refusal.delta"], "refusal"),
    "response.function_call_arguments.done": (
        _DELTAS["response.function_call_arguments.delta"],
        "arguments",
    ),
    "response.mcp_call_arguments.done": (
        _DELTAS["response.mcp_call_arguments.delta"],
        "arguments",
    ),
    "response.custom_tool_call_input.done": (
        _DELTAS["response.custom_tool_call_input.delta"],
        "input",
    ),
    "response.code_interpreter_call_code.done": (
        _DELTAS["response.code_interpreter_call_code.delta"],
        "code",
    ),
    "response.apply_patch_call_operation_diff.done": (
        _DELTAS["response.apply_patch_call_operation_diff.delta"],
        "diff",
    ),
    "response.shell_call_command.done": (_DELTAS["response.shell_call_command.delta"], "command"),
}

#: Output items whose text input streams: item type -> ``Slot.name``.
_TOOL_INPUT_ITEMS = {
    "code_interpreter_call": "code_interpreter",
    "apply_patch_call": "apply_patch",
    "shell_call": "shell",
}

#: Delta events that carry no model text for a slot (audio, a shell's output).
_IGNORED_DELTAS = frozenset(
    [
        "response.audio.delta",
        "response.audio.transcript.delta",
        "response.shell_call_output_content.delta",
    ]
)

#: The chat ``.stream()`` helper's events besides ``chunk``.
_HELPER_EVENTS = frozenset(
    [
        "content.delta",
        "content.done",
        "refusal.delta",
        "refusal.done",
        "tool_calls.function.arguments.delta",
        "tool_calls.function.arguments.done",
        "logprobs.content.delta",
        "logprobs.content.done",
        "logprobs.refusal.delta",
        "logprobs.refusal.done",
    ]
)

#: Content part types that carry no text (Mistral's references, images).
_SILENT_PARTS = frozenset(["reference", "image_url", "input_audio", "document_url"])


def _joined_text(value: Any) -> str:
    """The text of a thinking part: a string, or a list of text parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "".join(
            text for text in (get(part, "text") for part in value) if isinstance(text, str)
        )
    return ""


def _first_difference(a: str, b: str) -> int:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def _output_index(event: Any) -> int:
    index = get(event, "output_index")
    return index if isinstance(index, int) else 0


def _name(function: Any) -> Optional[str]:
    return text_or_none(get(function, "name"))


def _error_text(error: Any) -> str:
    code = get(error, "code", "type")
    message = get(error, "message")
    if code and message:
        return f"{code}: {message}"
    return str(code or message or "unknown error")


register("openai", OpenAIEvents)


def stream_chat(
    completion_stream: Iterable[Any],
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> UpdateStream:
    """Updates per slot from a Chat Completions stream.

    Args:
        completion_stream: What ``client.chat.completions.create(...,
            stream=True)`` returns, the ``client.chat.completions.stream(...)``
            helper (the manager: entered on first iteration, exited on close;
            or the stream it yields), or any iterable of chunks (SDK objects
            or dicts).
        content: True when ``delta.content`` is JSON (structured output /
            JSON mode); False when it is prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).
        reasoning: Keep the reasoning text (``reasoning_content``, Mistral's
            thinking parts) in ``"reasoning"`` slots; dropped by default.
        model: A pydantic type for the content: typed partial values.
        tool_models: Tool name to pydantic type, for tool call arguments.

    Returns:
        An :class:`UpdateStream`: iterate it for :class:`Update` objects; use
        it as a context manager (or call ``close()``) to stop early and release
        the HTTP connection; read ``results`` at the end.
    """
    router = Router(
        OpenAIEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return UpdateStream(completion_stream, router)


def astream_chat(
    completion_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_chat`, for ``AsyncOpenAI``.

    ``completion_stream`` is the ``AsyncStream`` (or the un-awaited
    ``create(...)`` call: it is awaited on first iteration), the async
    ``.stream(...)`` helper, or any async iterable of chunks.
    """
    router = Router(
        OpenAIEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return AsyncUpdateStream(completion_stream, router)


def stream_responses(
    event_stream: Iterable[Any],
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> UpdateStream:
    """Updates per slot from a Responses API stream
    (``client.responses.create(..., stream=True)`` or the
    ``client.responses.stream(...)`` helper); see :func:`stream_chat`."""
    router = Router(
        OpenAIEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return UpdateStream(event_stream, router)


def astream_responses(
    event_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_responses`."""
    router = Router(
        OpenAIEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return AsyncUpdateStream(event_stream, router)
