"""Write the recorded-stream transcripts the replay server serves.

Run ``python tests/sources/transcripts/generate.py`` after changing a scenario;
the ``.sse`` files are committed, so the tests do not depend on this script.
Each transcript is shaped like the provider's documented event stream; the
JSON the model "writes" is cut into small fragments with a seeded RNG, the way
tokens arrive.
"""

from __future__ import annotations

import json
import random
import zlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CREATED = 1735689600


def fragments(text: str, seed: int, low: int = 1, high: int = 7) -> list[str]:
    rng = random.Random(seed)
    pieces = []
    pos = 0
    while pos < len(text):
        size = rng.randint(low, high)
        pieces.append(text[pos : pos + size])
        pos += size
    return pieces


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sse(data: Any, event: str | None = None, eol: str = "\n") -> str:
    head = f"event: {event}{eol}" if event else ""
    body = data if isinstance(data, str) else dumps(data)
    return f"{head}data: {body}{eol}{eol}"


# -- OpenAI Chat Completions ----------------------------------------------------------


def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "gpt-4o-2024-08-06",
        "service_tier": "default",
        "system_fingerprint": "fp_eb9dce56a8",
        "choices": choices,
        **extra,
    }


def choice(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}


def chat_content(
    texts: list[list[str]], finishes: list[str], seed: int, interleave: bool = True
) -> str:
    """Choices whose content arrives as the given fragments, interleaved."""
    out = []
    for index in range(len(texts)):
        delta = {"role": "assistant", "content": "", "refusal": None}
        out.append(sse(chunk([choice(index, delta)])))
    rng = random.Random(seed)
    queues = [list(pieces) for pieces in texts]
    while any(queues):
        live = [i for i, queue in enumerate(queues) if queue]
        index = rng.choice(live) if interleave else live[0]
        out.append(sse(chunk([choice(index, {"content": queues[index].pop(0)})])))
    for index, finish in enumerate(finishes):
        out.append(sse(chunk([choice(index, {}, finish)])))
    return "".join(out)


def usage_chunk() -> str:
    usage = {"prompt_tokens": 82, "completion_tokens": 47, "total_tokens": 129}
    return sse(chunk([], usage=usage))


def openai_chat_parallel_tools() -> str:
    calls = [
        ("call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather", '{"city": "Paris", "unit": "celsius"}'),
        ("call_ABaxnjFd9q8u6LD9n8HJxS4M", "get_time", '{"timezone": "Europe/Paris"}'),
        (
            "call_kx3fJv7QeSpZ9qT0mW2cB1rN",
            "search_flights",
            '{"from": "CDG", "to": "NRT", "passengers": [{"name": "Zoë", "age": 34}]}',
        ),
    ]
    out = []
    for index, (call_id, name, arguments) in enumerate(calls):
        first = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        delta: dict[str, Any] = {"tool_calls": [first]}
        if index == 0:
            delta = {"role": "assistant", "content": None, "tool_calls": [first], "refusal": None}
        out.append(sse(chunk([choice(0, delta)])))
        for piece in fragments(arguments, seed=index):
            call = {"index": index, "function": {"arguments": piece}}
            out.append(sse(chunk([choice(0, {"tool_calls": [call]})])))
    out.append(sse(chunk([choice(0, {}, "tool_calls")])))
    out.append(usage_chunk())
    out.append(sse("[DONE]"))
    return "".join(out)


def openai_chat_n2_structured() -> str:
    docs = [
        '{"name": "Ada Lovelace", "born": 1815, "fields": ["mathematics", "computing"]}',
        '{"name": "Alan Turing", "born": 1912, "fields": ["logic", "cryptanalysis"]}',
    ]
    texts = [fragments(doc, seed=10 + i) for i, doc in enumerate(docs)]
    return chat_content(texts, ["stop", "stop"], seed=3) + sse("[DONE]")


def openai_chat_length_cut() -> str:
    doc = '{"title": "Crème brûlée", "steps": ["Heat the oven to 150 °C", "Whisk the yolks'
    return chat_content([fragments(doc, seed=5)], ["length"], seed=5) + sse("[DONE]")


def openai_chat_multibyte() -> str:
    # The model writes raw UTF-8 and a \\u escape pair that is split across
    # events; the server also splits its writes inside every multi-byte char.
    pieces = [
        '{"dish": "Crè',
        "me brû",
        'lée 🍮", "greeting": "こん',
        'にちは", "smile": "\\ud83d',
        '\\ude00", "cafe": "caf\\u00',
        'e9 ☕"}',
    ]
    return chat_content([pieces], ["stop"], seed=0) + sse("[DONE]")


def openai_chat_dropped() -> str:
    doc = '{"answer": "The connection drops in the middle of this sentence'
    full = chat_content([fragments(doc, seed=8)], [], seed=8)
    # The server dies while writing the next event.
    partial = sse(chunk([choice(0, {"content": " and the rest never arrives"})]))
    return full + partial[: len(partial) // 2]


def openai_chat_slow() -> str:
    items = [{"n": i, "label": f"item {i}"} for i in range(120)]
    doc = dumps({"status": "ok", "items": items})
    return chat_content([fragments(doc, seed=9, low=4, high=12)], ["stop"], seed=9) + sse("[DONE]")


def openai_chat_no_index() -> str:
    # OpenAI-compatible servers (older Ollama /v1, vLLM, Mistral-like) that send
    # each tool call in its own chunks without "index": a new "id" starts a new
    # call (shape from vLLM/Ollama issue reports of parallel tool calls).
    calls = [
        ("call_0", "get_weather", '{"city": "Zürich"}'),
        ("call_1", "get_time", '{"tz": "Europe/Zurich"}'),
    ]
    out = []
    for call_id, name, arguments in calls:
        first = {"id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
        out.append(sse(chunk([choice(0, {"role": "assistant", "tool_calls": [first]})])))
        for piece in fragments(arguments, seed=len(name)):
            call = {"function": {"arguments": piece}}
            out.append(sse(chunk([choice(0, {"tool_calls": [call]})])))
    out.append(sse(chunk([choice(0, {}, "tool_calls")])))
    return "".join(out) + sse("[DONE]")


# -- OpenAI Responses -----------------------------------------------------------------


class Responses:
    def __init__(self) -> None:
        self.sequence = 0
        self.out: list[str] = []

    def emit(self, kind: str, **fields: Any) -> None:
        self.out.append(sse({"type": kind, "sequence_number": self.sequence, **fields}, kind))
        self.sequence += 1


def response_object(status: str, output: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": "gpt-4.1-2025-04-14",
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": None,
        "user": None,
        "metadata": {},
        **extra,
    }


def message_item(text: str, status: str) -> dict[str, Any]:
    content = [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    return {
        "id": "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def stream_message(r: Responses, output_index: int, text: str, seed: int, status: str) -> None:
    item = message_item("", "in_progress")
    item["content"] = []
    r.emit("response.output_item.added", output_index=output_index, item=item)
    part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    ids = {"item_id": item["id"], "output_index": output_index, "content_index": 0}
    r.emit("response.content_part.added", **ids, part=part)
    for piece in fragments(text, seed=seed):
        r.emit("response.output_text.delta", **ids, delta=piece, logprobs=[])
    r.emit("response.output_text.done", **ids, text=text, logprobs=[])
    r.emit("response.content_part.done", **ids, part={**part, "text": text})
    r.emit("response.output_item.done", output_index=output_index, item=message_item(text, status))


def openai_responses_function_and_text() -> str:
    r = Responses()
    r.emit("response.created", response=response_object("in_progress", []))
    r.emit("response.in_progress", response=response_object("in_progress", []))
    text = "Let me look up that order for you."
    stream_message(r, 0, text, seed=20, status="completed")
    arguments = '{"order_id": "A-1042", "include": ["items", "shipping"]}'
    call = {
        "id": "fc_67ccd2c0a3c48190a9b8bfde0a6bf6e00bb6a6b452d3795b",
        "type": "function_call",
        "status": "in_progress",
        "arguments": "",
        "call_id": "call_pmx8cKwQ2fqVbHkS0Dl4Zg7E",
        "name": "lookup_order",
    }
    r.emit("response.output_item.added", output_index=1, item=call)
    for piece in fragments(arguments, seed=21):
        ids = {"item_id": call["id"], "output_index": 1}
        r.emit("response.function_call_arguments.delta", **ids, delta=piece)
    r.emit(
        "response.function_call_arguments.done",
        item_id=call["id"],
        output_index=1,
        arguments=arguments,
    )
    done_call = {**call, "status": "completed", "arguments": arguments}
    r.emit("response.output_item.done", output_index=1, item=done_call)
    final = response_object("completed", [message_item(text, "completed"), done_call])
    r.emit("response.completed", response=final)
    return "".join(r.out)


def openai_responses_incomplete() -> str:
    r = Responses()
    r.emit("response.created", response=response_object("in_progress", []))
    text = '{"summary": "A long report that the token budget cuts in the mid'
    stream_message(r, 0, text, seed=22, status="incomplete")
    final = response_object(
        "incomplete",
        [message_item(text, "incomplete")],
        incomplete_details={"reason": "max_output_tokens"},
        max_output_tokens=16,
    )
    r.emit("response.incomplete", response=final)
    return "".join(r.out)


def openai_responses_slow() -> str:
    r = Responses()
    r.emit("response.created", response=response_object("in_progress", []))
    items = [{"n": i, "label": f"item {i}"} for i in range(120)]
    stream_message(r, 0, dumps({"status": "ok", "items": items}), seed=23, status="completed")
    r.emit("response.completed", response=response_object("completed", []))
    return "".join(r.out)


# -- Anthropic ------------------------------------------------------------------------


def anthropic(kind: str, **fields: Any) -> str:
    return sse({"type": kind, **fields}, kind)


def message_start() -> str:
    message = {
        "id": "msg_01WJ3RXvTkYc4M8fJ3gE2xQZ",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-sonnet-4-5-20250929",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 472, "output_tokens": 2},
    }
    return anthropic("message_start", message=message)


def text_block(index: int, text: str, seed: int) -> str:
    block = {"type": "text", "text": ""}
    out = [anthropic("content_block_start", index=index, content_block=block)]
    for piece in fragments(text, seed=seed):
        delta = {"type": "text_delta", "text": piece}
        out.append(anthropic("content_block_delta", index=index, delta=delta))
    out.append(anthropic("content_block_stop", index=index))
    return "".join(out)


def tool_block(index: int, tool_id: str, name: str, arguments: str, seed: int) -> str:
    block = {"type": "tool_use", "id": tool_id, "name": name, "input": {}}
    out = [anthropic("content_block_start", index=index, content_block=block)]
    pieces = [""] + fragments(arguments, seed=seed) if arguments else [""]
    for piece in pieces:
        delta = {"type": "input_json_delta", "partial_json": piece}
        out.append(anthropic("content_block_delta", index=index, delta=delta))
    out.append(anthropic("content_block_stop", index=index))
    return "".join(out)


def message_end(stop_reason: str, output_tokens: int) -> str:
    delta = {"stop_reason": stop_reason, "stop_sequence": None}
    return anthropic(
        "message_delta", delta=delta, usage={"output_tokens": output_tokens}
    ) + anthropic("message_stop")


def anthropic_text_tool_use() -> str:
    return "".join(
        [
            message_start(),
            text_block(0, "I'll check the weather and the time in Paris.", seed=30),
            anthropic("ping"),
            tool_block(
                1,
                "toolu_01A09q90qw90lq917835lq9",
                "get_weather",
                '{"location": "Paris, France", "unit": "celsius"}',
                seed=31,
            ),
            tool_block(
                2, "toolu_01B7x2M4kPq8sLd3Rt6Vn9Wc", "get_time", '{"tz": "Europe/Paris"}', seed=32
            ),
            tool_block(3, "toolu_01C5hY8rTf2Gk9Jm4Qx7Lb3N", "get_location", "", 33),
            message_end("tool_use", 89),
        ]
    )


def anthropic_max_tokens() -> str:
    doc = '{"haiku": ["Old pond, a frog leaps", "splash! the sound of wa'
    return message_start() + text_block(0, doc, seed=34) + message_end("max_tokens", 24)


def anthropic_dropped() -> str:
    block = tool_block(
        0,
        "toolu_01D4kS9xWq2Rt7Yp3Lm8Nv6B",
        "create_ticket",
        '{"title": "Printer on fire", "priority": "high", "tags": ["hardware", "urgent"]}',
        seed=35,
    )
    events = block.split("\n\n")
    kept = "\n\n".join(events[:-4]) + "\n\n"  # never reaches content_block_stop
    cut = events[-4]
    return message_start() + kept + cut[: len(cut) // 2]


def anthropic_slow() -> str:
    items = [{"n": i, "label": f"item {i}"} for i in range(120)]
    doc = dumps({"status": "ok", "items": items})
    return message_start() + text_block(0, doc, seed=36) + message_end("end_turn", 900)


# -- Gemini ---------------------------------------------------------------------------


def gemini_chunk(
    parts: list[dict[str, Any]], finish: str | None = None, tokens: int = 0
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    usage = {"promptTokenCount": 11, "candidatesTokenCount": tokens, "totalTokenCount": 11 + tokens}
    return {
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": "gemini-2.5-flash",
        "responseId": "mLX8aJ2xK9-pz7IP5tH3uQk",
    }


def gemini(data: dict[str, Any]) -> str:
    return sse(data, eol="\r\n")


def gemini_text(doc: str, seed: int, finish: str, thought: str = "", **frag: int) -> str:
    out = []
    if thought:
        out.append(gemini(gemini_chunk([{"text": thought, "thought": True}])))
    pieces = fragments(doc, seed=seed, **frag)
    for number, piece in enumerate(pieces):
        last = number == len(pieces) - 1
        out.append(gemini(gemini_chunk([{"text": piece}], finish if last else None, number + 1)))
    return "".join(out)


def gemini_max_tokens() -> str:
    doc = '{"recipe": "Pain perdu", "ingredients": ["brioche", "œufs", "crème fraî'
    return gemini_text(doc, seed=40, finish="MAX_TOKENS", thought="**Planning the recipe**")


def gemini_function_calls() -> str:
    parts = [
        {"functionCall": {"name": "get_weather", "args": {"city": "Zürich", "unit": "celsius"}}},
        {"functionCall": {"name": "get_time", "args": {"tz": "Europe/Zurich"}}},
    ]
    return gemini(gemini_chunk(parts, "STOP", 12))


def gemini_slow() -> str:
    items = [{"n": i, "label": f"item {i}"} for i in range(120)]
    doc = dumps({"status": "ok", "items": items})
    return gemini_text(doc, seed=41, finish="STOP", low=4, high=12)


# -- Ollama (native /api/chat, JSON Lines) ---------------------------------------------
# Shapes from Ollama's API reference (docs/api.md, "Generate a chat completion":
# the streamed objects with "message" and "done": false, then the final object
# with "done": true, "done_reason" and the durations/counts; tool calls arrive
# whole in one message, "arguments" an object) and the ollama-python package's
# ChatResponse/Message types.


def ollama_line(message: dict[str, Any] | None = None, **extra: Any) -> str:
    line: dict[str, Any] = {"model": "qwen3:8b", "created_at": "2025-01-01T00:00:00.000000Z"}
    if message is not None:
        line["message"] = {"role": "assistant", **message}
    return dumps({**line, **extra}) + "\n"


def ollama_done(reason: str, count: int) -> str:
    return ollama_line(
        {"content": ""},
        done=True,
        done_reason=reason,
        total_duration=4883583458,
        load_duration=1334875,
        prompt_eval_count=26,
        prompt_eval_duration=342546000,
        eval_count=count,
        eval_duration=4535599000,
    )


def ollama_content(doc: str, seed: int, thinking: str = "", **frag: int) -> str:
    out = []
    for piece in fragments(thinking, seed=seed):
        out.append(ollama_line({"content": "", "thinking": piece}, done=False))
    for piece in fragments(doc, seed=seed, **frag):
        out.append(ollama_line({"content": piece}, done=False))
    return "".join(out)


def ollama_chat_json() -> str:
    doc = '{"dish": "Crème brûlée 🍮", "greeting": "こんにちは", "steps": ["Heat", "Whisk"]}'
    return ollama_content(doc, seed=50, thinking="The user wants JSON.") + ollama_done("stop", 31)


def ollama_tool_calls() -> str:
    calls = [
        {"function": {"name": "get_weather", "arguments": {"city": "Zürich", "unit": "celsius"}}},
        {"function": {"name": "get_time", "arguments": {"tz": "Europe/Zurich"}}},
    ]
    return ollama_line({"content": "", "tool_calls": calls}, done=False) + ollama_done("stop", 40)


def ollama_length() -> str:
    doc = '{"title": "Pain perdu", "steps": ["Whisk the eggs", "Soak the bri'
    return ollama_content(doc, seed=51) + ollama_done("length", 16)


def ollama_dropped() -> str:
    doc = '{"answer": "The connection drops in the middle of this sentence'
    half = ollama_line({"content": " and the rest never arrives"}, done=False)
    return ollama_content(doc, seed=52) + half[: len(half) // 2]


def ollama_slow() -> str:
    items = [{"n": i, "label": f"item {i}"} for i in range(120)]
    doc = dumps({"status": "ok", "items": items})
    return ollama_content(doc, seed=53, low=4, high=12) + ollama_done("stop", 900)


# -- Mistral (the mistralai SDK's chat.stream) ------------------------------------------
# Shapes from Mistral's API reference (POST /v1/chat/completions with
# "stream": true: "data:" chunks of object "chat.completion.chunk", then
# "data: [DONE]"; usage in the last chunk) and the mistralai SDK's models
# (CompletionChunk, DeltaMessage.content as a string or a list of
# ContentChunk: TextChunk {"type": "text"}, ThinkChunk {"type": "thinking",
# "thinking": [TextChunk...]}; ToolCall {id, type, function {name,
# arguments}, index}: each call whole in its own chunk, all with index 0).


def mistral_chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    return sse(
        {
            "id": "cf79f7daaee244b1a0ae5c7b1444424a",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": "magistral-medium-2509",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
    )


MISTRAL_USAGE = {"prompt_tokens": 12, "total_tokens": 60, "completion_tokens": 48}


def mistral_magistral() -> str:
    out = [mistral_chunk({"role": "assistant", "content": ""})]
    for piece in fragments("Two and two make four.", seed=70):
        part = {"type": "thinking", "thinking": [{"type": "text", "text": piece}]}
        out.append(mistral_chunk({"content": [part]}))
    for piece in fragments('{"answer": 4, "check": "2 + 2 = 4 ✓"}', seed=71):
        out.append(mistral_chunk({"content": [{"type": "text", "text": piece}]}))
    out.append(mistral_chunk({"content": ""}, "stop", usage=MISTRAL_USAGE))
    return "".join(out) + sse("[DONE]")


def mistral_tool_calls() -> str:
    calls = [
        ("D681PevKs", "get_weather", '{"city": "Zürich", "unit": "celsius"}'),
        ("Q2b7xZr9T", "get_time", '{"tz": "Europe/Zurich"}'),
    ]
    out = [mistral_chunk({"role": "assistant", "content": ""})]
    for call_id, name, arguments in calls:
        call = {"id": call_id, "function": {"name": name, "arguments": arguments}, "index": 0}
        out.append(mistral_chunk({"tool_calls": [call]}))
    out.append(mistral_chunk({"content": ""}, "tool_calls", usage=MISTRAL_USAGE))
    return "".join(out) + sse("[DONE]")


def mistral_length() -> str:
    doc = '{"title": "Tarte Tatin", "steps": ["Caramelise the sugar", "Arrange the app'
    out = [mistral_chunk({"role": "assistant", "content": ""})]
    out += [mistral_chunk({"content": piece}) for piece in fragments(doc, seed=72)]
    out.append(mistral_chunk({"content": ""}, "length", usage=MISTRAL_USAGE))
    return "".join(out) + sse("[DONE]")


def mistral_dropped() -> str:
    doc = '{"answer": "The connection drops in the middle of this sentence'
    out = [mistral_chunk({"content": piece}) for piece in fragments(doc, seed=73)]
    half = mistral_chunk({"content": " and the rest never arrives"})
    return "".join(out) + half[: len(half) // 2]


def mistral_slow() -> str:
    items = [{"n": i, "label": f"item {i}"} for i in range(120)]
    doc = dumps({"status": "ok", "items": items})
    out = [mistral_chunk({"content": piece}) for piece in fragments(doc, seed=74, low=4, high=12)]
    return "".join(out) + mistral_chunk({"content": ""}, "stop") + sse("[DONE]")


# -- Cohere (v2 chat stream) -----------------------------------------------------------
# Shapes from Cohere's v2 Chat API streaming reference (SSE events with
# "type": message-start, content-start/delta/end, tool-plan-delta,
# tool-call-start/delta/end, citation-*, message-end with delta.finish_reason
# COMPLETE/MAX_TOKENS/TOOL_CALL/... and usage) and the cohere SDK's
# V2ChatStreamResponse types (delta.message.content.text / .thinking,
# delta.message.tool_calls.function.arguments).


def cohere(kind: str, **fields: Any) -> str:
    return sse({"type": kind, **fields}, kind)


def cohere_start() -> str:
    message = {
        "role": "assistant",
        "content": [],
        "tool_plan": "",
        "tool_calls": [],
        "citations": [],
    }
    return cohere(
        "message-start", id="2b2d1f3e-6b8a-4f1c-9d51-3e0e6c1f9a7b", delta={"message": message}
    )


def cohere_end(reason: str) -> str:
    usage = {
        "billed_units": {"input_tokens": 40, "output_tokens": 31},
        "tokens": {"input_tokens": 900, "output_tokens": 60},
    }
    return cohere("message-end", delta={"finish_reason": reason, "usage": usage})


def cohere_text(index: int, text: str, seed: int, **frag: int) -> str:
    out = [
        cohere(
            "content-start",
            index=index,
            delta={"message": {"content": {"type": "text", "text": ""}}},
        )
    ]
    for piece in fragments(text, seed=seed, **frag):
        out.append(
            cohere("content-delta", index=index, delta={"message": {"content": {"text": piece}}})
        )
    return "".join(out)


def cohere_json() -> str:
    doc = '{"dish": "Crème brûlée 🍮", "greeting": "こんにちは", "steps": ["Heat", "Whisk"]}'
    return (
        cohere_start()
        + cohere_text(0, doc, seed=80)
        + cohere("content-end", index=0)
        + cohere_end("COMPLETE")
    )


def cohere_tool_calls() -> str:
    out = [cohere_start()]
    for piece in fragments("I will look up the weather and the time.", seed=81):
        out.append(cohere("tool-plan-delta", delta={"message": {"tool_plan": piece}}))
    calls = [
        ("get_weather_k3v8gq1h2m4x", "get_weather", '{"city": "Zürich", "unit": "celsius"}'),
        ("get_time_7wq2zr9t0b1c", "get_time", '{"tz": "Europe/Zurich"}'),
    ]
    for index, (call_id, name, arguments) in enumerate(calls):
        call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
        out.append(cohere("tool-call-start", index=index, delta={"message": {"tool_calls": call}}))
        for piece in fragments(arguments, seed=82 + index):
            delta = {"message": {"tool_calls": {"function": {"arguments": piece}}}}
            out.append(cohere("tool-call-delta", index=index, delta=delta))
        out.append(cohere("tool-call-end", index=index))
    return "".join(out) + cohere_end("TOOL_CALL")


def cohere_max_tokens() -> str:
    doc = '{"recipe": "Pain perdu", "ingredients": ["brioche", "œufs", "crème fraî'
    return (
        cohere_start()
        + cohere_text(0, doc, seed=84)
        + cohere("content-end", index=0)
        + cohere_end("MAX_TOKENS")
    )


def cohere_dropped() -> str:
    doc = '{"answer": "The connection drops in the middle of this sentence'
    half = cohere("content-delta", index=0, delta={"message": {"content": {"text": " and"}}})
    return cohere_start() + cohere_text(0, doc, seed=85) + half[: len(half) // 2]


def cohere_slow() -> str:
    items = [{"n": i, "label": f"item {i}"} for i in range(120)]
    doc = dumps({"status": "ok", "items": items})
    body = cohere_text(0, doc, seed=86, low=4, high=12)
    return cohere_start() + body + cohere("content-end", index=0) + cohere_end("COMPLETE")


# -- AWS Bedrock (Converse stream, AWS event-stream binary framing) ------------------
# Framing from the AWS event stream encoding (each message: total length,
# headers length, prelude CRC32, headers ":event-type" / ":content-type" /
# ":message-type", JSON payload, message CRC32), as botocore's eventstream.py
# decodes it; events and fields from botocore's bedrock-runtime service model
# (ConverseStreamOutput: messageStart, contentBlockStart.start.toolUse,
# contentBlockDelta.delta.text / toolUse.input / reasoningContent.text,
# contentBlockStop, messageStop.stopReason, metadata) and the Converse API
# docs; the "p" padding field as Bedrock sends it.


def aws_message(headers: dict[str, str], payload: bytes) -> bytes:
    head = b"".join(
        bytes([len(name)])
        + name.encode()
        + b"\x07"
        + len(value).to_bytes(2, "big")
        + value.encode()
        for name, value in headers.items()
    )
    total = 12 + len(head) + len(payload) + 4
    prelude = total.to_bytes(4, "big") + len(head).to_bytes(4, "big")
    prelude += zlib.crc32(prelude).to_bytes(4, "big")
    message = prelude + head + payload
    return message + zlib.crc32(message).to_bytes(4, "big")


def bedrock_event(kind: str, payload: dict[str, Any]) -> bytes:
    headers = {":event-type": kind, ":content-type": "application/json", ":message-type": "event"}
    return aws_message(headers, dumps({**payload, "p": "abcdefghijkl"}).encode("utf-8"))


def bedrock_text(index: int, text: str, seed: int, reasoning: str = "") -> bytes:
    out = [
        bedrock_event(
            "contentBlockDelta",
            {"contentBlockIndex": index, "delta": {"reasoningContent": {"text": piece}}},
        )
        for piece in fragments(reasoning, seed=seed)
    ]
    out += [
        bedrock_event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": piece}})
        for piece in fragments(text, seed=seed)
    ]
    return b"".join(out)


def bedrock_tool(index: int, tool_id: str, name: str, arguments: str, seed: int) -> bytes:
    start = {"toolUse": {"toolUseId": tool_id, "name": name}}
    out = [bedrock_event("contentBlockStart", {"contentBlockIndex": index, "start": start})]
    for piece in fragments(arguments, seed=seed):
        delta = {"toolUse": {"input": piece}}
        out.append(bedrock_event("contentBlockDelta", {"contentBlockIndex": index, "delta": delta}))
    out.append(bedrock_event("contentBlockStop", {"contentBlockIndex": index}))
    return b"".join(out)


def bedrock_end(reason: str) -> bytes:
    usage = {"inputTokens": 30, "outputTokens": 42, "totalTokens": 72}
    return bedrock_event("messageStop", {"stopReason": reason}) + bedrock_event(
        "metadata", {"usage": usage, "metrics": {"latencyMs": 812}}
    )


def bedrock_text_tool_use() -> bytes:
    return b"".join(
        [
            bedrock_event("messageStart", {"role": "assistant"}),
            bedrock_text(0, "Let me check the weather in Zürich.", seed=60, reasoning="Tools."),
            bedrock_event("contentBlockStop", {"contentBlockIndex": 0}),
            bedrock_tool(
                1,
                "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                "get_weather",
                '{"city": "Zürich", "unit": "celsius"}',
                61,
            ),
            bedrock_tool(
                2, "tooluse_Hq3mEw0dSxqZm8kT2bUv4A", "get_time", '{"tz": "Europe/Zurich"}', 62
            ),
            bedrock_end("tool_use"),
        ]
    )


def bedrock_max_tokens() -> bytes:
    doc = '{"recipe": "Pain perdu", "ingredients": ["brioche", "œufs", "crème fraî'
    return b"".join(
        [
            bedrock_event("messageStart", {"role": "assistant"}),
            bedrock_text(0, doc, seed=63),
            bedrock_event("contentBlockStop", {"contentBlockIndex": 0}),
            bedrock_end("max_tokens"),
        ]
    )


def bedrock_dropped() -> bytes:
    doc = '{"answer": "The connection drops in the middle of this sentence'
    start = bedrock_event("messageStart", {"role": "assistant"})
    half = bedrock_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": " and"}})
    return start + bedrock_text(0, doc, seed=64) + half[: len(half) // 2]


def bedrock_slow() -> bytes:
    items = [{"n": i, "label": f"item {i}"} for i in range(120)]
    doc = dumps({"status": "ok", "items": items})
    start = bedrock_event("messageStart", {"role": "assistant"})
    text = b"".join(
        bedrock_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}})
        for piece in fragments(doc, seed=65, low=4, high=12)
    )
    return (
        start
        + text
        + bedrock_event("contentBlockStop", {"contentBlockIndex": 0})
        + bedrock_end("end_turn")
    )


SCENARIOS: dict[str, Any] = {
    function.__name__: function
    for function in [
        openai_chat_parallel_tools,
        openai_chat_n2_structured,
        openai_chat_length_cut,
        openai_chat_multibyte,
        openai_chat_dropped,
        openai_chat_slow,
        openai_chat_no_index,
        openai_responses_function_and_text,
        openai_responses_incomplete,
        openai_responses_slow,
        anthropic_text_tool_use,
        anthropic_max_tokens,
        anthropic_dropped,
        anthropic_slow,
        gemini_max_tokens,
        gemini_function_calls,
        gemini_slow,
        ollama_chat_json,
        ollama_tool_calls,
        ollama_length,
        ollama_dropped,
        ollama_slow,
        bedrock_text_tool_use,
        bedrock_max_tokens,
        bedrock_dropped,
        bedrock_slow,
        mistral_magistral,
        mistral_tool_calls,
        mistral_length,
        mistral_dropped,
        mistral_slow,
        cohere_json,
        cohere_tool_calls,
        cohere_max_tokens,
        cohere_dropped,
        cohere_slow,
    ]
}


def suffix(name: str) -> str:
    """The transcript's framing: JSON Lines for Ollama, AWS event stream for
    Bedrock, SSE for the rest."""
    if name.startswith("ollama_"):
        return ".jsonl"
    if name.startswith("bedrock_"):
        return ".bin"
    return ".sse"


def main() -> None:
    for name, function in SCENARIOS.items():
        data = function()
        body = data if isinstance(data, bytes) else data.encode("utf-8")
        (HERE / f"{name}{suffix(name)}").write_bytes(body)
        print(name)


if __name__ == "__main__":
    main()
