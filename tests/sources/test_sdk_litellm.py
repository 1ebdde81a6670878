"""LiteLLM's ``completion(stream=True)`` / ``acompletion(stream=True)`` against the
replay server's OpenAI-compatible endpoint: its ``CustomStreamWrapper`` yields
OpenAI-shaped chunks, which the ``openai`` protocol reads as they are
(parallel tool calls, n=2, a length cut, UTF-8 split across TCP writes, tool
calls without ``index``); a dropped connection and cancellation too."""

from __future__ import annotations

import asyncio
import os
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch from the internet

import pytest
from replaykit import EXPECTED, Cut, ReplayServer, check_results, check_updates
from sdk_guard import NOT_INSTALLED

litellm = pytest.importorskip("litellm", reason=NOT_INSTALLED.format("litellm"))
from litellm.exceptions import MidStreamFallbackError

from jsondrip.sources import Slot, TruncatedStreamError, Update, astream, stream
from jsondrip.sources.openai import astream_chat, stream_chat

# LiteLLM's own imports warn (pydantic on its TypedDicts, deprecations): not ours.
pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
MODES = ["sync", "async"]
MESSAGES: Any = [{"role": "user", "content": "Go."}]
SCENARIOS = [
    "openai_chat_parallel_tools",
    "openai_chat_n2_structured",
    "openai_chat_length_cut",
    "openai_chat_multibyte",
    "openai_chat_no_index",
]


def request(replay: ReplayServer, scenario: str) -> dict[str, Any]:
    extra = {"n": 2} if "n2" in scenario else {}
    return {
        "model": "openai/" + scenario,
        "api_base": replay.url + "/v1",
        "api_key": "test",
        "messages": MESSAGES,
        "stream": True,
        "num_retries": 0,
        **extra,
    }


def run(replay: ReplayServer, mode: str, scenario: str, **options: Any) -> tuple[list[Update], Any]:
    if mode == "sync":
        with stream_chat(litellm.completion(**request(replay, scenario)), **options) as updates:
            seen = list(updates)
        return seen, updates.results

    async def main() -> tuple[list[Update], Any]:
        source = await litellm.acompletion(**request(replay, scenario))
        async with astream_chat(source, **options) as updates:
            seen = [update async for update in updates]
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_litellm_transcripts(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = run(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)
    for update in updates:
        assert "\ufffd" not in str(update.value)


def test_litellm_stream_recognises_the_wrapper(replay: ReplayServer) -> None:
    options, expected = EXPECTED["openai_chat_parallel_tools"]
    source = litellm.completion(**request(replay, "openai_chat_parallel_tools"))
    check_results(stream(source, **options).until_done(), expected)

    async def main() -> Any:
        source = await litellm.acompletion(**request(replay, "openai_chat_parallel_tools"))
        return await astream(source, **options).until_done()

    check_results(asyncio.run(main()), expected)


@pytest.mark.parametrize("mode", MODES)
def test_litellm_dropped_mid_event(replay: ReplayServer, mode: str) -> None:
    kept: list[Any] = []
    if mode == "sync":
        updates = stream_chat(litellm.completion(**request(replay, "openai_chat_dropped")))
        kept.append(updates)
        with pytest.raises(MidStreamFallbackError) as info, updates:
            list(updates)
    else:

        async def main() -> None:
            source = await litellm.acompletion(**request(replay, "openai_chat_dropped"))
            updates = astream_chat(source)
            kept.append(updates)
            async with updates:
                async for _ in updates:
                    pass

        with pytest.raises(MidStreamFallbackError) as info:
            asyncio.run(main())
    partial = {"answer": "The connection drops in the middle of this sentence"}
    reason = "stream failed: MidStreamFallbackError"
    assert type(info.value).__name__ == "MidStreamFallbackError"
    check_results(kept[0].results, {Slot("content"): Cut(reason, partial)})


def status_is_complete(update: Update) -> bool:
    return any(delta.op == "end" and delta.path == ("status",) for delta in update.deltas)


@pytest.mark.parametrize("mode", MODES)
def test_litellm_cancel_releases_the_connection(replay: ReplayServer, mode: str) -> None:
    if mode == "sync":
        with stream(litellm.completion(**request(replay, "openai_chat_slow"))) as updates:
            for update in updates:
                if status_is_complete(update):
                    break
        outcome = replay.last("openai_chat_slow").wait()
        results = updates.results
    else:

        async def main() -> tuple[str, Any]:
            source = await litellm.acompletion(**request(replay, "openai_chat_slow"))
            async with astream(source) as u:
                async for update in u:
                    if status_is_complete(update):
                        break
            return await asyncio.to_thread(replay.last("openai_chat_slow").wait), u.results

        outcome, results = asyncio.run(main())
    assert outcome == "disconnected"
    exchange = replay.last("openai_chat_slow")
    assert exchange.sent < exchange.total // 4
    error = results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "closed by the caller"
