"""Stopping early closes the SDK stream: the server sees the client hang up.

Each slow transcript streams ``{"status": "ok", "items": [...120 items]}`` one
small event every few milliseconds; the caller stops as soon as ``status`` is
complete.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
from replaykit import ReplayServer
from sdk_guard import NOT_INSTALLED

anthropic = pytest.importorskip("anthropic", reason=NOT_INSTALLED.format("anthropic"))
openai = pytest.importorskip("openai", reason=NOT_INSTALLED.format("openai"))
genai = pytest.importorskip("google.genai", reason=NOT_INSTALLED.format("google.genai"))
from google.genai import types

from jsondrip import Parser
from jsondrip.sources import Slot, TruncatedStreamError, Update
from jsondrip.sources.anthropic import astream_messages, stream_messages
from jsondrip.sources.gemini import astream_generate, stream_generate
from jsondrip.sources.openai import astream_chat, stream_chat
from jsondrip.sources.sse import astream_sse

MESSAGES: Any = [{"role": "user", "content": "Go."}]
KEEP: list[Any] = []


def status_is_complete(update: Update) -> bool:
    return any(delta.op == "end" and delta.path == ("status",) for delta in update.deltas)


def assert_cancelled(replay: ReplayServer, scenario: str, results: dict[Slot, Any]) -> None:
    exchange = replay.last(scenario)
    assert exchange.wait() == "disconnected"
    assert exchange.sent < exchange.total // 4
    error = results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "closed by the caller"
    assert error.partial["status"] == "ok"


def openai_sync(replay: ReplayServer) -> tuple[Any, Callable[[Any], Any]]:
    client = openai.OpenAI(base_url=replay.url + "/v1", api_key="t", max_retries=0, timeout=10)
    stream = client.chat.completions.create(
        model="openai_chat_slow", messages=MESSAGES, stream=True
    )
    return stream, stream_chat


def anthropic_sync(replay: ReplayServer) -> tuple[Any, Callable[[Any], Any]]:
    client = anthropic.Anthropic(base_url=replay.url, api_key="t", max_retries=0, timeout=10)
    request: Any = {"model": "anthropic_slow", "max_tokens": 9, "messages": MESSAGES}
    return client.messages.stream(**request), stream_messages


def anthropic_raw_sync(replay: ReplayServer) -> tuple[Any, Callable[[Any], Any]]:
    client = anthropic.Anthropic(base_url=replay.url, api_key="t", max_retries=0, timeout=10)
    request: Any = {"model": "anthropic_slow", "max_tokens": 9, "messages": MESSAGES}
    return client.messages.create(**request, stream=True), stream_messages


def gemini_sync(replay: ReplayServer) -> tuple[Any, Callable[[Any], Any]]:
    options = types.HttpOptions(base_url=replay.url, api_version="v1beta", timeout=10_000)
    client = genai.Client(api_key="t", http_options=options)
    KEEP.append(client)  # the generator is lazy: the client must outlive this function
    return client.models.generate_content_stream(
        model="gemini_slow", contents="Go."
    ), stream_generate


SYNC = {
    "openai_chat_slow": openai_sync,
    "anthropic_slow": anthropic_sync,
    "anthropic_raw": anthropic_raw_sync,
    "gemini_slow": gemini_sync,
}


@pytest.mark.parametrize("name", sorted(SYNC))
def test_sync_with_block_closes_the_sdk_stream(replay: ReplayServer, name: str) -> None:
    source, adapter = SYNC[name](replay)
    with adapter(source) as updates:
        for update in updates:
            if status_is_complete(update):
                break
    assert_cancelled(replay, name.replace("_raw", "_slow"), updates.results)
    response = getattr(source, "response", None)
    if response is not None:  # openai / anthropic Stream objects
        assert response.is_closed


async def openai_async(replay: ReplayServer) -> Any:
    client = openai.AsyncOpenAI(base_url=replay.url + "/v1", api_key="t", max_retries=0, timeout=10)
    stream = client.chat.completions.create(
        model="openai_chat_slow", messages=MESSAGES, stream=True
    )
    return astream_chat(stream)


async def anthropic_async(replay: ReplayServer) -> Any:
    client = anthropic.AsyncAnthropic(base_url=replay.url, api_key="t", max_retries=0, timeout=10)
    request: Any = {"model": "anthropic_slow", "max_tokens": 9, "messages": MESSAGES}
    return astream_messages(client.messages.stream(**request))


async def anthropic_raw_async(replay: ReplayServer) -> Any:
    client = anthropic.AsyncAnthropic(base_url=replay.url, api_key="t", max_retries=0, timeout=10)
    request: Any = {"model": "anthropic_slow", "max_tokens": 9, "messages": MESSAGES}
    return astream_messages(await client.messages.create(**request, stream=True))


async def gemini_async(replay: ReplayServer) -> Any:
    options = types.HttpOptions(base_url=replay.url, api_version="v1beta", timeout=10_000)
    client = genai.Client(api_key="t", http_options=options)
    KEEP.append(client)
    return astream_generate(
        client.aio.models.generate_content_stream(model="gemini_slow", contents="Go.")
    )


ASYNC = {
    "openai_chat_slow": openai_async,
    "anthropic_slow": anthropic_async,
    "anthropic_raw": anthropic_raw_async,
    "gemini_slow": gemini_async,
}


def scenario_of(name: str) -> str:
    return "gemini_slow" if name == "gemini_raw" else name.replace("_raw", "_slow")


def run_async_and_stop(replay: ReplayServer, name: str) -> tuple[str, dict[Slot, Any]]:
    """Stop the async stream early; return what the server saw happen to the
    exchange while the event loop was still running, and the results."""

    async def main() -> tuple[str, dict[Slot, Any]]:
        async with await ASYNC[name](replay) as updates:
            async for update in updates:
                if status_is_complete(update):
                    break
        exchange = replay.last(scenario_of(name))
        outcome = await asyncio.to_thread(exchange.wait)
        return outcome, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("name", sorted(set(ASYNC) - {"gemini_slow"}))
def test_async_with_block_closes_the_sdk_stream(replay: ReplayServer, name: str) -> None:
    outcome, results = run_async_and_stop(replay, name)
    assert outcome == "disconnected"  # released at once, the event loop still running
    assert_cancelled(replay, scenario_of(name), results)


def test_google_genai_async_keeps_the_connection_until_the_loop_ends(replay: ReplayServer) -> None:
    """The documented limit: closing google-genai's async stream early does not
    release its connection (the SDK's nested generators fail to close the
    response); the server sends the rest. If this starts failing, the SDK was
    fixed: drop the limit from the README."""
    outcome, results = run_async_and_stop(replay, "gemini_slow")
    assert outcome == "complete"
    error = results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "closed by the caller"
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    limit = " ".join(readme.split("<!-- gemini-async-limit -->")[1].split())
    assert "client.aio.models.generate_content_stream" in limit
    assert "does not release the HTTP connection" in limit
    assert "astream_sse" in limit  # and the way around it, tested below


async def gemini_raw_async(replay: ReplayServer) -> Any:
    client = httpx.AsyncClient(timeout=10)
    KEEP.append(client)
    url = f"{replay.url}/v1beta/models/gemini_slow:streamGenerateContent?alt=sse"
    request = client.build_request("POST", url, json={"contents": []})
    response = await client.send(request, stream=True)
    return astream_sse(response, "gemini")


ASYNC["gemini_raw"] = gemini_raw_async


def test_gemini_raw_sse_async_releases_the_connection(replay: ReplayServer) -> None:
    outcome, results = run_async_and_stop(replay, "gemini_raw")
    assert outcome == "disconnected"
    assert_cancelled(replay, "gemini_slow", results)


def test_close_without_with(replay: ReplayServer) -> None:
    source, _ = openai_sync(replay)
    updates = stream_chat(source)
    for update in updates:
        if status_is_complete(update):
            updates.close()
    assert_cancelled(replay, "openai_chat_slow", updates.results)
    updates.close()  # idempotent


def test_close_before_iterating_closes_the_response(replay: ReplayServer) -> None:
    source, _ = openai_sync(replay)
    updates = stream_chat(source)
    updates.close()
    assert source.response.is_closed
    assert updates.results == {}
    assert list(updates) == []
    replay.last("openai_chat_slow").wait()


class NoMoreThan:
    """A strict slot parser: rejects an ``items`` list longer than ``limit``
    as soon as the extra element starts (an "early violation")."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parser = Parser()

    def feed(self, chunk: str, /) -> Any:
        deltas = self.parser.feed(chunk)
        for delta in deltas:
            if delta.op == "add" and delta.path[:1] == ("items",) and len(delta.path) == 2:
                if delta.path[1] >= self.limit:
                    raise ValueError(f"more than {self.limit} items")
        return deltas

    @property
    def value(self) -> Any:
        return self.parser.value

    def close(self) -> Any:
        return self.parser.close()


def test_stop_on_an_early_violation(replay: ReplayServer) -> None:
    source, _ = openai_sync(replay)
    with stream_chat(source, parser_factory=lambda slot: NoMoreThan(3)) as updates:
        for update in updates:
            if update.error is not None:
                break
    error = updates.results[Slot("content")]
    assert isinstance(error, ValueError)
    assert str(error) == "more than 3 items"
    assert update.done
    assert len(update.value["items"]) == 4  # what was parsed before the violation
    exchange = replay.last("openai_chat_slow")
    assert exchange.wait() == "disconnected"
    assert exchange.sent < exchange.total // 4
