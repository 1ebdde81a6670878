"""The real ``mistralai`` SDK, sync and async, streaming from the replay server:
Magistral's typed content parts (thinking, then text), whole tool calls that all
say ``index: 0``, a length cut, a connection dropped mid-event, UTF-8 characters
split across TCP writes, and cancellation releasing the connection."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from replaykit import EXPECTED, Cut, ReplayServer, check_results, check_updates
from sdk_guard import NOT_INSTALLED

pytest.importorskip("mistralai.client", reason=NOT_INSTALLED.format("mistralai.client"))
from mistralai.client import Mistral

from jsondrip.sources import Slot, TruncatedStreamError, Update, astream, stream
from jsondrip.sources.mistral import astream_chat, stream_chat

MODES = ["sync", "async"]
INCOMPLETE = "peer closed connection without sending complete message body"
MESSAGES: Any = [{"role": "user", "content": "Go."}]


def client(replay: ReplayServer) -> Mistral:
    return Mistral(api_key="test", server_url=replay.url, timeout_ms=10_000)


def run(replay: ReplayServer, mode: str, model: str, **options: Any) -> tuple[list[Update], Any]:
    if mode == "sync":
        source = client(replay).chat.stream(model=model, messages=MESSAGES)
        with stream_chat(source, **options) as updates:
            seen = list(updates)
        return seen, updates.results

    async def main() -> tuple[list[Update], Any]:
        call = client(replay).chat.stream_async(model=model, messages=MESSAGES)
        async with astream_chat(call, **options) as updates:  # awaited on first use
            seen = [update async for update in updates]
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", ["mistral_magistral", "mistral_tool_calls", "mistral_length"])
def test_mistral_transcripts(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = run(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)
    for update in updates:
        assert "\ufffd" not in str(update.value)
    assert replay.last(scenario).wait() == "complete"


@pytest.mark.parametrize("mode", MODES)
def test_mistral_thinking_parts_as_reasoning(replay: ReplayServer, mode: str) -> None:
    _, results = run(replay, mode, "mistral_magistral", reasoning=True)
    assert results[Slot("reasoning")] == "Two and two make four."
    assert results[Slot("content")] == {"answer": 4, "check": "2 + 2 = 4 ✓"}


def test_mistral_stream_recognises_the_sdk_streams(replay: ReplayServer) -> None:
    expected = EXPECTED["mistral_tool_calls"][1]
    source = client(replay).chat.stream(model="mistral_tool_calls", messages=MESSAGES)
    check_results(stream(source).until_done(), expected)

    async def main() -> Any:
        call = client(replay).chat.stream_async(model="mistral_tool_calls", messages=MESSAGES)
        return await astream(await call).until_done()

    check_results(asyncio.run(main()), expected)


@pytest.mark.parametrize("mode", MODES)
def test_mistral_dropped_mid_event(replay: ReplayServer, mode: str) -> None:
    if mode == "sync":
        source = client(replay).chat.stream(model="mistral_dropped", messages=MESSAGES)
        updates: Any = stream_chat(source)
        with pytest.raises(Exception, match=INCOMPLETE), updates:  # httpx's (httpx2's)
            list(updates)
    else:

        async def main() -> Any:
            call = client(replay).chat.stream_async(model="mistral_dropped", messages=MESSAGES)
            updates = astream_chat(call)
            with pytest.raises(Exception, match=INCOMPLETE):
                async with updates:
                    async for _ in updates:
                        pass
            return updates

        updates = asyncio.run(main())
    partial = {"answer": "The connection drops in the middle of this sentence"}
    reason = "stream failed: RemoteProtocolError"
    check_results(updates.results, {Slot("content"): Cut(reason, partial)})


def status_is_complete(update: Update) -> bool:
    return any(delta.op == "end" and delta.path == ("status",) for delta in update.deltas)


@pytest.mark.parametrize("mode", MODES)
def test_mistral_cancel_releases_the_connection(replay: ReplayServer, mode: str) -> None:
    if mode == "sync":
        source = client(replay).chat.stream(model="mistral_slow", messages=MESSAGES)
        with stream_chat(source) as updates:
            for update in updates:
                if status_is_complete(update):
                    break
        outcome = replay.last("mistral_slow").wait()
        results = updates.results
    else:

        async def main() -> tuple[str, Any]:
            source = await client(replay).chat.stream_async(model="mistral_slow", messages=MESSAGES)
            async with astream_chat(source) as u:
                async for update in u:
                    if status_is_complete(update):
                        break
            return await asyncio.to_thread(replay.last("mistral_slow").wait), u.results

        outcome, results = asyncio.run(main())
    assert outcome == "disconnected"
    exchange = replay.last("mistral_slow")
    assert exchange.sent < exchange.total // 4
    error = results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "closed by the caller"
    assert error.partial["status"] == "ok"
