"""The real ``openai`` SDK, sync and async, streaming from the replay server."""

from __future__ import annotations

import asyncio
import copy
from typing import Any, Callable

import pytest
from replaykit import EXPECTED, Cut, ReplayServer, check_results, check_updates
from sdk_guard import NOT_INSTALLED

openai = pytest.importorskip("openai", reason=NOT_INSTALLED.format("openai"))


from jsondrip.sources import Slot, TruncatedStreamError, Update
from jsondrip.sources.openai import astream_chat, astream_responses, stream_chat, stream_responses

MODES = ["sync", "async"]
Run = tuple[list[Update], dict[Slot, Any]]


def sync_client(replay: ReplayServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=replay.url + "/v1", api_key="test", max_retries=0, timeout=10)


def async_client(replay: ReplayServer) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=replay.url + "/v1", api_key="test", max_retries=0, timeout=10
    )


def chat(
    replay: ReplayServer,
    mode: str,
    model: str,
    watch: Callable[[Update], None] = lambda update: None,
    **options: Any,
) -> Run:
    """Stream ``model``'s transcript through the SDK; ``watch`` sees each
    update while it is current."""
    messages: Any = [{"role": "user", "content": "Go."}]
    if mode == "sync":
        client = sync_client(replay)
        stream = client.chat.completions.create(model=model, messages=messages, stream=True)
        with stream_chat(stream, **options) as updates:
            seen = []
            for update in updates:
                watch(update)
                seen.append(update)
        client.close()
        return seen, updates.results

    async def main() -> Run:
        client = async_client(replay)
        stream = await client.chat.completions.create(model=model, messages=messages, stream=True)
        async with astream_chat(stream, **options) as updates:
            seen = []
            async for update in updates:
                watch(update)
                seen.append(update)
        await client.close()
        return seen, updates.results

    return asyncio.run(main())


def responses(replay: ReplayServer, mode: str, model: str, **options: Any) -> Run:
    if mode == "sync":
        client = sync_client(replay)
        stream = client.responses.create(model=model, input="Go.", stream=True)
        with stream_responses(stream, **options) as updates:
            seen = list(updates)
        client.close()
        return seen, updates.results

    async def main() -> Run:
        client = async_client(replay)
        # Handing over the un-awaited call works too: it is awaited on first use.
        call = client.responses.create(model=model, input="Go.", stream=True)
        async with astream_responses(call, **options) as updates:
            seen = [update async for update in updates]
        await client.close()
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "scenario",
    [
        "openai_chat_parallel_tools",
        "openai_chat_n2_structured",
        "openai_chat_length_cut",
        "openai_chat_multibyte",
        "openai_chat_no_index",
    ],
)
def test_chat_transcripts(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = chat(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)
    assert replay.last(scenario).wait() == "complete"


@pytest.mark.parametrize("mode", MODES)
def test_parallel_tool_calls_name_first_and_each_done_before_the_next(
    replay: ReplayServer, mode: str
) -> None:
    updates, _ = chat(replay, mode, "openai_chat_parallel_tools", content=False)
    tools = [update for update in updates if update.slot.kind == "tool_call"]
    for index in range(3):
        mine = [update for update in tools if update.slot.index == index]
        # The first update names the tool before any argument text.
        assert mine[0].text == ""
        assert mine[0].deltas == []
        assert not mine[0].done
        assert mine[0].slot.name is not None
        done = updates.index(mine[-1])
        if index < 2:
            # The call ended (its JSON complete) as soon as the next one began,
            # long before finish_reason: its tool can run while the next streams.
            following = [u for u in tools if u.slot.index == index + 1 and u.text]
            assert done < updates.index(following[0])


@pytest.mark.parametrize("mode", MODES)
def test_n2_choices_stream_interleaved(replay: ReplayServer, mode: str) -> None:
    snapshots: list[tuple[int, Any]] = []
    updates, _ = chat(
        replay,
        mode,
        "openai_chat_n2_structured",
        watch=lambda update: snapshots.append((update.slot.choice, copy.deepcopy(update.value))),
    )
    choices = [update.slot.choice for update in updates if update.text]
    first_done = min(i for i, update in enumerate(updates) if update.done)
    assert {0, 1} <= set(choices[:first_done])
    # Each choice's partial value, read while current, only grows to the final one.
    ada = [value for choice, value in snapshots if choice == 0 and value is not None]
    assert ada[0] != ada[-1]
    assert ada[-1]["name"] == "Ada Lovelace"
    names = [value.get("name", "") for value in ada if isinstance(value, dict)]
    assert all("Ada Lovelace".startswith(name) for name in names)
    assert len(set(names)) > 3


@pytest.mark.parametrize("mode", MODES)
def test_length_cut_is_never_silent(replay: ReplayServer, mode: str) -> None:
    updates, results = chat(replay, mode, "openai_chat_length_cut")
    error = results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    last = updates[-1]
    assert last.done
    assert last.error is error
    assert last.value == error.partial
    assert error.partial["steps"][-1] == "Whisk the yolks"


@pytest.mark.parametrize("mode", MODES)
def test_multibyte_partials_are_never_broken(replay: ReplayServer, mode: str) -> None:
    updates, _ = chat(replay, mode, "openai_chat_multibyte")
    for update in updates:
        text = str(update.value)
        assert "\ufffd" not in text
        text.encode("utf-8")  # no lone surrogate from the split \ud83d \ude00
    strings = [update.value.get("smile") for update in updates if isinstance(update.value, dict)]
    assert "\ud83d" not in strings


@pytest.mark.parametrize("mode", MODES)
def test_dropped_connection_raises_and_results_keep_the_partial(
    replay: ReplayServer, mode: str
) -> None:
    scenario = "openai_chat_dropped"
    messages: Any = [{"role": "user", "content": "Go."}]
    if mode == "sync":
        client = sync_client(replay)
        updates = stream_chat(
            client.chat.completions.create(model=scenario, messages=messages, stream=True)
        )
        with pytest.raises(openai.APIConnectionError), updates:
            for _ in updates:
                pass
        results = updates.results
        client.close()
    else:

        async def main() -> dict[Slot, Any]:
            client = async_client(replay)
            stream = await client.chat.completions.create(
                model=scenario, messages=messages, stream=True
            )
            updates = astream_chat(stream)
            with pytest.raises(openai.APIConnectionError):
                async with updates:
                    async for _ in updates:
                        pass
            await client.close()
            return updates.results

        results = asyncio.run(main())
    partial = {"answer": "The connection drops in the middle of this sentence"}
    check_results(results, {Slot("content"): Cut("stream failed: APIConnectionError", partial)})
    assert replay.last(scenario).wait() == "dropped"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "scenario", ["openai_responses_function_and_text", "openai_responses_incomplete"]
)
def test_responses_transcripts(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = responses(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)


@pytest.mark.parametrize("mode", MODES)
def test_responses_function_call_ends_at_its_done_event(replay: ReplayServer, mode: str) -> None:
    updates, _ = responses(replay, mode, "openai_responses_function_and_text", content=False)
    call = [update for update in updates if update.slot.kind == "tool_call"]
    assert call[0].slot.name == "lookup_order"
    assert call[0].text == ""
    assert call[-1].done
    assert call[-1].value == {
        "order_id": "A-1042",
        "include": ["items", "shipping"],
    }


# -- the SDK's .stream() helpers --------------------------------------------------------


def chat_helper(replay: ReplayServer, mode: str, model: str, **options: Any) -> Run:
    """Stream ``model``'s transcript through ``client.chat.completions.stream(...)``."""
    messages: Any = [{"role": "user", "content": "Go."}]
    if mode == "sync":
        client = sync_client(replay)
        manager = client.chat.completions.stream(model=model, messages=messages)
        with stream_chat(manager, **options) as updates:
            seen = list(updates)
        client.close()
        return seen, updates.results

    async def main() -> Run:
        client = async_client(replay)
        manager = client.chat.completions.stream(model=model, messages=messages)
        async with astream_chat(manager, **options) as updates:
            seen = [update async for update in updates]
        await client.close()
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "scenario",
    ["openai_chat_parallel_tools", "openai_chat_n2_structured", "openai_chat_length_cut"],
)
def test_chat_stream_helper(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = chat_helper(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)


def test_chat_stream_helper_entered_by_the_caller(replay: ReplayServer) -> None:
    client = sync_client(replay)
    messages: Any = [{"role": "user", "content": "Go."}]
    with client.chat.completions.stream(model="openai_chat_length_cut", messages=messages) as s:
        results = stream_chat(s).until_done()
    client.close()
    check_results(results, EXPECTED["openai_chat_length_cut"][1])


def responses_helper(replay: ReplayServer, mode: str, model: str, **options: Any) -> Run:
    if mode == "sync":
        client = sync_client(replay)
        with stream_responses(client.responses.stream(model=model, input="Go."), **options) as u:
            seen = list(u)
        client.close()
        return seen, u.results

    async def main() -> Run:
        client = async_client(replay)
        manager = client.responses.stream(model=model, input="Go.")
        async with astream_responses(manager, **options) as updates:
            seen = [update async for update in updates]
        await client.close()
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "scenario", ["openai_responses_function_and_text", "openai_responses_incomplete"]
)
def test_responses_stream_helper(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = responses_helper(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)


def status_is_complete(update: Update) -> bool:
    return any(delta.op == "end" and delta.path == ("status",) for delta in update.deltas)


@pytest.mark.parametrize("helper", [False, True])
@pytest.mark.parametrize("mode", MODES)
def test_responses_cancel_releases_the_connection(
    replay: ReplayServer, mode: str, helper: bool
) -> None:
    scenario = "openai_responses_slow"
    if mode == "sync":
        client = sync_client(replay)
        if helper:
            source: Any = client.responses.stream(model=scenario, input="Go.")
        else:
            source = client.responses.create(model=scenario, input="Go.", stream=True)
        with stream_responses(source) as updates:
            for update in updates:
                if status_is_complete(update):
                    break
        outcome = replay.last(scenario).wait()
        client.close()
        results = updates.results
    else:

        async def main() -> tuple[str, Any]:
            client = async_client(replay)
            if helper:
                source: Any = client.responses.stream(model=scenario, input="Go.")
            else:
                source = await client.responses.create(model=scenario, input="Go.", stream=True)
            async with astream_responses(source) as u:
                async for update in u:
                    if status_is_complete(update):
                        break
            outcome = await asyncio.to_thread(replay.last(scenario).wait)
            await client.close()
            return outcome, u.results

        outcome, results = asyncio.run(main())
    assert outcome == "disconnected"
    [error] = results.values()
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "closed by the caller"
