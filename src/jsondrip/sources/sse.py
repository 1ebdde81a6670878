"""Raw server-sent events: provider streams read from bytes, sync and async.

For ``httpx``/``aiohttp`` users and OpenAI-compatible servers: hand over the
response (or any iterable of byte chunks) and name the provider whose events
the ``data:`` lines carry. :class:`SSEText` does the same without parsers, for
tools that only want each slot's JSON text (``curl -N ... | jsondrip parse
--sse openai``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional, Union

from ._drive import AsyncUpdateStream, UpdateStream
from ._registry import register
from ._router import Router, resolve
from ._slots import EventProtocol, ParserFactory, Sink, Slot
from ._sse import JsonLinesDecoder, SSEDecoder, SSEEvent, _SSEData, framer_for

__all__ = ["RawEvents", "SSEText", "astream_sse", "stream_sse"]


class RawEvents(EventProtocol):
    """Each SSE event's data is the next fragment of one JSON document, in
    ``Slot("content")``; ``[DONE]`` is skipped. There is no stop event, so the
    slot ends normally when the stream does."""

    def event(self, event: Any, sink: Sink) -> None:
        """Handle one event: an :class:`SSEEvent` or its data."""
        data = event.data if isinstance(event, SSEEvent) else event
        if isinstance(data, str):
            self.marker(data, sink)
        else:
            raise TypeError(
                f"the raw provider reads SSE events or their text, not {type(event).__name__}"
            )

    def marker(self, data: str, sink: Sink) -> bool:
        """All data is text here."""
        if data.strip() != "[DONE]":
            sink.text(Slot("content"), data)
        return True


register("raw", RawEvents)


def stream_sse(
    source: Any,
    provider: Union[str, EventProtocol] = "openai",
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> UpdateStream:
    """Updates per slot from a raw event stream.

    Args:
        source: An ``httpx.Response`` from ``client.stream(...)`` (read with
            ``iter_bytes()``, closed on ``close()``), or any iterable of
            ``bytes``/``str`` chunks split anywhere.
        provider: Whose events the data carries: ``"openai"`` (Chat
            Completions or Responses), ``"anthropic"``, ``"gemini"``
            (``?alt=sse``) or ``"raw"``.
        content: True when the model's text is JSON; False when prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).
        reasoning: Keep the reasoning text in ``"reasoning"`` slots.
        model: A pydantic type for the model's text: typed partial values.
        tool_models: Tool name to pydantic type, for tool call arguments.

    Returns:
        An :class:`UpdateStream`. A chunk whose data is not JSON (nor
        ``[DONE]``) raises ``json.JSONDecodeError`` from the iteration.
    """
    router = Router(
        provider,
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return UpdateStream(source, router, sse=True)


def astream_sse(
    source: Any,
    provider: Union[str, EventProtocol] = "openai",
    *,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream_sse`: an ``httpx.Response`` from
    ``AsyncClient.stream(...)`` (``aiter_bytes()``), an
    ``aiohttp.ClientResponse``, or any (async) iterable of chunks."""
    router = Router(
        provider,
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )
    return AsyncUpdateStream(source, router, sse=True)


class _TextSink(Sink):
    def __init__(self) -> None:
        super().__init__()
        self.out: list[tuple[Slot, str]] = []
        self.truncated: dict[Slot, str] = {}

    def _text(self, slot: Slot, fragment: str) -> None:
        self.out.append((slot, fragment))

    def _late(self, slot: Slot, fragment: str) -> None:
        self.out.append((slot, fragment))  # the reader's parser judges it

    def _finish(self, slot: Slot, cut: Optional[str]) -> None:
        if cut is not None:
            self.truncated[slot] = cut

    def _failed(self, slot: Slot, error: BaseException) -> None:
        self.truncated[slot] = f"error: {error}"


class SSEText:
    """The JSON text of each slot of a raw provider stream (sans-I/O).

    Args:
        provider: ``"openai"``, ``"anthropic"``, ``"gemini"``, ``"ollama"``
            (JSON Lines), ``"raw"``, ... (any registered provider).

    :meth:`feed` takes the response bytes, split anywhere, and returns the
    text fragments they completed as ``(slot, text)`` pairs, in stream order;
    join each slot's fragments (or feed them to a parser per slot) to get its
    document. After :meth:`close`, :attr:`truncated` names the slots the
    provider cut short (``finish_reason=length``, ...) or that were still open
    when the stream ended without its stop event, with the reason; whether the
    JSON itself was complete is for the parser to say.
    """

    def __init__(self, provider: Union[str, EventProtocol]) -> None:
        self._protocol = resolve(provider)
        self._framer = framer_for(self._protocol.framing)
        self._sink = _TextSink()
        self._closed = False

    @property
    def truncated(self) -> dict[Slot, str]:
        """Slots cut short, with the reason (complete after :meth:`close`)."""
        return self._sink.truncated

    @property
    def decoder(self) -> Union[SSEDecoder, JsonLinesDecoder]:
        """The underlying decoder: an :class:`SSEDecoder` (``last_event_id``,
        ``retry``), or a :class:`JsonLinesDecoder` for JSON Lines providers."""
        framer = self._framer
        return framer.decoder if isinstance(framer, _SSEData) else framer  # type: ignore[return-value]

    def feed(self, data: Union[bytes, bytearray, memoryview, str]) -> list[tuple[Slot, str]]:
        """Decode the next chunk; return the ``(slot, text)`` fragments it
        completed.

        Raises:
            json.JSONDecodeError: an event's data is not JSON (nor a marker
                such as ``[DONE]``): the first such error, raised after the
                chunk's other events were read; its ``pieces`` holds the
                fragments they gave. The reader stays usable.
            StreamClosedError: :meth:`close` was already called.
        """
        protocol = self._protocol
        sink = self._sink
        bad: Optional[json.JSONDecodeError] = None
        for text in self._framer.feed(data):
            if protocol.marker(text, sink) or not text.strip():
                continue
            try:
                payload = json.loads(text)
            except json.JSONDecodeError as error:
                bad = bad or error
                continue
            protocol.event(payload, sink)
        if bad is not None:
            bad.pieces = self._take()  # type: ignore[attr-defined]
            raise bad
        return self._take()

    def close(self) -> list[tuple[Slot, str]]:
        """End of the stream; return the last fragments (always ``[]`` by the
        SSE rules, kept for the ``feed``/``close`` shape). Idempotent."""
        if not self._closed:
            self._closed = True
            self._framer.close()
            self._sink.finish_all(self._protocol.eof_reason())
        return self._take()

    def _take(self) -> list[tuple[Slot, str]]:
        out = self._sink.out
        if out:
            self._sink.out = []
        return out
