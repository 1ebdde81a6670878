"""The sans-I/O router, event by event: slots, cuts, errors, every provider."""

from __future__ import annotations

import asyncio
import enum
import json
import pickle
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from jsondrip import IncompleteJSONError, JSONStreamError, Parser, StreamClosedError
from jsondrip.sources import (
    EventProtocol,
    Router,
    Slot,
    SSEEvent,
    SSEText,
    TruncatedStreamError,
    Update,
)
from jsondrip.sources.openai import stream_chat
from jsondrip.sources.sse import astream_sse, stream_sse


def feed_all(router: Router, events: list[Any]) -> list[Update]:
    updates: list[Update] = []
    for event in events:
        updates += router.feed(event)
    return updates + router.close()


def chat(*choices: dict[str, Any]) -> dict[str, Any]:
    return {"object": "chat.completion.chunk", "choices": list(choices)}


def content(text: str, index: int = 0, finish: Any = None) -> dict[str, Any]:
    return {"index": index, "delta": {"content": text}, "finish_reason": finish}


def finish(reason: str, index: int = 0) -> dict[str, Any]:
    return {"index": index, "delta": {}, "finish_reason": reason}


def tool(index: int, arguments: str, call_id: Any = None, name: Any = None) -> dict[str, Any]:
    call: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if call_id:
        call.update(id=call_id, type="function")
        call["function"]["name"] = name
    return {"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": None}


# -- Slot, TruncatedStreamError, Update -------------------------------------------------


def test_slots_are_equal_by_position_not_by_id_or_name() -> None:
    named = Slot("tool_call", 0, 1, "call_1", "get_weather")
    assert named == Slot("tool_call", 0, 1)
    assert hash(named) == hash(Slot("tool_call", 0, 1))
    assert named != Slot("tool_call", 0, 2, "call_1", "get_weather")
    assert named != Slot("content", 0, 1)
    assert {named: 1}[Slot("tool_call", 0, 1)] == 1
    with pytest.raises(AttributeError):
        named.name = "other"  # type: ignore[misc]


def test_truncated_stream_error_is_an_incomplete_json_error_and_pickles() -> None:
    error = TruncatedStreamError("stream cut (x)", 3, 1, 4, partial={"a": 1}, reason="x")
    assert isinstance(error, IncompleteJSONError)
    assert isinstance(error, ValueError)
    again = pickle.loads(pickle.dumps(error))
    assert (again.reason, again.partial, again.offset, str(again)) == (
        "x",
        {"a": 1},
        3,
        str(error),
    )


def test_update_value_is_live_until_done() -> None:
    router = Router("openai")
    [first] = router.feed(chat(content('{"a": "x')))
    assert first.value == {"a": "x"}
    router.feed(chat(content('yz"')))
    assert first.value == {"a": "xyz"}  # the live parser value, read now
    [done] = router.feed(chat(finish("stop")))
    assert done.done
    assert done.value == {"a": "xyz"}
    assert "done=True" in repr(done)
    assert repr(first).startswith("Update(Slot(kind='content'")


# -- OpenAI Chat Completions -------------------------------------------------------------


def test_prose_content_and_refusal_are_text() -> None:
    router = Router("openai", content=False)
    updates = feed_all(
        router,
        [
            chat(content("Hello"), {"index": 1, "delta": {"refusal": "I can't"}}),
            chat(content(", world"), finish("stop", 1)),
            chat(finish("stop")),
        ],
    )
    assert router.results == {Slot("refusal", 1): "I can't", Slot("content", 0): "Hello, world"}
    assert [update.deltas for update in updates if not update.done] == [[], [], []]


def test_legacy_function_call() -> None:
    router = Router("openai")
    delta = {"function_call": {"name": "f", "arguments": '{"x"'}}
    feed_all(
        router,
        [
            chat({"index": 0, "delta": delta}),
            chat({"index": 0, "delta": {"function_call": {"arguments": ": 1}"}}}),
            chat(finish("function_call")),
        ],
    )
    [slot] = router.results
    assert (slot, slot.name, router.results[slot]) == (Slot("tool_call"), "f", {"x": 1})


@pytest.mark.parametrize("reason", ["length", "content_filter"])
def test_cut_reasons(reason: str) -> None:
    router = Router("openai")
    feed_all(router, [chat(content('["a", "b')), chat(finish(reason))])
    error = router.results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert (error.reason, error.partial) == (f"finish_reason={reason}", ["a", "b"])
    with pytest.raises(TruncatedStreamError):
        router.result(Slot("content"))


def test_incomplete_json_on_a_normal_stop_is_the_parsers_own_error() -> None:
    router = Router("openai")
    feed_all(router, [chat(content('{"a": 1')), chat(finish("stop"))])
    error = router.results[Slot("content")]
    assert type(error) is IncompleteJSONError
    # The cut "1" may have been the start of "10": it is not salvaged as a value.
    assert error.partial == {}
    assert error.pending_text == "1"


def test_a_top_level_number_cut_by_length_is_not_a_value() -> None:
    router = Router("openai")
    feed_all(router, [chat(content("12")), chat(finish("length"))])
    error = router.results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.partial is None


def test_a_top_level_number_completes_at_a_normal_end_with_its_deltas() -> None:
    router = Router("openai")
    updates = feed_all(router, [chat(content("12")), chat(finish("stop"))])
    assert router.results == {Slot("content"): 12}
    assert [delta.op for delta in updates[-1].deltas] == ["add", "end"]


def test_a_complete_tool_call_survives_the_cut_of_the_next_one() -> None:
    router = Router("openai")
    feed_all(
        router,
        [
            chat(tool(0, "", "call_a", "a")),
            chat(tool(0, '{"x": 1}')),
            chat(tool(1, "", "call_b", "b")),
            chat(tool(1, '{"y": ')),
            chat(finish("length")),
        ],
    )
    assert router.results[Slot("tool_call", 0, 0)] == {"x": 1}
    cut = router.results[Slot("tool_call", 0, 1)]
    assert isinstance(cut, TruncatedStreamError)
    assert cut.reason == "finish_reason=length"


def test_a_stream_without_finish_reason_is_cut() -> None:
    router = Router("openai")
    feed_all(router, [chat(content('{"a": [1, 2]}'), content("[", index=1))])
    assert router.results[Slot("content", 0)] == {"a": [1, 2]}  # complete: kept
    error = router.results[Slot("content", 1)]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "stream ended without finish_reason"


def test_an_unfinished_tool_call_is_not_settled_when_another_starts() -> None:
    # Interleaved tool calls (allowed by the format): the first is not complete
    # when the second starts, so it stays open and keeps receiving text.
    router = Router("openai")
    feed_all(
        router,
        [
            chat(tool(0, '{"x": ', "call_a", "a")),
            chat(tool(1, '{"y": 2}', "call_b", "b")),
            chat(tool(0, "1}")),
            chat(finish("tool_calls")),
        ],
    )
    assert router.results == {Slot("tool_call", 0, 0): {"x": 1}, Slot("tool_call", 0, 1): {"y": 2}}


def test_text_after_a_slot_ended() -> None:
    router = Router("openai")
    updates = feed_all(
        router,
        [
            chat(tool(0, "{}", "call_a", "a")),
            chat(tool(1, "[]", "call_b", "b")),  # settles call 0
            chat(tool(0, " \n")),  # whitespace: fine
            chat(tool(0, "x")),  # not fine
            chat(finish("tool_calls")),
        ],
    )
    error = router.results[Slot("tool_call", 0, 0)]
    assert isinstance(error, JSONStreamError)
    assert "after the tool_call had ended" in str(error)
    assert router.results[Slot("tool_call", 0, 1)] == []
    late = [update for update in updates if update.error is error]
    assert len(late) == 1
    assert late[0].value == {}


def test_a_slot_that_is_not_json_fails_alone() -> None:
    router = Router("openai")
    updates = feed_all(
        router,
        [
            chat(content("Sure! Here"), tool(0, '{"ok": true}', "call_a", "a")),
            chat(content(" it is.")),
            chat(finish("stop")),
        ],
    )
    error = router.results[Slot("content")]
    assert isinstance(error, JSONStreamError)
    assert router.results[Slot("tool_call", 0, 0)] == {"ok": True}
    failed = [update for update in updates if update.slot == Slot("content")]
    assert [update.done for update in failed] == [True]
    assert failed[0].text == "Sure! Here"


def test_parser_factory_sees_the_slot() -> None:
    seen: list[Slot] = []

    def factory(slot: Slot) -> Parser:
        seen.append(slot)
        return Parser(partial_strings=slot.name != "quiet")

    router = Router("openai", parser_factory=factory)
    updates = feed_all(
        router,
        [chat(tool(0, '{"s": "ab', "c0", "quiet")), chat(tool(1, '{"s": "ab', "c1", "loud"))],
    )
    assert [(slot.index, slot.name) for slot in seen] == [(0, "quiet"), (1, "loud")]
    values = {update.slot.name: update.value for update in updates if update.text}
    assert values == {"quiet": {}, "loud": {"s": "ab"}}


def test_lifecycle_errors() -> None:
    router = Router("openai")
    with pytest.raises(KeyError):
        router.result(Slot("content"))
    assert router.close() == []
    assert router.close() == []
    with pytest.raises(StreamClosedError):
        router.feed(chat(content("1")))
    with pytest.raises(StreamClosedError):
        router.feed_sse(SSEEvent("message", "{}", ""))
    with pytest.raises(ValueError, match="unknown provider 'kobold'"):
        Router("kobold")


def test_close_with_a_reason() -> None:
    router = Router("openai")
    router.feed(chat(content('{"a"')))
    [update] = router.close("closed by the caller")
    assert isinstance(update.error, TruncatedStreamError)
    assert update.error.reason == "closed by the caller"
    assert router.slots == [Slot("content")]


def test_sdk_like_objects_are_read_by_attribute() -> None:
    def ns(**fields: Any) -> SimpleNamespace:
        return SimpleNamespace(**fields)

    call = ns(index=0, id="call_1", function=ns(name="f", arguments='{"a": 1}'), type="function")
    chunk = ns(choices=[ns(index=0, delta=ns(content=None, tool_calls=[call]), finish_reason=None)])
    end = ns(choices=[ns(index=0, delta=ns(content=None, tool_calls=None), finish_reason="stop")])
    router = Router("openai")
    feed_all(router, [chunk, end])
    [slot] = router.results
    assert (slot.id, slot.name, router.results[slot]) == ("call_1", "f", {"a": 1})


def test_openai_error_payload_cuts_everything() -> None:
    router = Router("openai")
    router.feed(chat(content("[1")))
    router.feed({"error": {"message": "The server had an error", "type": "server_error"}})
    error = router.results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "error: server_error: The server had an error"


# -- OpenAI Responses --------------------------------------------------------------------


def text_delta(delta: str, output: int = 0) -> dict[str, Any]:
    return {
        "type": "response.output_text.delta",
        "item_id": "msg_1",
        "output_index": output,
        "content_index": 0,
        "delta": delta,
    }


def test_responses_failed_and_error_events() -> None:
    for event, reason in [
        (
            {
                "type": "response.failed",
                "response": {"error": {"code": "server_error", "message": "boom"}},
            },
            "response.failed: server_error: boom",
        ),
        (
            {"type": "error", "code": "rate_limit_exceeded", "message": "slow down"},
            "error: rate_limit_exceeded: slow down",
        ),
    ]:
        router = Router("openai")
        feed_all(router, [text_delta('{"a'), event])
        error = router.results[Slot("content")]
        assert isinstance(error, TruncatedStreamError)
        assert error.reason == reason


def test_responses_incomplete_item_then_no_terminal_event() -> None:
    router = Router("openai", content=False)
    feed_all(
        router,
        [
            text_delta("Once upon"),
            {"type": "response.output_text.done", "output_index": 0, "content_index": 0},
            {
                "type": "response.output_item.done",
                "output_index": 0,
                "item": {"status": "incomplete"},
            },
        ],
    )
    error = router.results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert (error.reason, error.partial) == ("stream ended without response.completed", "Once upon")


def test_responses_function_call_without_output_item_added() -> None:
    router = Router("openai")
    delta = {"type": "response.function_call_arguments.delta", "output_index": 2, "item_id": "fc"}
    feed_all(router, [{**delta, "delta": "[1]"}, {"type": "response.completed", "response": {}}])
    assert router.results == {Slot("tool_call", 2): [1]}


# -- Anthropic --------------------------------------------------------------------------


def block_start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def block_delta(index: int, delta: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def test_anthropic_error_event_and_skipped_blocks() -> None:
    router = Router("anthropic")
    feed_all(
        router,
        [
            {"type": "message_start", "message": {}},
            block_start(0, {"type": "thinking", "thinking": ""}),
            block_delta(0, {"type": "thinking_delta", "thinking": "hmm"}),
            {"type": "content_block_stop", "index": 0},
            block_start(1, {"type": "text", "text": ""}),
            {"type": "ping"},
            block_delta(1, {"type": "text_delta", "text": '{"a": '}),
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        ],
    )
    error = router.results[Slot("content", 0, 1)]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "error: overloaded_error: Overloaded"
    assert set(router.results) == {Slot("content", 0, 1)}


def test_anthropic_prose_waits_for_the_stop_reason() -> None:
    router = Router("anthropic", content=False)
    events = [
        block_start(0, {"type": "text", "text": ""}),
        block_delta(0, {"type": "text_delta", "text": "Hi"}),
        {"type": "content_block_stop", "index": 0},
    ]
    for event in events:
        router.feed(event)
    assert router.results == {}  # the block stopped, but was it cut?
    router.feed({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {}})
    assert router.results == {Slot("content"): "Hi"}


def test_anthropic_server_tool_use() -> None:
    router = Router("anthropic")
    block = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}
    feed_all(
        router,
        [
            block_start(0, block),
            block_delta(0, {"type": "input_json_delta", "partial_json": '{"query": "jsondrip"}'}),
            {"type": "content_block_stop", "index": 0},
            {"type": "message_stop"},
        ],
    )
    [slot] = router.results
    assert (slot.kind, slot.name, router.results[slot]) == (
        "server_tool_call",
        "web_search",
        {"query": "jsondrip"},
    )


# -- Gemini -----------------------------------------------------------------------------


class FinishReason(str, enum.Enum):
    STOP = "STOP"
    MAX_TOKENS = "MAX_TOKENS"
    CONTINUATION = "CONTINUATION"


def candidate(text: str, finish: Any = None, **extra: Any) -> SimpleNamespace:
    part = SimpleNamespace(text=text, thought=None, function_call=None)
    content = SimpleNamespace(parts=[part], role="model")
    return SimpleNamespace(content=content, finish_reason=finish, **extra)


def test_gemini_sdk_objects_enums_and_continuation() -> None:
    router = Router("gemini", content=False)
    feed_all(
        router,
        [
            SimpleNamespace(candidates=[candidate("a", index=None), candidate("x", index=1)]),
            SimpleNamespace(candidates=[candidate("b", FinishReason.CONTINUATION, index=0)]),
            SimpleNamespace(candidates=[candidate("c", FinishReason.STOP, index=0)]),
            SimpleNamespace(candidates=[candidate("y", FinishReason.MAX_TOKENS, index=1)]),
        ],
    )
    assert router.results[Slot("content", 0)] == "abc"
    cut = router.results[Slot("content", 1)]
    assert isinstance(cut, TruncatedStreamError)
    assert (cut.reason, cut.partial) == ("finish_reason=MAX_TOKENS", "xy")


def test_gemini_error_payload_and_missing_finish() -> None:
    router = Router("gemini")
    chunk = {"candidates": [{"content": {"parts": [{"text": "[1"}]}}]}
    router.feed(chunk)
    router.feed({"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}})
    error = router.results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "error: UNAVAILABLE: overloaded"
    router = Router("gemini")
    feed_all(router, [chunk])
    error = router.results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "stream ended without finish_reason"


# -- raw SSE, SSEText, the I/O adapters ------------------------------------------------------


RAW = b'data: {"a": [1,\n\ndata:  2]}\r\n\r\n: comment\n\ndata: [DONE]\n\n'


def test_raw_provider() -> None:
    chunks = [RAW[i : i + 3] for i in range(0, len(RAW), 3)]
    assert stream_sse(chunks, "raw").until_done() == {Slot("content"): {"a": [1, 2]}}
    reader = SSEText("raw")
    pieces = [piece for chunk in chunks for piece in reader.feed(chunk)] + reader.close()
    assert "".join(text for _, text in pieces) == '{"a": [1, 2]}'
    assert reader.truncated == {}
    assert reader.decoder.last_event_id == ""


def test_non_json_data_fails_the_stream_and_cuts_the_slots() -> None:
    data = b'data: {"choices": [{"index": 0, "delta": {"content": "[1"}}]}\n\ndata: oops\n\n'
    updates = stream_sse([data], "openai")
    with pytest.raises(json.JSONDecodeError):
        updates.until_done()
    error = updates.results[Slot("content")]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "stream failed: JSONDecodeError"
    good = b'data: {"choices": [{"index": 0, "delta": {"content": "[1"}}]}\n\n'
    reader = SSEText("openai")
    with pytest.raises(json.JSONDecodeError) as caught:
        reader.feed(good + b"data: oops\n\n" + good)
    pieces = caught.value.pieces  # type: ignore[attr-defined]
    assert pieces == [(Slot("content"), "[1"), (Slot("content"), "[1")]
    assert reader.feed(good) == [(Slot("content"), "[1")]  # still usable


def test_a_custom_event_protocol() -> None:
    class Lines(EventProtocol):
        def event(self, event: Any, sink: Any) -> None:
            sink.text(Slot("content", event["n"]), event["text"])
            if event.get("last"):
                sink.finish_choice(event["n"], None)

        def eof_reason(self) -> str:
            return "no last line"

    router = Router(Lines())
    feed_all(router, [{"n": 0, "text": "[1]", "last": True}, {"n": 1, "text": "[2"}])
    assert router.results[Slot("content", 0)] == [1]
    assert router.results[Slot("content", 1)].reason == "no last line"


def test_sync_adapter_rejects_an_async_stream() -> None:
    async def events() -> Any:
        yield chat(content("1"))

    agen = events()
    with pytest.raises(TypeError, match="astream_"):
        next(iter(stream_chat(agen)))
    asyncio.run(agen.aclose())


def test_async_adapter_takes_plain_iterables_and_closes_generators() -> None:
    closed: list[bool] = []

    def chunks() -> Any:
        try:
            yield RAW[:10]
            yield RAW[10:]
        finally:
            closed.append(True)

    async def main() -> dict[Slot, Any]:
        async with astream_sse(chunks(), "raw") as updates:
            return await updates.until_done()

    assert asyncio.run(main()) == {Slot("content"): {"a": [1, 2]}}
    assert closed == [True]


def test_importing_sources_needs_no_sdk_and_the_core_does_not_import_it() -> None:
    code = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"openai", "anthropic", "google", "httpx", "httpx2", "aiohttp"}:
            raise ImportError(f"blocked: {name}")
import jsondrip
assert "jsondrip.sources" not in sys.modules
sys.meta_path.insert(0, Block())
import jsondrip.sources, jsondrip.sources.openai, jsondrip.sources.anthropic
import jsondrip.sources.gemini, jsondrip.sources.sse
updates = jsondrip.sources.openai.stream_chat([
    {"choices": [{"index": 0, "delta": {"content": "[1]"}, "finish_reason": "stop"}]}
])
assert updates.until_done() == {jsondrip.sources.Slot("content"): [1]}
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.stdout.strip() == "ok", result.stderr
