"""jsondrip.web: patch streams over SSE, against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, Callable, Optional

import pytest
from hypothesis import given

pytest.importorskip("starlette", reason="the web extra (starlette) is not installed")
httpx = pytest.importorskip("httpx")

from pydantic import BaseModel, Field  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from jsondrip import Parser  # noqa: E402
from jsondrip.patch import PatchState  # noqa: E402
from jsondrip.pydantic import TypedParser  # noqa: E402
from jsondrip.sources import SSEDecoder, SSEEvent  # noqa: E402
from jsondrip.sources.openai import astream_chat, stream_chat  # noqa: E402
from jsondrip.testing import json_streams  # noqa: E402
from jsondrip.web import PatchFeeder, PatchResponse, patch_events  # noqa: E402

TEXT = '{"title": "Crème brûlée", "steps": ["Heat the oven", "Whisk"], "servings": 4}'
CHUNKS = [TEXT[i : i + 5] for i in range(0, len(TEXT), 5)]


class Recipe(BaseModel):
    title: str
    steps: list[str] = Field(min_length=1)
    servings: int
    vegetarian: bool = True  # not in TEXT: the validated value differs


def _events(data: bytes) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events = decoder.feed(data)
    decoder.close()
    return events


def _replay(events: list[SSEEvent]) -> tuple[Any, Optional[SSEEvent]]:
    """Apply the patch messages like the page does; return the value and the last event."""
    state = PatchState()
    for event in events:
        if event.event in ("done", "error"):
            return state.value, event
        state.apply(json.loads(event.data))
    return state.value, None


def _feed_all(feeder: PatchFeeder, items: list[Any]) -> bytes:
    return b"".join(feeder.feed(item) for item in items) + feeder.end()


# -- sans-I/O ---------------------------------------------------------------------


def test_text_chunks_become_patch_events_then_done() -> None:
    value, last = _replay(_events(_feed_all(PatchFeeder(), CHUNKS)))
    assert value == json.loads(TEXT)
    assert last is not None
    assert (last.event, last.data) == ("done", "{}")


def test_every_message_is_one_data_line() -> None:
    data = _feed_all(PatchFeeder(), ['["a', "\\n\\u2028b", '"]'])
    assert data.count(b"\n\n") == len(_events(data))
    assert all(line.startswith((b"data: ", b"event: ")) for line in data.split(b"\n") if line)


def test_a_truncated_stream_ends_with_an_error_event_and_its_position() -> None:
    value, last = _replay(_events(_feed_all(PatchFeeder(), ['{"title": "Crè', "me"])))
    assert value == {"title": "Crème"}
    assert last is not None
    assert last.event == "error"
    details = json.loads(last.data)
    assert details["type"] == "IncompleteJSONError"
    assert (details["offset"], details["line"], details["column"]) == (16, 1, 17)
    assert "end of input" in details["message"]


def test_invalid_json_keeps_what_came_before_the_error() -> None:
    feeder = PatchFeeder()
    value, last = _replay(_events(_feed_all(feeder, ['{"a": [1, 2', "x]}"])))
    assert value == {"a": [1, 2]}
    assert last is not None
    assert json.loads(last.data)["column"] == 12
    assert feeder.finished
    assert feeder.feed("more") == b""


def test_a_typed_parser_validates_and_resyncs_the_final_value() -> None:
    value, last = _replay(_events(_feed_all(PatchFeeder(TypedParser(Recipe)), CHUNKS)))
    assert value == {**json.loads(TEXT), "vegetarian": True}
    assert last is not None
    assert last.event == "done"


def test_an_early_validation_error_is_an_error_event_with_its_path() -> None:
    feeder = PatchFeeder(TypedParser(Recipe))
    value, last = _replay(_events(_feed_all(feeder, ['{"title": "x", "steps": [], "serv'])))
    assert value == {"title": "x", "steps": []}
    assert last is not None
    details = json.loads(last.data)
    assert (last.event, details["type"], details["path"]) == ("error", "ValidationError", "/steps")
    assert "steps" in details["message"]


def _chat_chunks(texts: list[str], finish: Optional[str]) -> Iterator[dict[str, Any]]:
    for text in texts:
        yield {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    if finish is not None:
        yield {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}


def test_a_sources_stream_sends_its_json_slot() -> None:
    updates = stream_chat(_chat_chunks(CHUNKS, "stop"))
    value, last = _replay(_events(_feed_all(PatchFeeder(), list(updates))))
    assert value == json.loads(TEXT)
    assert last is not None
    assert last.event == "done"


def test_a_cut_llm_stream_reaches_the_page_as_an_error_with_its_reason() -> None:
    updates = stream_chat(_chat_chunks(CHUNKS[:5], "length"))
    value, last = _replay(_events(_feed_all(PatchFeeder(), list(updates))))
    assert value == {"title": "Crème brûlée"}
    assert last is not None
    details = json.loads(last.data)
    assert (last.event, details["type"]) == ("error", "TruncatedStreamError")
    assert details["reason"] == "finish_reason=length"
    assert details["line"] == 1


def test_strict_mode_sends_rfc6902_operations() -> None:
    events = _events(_feed_all(PatchFeeder(strict=True), CHUNKS))
    messages = [json.loads(event.data) for event in events if event.event == "message"]
    assert {message["op"] for message in messages} == {"add", "replace"}
    assert _replay(events)[0] == json.loads(TEXT)


# -- over HTTP, against uvicorn ---------------------------------------------------


def _app(endpoint: Callable[[Request], Any]) -> Starlette:
    return Starlette(routes=[Route("/stream", endpoint)])


def _get(url: str) -> tuple[httpx.Response, bytes]:
    with httpx.Client(timeout=30) as client, client.stream("GET", url) as response:
        return response, response.read()


@pytest.mark.parametrize("kind", ["sync", "async", "sources", "async sources"])
def test_uvicorn_streams_every_source_kind(serve: Any, kind: str) -> None:
    async def chunks() -> AsyncIterator[str]:
        for chunk in CHUNKS:
            await asyncio.sleep(0)
            yield chunk

    async def chat() -> AsyncIterator[dict[str, Any]]:
        for chunk in _chat_chunks(CHUNKS, "stop"):
            yield chunk

    def endpoint(request: Request) -> Response:
        if kind == "sync":
            return PatchResponse(iter(CHUNKS), parser=TypedParser(Recipe))
        if kind == "async":
            return PatchResponse(chunks())
        if kind == "sources":
            return PatchResponse(stream_chat(_chat_chunks(CHUNKS, "stop")))
        return PatchResponse(astream_chat(chat()))

    server = serve(_app(endpoint))
    response, body = _get(server.url + "/stream")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    value, last = _replay(_events(body))
    expected = json.loads(TEXT)
    if kind == "sync":
        expected["vegetarian"] = True
    assert value == expected
    assert last is not None
    assert last.event == "done"


def test_heartbeats_while_the_upstream_is_silent(serve: Any) -> None:
    release = threading.Event()

    async def slow() -> AsyncIterator[str]:
        yield '{"a": '
        while not release.is_set():  # until the client has seen a heartbeat
            await asyncio.sleep(0.01)
        yield "1}"

    server = serve(_app(lambda request: PatchResponse(slow(), heartbeat=0.05)))
    received = b""
    with (
        httpx.Client(timeout=30) as client,
        client.stream("GET", server.url + "/stream") as response,
    ):
        for data in response.iter_bytes():
            received += data
            if b": keep-alive\n\n" in received:
                release.set()
    assert release.is_set()
    assert _replay(_events(received))[0] == {"a": 1}


def _disconnect_after_first_event(url: str) -> None:
    with httpx.Client(timeout=30) as client, client.stream("GET", url) as response:
        for data in response.iter_bytes():
            if b"\n\n" in data:
                break  # leaving the block closes the connection


def test_a_disconnect_cancels_an_async_upstream(serve: Any) -> None:
    closed = threading.Event()

    async def endless() -> AsyncIterator[str]:
        try:
            yield '{"story": "once'
            while True:
                await asyncio.sleep(3600)
                yield " upon a time"
        finally:
            closed.set()

    server = serve(_app(lambda request: PatchResponse(endless(), heartbeat=None)))
    _disconnect_after_first_event(server.url + "/stream")
    assert closed.wait(timeout=30)


def test_a_disconnect_closes_a_sync_upstream_once_its_call_returns(serve: Any) -> None:
    closed = threading.Event()
    gate = threading.Event()

    def blocking() -> Iterator[str]:
        try:
            yield '{"story": "once'
            gate.wait(timeout=60)  # a blocking SDK read
            while True:
                yield " upon a time"
        finally:
            closed.set()

    server = serve(_app(lambda request: PatchResponse(blocking(), heartbeat=None)))
    _disconnect_after_first_event(server.url + "/stream")
    time.sleep(0.2)  # let the server notice the disconnect while next() is blocked
    assert not closed.is_set()
    gate.set()
    assert closed.wait(timeout=30)


def test_a_disconnect_closes_the_sdk_stream_behind_a_sources_stream(serve: Any) -> None:
    closed = threading.Event()

    async def chat() -> AsyncIterator[dict[str, Any]]:
        try:
            yield next(_chat_chunks(['{"story": "once'], None))
            await asyncio.sleep(3600)
        finally:
            closed.set()

    server = serve(_app(lambda request: PatchResponse(astream_chat(chat()), heartbeat=None)))
    _disconnect_after_first_event(server.url + "/stream")
    assert closed.wait(timeout=30)


def test_an_upstream_failure_is_an_error_event(serve: Any) -> None:
    async def failing() -> AsyncIterator[str]:
        yield '{"a": "b'
        raise ConnectionError("the LLM went away")

    server = serve(_app(lambda request: PatchResponse(failing())))
    value, last = _replay(_events(_get(server.url + "/stream")[1]))
    assert value == {"a": "b"}
    assert last is not None
    assert json.loads(last.data) == {"type": "ConnectionError", "message": "the LLM went away"}


def test_patch_events_is_usable_without_starlette_response() -> None:
    async def collect() -> bytes:
        out = b""
        async for data in patch_events(iter(CHUNKS), parser=Parser()):
            out += data
        return out

    assert _replay(_events(asyncio.run(collect())))[0] == json.loads(TEXT)


def test_without_the_extra_the_import_error_names_the_install_command() -> None:
    import subprocess
    import sys

    code = "import sys; sys.modules['starlette'] = None; import jsondrip.web"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 1
    assert 'pip install "jsondrip[web]"' in result.stderr


@given(json_streams(as_bytes=True))
def test_the_event_stream_rebuilds_every_document_in_any_chunking(
    case: tuple[str, list[Any]],
) -> None:
    text, chunks = case
    value, last = _replay(_events(_feed_all(PatchFeeder(), chunks)))
    assert last is not None
    assert (last.event, value) == ("done", json.loads(text))


def test_blocked_sync_upstreams_do_not_starve_the_others(serve: Any) -> None:
    """Each sync source blocks a thread of its own, not one of a shared pool
    (the default executor has at most 32 threads)."""
    import contextlib

    gate = threading.Event()

    def blocking() -> Iterator[str]:
        yield '{"story": "once'
        gate.wait(timeout=60)
        yield '"}'

    def endpoint(request: Request) -> Response:
        if request.query_params.get("block"):
            return PatchResponse(blocking(), heartbeat=None)
        return PatchResponse(iter(CHUNKS))

    server = serve(_app(endpoint))
    limits = httpx.Limits(max_connections=60, max_keepalive_connections=0)
    try:
        with httpx.Client(timeout=30, limits=limits) as client, contextlib.ExitStack() as stack:
            for _ in range(40):
                response = stack.enter_context(client.stream("GET", server.url + "/stream?block=1"))
                assert b"\n\n" in next(response.iter_bytes())
            value, last = _replay(_events(client.get(server.url + "/stream").content))
            assert last is not None
            assert (last.event, value) == ("done", json.loads(TEXT))
    finally:
        gate.set()
