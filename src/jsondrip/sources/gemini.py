"""Google Gemini: ``generateContent`` stream responses, sync and async.

Works with ``google-genai``'s ``client.models.generate_content_stream(...)``
and ``client.aio.models.generate_content_stream(...)``, and with the REST
responses of ``:streamGenerateContent?alt=sse`` as dicts (camelCase keys). The
SDK itself is never imported.

Slots, per candidate: ``Slot("content", candidate)`` for the text parts (all
of a candidate's text, across chunks, is one document; ``thought`` parts go to
``Slot("reasoning", candidate)`` with ``reasoning=True``);
``Slot("tool_call", candidate, k, id, name)`` for its ``k``-th function call.
The Gemini API sends a function call whole, so its slot opens, gets
``json.dumps(args)`` and ends in one event. Vertex AI streams a call's
arguments (``streamFunctionCallArguments``): a ``functionCall`` part with
``willContinue: true``, then parts whose ``partialArgs`` hold ``(jsonPath,
value)`` fragments, until a part without ``willContinue``; those fragments are
written, in order, as the JSON text of one call, read by one parser.

Truncation: a ``finishReason`` other than ``STOP`` (``MAX_TOKENS``,
``SAFETY``, ``RECITATION``, ...); a blocked prompt (``promptFeedback.
blockReason``); an ``error`` payload; a stream that ends before a candidate
has a ``finishReason``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from ._drive import AsyncUpdateStream, UpdateStream
from ._registry import register
from ._router import Router
from ._slots import (
    EventProtocol,
    ParserFactory,
    Sink,
    Slot,
    describe,
    enum_text,
    get,
    text_or_none,
)

__all__ = ["GeminiEvents", "astream_generate", "stream_generate"]

# An intermediate hop of the SDK's automatic continuation, not an end.
_NOT_AN_END = frozenset(["CONTINUATION"])

#: What every streamed response chunk has one of (REST camelCase, SDK snake_case).
_RESPONSE_FIELDS = (
    "candidates",
    "usageMetadata",
    "usage_metadata",
    "promptFeedback",
    "prompt_feedback",
    "modelVersion",
    "model_version",
    "responseId",
    "response_id",
)

_PATH_STEP = re.compile(
    r"""\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]"""
)


class _ArgsWriter:
    """Writes a streamed call's ``partialArgs`` (JSON path, value fragment)
    as the JSON text of its arguments, in arrival order, so that one parser
    reads them as one document."""

    def __init__(self) -> None:
        self.path: list[Any] = []  # where the innermost open container is
        self.counts: list[int] = [0]  # members written per open container
        self.kinds: list[str] = ["{"]  # "{" or "[" per open container
        self.leaf: Optional[tuple[Any, ...]] = None  # the open string's path

    def value(self, json_path: str, arg: Any) -> str:
        steps = _parse_path(json_path)
        if not steps:
            raise ValueError(f"partialArgs jsonPath {json_path!r} names no argument")
        out: list[str] = []
        text = get(arg, "string_value", "stringValue")
        if self.leaf is not None:
            if isinstance(text, str) and tuple(steps) == self.leaf:
                return json.dumps(text, ensure_ascii=False)[1:-1]  # the string goes on
            out.append('"')
            self.leaf = None
        parent = steps[:-1]
        common = 0
        while common < min(len(parent), len(self.path)) and parent[common] == self.path[common]:
            common += 1
        while len(self.path) > common:  # leave containers that are done
            self.path.pop()
            self.counts.pop()
            out.append("}" if self.kinds.pop() == "{" else "]")
        for depth in range(common, len(steps)):
            step = steps[depth]
            out.append(self._member(step))
            if depth == len(steps) - 1:
                break
            opener = "[" if isinstance(steps[depth + 1], int) else "{"
            out.append(opener)
            self.path.append(step)
            self.counts.append(0)
            self.kinds.append(opener)
        if isinstance(text, str):
            out.append(json.dumps(text, ensure_ascii=False)[:-1])  # left open
            self.leaf = tuple(steps)
        else:
            out.append(json.dumps(_scalar(arg), ensure_ascii=False))
        return "".join(out)

    def _member(self, step: Any) -> str:
        comma = "," if self.counts[-1] else ""
        self.counts[-1] += 1
        if self.kinds[-1] == "{":
            return f"{comma}{json.dumps(str(step), ensure_ascii=False)}:"
        return comma

    def end(self) -> str:
        out = ['"'] if self.leaf is not None else []
        self.leaf = None
        out.extend("}" if kind == "{" else "]" for kind in reversed(self.kinds))
        self.kinds = []
        return "".join(out)


def _parse_path(json_path: str) -> list[Any]:
    text = json_path.strip()
    if not text.startswith("$"):
        raise ValueError(f"partialArgs jsonPath {json_path!r} does not start with '$'")
    steps: list[Any] = []
    pos = 1
    while pos < len(text):
        match = _PATH_STEP.match(text, pos)
        if match is None:
            raise ValueError(f"partialArgs jsonPath {json_path!r}: cannot read {text[pos:]!r}")
        name, number, single, double = match.groups()
        if number is not None:
            steps.append(int(number))
        else:
            quoted = single if single is not None else double
            steps.append(name if name is not None else re.sub(r"\\(.)", r"\1", quoted))
        pos = match.end()
    return steps


def _scalar(arg: Any) -> Any:
    for names in (("number_value", "numberValue"), ("bool_value", "boolValue")):
        value = get(arg, *names)
        if value is not None:
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return value
    return None  # null_value, or nothing


class GeminiEvents(EventProtocol):
    """Reads ``GenerateContentResponse`` chunks (SDK objects or REST dicts)."""

    def __init__(self) -> None:
        self._calls: dict[int, int] = {}  # function calls seen per candidate
        self._streaming: dict[int, tuple[Slot, _ArgsWriter]] = {}  # Vertex partialArgs

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one streamed response chunk.

        Raises:
            TypeError: ``event`` is not a ``generateContent`` response.
        """
        error = get(event, "error")
        if error is not None and get(event, "candidates") is None:
            message = get(error, "message")
            status = get(error, "status", "code")
            sink.finish_all(f"error: {status}: {message}" if status else f"error: {message}")
            return
        if not _is_response(event):
            raise TypeError(
                f"not a Gemini stream response: {describe(event)}; expected a "
                "GenerateContentResponse (or its REST JSON)"
            )
        blocked = get(
            get(event, "prompt_feedback", "promptFeedback"), "block_reason", "blockReason"
        )
        if blocked is not None:
            sink.finish_all(f"prompt_feedback.block_reason={enum_text(blocked)}")
            return
        for position, candidate in enumerate(get(event, "candidates") or ()):
            number = get(candidate, "index")
            if not isinstance(number, int):
                number = position
            parts = get(get(candidate, "content"), "parts") or ()
            for part in parts:
                text = get(part, "text")
                if get(part, "thought"):
                    if isinstance(text, str):
                        sink.text(Slot("reasoning", number), text)
                    continue
                if isinstance(text, str):
                    sink.text(Slot("content", number), text)
                call = get(part, "function_call", "functionCall")
                if call is not None:
                    self._call(number, call, sink)
            reason = enum_text(get(candidate, "finish_reason", "finishReason"))
            if reason and reason not in _NOT_AN_END:
                self._streaming.pop(number, None)
                sink.finish_choice(number, None if reason == "STOP" else f"finish_reason={reason}")

    def _call(self, candidate: int, call: Any, sink: Sink) -> None:
        partial = get(call, "partial_args", "partialArgs")
        more = bool(get(call, "will_continue", "willContinue"))
        streaming = self._streaming.get(candidate)
        if streaming is None:
            count = self._calls.get(candidate, 0)
            self._calls[candidate] = count + 1
            slot = sink.open(
                Slot(
                    "tool_call",
                    candidate,
                    count,
                    text_or_none(get(call, "id")),
                    text_or_none(get(call, "name")),
                )
            )
            if not partial and not more:  # the Gemini API: the call comes whole
                args = get(call, "args")
                sink.text(slot, json.dumps(args if args is not None else {}, ensure_ascii=False))
                sink.finish(slot, None)
                return
            writer = _ArgsWriter()
            sink.text(slot, "{")
            streaming = self._streaming[candidate] = (slot, writer)
        slot, writer = streaming
        for arg in partial or ():
            path = get(arg, "json_path", "jsonPath")
            if not isinstance(path, str):
                raise ValueError(f"a partialArgs entry without jsonPath: {describe(arg)}")
            sink.text(slot, writer.value(path, arg))
        if not more:  # the call's last part
            del self._streaming[candidate]
            sink.text(slot, writer.end())
            sink.settle(slot)

    def eof_reason(self) -> Optional[str]:
        """Why slots still open at the end were cut."""
        return "stream ended without finish_reason"


def _is_response(event: Any) -> bool:
    if isinstance(event, Mapping):
        return any(name in event for name in _RESPONSE_FIELDS)
    return hasattr(event, "candidates")


register("gemini", GeminiEvents)


def stream_generate(
    response_stream: Iterable[Any],
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> UpdateStream:
    """Updates per slot from ``client.models.generate_content_stream(...)``.

    Args:
        response_stream: The SDK's generator, or any iterable of response
            chunks (SDK objects or REST dicts).
        content: True when the text is JSON (``response_mime_type=
            "application/json"``); False when prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).
        reasoning: Keep ``thought`` parts as ``"reasoning"`` slots (dropped
            by default).
        model: A pydantic type for the text: typed partial values.
        tool_models: Function name to pydantic type, for call arguments.

    Returns:
        An :class:`UpdateStream` (iterate; ``with`` or ``close()`` to stop
        early, which closes the SDK's generator; ``results`` at the end).
    """
    router = Router(
        GeminiEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return UpdateStream(response_stream, router)


def astream_generate(
    response_stream: Any,
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_generate`, for
    ``client.aio.models.generate_content_stream(...)`` (awaited or not)."""
    router = Router(
        GeminiEvents(),
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return AsyncUpdateStream(response_stream, router)
