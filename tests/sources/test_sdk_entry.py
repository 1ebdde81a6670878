"""``jsondrip.sources.stream`` / ``astream``: one entry point that recognises each
real SDK's stream object (or reads raw bytes given ``provider=``), typed partials
with ``model=``, and a clear error for anything it does not know."""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Iterator
from typing import Any, Optional

import httpx
import pydantic
import pytest
from replaykit import EXPECTED, ReplayServer, check_results, check_updates
from sdk_guard import NOT_INSTALLED

anthropic = pytest.importorskip("anthropic", reason=NOT_INSTALLED.format("anthropic"))
openai = pytest.importorskip("openai", reason=NOT_INSTALLED.format("openai"))
genai = pytest.importorskip("google.genai", reason=NOT_INSTALLED.format("google.genai"))
from google.genai import types

import jsondrip.sources
from jsondrip.sources import Slot, TruncatedStreamError, Update, astream, detect_provider, stream
from jsondrip.sources.openai import stream_chat

MESSAGES: Any = [{"role": "user", "content": "Go."}]


OPENED: list[Any] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


def openai_client(replay: ReplayServer) -> openai.OpenAI:
    client = openai.OpenAI(base_url=replay.url + "/v1", api_key="t", max_retries=0, timeout=10)
    OPENED.append(client)
    return client


def anthropic_client(replay: ReplayServer) -> anthropic.Anthropic:
    client = anthropic.Anthropic(base_url=replay.url, api_key="t", max_retries=0, timeout=10)
    OPENED.append(client)
    return client


def gemini_client(replay: ReplayServer) -> genai.Client:
    options = types.HttpOptions(base_url=replay.url, api_version="v1beta", timeout=10_000)
    client = genai.Client(api_key="t", http_options=options)
    OPENED.append(client)
    return client


def sync_sources(replay: ReplayServer, scenario: str) -> dict[str, Any]:
    """Every kind of sync stream object the SDKs give for ``scenario``."""
    if scenario.startswith("openai_chat"):
        client = openai_client(replay)
        return {
            "create": client.chat.completions.create(
                model=scenario, messages=MESSAGES, stream=True
            ),
            "helper": client.chat.completions.stream(model=scenario, messages=MESSAGES),
        }
    if scenario.startswith("openai_responses"):
        client = openai_client(replay)
        return {
            "create": client.responses.create(model=scenario, input="Go.", stream=True),
            "helper": client.responses.stream(model=scenario, input="Go."),
        }
    if scenario.startswith("anthropic"):
        client = anthropic_client(replay)
        request: Any = {"model": scenario, "max_tokens": 9, "messages": MESSAGES}
        return {
            "create": client.messages.create(**request, stream=True),
            "helper": client.messages.stream(**request),
        }
    client_g = gemini_client(replay)
    KEEP.append(client_g)
    return {"create": client_g.models.generate_content_stream(model=scenario, contents="Go.")}


KEEP: list[Any] = []
CLOSE: list[Any] = []
SCENARIOS = [
    "openai_chat_parallel_tools",
    "openai_chat_length_cut",
    "openai_responses_function_and_text",
    "anthropic_text_tool_use",
    "anthropic_max_tokens",
    "gemini_max_tokens",
    "gemini_function_calls",
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_stream_recognises_every_sync_sdk_stream(replay: ReplayServer, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    for kind, source in sync_sources(replay, scenario).items():
        with stream(source, **options) as updates:
            seen = list(updates)
        check_results(updates.results, expected)
        check_updates(seen, updates.results)
        assert seen, kind


async def async_sources(replay: ReplayServer, scenario: str) -> dict[str, Any]:
    if scenario.startswith("openai"):
        client = openai.AsyncOpenAI(
            base_url=replay.url + "/v1", api_key="t", max_retries=0, timeout=10
        )
        CLOSE.append(client)
        if "responses" in scenario:
            return {
                "create": client.responses.create(model=scenario, input="Go.", stream=True),
                "awaited": await client.responses.create(model=scenario, input="Go.", stream=True),
                "helper": client.responses.stream(model=scenario, input="Go."),
            }
        return {
            "create": client.chat.completions.create(
                model=scenario, messages=MESSAGES, stream=True
            ),
            "helper": client.chat.completions.stream(model=scenario, messages=MESSAGES),
        }
    if scenario.startswith("anthropic"):
        client_a = anthropic.AsyncAnthropic(
            base_url=replay.url, api_key="t", max_retries=0, timeout=10
        )
        CLOSE.append(client_a)
        request: Any = {"model": scenario, "max_tokens": 9, "messages": MESSAGES}
        return {
            "create": client_a.messages.create(**request, stream=True),
            "helper": client_a.messages.stream(**request),
        }
    client_g = gemini_client(replay)
    KEEP.append(client_g)
    CLOSE.append(client_g.aio)
    return {
        "create": client_g.aio.models.generate_content_stream(model=scenario, contents="Go."),
        "awaited": await client_g.aio.models.generate_content_stream(
            model=scenario, contents="Go."
        ),
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_astream_recognises_every_async_sdk_stream(replay: ReplayServer, scenario: str) -> None:
    options, expected = EXPECTED[scenario]

    async def main() -> None:
        for kind, source in (await async_sources(replay, scenario)).items():
            async with astream(source, **options) as updates:
                seen = [update async for update in updates]
            check_results(updates.results, expected)
            check_updates(seen, updates.results)
            assert seen, kind
        while CLOSE:
            client = CLOSE.pop()
            await (client.aclose() if hasattr(client, "aclose") else client.close())

    asyncio.run(main())


def test_raw_bytes_with_provider(replay: ReplayServer) -> None:
    body = {"model": "openai_chat_length_cut", "stream": True, "messages": MESSAGES}
    with (
        httpx.Client() as http,
        http.stream("POST", replay.url + "/v1/chat/completions", json=body) as response,
    ):
        results = stream(response, provider="openai").until_done()
    check_results(results, EXPECTED["openai_chat_length_cut"][1])
    data = (replay.last("openai_chat_length_cut").total, 0)
    assert data[0] > 0
    # A plain iterable of bytes chunks, split anywhere.
    from replaykit import TRANSCRIPTS

    raw = (TRANSCRIPTS / "openai_chat_length_cut.sse").read_bytes()
    chunks = [raw[i : i + 5] for i in range(0, len(raw), 5)]
    check_results(
        stream(chunks, provider="openai").until_done(), EXPECTED["openai_chat_length_cut"][1]
    )


def test_raw_bytes_async_with_provider(replay: ReplayServer) -> None:
    async def main() -> dict[Slot, Any]:
        body = {"model": "openai_chat_length_cut", "stream": True, "messages": MESSAGES}
        async with (
            httpx.AsyncClient() as http,
            http.stream("POST", replay.url + "/v1/chat/completions", json=body) as response,
        ):
            return await astream(response, provider="openai").until_done()

    check_results(asyncio.run(main()), EXPECTED["openai_chat_length_cut"][1])


class Recipe(pydantic.BaseModel):
    title: str
    steps: list[str]


class Weather(pydantic.BaseModel):
    city: str
    unit: str


def test_model_gives_typed_partials(replay: ReplayServer) -> None:
    client = openai_client(replay)
    source = client.chat.completions.create(
        model="openai_chat_length_cut", messages=MESSAGES, stream=True
    )
    partials: list[Any] = []
    with stream(source, model=Recipe) as updates:
        for update in updates:
            if not update.done:
                partials.append(copy.copy(update.value))
    assert all(isinstance(value, Recipe) for value in partials if value is not None)
    assert any(value is not None and value.title == "Crème brûlée" for value in partials)
    error = updates.results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "finish_reason=length"


@pytest.mark.parametrize("entry", ["stream", "stream_chat"])
def test_tool_models_type_the_named_calls(replay: ReplayServer, entry: str) -> None:
    client = openai_client(replay)
    source = client.chat.completions.create(
        model="openai_chat_parallel_tools", messages=MESSAGES, stream=True
    )
    function = stream if entry == "stream" else stream_chat
    results = function(source, content=False, tool_models={"get_weather": Weather}).until_done()
    typed = results[Slot("tool_call", 0, 0)]
    assert typed == Weather(city="Paris", unit="celsius")
    assert results[Slot("tool_call", 0, 1)] == {"timezone": "Europe/Paris"}  # not in the map


def test_model_for_the_per_provider_entry_points(replay: ReplayServer) -> None:
    client = openai_client(replay)
    source = client.chat.completions.create(
        model="openai_chat_n2_structured", messages=MESSAGES, stream=True
    )

    class Person(pydantic.BaseModel):
        name: str
        born: int
        fields: list[str]

    results = stream_chat(source, model=Person).until_done()
    assert results[Slot("content", 1)] == Person(
        name="Alan Turing", born=1912, fields=["logic", "cryptanalysis"]
    )


# -- never silent ------------------------------------------------------------------------


class NotAStream:
    pass


def sdk_objects_that_are_not_streams(replay: ReplayServer) -> list[tuple[Any, str]]:
    client = openai_client(replay)
    return [
        (client.chat.completions, "openai.resources.chat.completions.completions.Completions"),
        (client, "openai.OpenAI"),
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ([{"choices": []}], "cannot tell which provider's stream a builtins.list is"),
        (iter([b"data: {}\n\n"]), "cannot tell which provider's stream"),
        (b"data: {}\n\n", "bytes carries raw bytes: say whose events they are with provider="),
        (NotAStream(), "expected an openai Stream/AsyncStream or .stream() helper"),
    ],
)
def test_what_stream_does_not_know_raises_naming_it(source: Any, message: str) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        stream(source)


def test_an_sdk_object_that_is_not_a_stream(replay: ReplayServer) -> None:
    client = openai_client(replay)
    completion = client.chat.completions  # e.g. passing the resource by mistake
    with pytest.raises(TypeError, match=r"openai\..*Completions is not an openai stream"):
        stream(completion)
    with pytest.raises(TypeError, match=r"openai\.OpenAI is not an openai stream"):
        stream(client)
    client.close()


def test_a_raw_response_needs_a_provider(replay: ReplayServer) -> None:
    body = {"model": "openai_chat_length_cut", "stream": True, "messages": MESSAGES}
    with (
        httpx.Client() as http,
        http.stream("POST", replay.url + "/v1/chat/completions", json=body) as response,
    ):
        with pytest.raises(TypeError, match=r"Response carries raw bytes: .*provider="):
            stream(response)
        with pytest.raises(ValueError, match="unknown provider 'opnai'"):
            stream(response, provider="opnai")


def test_an_async_stream_given_to_stream(replay: ReplayServer) -> None:
    async def main() -> None:
        client = openai.AsyncOpenAI(
            base_url=replay.url + "/v1", api_key="t", max_retries=0, timeout=10
        )
        call = client.chat.completions.create(
            model="openai_chat_length_cut", messages=MESSAGES, stream=True
        )
        with pytest.raises(TypeError, match=r"is an async stream: use jsondrip\.sources\.astream"):
            stream(call)
        await astream(call).until_done()  # not leaked
        await client.close()

    asyncio.run(main())


def test_another_sdks_stream_given_to_a_provider_function(replay: ReplayServer) -> None:
    client = anthropic_client(replay)
    request: Any = {"model": "anthropic_max_tokens", "max_tokens": 9, "messages": MESSAGES}
    source = client.messages.create(**request, stream=True)
    updates = stream_chat(source)
    with pytest.raises(ValueError, match="unknown OpenAI event type 'message_start'"):
        list(updates)
    error = next(iter(updates.results.values()), None)
    assert error is None  # nothing had opened; the stream was closed
    assert source.response.is_closed


def test_detect_provider_names() -> None:
    async def agen() -> Any:
        yield 1

    gen = agen()
    with pytest.raises(TypeError, match="running test_sdk_entry"):
        detect_provider(gen)
    asyncio.run(gen.aclose())
    assert "stream" in jsondrip.sources.__all__


def first_update(updates: Any) -> Optional[Update]:
    return next(iter(updates), None)
