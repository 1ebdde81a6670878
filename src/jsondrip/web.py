"""Stream a parse to a browser: jsondrip patch messages as server-sent events (ASGI).

Install the ``web`` extra (Starlette). :class:`PatchResponse` is a Starlette
``Response`` (so FastAPI returns it as is) that turns an update stream into a
``text/event-stream`` of :mod:`jsondrip.patch` messages, which
``jsondrip.js``'s ``follow()`` applies in the page::

    from starlette.applications import Starlette
    from starlette.routing import Route
    from jsondrip.pydantic import TypedParser
    from jsondrip.web import PatchResponse

    async def recipe(request):
        chunks = llm_text_chunks()  # any iterable or async iterable of str/bytes
        return PatchResponse(chunks, parser=TypedParser(Recipe))

    app = Starlette(routes=[Route("/recipe", recipe)])

The stream, event by event:

* ``data: <message>``: one patch message per event (``event`` unset, so an
  ``EventSource``'s ``message``).
* ``: keep-alive``: a comment when the upstream has been silent for
  ``heartbeat`` seconds (proxies keep the connection; the page ignores it).
* ``event: done`` / ``data: {}``: the value is complete and validated. When the
  validated value differs from the streamed JSON (a typed parser's defaults or
  coercions), a ``replace`` of the root carrying it comes first.
* ``event: error`` / ``data: {"type", "message", "offset", "line", "column",
  "reason", "path"}``: the stream ended badly (invalid or truncated JSON, an
  early validation error, the upstream failing). The position keys are there
  when the error has a position, ``reason`` for a cut LLM stream
  (:class:`~jsondrip.sources.TruncatedStreamError`), ``path`` (a JSON Pointer)
  for a validation error. A truncated stream always ends with this event,
  never with silence.

Sources: an iterable or async iterable of text chunks (``str`` or UTF-8
``bytes``; a sync one is read in a thread of its own, since its ``next()`` may
block), or a :mod:`jsondrip.sources` update stream (``stream_chat(...)``,
``astream_messages(...)``...), of which one slot is sent. When the client
disconnects, an async upstream (an async generator, an async SDK stream through
:mod:`jsondrip.sources`) is closed at once; a sync one (a generator, a sync SDK
stream) as soon as its blocked ``next()`` returns, so prefer the async SDK
clients. Needs asyncio (uvicorn, hypercorn with asyncio).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional, Union

try:
    from starlette.responses import Response
    from starlette.types import Receive, Scope, Send
except ImportError as error:  # pragma: no cover - exercised in a subprocess
    raise ImportError(
        'jsondrip.web needs Starlette: pip install "jsondrip[web]"', name=error.name
    ) from error

from ._parser import Parser
from .errors import JSONStreamError
from .patch import Message, PatchEncoder, dumps, pointer

__all__ = ["PatchFeeder", "PatchResponse", "error_details", "patch_events"]

HEARTBEAT = b": keep-alive\n\n"
_JSON_SLOTS = ("content", "tool_call", "server_tool_call")
_END: Any = object()
_BEAT: Any = object()

SlotSelector = Union[None, str, Any, Callable[[Any], bool]]


def _frame(messages: list[Message]) -> bytes:
    return "".join(f"data: {dumps(message)}\n\n" for message in messages).encode("utf-8")


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {dumps(data)}\n\n".encode()


def error_details(error: BaseException) -> dict[str, Any]:
    """What the ``error`` event carries for ``error``: type, message, and position
    (``offset``, ``line``, ``column``), ``reason`` or ``path`` when known."""
    details: dict[str, Any] = {"type": type(error).__name__}
    if isinstance(error, JSONStreamError):
        details.update(message=error.msg, offset=error.offset, line=error.line, column=error.column)
    elif callable(getattr(error, "errors", None)):  # pydantic's ValidationError
        try:
            lines = error.errors()  # type: ignore[attr-defined]
            details["message"] = "; ".join(
                f"{'.'.join(map(str, line['loc'])) or '(root)'}: {line['msg']}"
                for line in lines[:3]
            )
        except Exception:
            details["message"] = str(error)
    else:
        details["message"] = str(error) or type(error).__name__
    reason = getattr(error, "reason", None)
    if isinstance(reason, str):
        details["reason"] = reason
    path = getattr(error, "path", None)
    if isinstance(path, (tuple, list)) and all(isinstance(step, (str, int)) for step in path):
        details["path"] = pointer(tuple(path))
    return details


def _jsonable(value: Any) -> Any:
    """A validated value (a pydantic model, a dataclass...) as plain JSON."""
    try:
        from pydantic_core import to_jsonable_python
    except ImportError:  # no pydantic, so no models: the value is plain JSON
        return value
    return to_jsonable_python(value, by_alias=True)


class PatchFeeder:
    """The sans-I/O core of the response: items in, SSE bytes out.

    Feed it the upstream's items (text chunks, or :mod:`jsondrip.sources`
    updates) with :meth:`feed`, then :meth:`end`; :meth:`fail` turns an
    upstream exception into the ``error`` event. Once :attr:`finished`, the
    stream is over (``done`` or ``error`` was produced).

    The patch comes from a plain :class:`~jsondrip.Parser`'s deltas: the
    given ``parser`` if it is one, otherwise a parser made with
    ``parser_options`` (give it the options your typed parser or slot parsers
    use, e.g. ``lenient=True``), while ``parser`` (a ``TypedParser``,
    ``SchemaParser``...) or the slot's own parser validates.
    """

    def __init__(
        self,
        parser: Any = None,
        *,
        slot: SlotSelector = None,
        strict: bool = False,
        **parser_options: Any,
    ) -> None:
        if parser is None:
            parser = Parser(**parser_options)
        self._checker = parser
        self._raw: Parser = parser if isinstance(parser, Parser) else Parser(**parser_options)
        self._encoder = PatchEncoder(strict=strict)
        self._slot_selector = slot
        self._slot: Any = None
        self._updates = False
        self.finished = False

    @property
    def value(self) -> Any:
        """The streamed value so far (what the page holds)."""
        return self._raw.value

    def feed(self, item: Any) -> bytes:
        """The events for one upstream item (a chunk or an ``Update``)."""
        if self.finished:
            return b""
        if isinstance(item, (str, bytes, bytearray, memoryview)):
            return self._text(item)
        if hasattr(item, "slot") and hasattr(item, "done"):
            return self._update(item)
        raise TypeError(f"expected text chunks or jsondrip.sources updates, not {type(item)!r}")

    def end(self) -> bytes:
        """The upstream ended: the last messages and ``done``, or ``error``."""
        if self.finished:
            return b""
        if self._updates:
            what = "the slot" if self._slot is not None else "a JSON slot"
            return self.fail(RuntimeError(f"the update stream ended without {what} ending"))
        out = bytearray()
        try:
            out += self._deltas(self._raw.feed_eof())
            final = self._checker.close()
        except Exception as error:
            return bytes(out + self.fail(error))
        return bytes(out + self._done(final, plain=self._checker is self._raw))

    def fail(self, error: BaseException) -> bytes:
        """The ``error`` event for ``error`` (once)."""
        if self.finished:
            return b""
        self.finished = True
        return _event("error", error_details(error))

    # -- inside ------------------------------------------------------------------

    def _deltas(self, deltas: list[Any]) -> bytes:
        return _frame(self._encoder.encode(deltas)) if deltas else b""

    def _text(self, chunk: Union[str, bytes, bytearray, memoryview]) -> bytes:
        raw, checker = self._raw, self._checker
        try:
            out = self._deltas(raw.feed(chunk))
        except JSONStreamError as error:
            return self._deltas(error.deltas) + self.fail(error)
        if checker is not raw:
            try:
                checker.feed(chunk)
            except Exception as error:
                return out + self.fail(error)
        return out

    def _done(self, final: Any, *, plain: bool) -> bytes:
        self.finished = True
        out = b""
        value = final if plain else _jsonable(final)
        if value != self._raw.value:
            # The validated value differs (defaults, coercions): resync the page.
            out = _frame([{"op": "replace", "path": "", "value": value}])
        return out + _event("done", {})

    def _selects(self, slot: Any) -> bool:
        selector = self._slot_selector
        if selector is None:
            return getattr(slot, "kind", None) in _JSON_SLOTS
        if isinstance(selector, str):
            return bool(getattr(slot, "kind", None) == selector)
        if callable(selector):
            return bool(selector(slot))
        return bool(slot == selector)

    def _update(self, update: Any) -> bytes:
        self._updates = True
        if self._slot is None:
            if not self._selects(update.slot):
                return b""
            self._slot = update.slot
        elif update.slot != self._slot:
            return b""
        out = b""
        if update.text:
            try:
                out = self._deltas(self._raw.feed(update.text))
            except JSONStreamError as error:
                return self._deltas(error.deltas) + self.fail(error)
        if not update.done:
            return out
        if update.error is not None:
            return out + self.fail(update.error)
        try:
            out += self._deltas(self._raw.feed_eof())
        except JSONStreamError as error:
            return out + self.fail(error)
        return out + self._done(update.value, plain=False)


class _Upstream:
    """Pulls items from a sync or async source, with a timeout, and closes it."""

    def __init__(self, source: Any) -> None:
        self._source = source
        self._pending: Optional[asyncio.Future[Any]] = None
        if hasattr(source, "__aiter__"):
            self._aiter: Any = source.__aiter__()
            self._iter: Any = None
        elif hasattr(source, "__iter__") and not isinstance(source, (str, bytes)):
            self._aiter = None
            self._iter = iter(source)
            # A thread of its own: a blocked next() never holds one of the
            # event loop's (or the framework's) shared worker threads.
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="jsondrip-upstream")
        else:
            raise TypeError(f"expected an iterable or async iterable, not {type(source)!r}")

    async def _anext(self) -> Any:
        try:
            return await self._aiter.__anext__()
        except StopAsyncIteration:
            return _END

    def _next(self) -> Any:
        return next(self._iter, _END)

    async def next(self, timeout: Optional[float]) -> Any:
        """The next item, ``_END``, or ``_BEAT`` after ``timeout`` seconds of silence."""
        if self._pending is None:
            if self._aiter is not None:
                self._pending = asyncio.ensure_future(self._anext())
            else:
                loop = asyncio.get_running_loop()
                self._pending = loop.run_in_executor(self._executor, self._next)
        done, _ = await asyncio.wait({self._pending}, timeout=timeout)
        if not done:
            return _BEAT
        pending, self._pending = self._pending, None
        return pending.result()

    async def close(self) -> None:
        """Close the source; a sync one busy in a thread, once that call returns."""
        pending, self._pending = self._pending, None
        if self._aiter is not None:
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(BaseException):
                    await pending
            await _close_async(self._source, self._aiter)
        else:
            if pending is not None and not pending.done():
                pending.add_done_callback(lambda _: _close_sync(self._source, self._iter))
            else:
                _close_sync(self._source, self._iter)
            self._executor.shutdown(wait=False)  # the thread ends after its call


async def _close_async(source: Any, iterator: Any) -> None:
    for target in (source, iterator):
        close = getattr(target, "aclose", None) or getattr(target, "close", None)
        if callable(close):
            result = close()
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                await result
            return


def _close_sync(source: Any, iterator: Any) -> None:
    for target in (source, iterator):
        close = getattr(target, "close", None)
        if callable(close):
            close()
            return


async def patch_events(
    source: Any,
    *,
    parser: Any = None,
    slot: SlotSelector = None,
    heartbeat: Optional[float] = 15.0,
    strict: bool = False,
    **parser_options: Any,
) -> AsyncGenerator[bytes, None]:
    """The server-sent events of a stream, as bytes (framework-free).

    Args:
        source: An iterable or async iterable of text chunks, or a
            :mod:`jsondrip.sources` update stream.
        parser: What parses (and validates) text chunks: a
            :class:`~jsondrip.Parser` (default ``Parser(**parser_options)``), a
            ``TypedParser``, a ``SchemaParser``...
        slot: For an update stream, the slot to send: a kind (``"tool_call"``),
            a :class:`~jsondrip.sources.Slot`, or a predicate; default the
            first content or tool-call slot.
        heartbeat: Seconds of upstream silence before a ``: keep-alive``
            comment (``None``: never).
        strict: Send RFC 6902 ``add``/``replace`` messages only.
        **parser_options: Options of the parser making the patch.

    Closing the generator (``aclose()``, or a cancelled task) closes the source.
    """
    feeder = PatchFeeder(parser, slot=slot, strict=strict, **parser_options)
    upstream = _Upstream(source)
    try:
        while not feeder.finished:
            try:
                item = await upstream.next(heartbeat)
            except Exception as error:
                yield feeder.fail(error)
                break
            if item is _BEAT:
                yield HEARTBEAT
            elif item is _END:
                yield feeder.end()
            else:
                out = feeder.feed(item)
                if out:
                    yield out
    finally:
        await upstream.close()


class PatchResponse(Response):
    """A ``text/event-stream`` response of jsondrip patch messages.

    Takes the arguments of :func:`patch_events`, plus ``status_code`` and
    ``headers``. A client disconnect cancels the stream and closes the
    upstream, whatever the server's ASGI version.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        source: Any,
        *,
        parser: Any = None,
        slot: SlotSelector = None,
        heartbeat: Optional[float] = 15.0,
        strict: bool = False,
        status_code: int = 200,
        headers: Optional[Mapping[str, str]] = None,
        **parser_options: Any,
    ) -> None:
        self._source = source
        self._options: dict[str, Any] = dict(
            parser=parser, slot=slot, heartbeat=heartbeat, strict=strict, **parser_options
        )
        self.status_code = status_code
        self.background = None
        self.init_headers(
            {"cache-control": "no-cache", "x-accel-buffering": "no", **(headers or {})}
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        events = patch_events(self._source, **self._options)

        async def stream() -> None:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            async for chunk in events:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        streaming = asyncio.ensure_future(stream())
        listening = asyncio.ensure_future(disconnected())
        try:
            await asyncio.wait({streaming, listening}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (streaming, listening):
                task.cancel()
            await asyncio.gather(streaming, listening, return_exceptions=True)
            await events.aclose()  # closes the upstream if the stream did not end
        if streaming.done() and not streaming.cancelled():
            error = streaming.exception()
            if error is not None and not isinstance(error, OSError):
                raise error
