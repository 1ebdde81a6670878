"""The real ``cohere`` SDK (``ClientV2`` / ``AsyncClientV2``) streaming v2 chat
events from the replay server: JSON content split inside UTF-8 characters,
a tool plan then tool calls whose arguments arrive in ``tool-call-delta``
fragments (one parser per call), a MAX_TOKENS cut, a connection dropped
mid-event, and cancellation releasing the connection."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from replaykit import EXPECTED, Cut, ReplayServer, check_results, check_updates
from sdk_guard import NOT_INSTALLED

cohere = pytest.importorskip("cohere", reason=NOT_INSTALLED.format("cohere"))


from jsondrip.sources import Router, Slot, TruncatedStreamError, Update, astream, stream
from jsondrip.sources.cohere import astream_chat, stream_chat

MODES = ["sync", "async"]
MESSAGES: Any = [{"role": "user", "content": "Go."}]
INCOMPLETE = "peer closed connection without sending complete message body"


OPENED: list[Any] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


def sync_client(replay: ReplayServer) -> cohere.ClientV2:
    http = httpx.Client(timeout=10)
    OPENED.append(http)
    return cohere.ClientV2(api_key="test", base_url=replay.url, httpx_client=http)


def async_client(replay: ReplayServer) -> cohere.AsyncClientV2:
    # Made inside the event loop; closed with it by aclose_all().
    http = httpx.AsyncClient(timeout=10)
    ASYNC_OPENED.append(http)
    return cohere.AsyncClientV2(api_key="test", base_url=replay.url, httpx_client=http)


ASYNC_OPENED: list[Any] = []


async def aclose_all() -> None:
    while ASYNC_OPENED:
        await ASYNC_OPENED.pop().aclose()


def run(replay: ReplayServer, mode: str, model: str, **options: Any) -> tuple[list[Update], Any]:
    if mode == "sync":
        source = sync_client(replay).chat_stream(model=model, messages=MESSAGES)
        with stream_chat(source, **options) as updates:
            seen = list(updates)
        return seen, updates.results

    async def main() -> tuple[list[Update], Any]:
        source = async_client(replay).chat_stream(model=model, messages=MESSAGES)
        async with astream_chat(source, **options) as updates:
            seen = [update async for update in updates]
        await aclose_all()
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", ["cohere_json", "cohere_tool_calls", "cohere_max_tokens"])
def test_cohere_transcripts(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = run(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)
    for update in updates:
        assert "\ufffd" not in str(update.value)
    assert replay.last(scenario).wait() == "complete"


def test_cohere_tool_plan_and_names_first(replay: ReplayServer) -> None:
    updates, results = run(replay, "sync", "cohere_tool_calls", reasoning=True)
    plan = results[Slot("reasoning", 0, -1)]
    assert plan == "I will look up the weather and the time."
    calls = [update for update in updates if update.slot.kind == "tool_call"]
    assert calls[0].slot.name == "get_weather"
    assert calls[0].text == ""
    # The first call ended (tool-call-end, its JSON complete) before the second began.
    first_done = next(u for u in calls if u.done)
    assert first_done.slot.index == 0
    assert updates.index(first_done) < updates.index(next(u for u in calls if u.slot.index == 1))


def test_cohere_stream_recognises_the_sdk_generators(replay: ReplayServer) -> None:
    expected = EXPECTED["cohere_tool_calls"][1]
    source = sync_client(replay).chat_stream(model="cohere_tool_calls", messages=MESSAGES)
    check_results(stream(source).until_done(), expected)

    async def main() -> Any:
        source = async_client(replay).chat_stream(model="cohere_tool_calls", messages=MESSAGES)
        results = await astream(source).until_done()
        await aclose_all()
        return results

    check_results(asyncio.run(main()), expected)


@pytest.mark.parametrize("mode", MODES)
def test_cohere_dropped_mid_event(replay: ReplayServer, mode: str) -> None:
    if mode == "sync":
        source = sync_client(replay).chat_stream(model="cohere_dropped", messages=MESSAGES)
        updates: Any = stream_chat(source)
        with pytest.raises(Exception, match=INCOMPLETE), updates:  # httpx's
            list(updates)
    else:

        async def main() -> Any:
            source = async_client(replay).chat_stream(model="cohere_dropped", messages=MESSAGES)
            updates = astream_chat(source)
            with pytest.raises(Exception, match=INCOMPLETE):
                async with updates:
                    async for _ in updates:
                        pass
            await aclose_all()
            return updates

        updates = asyncio.run(main())
    partial = {"answer": "The connection drops in the middle of this sentence"}
    reason = "stream failed: RemoteProtocolError"
    check_results(updates.results, {Slot("content", 0, 0): Cut(reason, partial)})


def status_is_complete(update: Update) -> bool:
    return any(delta.op == "end" and delta.path == ("status",) for delta in update.deltas)


@pytest.mark.parametrize("mode", MODES)
def test_cohere_cancel_releases_the_connection(replay: ReplayServer, mode: str) -> None:
    if mode == "sync":
        source = sync_client(replay).chat_stream(model="cohere_slow", messages=MESSAGES)
        with stream_chat(source) as updates:
            for update in updates:
                if status_is_complete(update):
                    break
        outcome = replay.last("cohere_slow").wait()
        results = updates.results
    else:

        async def main() -> tuple[str, Any]:
            source = async_client(replay).chat_stream(model="cohere_slow", messages=MESSAGES)
            async with astream_chat(source) as u:
                async for update in u:
                    if status_is_complete(update):
                        break
            outcome = await asyncio.to_thread(replay.last("cohere_slow").wait)
            await aclose_all()
            return outcome, u.results

        outcome, results = asyncio.run(main())
    assert outcome == "disconnected"
    exchange = replay.last("cohere_slow")
    assert exchange.sent < exchange.total // 4
    error = results[Slot("content", 0, 0)]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "closed by the caller"
    assert error.partial["status"] == "ok"


def test_cohere_unknown_events_raise() -> None:
    with pytest.raises(ValueError, match="unknown Cohere chat stream event 'hologram'"):
        Router("cohere").feed({"type": "hologram"})
    with pytest.raises(TypeError, match="not a Cohere v2 chat stream event"):
        Router("cohere").feed({"choices": []})
