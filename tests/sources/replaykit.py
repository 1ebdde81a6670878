"""Test helpers: a replay server for recorded SSE transcripts, and what each must give.

The server listens on 127.0.0.1 and the real SDK clients stream from it.

Each request names its transcript (``tests/sources/transcripts/<name>.sse``,
``.jsonl`` for JSON Lines, ``.bin`` for AWS event streams): the ``model`` of
the request body, or the model in a Gemini or Bedrock URL path. The server
sends the transcript's bytes in small writes (TCP_NODELAY, one write per
chunk, optionally cut inside every multi-byte character or with a pause after
each event), and records what happened to each exchange: sent
to the end, dropped on purpose, or closed by the client.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from jsondrip import IncompleteJSONError, apply_deltas
from jsondrip.sources import Slot, TruncatedStreamError, Update

TRANSCRIPTS = Path(__file__).resolve().parent / "transcripts"


@dataclass(frozen=True)
class Scenario:
    """How the server plays a transcript."""

    write: int = 48  # bytes per TCP write
    delay: float = 0.0  # seconds to wait after each write
    ending: str = "chunked"  # "chunked" | "drop" (chunked, no last chunk) | "close" (EOF-framed)
    split_utf8: bool = False  # also cut writes after the first byte of every multi-byte char
    per_event: bool = False  # one write per SSE event


SLOW = Scenario(per_event=True, delay=0.004)

SCENARIOS: dict[str, Scenario] = {
    "openai_chat_parallel_tools": Scenario(),
    "openai_chat_n2_structured": Scenario(write=7),
    "openai_chat_length_cut": Scenario(),
    "openai_chat_multibyte": Scenario(write=5, delay=0.001, split_utf8=True),
    "openai_chat_dropped": Scenario(ending="drop"),
    "openai_chat_slow": SLOW,
    "openai_chat_no_index": Scenario(write=13, split_utf8=True),
    "openai_responses_function_and_text": Scenario(write=64),
    "openai_responses_incomplete": Scenario(write=64),
    "openai_responses_slow": SLOW,
    "anthropic_text_tool_use": Scenario(write=31),
    "anthropic_max_tokens": Scenario(),
    "anthropic_dropped": Scenario(ending="close"),
    "anthropic_slow": SLOW,
    "gemini_max_tokens": Scenario(write=9, split_utf8=True),
    "gemini_function_calls": Scenario(write=16),
    "gemini_slow": SLOW,
    "ollama_chat_json": Scenario(write=7, split_utf8=True),
    "ollama_tool_calls": Scenario(write=11, split_utf8=True),
    "ollama_length": Scenario(write=16),
    "ollama_dropped": Scenario(ending="drop"),
    "ollama_slow": SLOW,
    "bedrock_text_tool_use": Scenario(write=23, split_utf8=True),
    "bedrock_max_tokens": Scenario(write=9, split_utf8=True),
    "bedrock_dropped": Scenario(ending="drop"),
    "bedrock_slow": SLOW,
    "mistral_magistral": Scenario(write=6, split_utf8=True),
    "mistral_tool_calls": Scenario(write=17, split_utf8=True),
    "mistral_length": Scenario(write=30),
    "mistral_dropped": Scenario(ending="drop"),
    "mistral_slow": SLOW,
    "cohere_json": Scenario(write=7, split_utf8=True),
    "cohere_tool_calls": Scenario(write=19, split_utf8=True),
    "cohere_max_tokens": Scenario(write=40),
    "cohere_dropped": Scenario(ending="drop"),
    "cohere_slow": SLOW,
}


@dataclass
class Exchange:
    """One request and what became of its response."""

    scenario: str
    path: str
    body: Any
    sent: int = 0  # transcript bytes written
    total: int = 0  # transcript size
    outcome: str = "streaming"  # "complete" | "dropped" | "disconnected"
    finished: threading.Event = field(default_factory=threading.Event)

    def wait(self, timeout: float = 10.0) -> str:
        """Wait until the server is done with this exchange; return the outcome."""
        assert self.finished.wait(timeout), f"{self.scenario}: server still streaming"
        return self.outcome


#: Transcript file suffixes and the content type each is served with.
CONTENT_TYPES = {
    ".sse": "text/event-stream; charset=utf-8",
    ".jsonl": "application/x-ndjson",
    ".bin": "application/vnd.amazon.eventstream",
}


def transcript(name: str) -> Path:
    """The transcript file of scenario ``name``, whatever its framing."""
    for suffix in CONTENT_TYPES:
        path = TRANSCRIPTS / f"{name}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"no transcript for {name!r}")


def _events(data: bytes, suffix: str) -> list[bytes]:
    """``data`` cut at its event boundaries."""
    if suffix == ".jsonl":
        return data.splitlines(keepends=True)
    if suffix == ".bin":  # AWS event stream: each message starts with its total length
        out, pos = [], 0
        while pos + 4 <= len(data):
            size = int.from_bytes(data[pos : pos + 4], "big")
            out.append(data[pos : pos + size])
            pos += size
        if pos < len(data):
            out.append(data[pos:])
        return out
    return [event for event in re.split(rb"(?<=\n\n)|(?<=\r\n\r\n)", data) if event]


def _pieces(data: bytes, scenario: Scenario, suffix: str = ".sse") -> Iterator[bytes]:
    if scenario.per_event:
        yield from _events(data, suffix)
        return
    cuts = set(range(scenario.write, len(data), scenario.write))
    if scenario.split_utf8:
        cuts.update(i + 1 for i, byte in enumerate(data) if byte >= 0xC0)
    points = [0, *sorted(cuts), len(data)]
    for start, end in zip(points, points[1:]):
        yield data[start:end]


def _scenario_name(path: str, body: Any) -> str:
    match = re.search(r"/models/([^/:?]+):streamGenerateContent", path)
    if match:
        return match.group(1)
    match = re.search(r"/model/([^/?]+)/converse-stream", path)  # AWS Bedrock
    if match:
        return match.group(1)
    if isinstance(body, dict) and isinstance(body.get("model"), str):
        return str(body["model"])
    return ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        name = _scenario_name(self.path, body)
        if name not in SCENARIOS and self.server.replay.fallback:
            name = self.server.replay.fallback
        scenario = SCENARIOS.get(name)
        if scenario is None:
            self.send_error(404, f"no transcript for {name!r}")
            return
        path = transcript(name)
        data = path.read_bytes()
        exchange = Exchange(name, self.path, body, total=len(data))
        self.server.replay.exchanges.append(exchange)
        try:
            self._stream(data, scenario, exchange, path.suffix)
        except OSError:  # BrokenPipeError, ConnectionResetError: the client hung up
            exchange.outcome = "disconnected"
            self.close_connection = True
        finally:
            exchange.finished.set()

    def _stream(self, data: bytes, scenario: Scenario, exchange: Exchange, suffix: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPES[suffix])
        self.send_header("Cache-Control", "no-cache")
        chunked = scenario.ending != "close"
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for piece in _pieces(data, scenario, suffix):
            frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
            self.wfile.write(frame)
            self.wfile.flush()
            exchange.sent += len(piece)
            if scenario.delay:
                time.sleep(scenario.delay)
        if scenario.ending == "chunked":
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            exchange.outcome = "complete"
        else:
            # "drop": the body ends without its last chunk, mid-event;
            # "close": the body is framed by EOF, which comes mid-event.
            exchange.outcome = "dropped" if scenario.ending == "drop" else "complete"
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client resetting a kept-alive connection is not news


class ReplayServer:
    """The running server: its base URL and the exchanges it served."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        #: The scenario to play for a request that names none (e.g. a real model name).
        self.fallback = ""
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.replay = self
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def last(self, scenario: str) -> Exchange:
        """The latest exchange that played ``scenario``."""
        for exchange in reversed(self.exchanges):
            if exchange.scenario == scenario:
                return exchange
        raise AssertionError(f"the server never played {scenario!r}")

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


# -- what each transcript must give ----------------------------------------------------


@dataclass(frozen=True)
class Cut:
    """An expected TruncatedStreamError: its reason and salvaged partial value."""

    reason: str
    partial: Any


MESSAGE_ID = "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b"
TOOLS_CHAT = {
    Slot("tool_call", 0, 0, "call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather"): {
        "city": "Paris",
        "unit": "celsius",
    },
    Slot("tool_call", 0, 1, "call_ABaxnjFd9q8u6LD9n8HJxS4M", "get_time"): {
        "timezone": "Europe/Paris"
    },
    Slot("tool_call", 0, 2, "call_kx3fJv7QeSpZ9qT0mW2cB1rN", "search_flights"): {
        "from": "CDG",
        "to": "NRT",
        "passengers": [{"name": "Zoë", "age": 34}],
    },
}
TOOLS_ANTHROPIC = {
    Slot("content", 0, 0): "I'll check the weather and the time in Paris.",
    Slot("tool_call", 0, 1, "toolu_01A09q90qw90lq917835lq9", "get_weather"): {
        "location": "Paris, France",
        "unit": "celsius",
    },
    Slot("tool_call", 0, 2, "toolu_01B7x2M4kPq8sLd3Rt6Vn9Wc", "get_time"): {"tz": "Europe/Paris"},
    Slot("tool_call", 0, 3, "toolu_01C5hY8rTf2Gk9Jm4Qx7Lb3N", "get_location"): {},
}

#: scenario -> (options for the stream function, expected results)
EXPECTED: dict[str, tuple[dict[str, Any], dict[Slot, Any]]] = {
    "openai_chat_parallel_tools": ({"content": False}, TOOLS_CHAT),
    "openai_chat_n2_structured": (
        {},
        {
            Slot("content", 0): {
                "name": "Ada Lovelace",
                "born": 1815,
                "fields": ["mathematics", "computing"],
            },
            Slot("content", 1): {
                "name": "Alan Turing",
                "born": 1912,
                "fields": ["logic", "cryptanalysis"],
            },
        },
    ),
    "openai_chat_length_cut": (
        {},
        {
            Slot("content"): Cut(
                "finish_reason=length",
                {"title": "Crème brûlée", "steps": ["Heat the oven to 150 °C", "Whisk the yolks"]},
            )
        },
    ),
    "openai_chat_multibyte": (
        {},
        {
            Slot("content"): {
                "dish": "Crème brûlée 🍮",
                "greeting": "こんにちは",
                "smile": "😀",
                "cafe": "café ☕",
            }
        },
    ),
    "openai_responses_function_and_text": (
        {"content": False},
        {
            Slot("content", 0, 0, MESSAGE_ID): "Let me look up that order for you.",
            Slot("tool_call", 1, 0, "call_pmx8cKwQ2fqVbHkS0Dl4Zg7E", "lookup_order"): {
                "order_id": "A-1042",
                "include": ["items", "shipping"],
            },
        },
    ),
    "openai_responses_incomplete": (
        {},
        {
            Slot("content", 0, 0, MESSAGE_ID): Cut(
                "incomplete_details.reason=max_output_tokens",
                {"summary": "A long report that the token budget cuts in the mid"},
            )
        },
    ),
    "anthropic_text_tool_use": ({"content": False}, TOOLS_ANTHROPIC),
    "anthropic_max_tokens": (
        {},
        {
            Slot("content", 0, 0): Cut(
                "stop_reason=max_tokens",
                {"haiku": ["Old pond, a frog leaps", "splash! the sound of wa"]},
            )
        },
    ),
    "anthropic_dropped": (
        {},
        {
            Slot("tool_call", 0, 0, "toolu_01D4kS9xWq2Rt7Yp3Lm8Nv6B", "create_ticket"): Cut(
                "stream ended without message_stop",
                {"title": "Printer on fire", "priority": "high", "tags": ["hardware"]},
            )
        },
    ),
    "gemini_max_tokens": (
        {},
        {
            Slot("content"): Cut(
                "finish_reason=MAX_TOKENS",
                {"recipe": "Pain perdu", "ingredients": ["brioche", "œufs", "crème fraî"]},
            )
        },
    ),
    "gemini_function_calls": (
        {},
        {
            Slot("tool_call", 0, 0, None, "get_weather"): {"city": "Zürich", "unit": "celsius"},
            Slot("tool_call", 0, 1, None, "get_time"): {"tz": "Europe/Zurich"},
        },
    ),
}


EXPECTED.update(
    {
        "openai_chat_no_index": (
            {},
            {
                Slot("tool_call", 0, 0, "call_0", "get_weather"): {"city": "Zürich"},
                Slot("tool_call", 0, 1, "call_1", "get_time"): {"tz": "Europe/Zurich"},
            },
        ),
        "ollama_chat_json": (
            {},
            {
                Slot("content"): {
                    "dish": "Crème brûlée 🍮",
                    "greeting": "こんにちは",
                    "steps": ["Heat", "Whisk"],
                }
            },
        ),
        "ollama_tool_calls": (
            {},
            {
                Slot("tool_call", 0, 0, None, "get_weather"): {"city": "Zürich", "unit": "celsius"},
                Slot("tool_call", 0, 1, None, "get_time"): {"tz": "Europe/Zurich"},
            },
        ),
        "bedrock_text_tool_use": (
            {"content": False},
            {
                Slot("content", 0, 0): "Let me check the weather in Zürich.",
                Slot("tool_call", 0, 1, "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather"): {
                    "city": "Zürich",
                    "unit": "celsius",
                },
                Slot("tool_call", 0, 2, "tooluse_Hq3mEw0dSxqZm8kT2bUv4A", "get_time"): {
                    "tz": "Europe/Zurich"
                },
            },
        ),
        "bedrock_max_tokens": (
            {},
            {
                Slot("content", 0, 0): Cut(
                    "stopReason=max_tokens",
                    {"recipe": "Pain perdu", "ingredients": ["brioche", "œufs", "crème fraî"]},
                )
            },
        ),
        "mistral_magistral": ({}, {Slot("content"): {"answer": 4, "check": "2 + 2 = 4 ✓"}}),
        "mistral_tool_calls": (
            {},
            {
                Slot("tool_call", 0, 0, "D681PevKs", "get_weather"): {
                    "city": "Zürich",
                    "unit": "celsius",
                },
                Slot("tool_call", 0, 1, "Q2b7xZr9T", "get_time"): {"tz": "Europe/Zurich"},
            },
        ),
        "mistral_length": (
            {},
            {
                Slot("content"): Cut(
                    "finish_reason=length",
                    {"title": "Tarte Tatin", "steps": ["Caramelise the sugar", "Arrange the app"]},
                )
            },
        ),
        "cohere_json": (
            {},
            {
                Slot("content", 0, 0): {
                    "dish": "Crème brûlée 🍮",
                    "greeting": "こんにちは",
                    "steps": ["Heat", "Whisk"],
                }
            },
        ),
        "cohere_tool_calls": (
            {},
            {
                Slot("tool_call", 0, 0, "get_weather_k3v8gq1h2m4x", "get_weather"): {
                    "city": "Zürich",
                    "unit": "celsius",
                },
                Slot("tool_call", 0, 1, "get_time_7wq2zr9t0b1c", "get_time"): {
                    "tz": "Europe/Zurich"
                },
            },
        ),
        "cohere_max_tokens": (
            {},
            {
                Slot("content", 0, 0): Cut(
                    "finish_reason=MAX_TOKENS",
                    {"recipe": "Pain perdu", "ingredients": ["brioche", "œufs", "crème fraî"]},
                )
            },
        ),
        "ollama_length": (
            {},
            {
                Slot("content"): Cut(
                    "done_reason=length",
                    {"title": "Pain perdu", "steps": ["Whisk the eggs", "Soak the bri"]},
                )
            },
        ),
    }
)


def check_results(results: dict[Slot, Any], expected: dict[Slot, Any]) -> None:
    """``results`` has exactly the expected slots (ids and names included),
    values, and cuts (reason and partial value)."""
    assert set(results) == set(expected)
    for slot, want in expected.items():
        [got_slot] = [s for s in results if s == slot]
        assert (got_slot.id, got_slot.name) == (slot.id, slot.name), slot
        got = results[slot]
        if isinstance(want, Cut):
            assert isinstance(got, TruncatedStreamError), (slot, got)
            assert isinstance(got, IncompleteJSONError)
            assert got.reason == want.reason
            assert got.partial == want.partial
            assert want.reason in str(got)
        else:
            assert not isinstance(got, BaseException), (slot, got)
            assert got == want, slot


def check_updates(updates: list[Update], results: dict[Slot, Any]) -> None:
    """The updates tell the same story as the results: one ``done`` per slot,
    last; the slot's text parses to its value; its deltas fold to it."""
    by_slot: dict[Slot, list[Update]] = {}
    for update in updates:
        by_slot.setdefault(update.slot, []).append(update)
    assert set(by_slot) == set(results)
    for slot, mine in by_slot.items():
        assert [update.done for update in mine] == [False] * (len(mine) - 1) + [True], slot
        last = mine[-1]
        result = results[slot]
        if isinstance(result, BaseException):
            assert last.error is result
        else:
            assert last.error is None
            assert last.value == result
            text = "".join(update.text for update in mine)
            prose = slot.kind == "content" and isinstance(result, str)
            assert (text if prose else json.loads(text)) == result, slot
            if not prose:
                folded = apply_deltas(None, [d for update in mine for d in update.deltas])
                assert folded == result, slot
