"""The real ``google-genai`` SDK, sync and async, streaming from the replay
server (its base URL pointed there through ``HttpOptions``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from replaykit import EXPECTED, Cut, ReplayServer, check_results, check_updates
from sdk_guard import NOT_INSTALLED

genai = pytest.importorskip("google.genai", reason=NOT_INSTALLED.format("google.genai"))
from google.genai import types

from jsondrip.sources import Slot, Update
from jsondrip.sources.gemini import astream_generate, stream_generate

MODES = ["sync", "async"]
Run = tuple[list[Update], dict[Slot, Any]]


def client(replay: ReplayServer) -> genai.Client:
    options = types.HttpOptions(base_url=replay.url, api_version="v1beta", timeout=10_000)
    return genai.Client(api_key="test", http_options=options)


def run(replay: ReplayServer, mode: str, model: str, **options: Any) -> Run:
    if mode == "sync":
        gemini = client(replay)
        stream = gemini.models.generate_content_stream(model=model, contents="Go.")
        with stream_generate(stream, **options) as updates:
            seen = list(updates)
        gemini.close()
        return seen, updates.results

    async def main() -> Run:
        gemini = client(replay)
        # The un-awaited call is accepted: it is awaited on first iteration.
        call = gemini.aio.models.generate_content_stream(model=model, contents="Go.")
        async with astream_generate(call, **options) as updates:
            seen = [update async for update in updates]
        await gemini.aio.aclose()
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", ["gemini_max_tokens", "gemini_function_calls"])
def test_transcripts(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = run(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)
    assert replay.last(scenario).wait() == "complete"
    path = replay.last(scenario).path
    assert path.endswith(f"/v1beta/models/{scenario}:streamGenerateContent?alt=sse")


@pytest.mark.parametrize("mode", MODES)
def test_prose_is_cut_too_and_thoughts_are_skipped(replay: ReplayServer, mode: str) -> None:
    updates, results = run(replay, mode, "gemini_max_tokens", content=False)
    text = '{"recipe": "Pain perdu", "ingredients": ["brioche", "œufs", "crème fraî'
    check_results(results, {Slot("content"): Cut("finish_reason=MAX_TOKENS", text)})
    assert "Planning" not in "".join(update.text for update in updates)


@pytest.mark.parametrize("mode", MODES)
def test_function_calls_arrive_whole(replay: ReplayServer, mode: str) -> None:
    updates, _ = run(replay, mode, "gemini_function_calls")
    assert [(u.slot.index, u.text == "", u.done) for u in updates] == [
        (0, True, False),
        (0, False, False),
        (0, True, True),
        (1, True, False),
        (1, False, False),
        (1, True, True),
    ]
