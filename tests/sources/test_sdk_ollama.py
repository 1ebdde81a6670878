"""The real ``ollama`` package, sync and async, streaming JSON Lines from the
replay server: content, whole tool calls, a length cut, a connection dropped
mid-line, UTF-8 characters split across TCP writes, and cancellation."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from replaykit import EXPECTED, Cut, ReplayServer, check_results, check_updates
from sdk_guard import NOT_INSTALLED

ollama = pytest.importorskip("ollama", reason=NOT_INSTALLED.format("ollama"))


from jsondrip.sources import Router, Slot, TruncatedStreamError, Update, astream, stream
from jsondrip.sources._sse import JsonLinesDecoder
from jsondrip.sources.ollama import astream_chat, stream_chat

MODES = ["sync", "async"]
MESSAGES: Any = [{"role": "user", "content": "Go."}]


def run(replay: ReplayServer, mode: str, model: str, **options: Any) -> tuple[list[Update], Any]:
    if mode == "sync":
        with (
            ollama.Client(host=replay.url, timeout=10) as client,
            stream_chat(client.chat(model=model, messages=MESSAGES, stream=True), **options) as u,
        ):
            seen = list(u)
        return seen, u.results

    async def main() -> tuple[list[Update], Any]:
        client = ollama.AsyncClient(host=replay.url, timeout=10)
        call = client.chat(model=model, messages=MESSAGES, stream=True)  # awaited on first use
        async with astream_chat(call, **options) as updates:
            seen = [update async for update in updates]
        await client.close()
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", ["ollama_chat_json", "ollama_tool_calls", "ollama_length"])
def test_ollama_transcripts(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = run(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)
    assert replay.last(scenario).wait() == "complete"


@pytest.mark.parametrize("mode", MODES)
def test_ollama_reasoning_and_split_utf8(replay: ReplayServer, mode: str) -> None:
    updates, results = run(replay, mode, "ollama_chat_json", reasoning=True)
    assert results[Slot("reasoning")] == "The user wants JSON."
    for update in updates:
        assert "\ufffd" not in str(update.value)


@pytest.mark.parametrize("mode", MODES)
def test_ollama_dropped_mid_line(replay: ReplayServer, mode: str) -> None:
    # The package's own error: httpx's for the missing last chunk.
    with pytest.raises((httpx.HTTPError, ValueError)) as info:
        run_raising(replay, mode)
    results = RESULTS.pop()
    partial = {"answer": "The connection drops in the middle of this sentence"}
    check_results(
        results, {Slot("content"): Cut(f"stream failed: {type(info.value).__name__}", partial)}
    )
    assert replay.last("ollama_dropped").wait() == "dropped"


RESULTS: list[Any] = []


def run_raising(replay: ReplayServer, mode: str) -> None:
    if mode == "sync":
        client = ollama.Client(host=replay.url, timeout=10)
        updates = stream_chat(client.chat(model="ollama_dropped", messages=MESSAGES, stream=True))
        RESULTS.append(updates.results)
        try:
            with updates:
                list(updates)
        finally:
            client.close()
        return

    async def main() -> None:
        client = ollama.AsyncClient(host=replay.url, timeout=10)
        updates = astream(client.chat(model="ollama_dropped", messages=MESSAGES, stream=True))
        RESULTS.append(updates.results)
        try:
            async with updates:
                async for _ in updates:
                    pass
        finally:
            await client.close()

    asyncio.run(main())


def status_is_complete(update: Update) -> bool:
    return any(delta.op == "end" and delta.path == ("status",) for delta in update.deltas)


@pytest.mark.parametrize("mode", MODES)
def test_ollama_cancel_releases_the_connection(replay: ReplayServer, mode: str) -> None:
    if mode == "sync":
        client = ollama.Client(host=replay.url, timeout=10)
        with stream(client.chat(model="ollama_slow", messages=MESSAGES, stream=True)) as updates:
            for update in updates:
                if status_is_complete(update):
                    break
        outcome = replay.last("ollama_slow").wait()
        client.close()
    else:

        async def main() -> str:
            client = ollama.AsyncClient(host=replay.url, timeout=10)
            source = await client.chat(model="ollama_slow", messages=MESSAGES, stream=True)
            async with astream(source) as u:
                async for update in u:
                    if status_is_complete(update):
                        break
            RESULTS.append(u.results)
            outcome = await asyncio.to_thread(replay.last("ollama_slow").wait)
            await client.close()
            return outcome

        outcome = asyncio.run(main())
        updates = RESULTS.pop()
    results = updates.results if mode == "sync" else updates  # type: ignore[union-attr]
    assert outcome == "disconnected"
    exchange = replay.last("ollama_slow")
    assert exchange.sent < exchange.total // 4
    error = results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "closed by the caller"
    assert error.partial["status"] == "ok"


@pytest.mark.parametrize("mode", MODES)
def test_ollama_raw_json_lines_with_httpx(replay: ReplayServer, mode: str) -> None:
    body = {"model": "ollama_chat_json", "messages": MESSAGES, "stream": True}
    url = replay.url + "/api/chat"
    if mode == "sync":
        with httpx.Client() as http, http.stream("POST", url, json=body) as response:
            results = stream(response, provider="ollama").until_done()
    else:

        async def main() -> Any:
            async with httpx.AsyncClient() as http, http.stream("POST", url, json=body) as r:
                return await astream(r, provider="ollama").until_done()

        results = asyncio.run(main())
    check_results(results, EXPECTED["ollama_chat_json"][1])


def test_json_lines_decoder_splits_anywhere() -> None:
    data = '{"a": "é"}\r\n\n{"b": 2}\n{"c": '.encode()
    for size in range(1, len(data) + 1):
        decoder = JsonLinesDecoder()
        lines: list[str] = []
        for start in range(0, len(data), size):
            lines += decoder.feed(data[start : start + size])
        assert decoder.close() == []
        assert [json.loads(line) for line in lines] == [{"a": "é"}, {"b": 2}], size
        assert decoder.discarded


def test_an_error_line_cuts_the_stream() -> None:
    router = Router("ollama")
    router.feed({"message": {"role": "assistant", "content": '{"a": '}, "done": False})
    router.feed({"error": "model runner crashed"})
    error = router.results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "error: model runner crashed"
    with pytest.raises(TypeError, match="not an Ollama stream object"):
        Router("ollama").feed({"choices": []})
