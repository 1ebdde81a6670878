"""Provider events that used to crash or vanish: typed content parts, ``.done``-only
arguments, Vertex ``partialArgs``, the Responses tool deltas, Anthropic block ends,
tool calls without ``index``, and objects no protocol knows (never silent)."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from jsondrip import IncompleteJSONError
from jsondrip.sources import Router, Slot, SSEText, TruncatedStreamError, Update

SOURCES = Path(__file__).resolve().parents[2] / "src" / "jsondrip" / "sources"


def run(provider: str, events: list[Any], **options: Any) -> tuple[list[Update], Router]:
    router = Router(provider, **options)
    updates: list[Update] = []
    for event in events:
        updates += router.feed(event)
    return updates + router.close(), router


def chat_delta(delta: dict[str, Any], finish: Any = None, index: int = 0) -> dict[str, Any]:
    return {
        "object": "chat.completion.chunk",
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }


# -- item 1: Mistral (Magistral) typed content parts -----------------------------------

# As Magistral streams them: thinking parts (a list of text chunks) first, then text parts.
MAGISTRAL = [
    chat_delta({"role": "assistant", "content": ""}),
    chat_delta(
        {"content": [{"type": "thinking", "thinking": [{"type": "text", "text": "2 and"}]}]}
    ),
    chat_delta({"content": [{"type": "thinking", "thinking": [{"type": "text", "text": " 2"}]}]}),
    chat_delta({"content": [{"type": "text", "text": "2 + 2"}]}),
    chat_delta({"content": [{"type": "text", "text": " = 4"}]}),
    chat_delta({}, "stop"),
]


def test_typed_content_parts_join_into_the_content_slot() -> None:
    updates, router = run("openai", MAGISTRAL, content=False)
    assert router.results == {Slot("content"): "2 + 2 = 4"}
    assert all(isinstance(update.text, str) for update in updates)


def test_thinking_parts_go_to_the_reasoning_slot_when_asked() -> None:
    _, router = run("openai", MAGISTRAL, content=False, reasoning=True)
    assert router.results == {Slot("reasoning"): "2 and 2", Slot("content"): "2 + 2 = 4"}


def test_typed_json_content_parts_parse_as_one_document() -> None:
    events = [
        chat_delta({"content": [{"type": "text", "text": piece}]})
        for piece in ['{"a": [1,', " 2]}"]
    ]
    _, router = run("openai", [*events, chat_delta({}, "stop")])
    assert router.results == {Slot("content"): {"a": [1, 2]}}


def test_reasoning_content_fields() -> None:
    events = [
        chat_delta({"reasoning_content": "Think"}),  # DeepSeek, vLLM
        chat_delta({"reasoning": "ing."}),  # OpenRouter, Groq
        chat_delta({"content": "{}"}),
        chat_delta({}, "stop"),
    ]
    _, quiet = run("openai", events)
    assert quiet.results == {Slot("content"): {}}
    _, router = run("openai", events, reasoning=True)
    assert router.results == {Slot("reasoning"): "Thinking.", Slot("content"): {}}


def test_an_unknown_content_part_is_named() -> None:
    router = Router("openai")
    with pytest.raises(ValueError, match="unknown content part type 'hologram'"):
        router.feed(chat_delta({"content": [{"type": "hologram"}]}))


# -- item 2: Responses function call arguments only in .done ---------------------------


def responses_call(*middle: dict[str, Any]) -> list[dict[str, Any]]:
    item = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f"}
    return [
        {"type": "response.created", "response": {}},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        *middle,
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {**item, "status": "completed"},
        },
        {"type": "response.completed", "response": {}},
    ]


def args_delta(text: str) -> dict[str, Any]:
    return {"type": "response.function_call_arguments.delta", "output_index": 0, "delta": text}


def args_done(text: str) -> dict[str, Any]:
    return {"type": "response.function_call_arguments.done", "output_index": 0, "arguments": text}


def test_done_only_arguments_are_used() -> None:
    _, router = run("openai", responses_call(args_done('{"city": "Oslo"}')))
    assert router.results == {Slot("tool_call", 0, 0): {"city": "Oslo"}}


def test_done_agreeing_with_the_deltas() -> None:
    events = responses_call(
        args_delta('{"city": '), args_delta('"Oslo"}'), args_done('{"city": "Oslo"}')
    )
    updates, router = run("openai", events)
    assert router.results == {Slot("tool_call", 0, 0): {"city": "Oslo"}}
    assert "".join(update.text for update in updates) == '{"city": "Oslo"}'  # not twice


def test_done_disagreeing_with_the_deltas_fails_the_slot() -> None:
    events = responses_call(args_delta('{"city": '), args_done('{"city": "Oslo"}'))
    _, router = run("openai", events)
    error = router.results[Slot("tool_call", 0, 0)]
    assert isinstance(error, ValueError)
    assert "response.function_call_arguments.done disagrees with the deltas" in str(error)


def test_done_only_output_text() -> None:
    item = {"type": "message", "id": "msg_1"}
    events = [
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {
            "type": "response.output_text.done",
            "output_index": 0,
            "content_index": 0,
            "item_id": "msg_1",
            "text": "Hi",
        },
        {"type": "response.completed", "response": {}},
    ]
    _, router = run("openai", events, content=False)
    assert router.results == {Slot("content", 0, 0): "Hi"}


# -- item 6: the other Responses deltas -------------------------------------------------


def test_mcp_call_arguments_are_json_for_a_parser() -> None:
    item = {"type": "mcp_call", "id": "mcp_1", "name": "roll", "server_label": "dice"}
    events = [
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {
            "type": "response.mcp_call_arguments.delta",
            "output_index": 0,
            "item_id": "mcp_1",
            "delta": '{"sides"',
        },
        {
            "type": "response.mcp_call_arguments.delta",
            "output_index": 0,
            "item_id": "mcp_1",
            "delta": ": 6}",
        },
        {
            "type": "response.mcp_call_arguments.done",
            "output_index": 0,
            "item_id": "mcp_1",
            "arguments": '{"sides": 6}',
        },
        {"type": "response.mcp_call.completed", "output_index": 0, "item_id": "mcp_1"},
        {"type": "response.completed", "response": {}},
    ]
    updates, router = run("openai", events)
    [slot] = router.results
    assert (slot.kind, slot.id, slot.name) == ("server_tool_call", "mcp_1", "roll")
    assert router.results[slot] == {"sides": 6}
    assert updates[0].text == ""
    assert updates[0].slot.name == "roll"


@pytest.mark.parametrize(
    ("item", "delta_type", "done_field", "name"),
    [
        (
            {"type": "custom_tool_call", "call_id": "call_c", "name": "grammar"},
            "response.custom_tool_call_input",
            "input",
            "grammar",
        ),
        (
            {"type": "code_interpreter_call", "id": "ci_1"},
            "response.code_interpreter_call_code",
            "code",
            "code_interpreter",
        ),
        (
            {"type": "apply_patch_call", "call_id": "call_p"},
            "response.apply_patch_call_operation_diff",
            "diff",
            "apply_patch",
        ),
    ],
)
def test_free_text_tool_inputs_are_text_slots(
    item: dict[str, Any], delta_type: str, done_field: str, name: str
) -> None:
    text = "print('{not json')\n"
    events = [
        {"type": "response.output_item.added", "output_index": 1, "item": item},
        {"type": f"{delta_type}.delta", "output_index": 1, "item_id": "x", "delta": text[:7]},
        {"type": f"{delta_type}.delta", "output_index": 1, "item_id": "x", "delta": text[7:]},
        {"type": f"{delta_type}.done", "output_index": 1, "item_id": "x", done_field: text},
        {"type": "response.output_item.done", "output_index": 1, "item": item},
        {"type": "response.completed", "response": {}},
    ]
    _, router = run("openai", events)
    [slot] = router.results
    assert (slot.kind, slot.choice, slot.name) == ("tool_input", 1, name)
    assert router.results[slot] == text


def test_shell_commands_are_one_text_slot_each() -> None:
    item = {"type": "shell_call", "call_id": "call_s"}
    events = [
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {
            "type": "response.shell_call_command.added",
            "output_index": 0,
            "command_index": 0,
            "command": "",
        },
        {
            "type": "response.shell_call_command.delta",
            "output_index": 0,
            "command_index": 0,
            "delta": "ls -",
        },
        {
            "type": "response.shell_call_command.delta",
            "output_index": 0,
            "command_index": 0,
            "delta": "la",
        },
        {
            "type": "response.shell_call_command.done",
            "output_index": 0,
            "command_index": 0,
            "command": "ls -la",
        },
        {
            "type": "response.shell_call_command.delta",
            "output_index": 0,
            "command_index": 1,
            "delta": "pwd",
        },
        {"type": "response.completed", "response": {}},
    ]
    _, router = run("openai", events)
    assert router.results == {Slot("tool_input", 0, 0): "ls -la", Slot("tool_input", 0, 1): "pwd"}
    assert {slot.name for slot in router.results} == {"shell"}
    assert {slot.id for slot in router.results} == {"call_s"}


def test_reasoning_deltas_of_the_responses_api() -> None:
    events = [
        {
            "type": "response.reasoning_summary_text.delta",
            "output_index": 0,
            "summary_index": 0,
            "delta": "Plan",
        },
        {
            "type": "response.reasoning_summary_text.done",
            "output_index": 0,
            "summary_index": 0,
            "text": "Plan",
        },
        {
            "type": "response.output_text.delta",
            "output_index": 1,
            "content_index": 0,
            "delta": "[1]",
        },
        {"type": "response.completed", "response": {}},
    ]
    _, quiet = run("openai", events)
    assert quiet.results == {Slot("content", 1, 0): [1]}
    _, router = run("openai", events, reasoning=True)
    assert router.results == {Slot("reasoning", 0, 0): "Plan", Slot("content", 1, 0): [1]}


# -- item 4: Vertex AI partialArgs ------------------------------------------------------


def gemini_part(call: dict[str, Any], finish: Any = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"functionCall": call}]}}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate]}


def partial(path: str, more: bool = True, **value: Any) -> dict[str, Any]:
    return {
        "partialArgs": [{"jsonPath": path, **value, "willContinue": more}],
        "willContinue": True,
    }


def test_vertex_partial_args_are_one_call() -> None:
    events = [
        gemini_part({"name": "getWeather", "willContinue": True}),
        gemini_part(partial("$.location", stringValue="Bos")),
        gemini_part(partial("$.location", stringValue="ton")),
        gemini_part(partial("$.location", more=False, stringValue="")),
        gemini_part({}, "STOP"),
    ]
    router = Router("gemini")
    values = []
    for event in events:
        values += [copy.deepcopy(update.value) for update in router.feed(event) if update.text]
    router.close()
    assert router.results == {Slot("tool_call", 0, 0): {"location": "Boston"}}
    [slot] = router.results
    assert slot.name == "getWeather"
    assert {"location": "Bos"} in values  # it streamed


def test_vertex_partial_args_nested_paths_and_scalars() -> None:
    events = [
        gemini_part({"name": "book", "willContinue": True}),
        gemini_part(partial("$.trip.from", stringValue="CD")),
        gemini_part(partial("$.trip.from", stringValue="G")),
        gemini_part(partial("$.trip.to", stringValue="NRT")),
        gemini_part(partial("$.trip.legs[0].seat", stringValue="12A")),
        gemini_part(partial("$.trip.legs[0].price", numberValue=420.5)),
        gemini_part(partial("$.trip.legs[1].seat", nullValue="NULL_VALUE")),
        gemini_part(partial("$.passengers", numberValue=2.0)),
        gemini_part(partial("$['window seat']", boolValue=True)),
        gemini_part({"willContinue": False}),
        gemini_part({"name": "second", "args": {"x": 1}}, "STOP"),
    ]
    _, router = run("gemini", events)
    assert router.results == {
        Slot("tool_call", 0, 0): {
            "trip": {
                "from": "CDG",
                "to": "NRT",
                "legs": [{"seat": "12A", "price": 420.5}, {"seat": None}],
            },
            "passengers": 2,
            "window seat": True,
        },
        Slot("tool_call", 0, 1): {"x": 1},
    }


def test_vertex_partial_args_cut_by_max_tokens() -> None:
    events = [
        gemini_part({"name": "getWeather", "willContinue": True}),
        gemini_part(partial("$.location", stringValue="Bos")),
        gemini_part({"willContinue": True}, "MAX_TOKENS"),
    ]
    _, router = run("gemini", events)
    error = router.results[Slot("tool_call", 0, 0)]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "finish_reason=MAX_TOKENS"
    assert error.partial == {"location": "Bos"}


# -- item 7: Anthropic cuts only the block still open -----------------------------------


def anthropic_events(stop_reason: str) -> list[dict[str, Any]]:
    text = {"type": "text", "text": ""}
    tool = {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}
    return [
        {"type": "message_start", "message": {}},
        {"type": "content_block_start", "index": 0, "content_block": text},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": "Done."},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": tool},
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"a": [1, 2'},
        },
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": stop_reason}},
        {"type": "message_stop"},
    ]


def test_anthropic_max_tokens_cuts_only_the_last_block() -> None:
    _, router = run("anthropic", anthropic_events("max_tokens"), content=False)
    assert router.results[Slot("content", 0, 0)] == "Done."
    error = router.results[Slot("tool_call", 0, 1)]
    assert isinstance(error, TruncatedStreamError)
    assert error.partial["a"][0] == 1


def test_anthropic_a_stopped_prose_block_ends_when_the_next_starts() -> None:
    updates, _ = run("anthropic", anthropic_events("tool_use"), content=False)
    done = [update for update in updates if update.done]
    assert done[0].slot == Slot("content", 0, 0)
    first_tool_text = next(u for u in updates if u.slot.kind == "tool_call" and u.text)
    assert updates.index(done[0]) < updates.index(first_tool_text)


def test_anthropic_thinking_blocks() -> None:
    events = [
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "Hm."},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "x"},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "{}"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "message_stop"},
    ]
    _, quiet = run("anthropic", events)
    assert quiet.results == {Slot("content", 0, 1): {}}
    _, router = run("anthropic", events, reasoning=True)
    assert router.results == {Slot("reasoning", 0, 0): "Hm.", Slot("content", 0, 1): {}}


# -- OpenAI-compatible servers that omit the tool call index ---------------------------


def call_chunk(call_id: Any, name: Any, arguments: str) -> dict[str, Any]:
    call: dict[str, Any] = {"function": {"arguments": arguments}}
    if call_id:
        call.update(id=call_id, type="function")
        call["function"]["name"] = name
    return chat_delta({"tool_calls": [call]})


def test_tool_calls_without_index_get_a_slot_per_id() -> None:
    events = [
        call_chunk("call_a", "get_weather", '{"city":'),
        call_chunk(None, None, ' "Paris"}'),
        call_chunk("call_b", "get_time", '{"tz": "CET"}'),
        call_chunk("call_c", "get_date", "{}"),
        chat_delta({}, "tool_calls"),
    ]
    _, router = run("openai", events)
    assert router.results == {
        Slot("tool_call", 0, 0): {"city": "Paris"},
        Slot("tool_call", 0, 1): {"tz": "CET"},
        Slot("tool_call", 0, 2): {},
    }
    assert [slot.id for slot in router.results] == ["call_a", "call_b", "call_c"]


def test_whole_calls_in_one_chunk_without_index() -> None:
    both = chat_delta(
        {
            "tool_calls": [
                {"id": "call_a", "function": {"name": "a", "arguments": "{}"}},
                {"id": "call_b", "function": {"name": "b", "arguments": {"k": 1}}},
            ]
        }
    )
    _, router = run("openai", [both, chat_delta({}, "tool_calls")])
    assert router.results == {Slot("tool_call", 0, 0): {}, Slot("tool_call", 0, 1): {"k": 1}}


# -- never silent -----------------------------------------------------------------------

ANTHROPIC_EVENT = {"type": "message_start", "message": {}}
CHAT_CHUNK = chat_delta({"content": "{}"})
GEMINI_CHUNK = {"candidates": [{"content": {"parts": [{"text": "{}"}]}}]}


@pytest.mark.parametrize(
    ("provider", "event", "error", "message"),
    [
        ("openai", ANTHROPIC_EVENT, ValueError, "unknown OpenAI event type 'message_start'"),
        (
            "openai",
            GEMINI_CHUNK,
            TypeError,
            "not an OpenAI stream event: a dict with keys 'candidates'",
        ),
        ("openai", "data: {}", TypeError, "not an OpenAI stream event: str"),
        (
            "openai",
            {"type": "response.hologram.delta", "delta": "x"},
            ValueError,
            "'response.hologram.delta' carries text",
        ),
        ("anthropic", CHAT_CHUNK, TypeError, "not an Anthropic stream event"),
        (
            "anthropic",
            {"type": "response.created"},
            ValueError,
            "unknown Anthropic event type 'response.created'",
        ),
        (
            "anthropic",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "hologram_delta"}},
            ValueError,
            "unknown Anthropic delta type 'hologram_delta'",
        ),
        ("gemini", CHAT_CHUNK, TypeError, "not a Gemini stream response"),
        ("gemini", ANTHROPIC_EVENT, TypeError, "not a Gemini stream response"),
        ("raw", {"a": 1}, TypeError, "the raw provider reads SSE events or their text, not dict"),
    ],
)
def test_an_unrecognised_event_raises_naming_it(
    provider: str, event: Any, error: type, message: str
) -> None:
    router = Router(provider)
    with pytest.raises(error, match=message.replace("(", r"\(").replace("[", r"\[")):
        router.feed(event)


def test_progress_events_are_known_and_quiet() -> None:
    events = [
        {"type": "response.created", "response": {}},
        {"type": "response.in_progress", "response": {}},
        {"type": "response.web_search_call.searching", "output_index": 0},
        {"type": "response.some_future_progress_event", "output_index": 0},
        {
            "type": "response.output_text.delta",
            "output_index": 1,
            "content_index": 0,
            "delta": "{}",
        },
        {"type": "response.completed", "response": {}},
    ]
    _, router = run("openai", events)
    assert router.results == {Slot("content", 1, 0): {}}


def test_chat_stream_helper_events() -> None:
    # The openai SDK's chat .stream() helper yields these around each chunk.
    chunk = chat_delta({"content": '{"a": 1}'})
    events = [
        {"type": "chunk", "chunk": chunk, "snapshot": {}},
        {"type": "content.delta", "delta": '{"a": 1}', "snapshot": '{"a": 1}', "parsed": None},
        {"type": "chunk", "chunk": chat_delta({}, "stop"), "snapshot": {}},
        {"type": "content.done", "content": '{"a": 1}', "parsed": None},
    ]
    _, router = run("openai", events)
    assert router.results == {Slot("content"): {"a": 1}}


def test_sse_text_reports_a_failed_slot() -> None:
    events = responses_call(args_delta('{"a"'), args_done('{"b": 1}'))
    body = "".join(f"data: {json.dumps(event)}\n\n" for event in events).encode()
    reader = SSEText("openai")
    pieces = reader.feed(body) + reader.close()
    assert "".join(text for _, text in pieces) == '{"a"'
    assert reader.truncated[Slot("tool_call", 0, 0)].startswith("error: response.function_call")


def test_unknown_provider_names_and_types() -> None:
    with pytest.raises(ValueError, match=r"unknown provider 'cohere2'.*'anthropic'"):
        Router("cohere2")
    with pytest.raises(TypeError, match="provider must be a provider name or an EventProtocol"):
        Router(42)  # type: ignore[arg-type]


def test_incomplete_done_only_arguments_are_the_parsers_error() -> None:
    _, router = run("openai", responses_call(args_done('{"city": "Os')))
    error = router.results[Slot("tool_call", 0, 0)]
    assert isinstance(error, IncompleteJSONError)
    assert not isinstance(error, TruncatedStreamError)


# -- one-way imports ------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    """The sibling modules ``path`` imports at module level (``from .x import``)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module)
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_sources_imports_form_no_cycle() -> None:
    graph = {path.stem: _imports(path) for path in SOURCES.glob("*.py") if path.stem != "__init__"}
    # Function-level imports count too: look for "from ._x import" anywhere.
    for path in SOURCES.glob("*.py"):
        if path.stem == "__init__":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                graph[path.stem].add(node.module)
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2:
            return
        assert state.get(name) != 1, " -> ".join([*trail, name])
        state[name] = 1
        for child in graph.get(name, ()):
            if child in graph:
                visit(child, [*trail, name])
        state[name] = 2

    for name in graph:
        visit(name, [])
    assert "_registry" in graph
    assert graph["_registry"] <= {"_slots"}


def test_a_new_id_at_the_same_index_is_a_new_call() -> None:
    # Mistral-like servers: every call in its own chunk, each with "index": 0.
    events = [
        chat_delta(
            {"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{}"}}]}
        ),
        chat_delta(
            {"tool_calls": [{"index": 0, "id": "b", "function": {"name": "g", "arguments": "[1"}}]}
        ),
        chat_delta({"tool_calls": [{"index": 0, "function": {"arguments": "]"}}]}),
        chat_delta({}, "tool_calls"),
    ]
    _, router = run("openai", events)
    assert router.results == {Slot("tool_call", 0, 0): {}, Slot("tool_call", 0, 1): [1]}
    assert [(slot.id, slot.name) for slot in router.results] == [("a", "f"), ("b", "g")]
