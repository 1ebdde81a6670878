"""Slots, updates, the truncation error, and the interfaces between the layers.

A provider stream carries several independent texts at once: the content of
each choice, the arguments of each tool call. Each is a *slot*. A provider's
``EventProtocol`` reads the provider's events and tells a ``Sink`` what
happened to which slot (text arrived, the slot ended, the stream was cut); the
sink is either the :class:`~jsondrip.sources.Router` (one parser per slot) or
:class:`~jsondrip.sources.SSEText` (the text only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Optional, Protocol

from ..errors import IncompleteJSONError

__all__ = [
    "EventProtocol",
    "ParserFactory",
    "Sink",
    "Slot",
    "SlotKind",
    "SlotParser",
    "TruncatedStreamError",
    "describe",
    "enum_text",
    "get",
    "text_or_none",
]

#: What a slot carries: ``"content"`` the model's text, ``"tool_call"`` the
#: arguments of a tool (function) call, ``"server_tool_call"`` the JSON input of
#: a tool the provider runs itself (Anthropic's server tools, Responses MCP
#: calls), ``"refusal"`` a refusal message, ``"reasoning"`` the model's
#: reasoning text (only with ``reasoning=True``), ``"tool_input"`` the free-text
#: input of a tool (Responses custom tools, code interpreter code, shell
#: commands, apply_patch diffs; ``Slot.name`` says which). ``refusal``,
#: ``reasoning`` and ``tool_input`` are always prose.
SlotKind = Literal["content", "tool_call", "server_tool_call", "refusal", "reasoning", "tool_input"]


@dataclass(frozen=True)
class Slot:
    """Where a piece of streamed text belongs.

    Slots are equal when ``kind``, ``choice`` and ``index`` are: the position
    identifies a slot, ``id`` and ``name`` describe it. So
    ``results[Slot("tool_call", 0, 1)]`` finds the second tool call whatever
    its id.

    Attributes:
        kind: See :data:`SlotKind`.
        choice: The choice index (OpenAI Chat Completions, ``n>1``), the output
            item index (OpenAI Responses) or the candidate index (Gemini); 0
            for Anthropic.
        index: The tool call index (Chat Completions ``tool_calls[j].index``),
            the content block index (Anthropic), the content part index
            (Responses output text) or the function call's position in its
            candidate (Gemini); 0 otherwise.
        id: The provider's id, when it sends one: the tool call id (Chat
            Completions ``id``, Responses ``call_id``, Anthropic ``id``,
            Gemini ``id``) or the Responses message item id.
        name: The tool's name, known before its arguments arrive.
    """

    kind: SlotKind
    choice: int = 0
    index: int = 0
    id: Optional[str] = field(default=None, compare=False)
    name: Optional[str] = field(default=None, compare=False)


class TruncatedStreamError(IncompleteJSONError):
    """The provider cut the slot short: its value is incomplete.

    Raised (or stored in ``results``) when the provider reports a cut
    (``finish_reason="length"``, ``stop_reason="max_tokens"``, Gemini's
    ``MAX_TOKENS``, a Responses ``response.incomplete``), when the stream ends
    without its stop event, or when the caller closes the stream early.

    Attributes:
        partial: What the slot's parser held when the stream was cut (for
            prose slots, the text so far). Nothing that arrived is lost.
        reason: Why, e.g. ``"finish_reason=length"``,
            ``"stop_reason=max_tokens"``, ``"stream ended without message_stop"``,
            ``"closed by the caller"``.
    """

    def __init__(
        self,
        msg: str,
        offset: int,
        line: int,
        column: int,
        partial: Any = None,
        reason: str = "",
    ) -> None:
        super().__init__(msg, offset, line, column, partial)
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            type(self),
            (self.msg, self.offset, self.line, self.column, self.partial, self.reason),
            self.__dict__,
        )


class SlotParser(Protocol):
    """What a slot's parser must offer: :class:`jsondrip.Parser` does, and so
    does any typed stream with the same three members."""

    def feed(self, chunk: str, /) -> Any:
        """Parse the next fragment; return its deltas (anything)."""

    @property
    def value(self) -> Any:
        """The current partial value."""

    def close(self) -> Any:
        """End of input: the final value, or raise ``IncompleteJSONError``."""


#: Makes the parser of a JSON slot; called once per slot, when it opens.
ParserFactory = Callable[[Slot], SlotParser]


class Sink:
    """Receives what a provider's events mean for each slot.

    Subclasses implement the hooks below; the bookkeeping of which slots are
    open lives here.
    """

    def __init__(self, reasoning: bool = False) -> None:
        self._open: dict[Slot, Slot] = {}  # open slots, key -> the slot with id/name
        self._ended: dict[Slot, Slot] = {}
        #: Keep ``"reasoning"`` slots; when False their text is dropped here.
        self.reasoning = reasoning

    def open(self, slot: Slot) -> Slot:
        """Open ``slot`` now (idempotent), e.g. a tool call whose name is known
        before its arguments; return the slot as first opened."""
        known = self._open.get(slot) or self._ended.get(slot)
        if known is not None:
            return known
        if slot.kind == "reasoning" and not self.reasoning:
            return slot
        self._open[slot] = slot
        self._opened(slot, True)
        return slot

    def text(self, slot: Slot, fragment: str) -> None:
        """``fragment`` of ``slot``'s text arrived (the slot opens if needed)."""
        if not fragment or (slot.kind == "reasoning" and not self.reasoning):
            return
        known = self._open.get(slot)
        if known is None:
            ended = self._ended.get(slot)
            if ended is not None:
                self._late(ended, fragment)
                return
            self._open[slot] = known = slot
            self._opened(slot, False)
        self._text(known, fragment)

    def settle(self, slot: Slot) -> None:
        """The provider is done with ``slot`` unless the stream gets cut: end
        it now if its value is already complete, else at the stream's end."""
        known = self._open.get(slot)
        if known is not None and self._complete(known):
            self.finish(known, None)

    def finish(self, slot: Slot, cut: Optional[str]) -> None:
        """End ``slot``: normally (``cut=None``) or cut short for ``cut``."""
        known = self._open.pop(slot, None)
        if known is not None:
            self._ended[known] = known
            self._finish(known, cut)

    def fail(self, slot: Slot, error: BaseException) -> None:
        """End ``slot`` with ``error`` as its result (e.g. the provider's final
        text disagrees with its deltas)."""
        known = self._open.pop(slot, None)
        if known is not None:
            self._ended[known] = known
            self._failed(known, error)

    def sent(self, slot: Slot) -> bool:
        """True once ``slot`` has opened (by :meth:`open` or its first text)."""
        return slot in self._open or slot in self._ended

    def finish_choice(self, choice: int, cut: Optional[str]) -> None:
        """End every open slot of ``choice``."""
        for slot in [slot for slot in self._open if slot.choice == choice]:
            self.finish(slot, cut)

    def finish_all(self, cut: Optional[str]) -> None:
        """End every open slot."""
        for slot in list(self._open):
            self.finish(slot, cut)

    @property
    def open_slots(self) -> list[Slot]:
        """The slots still open, in the order they opened."""
        return list(self._open.values())

    # -- hooks -------------------------------------------------------------------

    def _opened(self, slot: Slot, announced: bool) -> None:
        """``slot`` opened: by :meth:`open` (``announced``) or by its first text."""

    def _drop(self, slot: Slot) -> None:
        """End ``slot`` without :meth:`_finish` (a hook already ended it)."""
        known = self._open.pop(slot, None)
        if known is not None:
            self._ended[known] = known

    def _text(self, slot: Slot, fragment: str) -> None:
        raise NotImplementedError

    def _late(self, slot: Slot, fragment: str) -> None:
        """Text for a slot that already ended (ignored by default)."""

    def _complete(self, slot: Slot) -> bool:
        return False

    def _failed(self, slot: Slot, error: BaseException) -> None:
        """``slot`` ended with ``error`` (see :meth:`fail`)."""
        raise NotImplementedError

    def _finish(self, slot: Slot, cut: Optional[str]) -> None:
        raise NotImplementedError


class EventProtocol:
    """Reads one provider's events and drives a :class:`Sink`.

    An event the protocol does not recognise (another provider's event, an
    SDK helper's object it cannot read, an unknown event that carries text)
    raises ``TypeError`` or ``ValueError`` naming it: a stream is never
    silently dropped.
    """

    #: How the provider's raw bytes are framed: ``"sse"`` (server-sent
    #: events), ``"jsonl"`` (one JSON object per line, e.g. Ollama) or
    #: ``"aws-eventstream"`` (Bedrock).
    framing = "sse"

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one provider event (an SDK object or a dict from JSON)."""
        raise NotImplementedError

    def marker(self, data: str, sink: Sink) -> bool:
        """Handle raw SSE data that is not JSON (e.g. ``[DONE]``); True if known."""
        return False

    def eof_reason(self) -> Optional[str]:
        """The cut reason for slots still open when the stream ends."""
        return None


def get(obj: Any, *names: str) -> Any:
    """The first of ``names`` that ``obj`` has and is not ``None``: a key of a
    mapping (JSON from raw SSE) or an attribute (SDK objects)."""
    if obj is None:
        return None
    if type(obj) is dict or isinstance(obj, Mapping):
        for name in names:
            value = obj.get(name)
            if value is not None:
                return value
        return None
    for name in names:
        value = getattr(obj, name, None)
        if value is not None and type(value).__name__ != "Unset":  # Speakeasy SDKs' UNSET
            return value
    return None


def describe(event: Any) -> str:
    """A short description of ``event`` for error messages."""
    kind = get(event, "type")
    name = type(event).__name__
    if isinstance(kind, str):
        return f"{name} of type {kind!r}"
    if isinstance(event, Mapping):
        keys = ", ".join(repr(key) for key in list(event)[:6])
        return f"a dict with keys {keys}" if keys else "an empty dict"
    text = repr(event)
    return f"{name} {text[:60]}" if len(text) <= 60 else f"{name} {text[:57]}..."


def text_or_none(value: Any) -> Optional[str]:
    """``value`` if it is a non-empty string, else ``None``."""
    return value if isinstance(value, str) and value else None


def enum_text(value: Any) -> Optional[str]:
    """A reason that may be an enum (Gemini's SDK) or a plain string."""
    if value is None:
        return None
    text = getattr(value, "value", value)
    return text if isinstance(text, str) else str(text)
