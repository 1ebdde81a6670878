"""jsondrip.patch: the wire format round-trips with apply_deltas in every chunking."""

from __future__ import annotations

import json
import sys
from typing import Any, Union

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jsondrip import Delta, Parser, apply_deltas
from jsondrip.patch import (
    PatchEncoder,
    PatchError,
    PatchState,
    apply_patch,
    dumps,
    parse_pointer,
    pointer,
    to_patch,
)
from jsondrip.testing import json_streams, json_texts, json_values, llm_chunkings

Chunk = Union[str, bytes]

#: Keys that break naive pointer code or naive JavaScript objects.
AWKWARD_KEYS = ["", "/", "~", "~0", "~1", "a/b~c", "__proto__", "constructor", "0", "-", "é"]

awkward_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(AWKWARD_KEYS) | st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=12,
)


def _wire(messages: list[Any]) -> list[Any]:
    """Messages as the receiving side sees them: through JSON text."""
    return [json.loads(dumps(message)) for message in messages]


def _check_stream(chunks: list[Chunk], *, strict: bool = False, **options: Any) -> Any:
    parser = Parser(**options)
    encoder = PatchEncoder(strict=strict)
    state = PatchState()
    every: list[Delta] = []
    for chunk in chunks:
        deltas = parser.feed(chunk)
        every += deltas
        for message in _wire(encoder.encode(deltas)):
            state.apply(message)
        assert state.value == parser.value
    deltas = parser.feed_eof()
    every += deltas
    for message in _wire(encoder.encode(deltas)):
        state.apply(message)
    final = parser.close()
    assert state.value == final
    # The whole sequence at once, from the same start.
    assert apply_patch(None, to_patch(every, strict=strict)) == apply_deltas(None, every)
    return final


@given(json_streams())
def test_patch_follows_the_parser_after_every_chunk(case: tuple[str, list[Chunk]]) -> None:
    text, chunks = case
    assert _check_stream(chunks) == json.loads(text)


@given(json_streams(as_bytes=True))
def test_patch_follows_the_parser_for_byte_chunks(case: tuple[str, list[Chunk]]) -> None:
    text, chunks = case
    assert _check_stream(chunks) == json.loads(text)


@given(json_streams())
def test_strict_rfc6902_patch_follows_the_parser(case: tuple[str, list[Chunk]]) -> None:
    text, chunks = case
    assert _check_stream(chunks, strict=True) == json.loads(text)
    deltas = Parser().feed(text)
    for message in to_patch(deltas, strict=True):
        assert isinstance(message, dict)
        assert message["op"] in ("add", "replace")
        assert set(message) == {"op", "path", "value"}


@given(st.data(), awkward_values)
def test_awkward_keys_round_trip(data: st.DataObject, value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    chunks = data.draw(llm_chunkings(text))
    assert _check_stream(chunks) == value
    assert _check_stream(chunks, strict=True) == value


@given(st.data(), json_texts(), st.booleans())
def test_options_round_trip(data: st.DataObject, text: str, partial_strings: bool) -> None:
    chunks = data.draw(llm_chunkings(f"{text} {text}"))
    final = _check_stream(chunks, multiple_values=True, partial_strings=partial_strings)
    assert final == [json.loads(text)] * 2


@given(st.data(), json_values())
def test_lenient_round_trip(data: st.DataObject, value: Any) -> None:
    text = "Sure! ```json\n" + json.dumps([value]) + "\n``` done"
    assert _check_stream(data.draw(llm_chunkings(text)), lenient=True) == [value]


@given(json_streams())
def test_appends_are_bare_strings_and_ends_need_no_path(case: tuple[str, list[Chunk]]) -> None:
    """The compact forms: no message repeats a path after its value was added."""
    _, chunks = case
    parser = Parser()
    encoder = PatchEncoder()
    for chunk in chunks:
        for message in encoder.encode(parser.feed(chunk)):
            if isinstance(message, dict):
                assert message["op"] in ("add", "end")
                if message["op"] == "end":
                    assert message == {"op": "end"}


def test_a_long_string_costs_its_text_plus_a_constant_per_chunk() -> None:
    parser = Parser()
    encoder = PatchEncoder()
    opening = encoder.encode(parser.feed('{"deep": {"er": [{"text": "'))
    assert opening[-1] == {"op": "add", "path": "/deep/er/0/text", "value": ""}
    for _ in range(1000):
        assert encoder.encode(parser.feed("abcd")) == ["abcd"]
    assert encoder.encode(parser.feed('"}]}}')) == [{"op": "end"}] * 5


def test_scalars_need_no_end() -> None:
    messages = to_patch(Parser().feed('{"n": 1, "t": true, "z": null, "s": "x"}'))
    assert messages == [
        {"op": "add", "path": "", "value": {}},
        {"op": "add", "path": "/n", "value": 1},
        {"op": "add", "path": "/t", "value": True},
        {"op": "add", "path": "/z", "value": None},
        {"op": "add", "path": "/s", "value": "x"},
        {"op": "end"},
        {"op": "end"},
    ]


def test_strict_mode_resends_the_whole_string() -> None:
    parser = Parser()
    encoder = PatchEncoder(strict=True)
    assert encoder.encode(parser.feed('["ab')) == [
        {"op": "add", "path": "", "value": []},
        {"op": "add", "path": "/0", "value": "ab"},
    ]
    assert encoder.encode(parser.feed("cd")) == [{"op": "replace", "path": "/0", "value": "abcd"}]
    assert encoder.encode(parser.feed('"]')) == []


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("",), "/"),
        (("/",), "/~1"),
        (("~",), "/~0"),
        (("~1",), "/~01"),
        (("a/b", 0, "~/"), "/a~1b/0/~0~1"),
        (("__proto__", "constructor"), "/__proto__/constructor"),
    ],
)
def test_pointers_escape_and_unescape(path: tuple[Any, ...], text: str) -> None:
    assert pointer(path) == text
    assert parse_pointer(text) == [str(step) for step in path]


@pytest.mark.parametrize("text", ["a", "/~", "/~2", "/a~"])
def test_bad_pointers_are_refused(text: str) -> None:
    with pytest.raises(PatchError):
        parse_pointer(text)


@pytest.mark.parametrize(
    "messages",
    [
        ["text"],  # no open string
        [{"op": "add", "path": "", "value": {}}, "x"],  # the open value is an object
        [{"op": "end"}],
        [{"op": "move", "path": "", "value": 1}],
        [{"op": "add", "value": 1}],
        [{"op": "add", "path": ""}],
        [{"op": "add", "path": "", "value": []}, {"op": "add", "path": "/1", "value": 1}],
        [{"op": "add", "path": "", "value": []}, {"op": "add", "path": "/01", "value": 1}],
        [{"op": "add", "path": "", "value": {}}, {"op": "add", "path": "/a/b", "value": 1}],
        [{"op": "add", "path": "", "value": {}}, {"op": "replace", "path": "/a", "value": 1}],
        [{"op": "add", "path": "", "value": 1}, {"op": "add", "path": "/a", "value": 1}],
        [{"op": "add", "path": "", "value": {}}, {"op": "append", "path": "/a", "value": "x"}],
        [{"op": "add", "path": "", "value": "s"}, {"op": "append", "path": "", "value": 1}],
        [{"op": "add", "path": "", "value": {}}, {"op": "end", "path": "/nope"}],
        [1],
    ],
)
def test_messages_that_do_not_fit_raise_patch_error(messages: list[Any]) -> None:
    state = PatchState()
    for message in messages[:-1]:
        state.apply(message)
    before = json.dumps(state.value)
    with pytest.raises(PatchError):
        state.apply(messages[-1])
    assert json.dumps(state.value) == before


@pytest.mark.slow
def test_deep_paths_do_not_recurse() -> None:
    depth = 1500  # past the recursion limit; each add's path is O(depth) long
    assert depth > sys.getrecursionlimit()
    parser = Parser(max_depth=depth + 10)
    messages = to_patch(parser.feed("[" * depth + '"x'))
    state = PatchState()
    for message in _wire(messages):
        state.apply(message)
    state.apply("yz")
    assert parser.feed("yz") == [Delta("append", (0,) * (depth - 1) + (0,), "yz")]
    node = state.value
    for _ in range(depth):
        node = node[0]
    assert node == "xyz"


def test_dumps_keeps_unicode_and_escapes_lone_surrogates() -> None:
    assert dumps("é🥄") == '"é🥄"'
    assert dumps("\ud800") == '"\\ud800"'
    with pytest.raises(ValueError, match="JSON compliant"):
        dumps({"op": "add", "path": "", "value": float("nan")})


def test_rfc6902_adds_from_a_json_patch_library_apply() -> None:
    state = PatchState()
    for message in [
        {"op": "add", "path": "", "value": {"a": [1, 3]}},
        {"op": "add", "path": "/a/1", "value": 2},
        {"op": "add", "path": "/a/-", "value": 4},
        {"op": "replace", "path": "/a/0", "value": 0},
        {"op": "replace", "path": "", "value": {"b": "x"}},
        {"op": "append", "path": "/b", "value": "y"},
        "z",
    ]:
        state.apply(message)
    assert state.value == {"b": "xyz"}
