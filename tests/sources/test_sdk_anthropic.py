"""The real ``anthropic`` SDK, sync and async, raw ``stream=True`` and the
``messages.stream()`` helper, streaming from the replay server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from replaykit import EXPECTED, ReplayServer, check_results, check_updates
from sdk_guard import NOT_INSTALLED

anthropic = pytest.importorskip("anthropic", reason=NOT_INSTALLED.format("anthropic"))


from jsondrip.sources import Slot, Update
from jsondrip.sources.anthropic import astream_messages, stream_messages

MODES = ["sync", "async"]
# raw: messages.create(stream=True); manager: messages.stream(...) handed over
# as is; entered: the MessageStream from `with messages.stream(...) as stream`.
KINDS = ["raw", "manager", "entered"]
Run = tuple[list[Update], dict[Slot, Any]]
MESSAGES: Any = [{"role": "user", "content": "Go."}]


def run(replay: ReplayServer, mode: str, kind: str, model: str, **options: Any) -> Run:
    request: Any = {"model": model, "max_tokens": 1024, "messages": MESSAGES}
    if mode == "sync":
        client = anthropic.Anthropic(base_url=replay.url, api_key="test", max_retries=0, timeout=10)
        if kind == "entered":
            with (
                client.messages.stream(**request) as stream,
                stream_messages(stream, **options) as updates,
            ):
                seen = list(updates)
        else:
            source = (
                client.messages.create(**request, stream=True)
                if kind == "raw"
                else client.messages.stream(**request)
            )
            with stream_messages(source, **options) as updates:
                seen = list(updates)
        client.close()
        return seen, updates.results

    async def main() -> Run:
        client = anthropic.AsyncAnthropic(
            base_url=replay.url, api_key="test", max_retries=0, timeout=10
        )
        if kind == "entered":
            async with (
                client.messages.stream(**request) as stream,
                astream_messages(stream, **options) as updates,
            ):
                seen = [update async for update in updates]
        else:
            source = (
                await client.messages.create(**request, stream=True)
                if kind == "raw"
                else client.messages.stream(**request)
            )
            async with astream_messages(source, **options) as updates:
                seen = [update async for update in updates]
        await client.close()
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "scenario", ["anthropic_text_tool_use", "anthropic_max_tokens", "anthropic_dropped"]
)
def test_transcripts(replay: ReplayServer, mode: str, kind: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = run(replay, mode, kind, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)
    assert replay.last(scenario).wait() == "complete"


@pytest.mark.parametrize("mode", MODES)
def test_tool_use_blocks_open_with_their_name_and_end_at_content_block_stop(
    replay: ReplayServer, mode: str
) -> None:
    updates, _ = run(replay, mode, "raw", "anthropic_text_tool_use", content=False)
    tools = [update for update in updates if update.slot.kind == "tool_call"]
    opened = [update for update in tools if update.text == "" and not update.done]
    assert [update.slot.name for update in opened] == ["get_weather", "get_time", "get_location"]
    # Block 1 is done before block 2 opens: message_stop is not waited for.
    done_1 = updates.index(next(u for u in tools if u.done and u.slot.index == 1))
    assert done_1 < updates.index(opened[1])
    # The prose block is passed through as text and ends with the message.
    prose = [update for update in updates if update.slot.kind == "content"]
    assert "".join(update.text for update in prose) == prose[-1].value
    assert all(update.deltas == [] for update in prose)


@pytest.mark.parametrize("mode", MODES)
def test_structured_text_block_as_json(replay: ReplayServer, mode: str) -> None:
    # The same prose block with content=True is not JSON: that slot fails, the
    # tool calls do not.
    _, results = run(replay, mode, "raw", "anthropic_text_tool_use")
    assert isinstance(results[Slot("content", 0, 0)], ValueError)
    assert results[Slot("tool_call", 0, 3)] == {}


def test_a_manager_that_is_never_iterated_sends_no_request(replay: ReplayServer) -> None:
    client = anthropic.Anthropic(base_url=replay.url, api_key="test", max_retries=0, timeout=10)
    before = len(replay.exchanges)
    manager = client.messages.stream(model="anthropic_max_tokens", max_tokens=8, messages=MESSAGES)
    updates = stream_messages(manager)
    updates.close()
    assert len(replay.exchanges) == before
    assert updates.results == {}
    client.close()
