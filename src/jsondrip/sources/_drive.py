"""The I/O edge: iterate a provider stream (sync or async) through a Router.

An :class:`UpdateStream` pulls items from the source (SDK events, or bytes when
reading raw SSE), hands them to the router and yields the updates. Closing it
closes the source: the SDK stream's ``close()``, a stream manager's
``__exit__``, an ``httpx.Response``'s ``close()``, a generator's ``close()``.
That releases the HTTP connection. Slots still open then end with
``TruncatedStreamError(reason="closed by the caller")``; a source that raises
ends them with ``reason="stream failed: <exception type>"`` before the
exception propagates, so ``results`` is complete in every case.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from types import TracebackType
from typing import Any, Callable, Optional

from ._router import Router, Update
from ._slots import Slot
from ._sse import Framer, framer_for

__all__ = ["AsyncUpdateStream", "UpdateStream"]

CLOSED_BY_CALLER = "closed by the caller"


def _failed(exc: BaseException) -> str:
    return f"stream failed: {type(exc).__name__}"


class _Base:
    def __init__(self, source: Any, router: Router, sse: Optional[bool]) -> None:
        self._source = source
        self._router = router
        # Raw bytes are framed as the provider's protocol says (SSE or JSON
        # Lines); with sse=None, the first item decides (bytes or text: raw).
        self._raw = sse
        self._decoder: Optional[Framer] = None
        if sse:
            self._decoder = framer_for(router.protocol.framing)
        self._release: Optional[Callable[[], Any]] = None
        self._started = False
        self._closed = False

    @property
    def results(self) -> dict[Slot, Any]:
        """Every ended slot's final value, or the exception it ended with
        (:class:`TruncatedStreamError` when cut), in the order they ended."""
        return self._router.results

    @property
    def slots(self) -> list[Slot]:
        """Every slot seen so far, in the order they opened."""
        return self._router.slots

    @property
    def router(self) -> Router:
        """The sans-I/O :class:`Router` doing the work."""
        return self._router

    def result(self, slot: Slot) -> Any:
        """The final value of ``slot``; raises the error it ended with, or
        ``KeyError`` if it has not ended."""
        return self._router.result(slot)

    def _route(self, item: Any) -> list[Update]:
        decoder = self._decoder
        if decoder is None:
            if self._raw is not None or not isinstance(item, (bytes, bytearray, memoryview, str)):
                self._raw = False
                return self._router.feed(item)
            self._raw = True
            decoder = self._decoder = framer_for(self._router.protocol.framing)
        updates: list[Update] = []
        for data in decoder.feed(item):
            updates += self._router.feed_data(data)
        return updates

    def _end(self) -> list[Update]:
        if self._decoder is not None:
            self._decoder.close()
        return self._router.close()

    def _take_release(self, *names: str) -> Optional[Callable[[], Any]]:
        release = self._release
        self._release = None
        if release is None and not self._started:
            # Never iterated: still close what was handed over (an SDK stream,
            # a response, an un-awaited coroutine), but do not enter a manager.
            source, self._source = self._source, None
            for name in names:
                release = getattr(source, name, None)
                if callable(release):
                    break
        return release if callable(release) else None


class UpdateStream(_Base):
    """The updates of one provider stream, as they arrive.

    Iterate it for :class:`Update` objects. Use it as a context manager, or
    call :meth:`close`, to stop early: that closes the SDK stream and releases
    the HTTP connection. After the stream ends, :attr:`results` holds every
    slot's final value or error.
    """

    def __init__(self, source: Any, router: Router, *, sse: Optional[bool] = False) -> None:
        super().__init__(source, router, sse)
        self._iterator = self._run()

    def __iter__(self) -> UpdateStream:
        return self

    def __next__(self) -> Update:
        return next(self._iterator)

    def __enter__(self) -> UpdateStream:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading: close the source (releasing the connection) and end
        the slots still open with ``TruncatedStreamError(reason="closed by the
        caller")``. Idempotent; a no-op once the stream has ended."""
        if self._closed:
            return
        self._closed = True
        try:
            self._iterator.close()
        finally:
            try:
                self._close_source()
            finally:
                self._router.close(CLOSED_BY_CALLER)

    def until_done(self) -> dict[Slot, Any]:
        """Read the rest of the stream; return :attr:`results`."""
        for _ in self:
            pass
        return self.results

    def _run(self) -> Generator[Update, None, None]:
        try:
            for item in self._open():
                updates = self._route(item)
                if updates:
                    yield from updates
            tail = self._end()
        except GeneratorExit:
            raise
        except BaseException as exc:
            self._router.close(_failed(exc))
            self._close_source()
            raise
        self._close_source()
        yield from tail

    def _open(self) -> Iterator[Any]:
        source = self._source
        self._started = True
        if hasattr(source, "iter_bytes"):  # an httpx.Response
            self._release = source.close
            return iter(source.iter_bytes())
        if hasattr(source, "__aiter__") and not hasattr(source, "__iter__"):
            raise TypeError("an async stream needs the a-prefixed function (astream_...)")
        if not hasattr(source, "__iter__") and hasattr(source, "__enter__"):
            entered = source.__enter__()  # e.g. anthropic's messages.stream(...)
            self._release = lambda: source.__exit__(None, None, None)
            return iter(entered)
        self._release = getattr(source, "close", None)
        return iter(source)

    def _close_source(self) -> None:
        release = self._take_release("close")
        if release is not None:
            release()


class AsyncUpdateStream(_Base):
    """Async twin of :class:`UpdateStream`: ``async for``, ``async with``,
    ``await close()``."""

    def __init__(self, source: Any, router: Router, *, sse: Optional[bool] = False) -> None:
        super().__init__(source, router, sse)
        self._iterator = self._run()

    def __aiter__(self) -> AsyncUpdateStream:
        return self

    async def __anext__(self) -> Update:
        return await self._iterator.__anext__()

    async def __aenter__(self) -> AsyncUpdateStream:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop reading: close the source (releasing the connection) and end
        the slots still open with ``TruncatedStreamError(reason="closed by the
        caller")``. Idempotent; a no-op once the stream has ended."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._iterator.aclose()
        finally:
            try:
                await self._close_source()
            finally:
                self._router.close(CLOSED_BY_CALLER)

    async def until_done(self) -> dict[Slot, Any]:
        """Read the rest of the stream; return :attr:`results`."""
        async for _ in self:
            pass
        return self.results

    async def _run(self) -> AsyncGenerator[Update, None]:
        try:
            items = await self._open()
            async for item in items:
                updates = self._route(item)
                for update in updates:
                    yield update
            tail = self._end()
        except GeneratorExit:
            raise
        except BaseException as exc:
            self._router.close(_failed(exc))
            await self._close_source()
            raise
        await self._close_source()
        for update in tail:
            yield update

    async def _open(self) -> AsyncIterator[Any]:
        source = self._source
        self._started = True
        if inspect.isawaitable(source) and not hasattr(source, "__aiter__"):
            source = self._source = await source  # e.g. client.aio...generate_content_stream()
        if hasattr(source, "aiter_bytes"):  # an httpx.Response
            self._release = source.aclose
            return source.aiter_bytes()  # type: ignore[no-any-return]
        content = getattr(source, "content", None)
        if hasattr(content, "iter_any"):  # an aiohttp.ClientResponse
            self._release = source.release
            return content.iter_any()  # type: ignore[no-any-return, union-attr]
        if not hasattr(source, "__aiter__") and hasattr(source, "__aenter__"):
            entered = await source.__aenter__()  # e.g. anthropic's messages.stream(...)
            self._release = lambda: source.__aexit__(None, None, None)
            return entered.__aiter__()  # type: ignore[no-any-return]
        if hasattr(source, "__aiter__"):
            self._release = getattr(source, "aclose", None) or getattr(source, "close", None)
            return source.__aiter__()  # type: ignore[no-any-return]
        self._release = getattr(source, "close", None)
        return _aiter(source)

    async def _close_source(self) -> None:
        release = self._take_release("aclose", "close")
        if release is not None:
            result = release()
            if inspect.isawaitable(result):
                await result


async def _aiter(items: Any) -> AsyncIterator[Any]:
    for item in items:
        yield item
