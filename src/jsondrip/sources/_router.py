"""The router: one parser per slot, updates out, results at the end (sans-I/O).

Theory of operation
-------------------
A provider's :class:`~._slots.EventProtocol` turns each event into calls on a
sink: text for a slot, a slot settled, a choice finished (normally or cut), the
whole stream cut. The router's sink gives every JSON slot its own parser from
``parser_factory`` (prose slots just collect their text), feeds it each
fragment, and records one :class:`Update` per change.

A slot ends when the provider says so. Ending normally closes the parser: the
result is its final value, or the ``IncompleteJSONError`` its ``close()``
raises. Ending *cut* (the provider reported a truncation, the stream ended
without its stop event, the caller closed it) keeps a value only if the
parser already saw it complete (``parser.done``); otherwise the result is a
:class:`~._slots.TruncatedStreamError` holding the partial value and the
reason. So a truncated slot never yields a value that looks complete.

A slot's parser may raise while feeding (invalid JSON, a typed stream's early
validation error): that slot ends with the error as its result; the other
slots go on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional, Union

from .._parser import Parser
from ..errors import IncompleteJSONError, JSONStreamError, StreamClosedError
from ._registry import protocol_for
from ._slots import (
    EventProtocol,
    ParserFactory,
    Sink,
    Slot,
    SlotParser,
    TruncatedStreamError,
)
from ._sse import SSEEvent

__all__ = ["Router", "Update", "parser_factory_for", "resolve"]

_UNSET: Any = object()
_JSON_KINDS = frozenset(["tool_call", "server_tool_call"])


class _State:
    """One slot: its parser (``None`` for prose) and where its text is at."""

    __slots__ = ("chars", "line", "line_start", "parser", "parts")

    def __init__(self, parser: Optional[SlotParser]) -> None:
        self.parser = parser
        self.parts: list[str] = []  # prose only
        self.chars = 0
        self.line = 1
        self.line_start = 0

    def track(self, fragment: str) -> None:
        newlines = fragment.count("\n")
        if newlines:
            self.line += newlines
            self.line_start = self.chars + fragment.rfind("\n") + 1
        self.chars += len(fragment)

    def position(self) -> tuple[int, int, int]:
        return self.chars, self.line, self.chars - self.line_start + 1

    def value(self) -> Any:
        if self.parser is not None:
            return self.parser.value
        if len(self.parts) > 1:
            self.parts = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""

    def safe_value(self) -> Any:
        try:
            return self.value()
        except Exception:
            return None


class Update:
    """One change to one slot.

    Attributes:
        slot: The :class:`Slot` (with its ``id`` and tool ``name``).
        text: The raw text fragment that arrived (``""`` when a slot opens or
            ends).
        deltas: What the slot parser's ``feed`` returned for ``text``: a list
            of :class:`~jsondrip.Delta` for :class:`~jsondrip.Parser`; ``[]``
            for prose slots.
        done: True in the slot's last update: ``value`` is then final.
        error: In the last update, the error the slot ended with, if any: a
            :class:`TruncatedStreamError` when the stream was cut, the parser's
            ``IncompleteJSONError`` or ``JSONStreamError``, or whatever a typed
            parser raised.

    Every slot gets any number of updates and exactly one with ``done``. A tool
    call's first update comes as soon as its name is known, with empty
    ``text``.
    """

    __slots__ = ("_final", "_state", "deltas", "done", "error", "slot", "text")

    def __init__(
        self,
        slot: Slot,
        text: str,
        deltas: Any,
        state: _State,
        *,
        done: bool = False,
        error: Optional[BaseException] = None,
        final: Any = _UNSET,
    ) -> None:
        self.slot = slot
        self.text = text
        self.deltas = deltas
        self.done = done
        self.error = error
        self._state = state
        self._final = final

    @property
    def value(self) -> Any:
        """The slot's value: while it streams, its parser's live partial value
        (read when asked; see :attr:`jsondrip.Parser.value`); in the ``done``
        update, the final value, or the salvaged partial value on error."""
        if self._final is not _UNSET:
            return self._final
        return self._state.value()

    def __repr__(self) -> str:
        extra = f", done=True, error={self.error!r}" if self.done else ""
        return f"Update({self.slot!r}, text={self.text!r}{extra})"


def _default_factory(slot: Slot) -> SlotParser:
    return Parser()


def parser_factory_for(
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
    parser_factory: Optional[ParserFactory] = None,
) -> ParserFactory:
    """The parser factory for the ``model`` / ``tool_models`` / ``parser_factory``
    options: a :class:`jsondrip.pydantic.TypedParser` for the model's text when
    ``model`` is given and for each tool call whose name ``tool_models`` maps,
    ``parser_factory(slot)`` (default ``Parser()``) for every other JSON slot.

    Raises:
        TypeError: ``tool_models`` is not a mapping.
    """
    fallback = parser_factory or _default_factory
    if model is None and not tool_models:
        return fallback
    if tool_models is not None and not isinstance(tool_models, Mapping):
        raise TypeError(
            f"tool_models must map tool names to types, not {type(tool_models).__name__}"
        )
    from ..pydantic import TypedParser  # the pydantic extra, only when asked for

    tools = dict(tool_models or {})

    def factory(slot: Slot) -> SlotParser:
        if slot.kind == "content" and model is not None:
            return TypedParser(model)
        if slot.kind != "content" and slot.name is not None and slot.name in tools:
            return TypedParser(tools[slot.name])
        return fallback(slot)

    return factory


class _ParserSink(Sink):
    def __init__(self, content: bool, factory: ParserFactory, reasoning: bool) -> None:
        super().__init__(reasoning)
        self.content = content
        self.factory = factory
        self.states: dict[Slot, _State] = {}
        self.results: dict[Slot, Any] = {}
        self.updates: list[Update] = []

    def _opened(self, slot: Slot, announced: bool) -> None:
        kind = slot.kind
        is_json = kind in _JSON_KINDS or (kind == "content" and self.content)
        state = _State(self.factory(slot) if is_json else None)
        self.states[slot] = state
        if announced:
            self.updates.append(Update(slot, "", [], state))

    def _text(self, slot: Slot, fragment: str) -> None:
        state = self.states[slot]
        state.track(fragment)
        parser = state.parser
        if parser is None:
            state.parts.append(fragment)
            self.updates.append(Update(slot, fragment, [], state))
            return
        try:
            deltas = parser.feed(fragment)
        except Exception as exc:
            self._drop(slot)
            self._end(slot, state, fragment, getattr(exc, "deltas", []), exc, state.safe_value())
            return
        self.updates.append(Update(slot, fragment, deltas if deltas is not None else [], state))

    def _late(self, slot: Slot, fragment: str) -> None:
        if not fragment.strip() or isinstance(self.results.get(slot), BaseException):
            return
        state = self.states[slot]
        state.track(fragment)
        offset, line, column = state.position()
        error = JSONStreamError(
            f"text arrived after the {slot.kind} had ended", offset, line, column
        )
        self._end(slot, state, fragment, [], error, self.results.get(slot))

    def _failed(self, slot: Slot, error: BaseException) -> None:
        state = self.states[slot]
        self._end(slot, state, "", [], error, state.safe_value())

    def _complete(self, slot: Slot) -> bool:
        parser = self.states[slot].parser
        return parser is not None and bool(getattr(parser, "done", False))

    def _finish(self, slot: Slot, cut: Optional[str]) -> None:
        state = self.states[slot]
        if state.parser is None:
            text = state.value()
            error = None if cut is None else _truncated(state, cut, text)
            self._end(slot, state, "", [], error, text)
        elif cut is None or self._complete(slot):
            self._end(slot, state, "", *_close(state.parser, state))
        else:
            self._end(slot, state, "", [], *_cut(state.parser, state, cut))

    def _end(
        self,
        slot: Slot,
        state: _State,
        text: str,
        deltas: Any,
        error: Optional[BaseException],
        value: Any,
    ) -> None:
        self.results[slot] = error if error is not None else value
        self.updates.append(Update(slot, text, deltas, state, done=True, error=error, final=value))


def _close(parser: SlotParser, state: _State) -> tuple[Any, Optional[BaseException], Any]:
    """End a JSON slot normally: ``(last deltas, error, value)``."""
    try:
        feed_eof = getattr(parser, "feed_eof", None)  # a top-level number's last deltas
        deltas = feed_eof() if feed_eof is not None else []
        return deltas, None, parser.close()
    except Exception as exc:
        partial = exc.partial if isinstance(exc, IncompleteJSONError) else state.safe_value()
        return [], exc, partial


def _cut(parser: SlotParser, state: _State, cut: str) -> tuple[BaseException, Any]:
    """End an incomplete JSON slot cut short: ``(TruncatedStreamError, partial)``.

    ``close()`` is still called, for the position and message of its
    ``IncompleteJSONError``; a value it returns anyway (a top-level number) is
    not trusted.
    """
    partial = state.safe_value()
    try:
        parser.close()
    except IncompleteJSONError as exc:
        error = TruncatedStreamError(
            f"stream cut ({cut}): {exc.msg}",
            exc.offset,
            exc.line,
            exc.column,
            partial=exc.partial,
            reason=cut,
        )
        error.__cause__ = exc
        return error, exc.partial
    except Exception as exc:
        error = _truncated(state, cut, partial)
        error.__cause__ = exc
        return error, partial
    return _truncated(state, cut, partial), partial


def _truncated(state: _State, cut: str, partial: Any) -> TruncatedStreamError:
    return TruncatedStreamError(
        f"stream cut ({cut})", *state.position(), partial=partial, reason=cut
    )


class Router:
    """Routes one provider stream's events to one parser per slot (sans-I/O).

    Args:
        provider: ``"openai"`` (Chat Completions chunks or Responses events),
            ``"anthropic"`` (Messages stream events), ``"gemini"``
            (``generateContent`` stream responses), ``"raw"`` (each SSE
            event's data is a fragment of one JSON document), or an
            :class:`EventProtocol` of your own.
        content: True when the model's text (``content`` slots) is JSON, e.g.
            structured output; False when it is prose, which is then passed
            through as text (``Update.text``) and collected as a string. Tool
            call arguments are always JSON.
        parser_factory: Makes each JSON slot's parser, given the slot (default
            ``jsondrip.Parser()``). Any object with ``feed(str)``, ``value``
            and ``close()`` works, e.g. a typed stream per tool name.
        reasoning: True to keep the model's reasoning text (``"reasoning"``
            slots, prose); by default it is dropped.
        model: A pydantic model (or any type pydantic validates) for the
            model's text: ``content`` slots get a
            :class:`jsondrip.pydantic.TypedParser`, so ``Update.value`` is a
            partial instance. Needs the ``pydantic`` extra.
        tool_models: Tool name to type, for the arguments of those tool calls.

    Feed it the provider's events, SDK objects or dicts, with :meth:`feed` (or
    decoded SSE events with :meth:`feed_sse`), then call :meth:`close` at the
    end of the stream.
    """

    def __init__(
        self,
        provider: Union[str, EventProtocol],
        *,
        content: bool = True,
        parser_factory: Optional[ParserFactory] = None,
        reasoning: bool = False,
        model: Any = None,
        tool_models: Optional[Mapping[str, Any]] = None,
    ) -> None:
        self._protocol = resolve(provider)
        factory = parser_factory_for(model, tool_models, parser_factory)
        self._sink = _ParserSink(content, factory, reasoning)
        self._closed = False

    @property
    def results(self) -> dict[Slot, Any]:
        """Every ended slot's final value, or the exception it ended with
        (e.g. :class:`TruncatedStreamError`), in the order the slots ended."""
        return self._sink.results

    @property
    def slots(self) -> list[Slot]:
        """Every slot seen so far, in the order they opened."""
        return list(self._sink.states)

    @property
    def protocol(self) -> EventProtocol:
        """The provider's :class:`EventProtocol`."""
        return self._protocol

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def result(self, slot: Slot) -> Any:
        """The final value of ``slot``.

        Raises:
            KeyError: ``slot`` has not ended (or never appeared).
            TruncatedStreamError, IncompleteJSONError, JSONStreamError, ...:
                the error the slot ended with.
        """
        value = self._sink.results[slot]
        if isinstance(value, BaseException):
            raise value
        return value

    def feed(self, event: Any) -> list[Update]:
        """Handle one provider event; return the updates it caused, in order.

        Raises:
            StreamClosedError: :meth:`close` was already called.
        """
        if self._closed:
            raise StreamClosedError("feed() called after close()")
        self._protocol.event(event, self._sink)
        return self._take()

    def feed_sse(self, event: SSEEvent) -> list[Update]:
        """Handle one decoded server-sent event of the provider's raw stream.

        Raises:
            json.JSONDecodeError: the event's data is not JSON (nor a marker
                such as ``[DONE]``).
            StreamClosedError: :meth:`close` was already called.
        """
        if self._closed:
            raise StreamClosedError("feed_sse() called after close()")
        return self.feed_data(event.data)

    def feed_data(self, data: str) -> list[Update]:
        """Handle one framed payload of the provider's raw stream: an SSE
        event's data, or a JSON Lines line.

        Raises:
            json.JSONDecodeError: the payload is not JSON (nor a marker such as
                ``[DONE]``).
            StreamClosedError: :meth:`close` was already called.
        """
        if self._closed:
            raise StreamClosedError("feed_data() called after close()")
        if self._protocol.marker(data, self._sink):
            return self._take()
        if not data.strip():
            return []
        return self.feed(json.loads(data))

    def close(self, reason: Optional[str] = None) -> list[Update]:
        """End of the stream: end every slot still open; return those updates.

        Args:
            reason: Why the stream ended early, e.g. ``"closed by the caller"``.
                Without it, slots still open are cut with the provider's own
                reason (``"stream ended without finish_reason"``, ...), or end
                normally for a provider without a stop event (``"raw"``).

        Idempotent: later calls return ``[]``.
        """
        if self._closed:
            return []
        self._closed = True
        self._sink.finish_all(reason if reason is not None else self._protocol.eof_reason())
        return self._take()

    def _take(self) -> list[Update]:
        updates = self._sink.updates
        if not updates:
            return []
        self._sink.updates = []
        return updates


def resolve(provider: Union[str, EventProtocol]) -> EventProtocol:
    """An :class:`EventProtocol` for ``provider`` (a name, or one already)."""
    if isinstance(provider, EventProtocol):
        return provider
    if not isinstance(provider, str):
        raise TypeError(
            f"provider must be a provider name or an EventProtocol, not {type(provider).__name__}"
        )
    return protocol_for(provider)
