"""Raw SSE with ``httpx``, sync and async, from the same replay server: the
same transcripts give the same results as through the SDKs."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from replaykit import EXPECTED, TRANSCRIPTS, Cut, ReplayServer, check_results, check_updates

from jsondrip.sources import Slot, SSEText, Update
from jsondrip.sources.sse import astream_sse, stream_sse

MODES = ["sync", "async"]
Run = tuple[list[Update], dict[Slot, Any]]


def provider(scenario: str) -> str:
    return scenario.split("_", 1)[0]


def request(replay: ReplayServer, scenario: str) -> dict[str, Any]:
    if provider(scenario) == "gemini":
        url = f"{replay.url}/v1beta/models/{scenario}:streamGenerateContent?alt=sse"
        return {"method": "POST", "url": url, "json": {"contents": []}}
    return {"method": "POST", "url": replay.url + "/v1/any", "json": {"model": scenario}}


def run(replay: ReplayServer, mode: str, scenario: str, **options: Any) -> Run:
    if mode == "sync":
        with (
            httpx.Client(timeout=10) as client,
            client.stream(**request(replay, scenario)) as response,
            stream_sse(response, provider(scenario), **options) as updates,
        ):
            seen = list(updates)
        assert response.is_closed
        return seen, updates.results

    async def main() -> Run:
        async with (
            httpx.AsyncClient(timeout=10) as client,
            client.stream(**request(replay, scenario)) as response,
            astream_sse(response, provider(scenario), **options) as updates,
        ):
            seen = [update async for update in updates]
        assert response.is_closed
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_transcripts(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = run(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)


@pytest.mark.parametrize("mode", MODES)
def test_dropped_connection(replay: ReplayServer, mode: str) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        run(replay, mode, "openai_chat_dropped")


def test_dropped_connection_results() -> None:
    # The same cut read from chunks that simply stop: no exception, the
    # stream just ends without finish_reason.
    data = (TRANSCRIPTS / "openai_chat_dropped.sse").read_bytes()
    updates = stream_sse([data[i : i + 50] for i in range(0, len(data), 50)], "openai")
    results = updates.until_done()
    partial = {"answer": "The connection drops in the middle of this sentence"}
    check_results(results, {Slot("content"): Cut("stream ended without finish_reason", partial)})
    assert updates.router.closed


@pytest.mark.parametrize("mode", MODES)
def test_close_releases_the_connection(replay: ReplayServer, mode: str) -> None:
    def status_done(update: Update) -> bool:
        return any(d.op == "end" and d.path == ("status",) for d in update.deltas)

    if mode == "sync":
        with (
            httpx.Client(timeout=10) as client,
            client.stream(**request(replay, "openai_chat_slow")) as response,
        ):
            updates = stream_sse(response, "openai")
            for update in updates:
                if status_done(update):
                    updates.close()
            assert response.is_closed
    else:

        async def main() -> None:
            async with (
                httpx.AsyncClient(timeout=10) as client,
                client.stream(**request(replay, "openai_chat_slow")) as response,
            ):
                updates = astream_sse(response, "openai")
                async for update in updates:
                    if status_done(update):
                        await updates.close()
                assert response.is_closed

        asyncio.run(main())
    exchange = replay.last("openai_chat_slow")
    assert exchange.wait() == "disconnected"
    assert exchange.sent < exchange.total // 4


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_sse_text_gives_each_slots_json_text(replay: ReplayServer, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    reader = SSEText(provider(scenario))
    pieces: list[tuple[Slot, str]] = []
    with (
        httpx.Client(timeout=10) as client,
        client.stream(**request(replay, scenario)) as response,
    ):
        for data in response.iter_bytes():
            pieces += reader.feed(data)
    pieces += reader.close()
    texts: dict[Slot, str] = {}
    for slot, text in pieces:
        texts[slot] = texts.get(slot, "") + text
    assert set(texts) == set(expected)
    updates, _ = run(replay, "sync", scenario, **options)
    for slot, text in texts.items():
        assert text == "".join(update.text for update in updates if update.slot == slot)
    assert reader.truncated == {
        slot: want.reason for slot, want in expected.items() if isinstance(want, Cut)
    }
