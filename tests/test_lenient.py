"""Parser(lenient=True): JSON wrapped in LLM prose, fences and think blocks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jsondrip import (
    IncompleteJSONError,
    JSONStreamError,
    LimitExceededError,
    Parser,
    apply_deltas,
)
from jsondrip.testing import chunkings as chunking_strategy
from jsondrip.testing import json_values
from streamcases import chunkings, feed_all

WRAPPED = [
    ('Sure! Here is the JSON:\n```json\n{"a": [1, 2]}\n```\nAnything else?', {"a": [1, 2]}),
    ("```\n[true, null]\n```", [True, None]),
    ("```JSON\n  42\n```", 42),
    ('```json\n"just a string"\n```', "just a string"),
    ('<think>The user wants {"draft": 1} or [maybe]</think>{"final": true}', {"final": True}),
    ('See [ref] and {name} first; then {"k": "v"} trailing {"x": 1}', {"k": "v"}),
    ('```python\nprint({"no": 1})\n```\nResult: {"yes": 1}', {"yes": 1}),
    ('[\n  {"id": 1}\n]', [{"id": 1}]),
    ('{"plain": "json"}', {"plain": "json"}),
    ("Empty: [] done", []),
    ("<think>\n```json\n[0]\n```\n</think>\n```json\n{}\n```", {}),
    # A json fence takes precedence over bracketed prose before it.
    ('See [the docs](https://x.io) for details.\n```json\n{"a": 1}\n```', {"a": 1}),
    ('Sources [1], [2].\n```json\n{"a": 1}\n```\nDone.', {"a": 1}),
    ('Use {"draft": true} like this:\n~~~json\n[2]\n~~~', [2]),
    ("Citations [1] and [true, 2] only.", [1]),
    ("Not JSON: [see 1a] or [nothing]; this is: [1.5e3, -2]", [1500.0, -2]),
    ("Values: [1e+16] and [2]", [1e16]),
    ("Not a number: [1.] [1e] [-x]; this is: [-0.5E-2]", [-0.005]),
    # Fences of 3+ backticks or tildes (CommonMark): a longer fence holds shorter ones.
    ('````json\n{"code": "```"}\n````', {"code": "```"}),
    ('````markdown\n```json\n[0]\n```\n````\n{"real": 1}', {"real": 1}),
    ("~~~\n[true]\n~~~", [True]),
    ('~~~~python\nx = {"no": 1}\n~~~\n~~~~\n{"yes": 1}', {"yes": 1}),
    ('Inline ```{"a": 1}``` code', {"a": 1}),
    # Reasoning blocks, any case, nested, skipped whole.
    ('<THINK>{"no": 1}</THINK>{"yes": 1}', {"yes": 1}),
    ("<thinking>\n```json\n[1]\n```\n</thinking>\n[2]", [2]),
    ('<think>a <Think>b</think> {"no": 1}</think>{"yes": 1}', {"yes": 1}),
    ('<Thinking>a <thinking>{"n": 1}</thinking>{"n": 2}</THINKING>{"n": 3}', {"n": 3}),
]


@pytest.mark.parametrize(("text", "expected"), WRAPPED)
def test_finds_the_json_in_any_chunking(text: str, expected: Any) -> None:
    for label, chunks in chunkings(text):
        parser = Parser(lenient=True)
        feed_all(parser, chunks)
        assert parser.close() == expected, label


def test_values_stream_before_the_fence_closes() -> None:
    parser = Parser(lenient=True)
    parser.feed("Here you go:\n```json\n")
    assert not parser.started
    parser.feed('{"title": "Stre')
    assert parser.value == {"title": "Stre"}
    deltas = parser.feed('aming"}\n``')
    assert deltas[-1].op == "end"
    assert parser.done
    parser.feed("`\nHope that helps! {not json}")
    assert parser.close() == {"title": "Streaming"}


def test_strict_parser_rejects_the_same_text() -> None:
    with pytest.raises(JSONStreamError):
        Parser().feed("Sure! {}")
    with pytest.raises(JSONStreamError):
        Parser().feed("{} trailing")


def test_error_positions_count_the_skipped_text() -> None:
    text = 'Prose line\n```json\n{"a": 1,\n "b" x}\n```'
    for label, chunks in chunkings(text):
        with pytest.raises(JSONStreamError) as info:
            feed_all(Parser(lenient=True), chunks)
        assert (info.value.line, info.value.column) == (4, 6), label
        assert info.value.offset == text.index("x"), label


def test_no_json_at_all_is_incomplete() -> None:
    parser = Parser(lenient=True)
    parser.feed("I cannot help with that. <think>or {can I")
    with pytest.raises(IncompleteJSONError, match="expected a value, found end of input"):
        parser.close()


def test_lenient_multiple_values_collects_every_value() -> None:
    text = 'a {"x": 1} b [2] c ```json\n"s"\n4\n``` <think>[1]</think> [3] end'
    for label, chunks in chunkings(text):
        parser = Parser(lenient=True, multiple_values=True)
        feed_all(parser, chunks)
        assert parser.close() == [{"x": 1}, [2], "s", 4, [3]], label


_prose = st.text(alphabet=st.characters(blacklist_characters="{[`<"), max_size=40)
_containers = json_values().filter(lambda v: isinstance(v, (dict, list)))


@given(
    st.tuples(_prose, _containers, _prose, st.booleans()).flatmap(
        lambda case: st.tuples(st.just(case), chunking_strategy(_wrap(*case)))
    )
)
def test_any_container_in_any_prose(case: tuple[tuple[str, Any, str, bool], list[str]]) -> None:
    (_, value, _, _), chunks = case
    parser = Parser(lenient=True)
    for chunk in chunks:
        parser.feed(chunk)
    assert parser.close() == value


def _wrap(before: str, value: Any, after: str, fenced: bool) -> str:
    body = json.dumps(value, ensure_ascii=False)
    if fenced:
        return f"{before}\n```json\n{body}\n```\n{after}"
    return f"{before} {body} {after}"


def test_a_fence_closing_inside_the_value_is_a_truncation() -> None:
    text = '```json\n{\n  "foo": "bar",\n  "n": [1, 2\n\n```\nHope that helps!'
    for label, chunks in chunkings(text):
        parser = Parser(lenient=True)
        with pytest.raises(IncompleteJSONError) as info:
            feed_all(parser, chunks)
            parser.close()
        assert info.value.partial["foo"] == "bar", label
        assert info.value.partial["n"][:1] == [1], label
        assert "closing code fence" in str(info.value), label
        assert (info.value.line, info.value.column) == (6, 1), label


def test_a_backtick_inside_json_that_is_not_a_closing_fence() -> None:
    for text in ['```json\n{"a": 1 ```\n', '```json\n{"a":\n    ```\n']:
        with pytest.raises(JSONStreamError) as info:
            feed_all(Parser(lenient=True), [text])
        assert not isinstance(info.value, IncompleteJSONError)


def test_a_fenced_value_overrides_a_prose_value_with_a_root_add() -> None:
    text = 'Sources [1], [2].\n```json\n{"a": 1}\n```'
    for label, chunks in chunkings(text):
        parser = Parser(lenient=True)
        deltas = feed_all(parser, chunks)
        assert parser.close() == {"a": 1}, label
        assert apply_deltas(None, deltas) == {"a": 1}, label
        roots = [delta.value for delta in deltas if delta.op == "add" and delta.path == ()]
        assert roots == [[], {}], label


def test_held_text_stays_bounded_in_any_chunking() -> None:
    # Linear time, checked by what is held back between feeds (never timing):
    # nothing is copied and scanned again on the next feed.
    cases = [
        "[" + " " * 5000 + "1]",
        "{" + "\n" * 5000 + '"a": 1}',
        "Prose " * 1000 + "[1]",
        "```json\n" + " " * 5000 + "[1]\n```",
        "<think>" + "x" * 5000 + "</think>[1]",
        "```python\n" + "x = 1\n" * 1000 + "```\n[1]",
    ]
    for text in cases:
        parser = Parser(lenient=True)
        longest = 0
        for char in text:
            parser.feed(char)
            longest = max(longest, len(parser._pending))
        assert parser.close() in ([1], {"a": 1}), text[:20]
        assert longest <= 12, (text[:20], longest)


def test_whitespace_skipped_after_a_bracket_keeps_positions() -> None:
    text = "Here: [" + " " * 40 + "\n   1, x]"
    for label, chunks in chunkings(text):
        with pytest.raises(JSONStreamError) as info:
            feed_all(Parser(lenient=True), chunks)
        assert info.value.offset == text.index("x"), label
        assert (info.value.line, info.value.column) == (2, 7), label


@pytest.mark.parametrize(
    "text",
    [
        "Here: [ \n 12  \n\t, x]",
        "Here: [true \n  \n , x]",
        "[\n-1.5e3\n\n  , x]",
    ],
)
def test_whitespace_skipped_around_a_token_keeps_positions(text: str) -> None:
    # ``[``, the token and the whitespace around it are held as ``[12``: the
    # positions after them are still exact.
    line = text.count("\n", 0, text.index("x")) + 1
    column = text.index("x") - text.rfind("\n", 0, text.index("x"))
    for label, chunks in chunkings(text):
        with pytest.raises(JSONStreamError) as info:
            feed_all(Parser(lenient=True), chunks)
        assert info.value.offset == text.index("x"), label
        assert (info.value.line, info.value.column) == (line, column), label


def test_a_number_over_its_limit_in_prose_keeps_its_position() -> None:
    # A number longer than max_number_length is not held without the
    # whitespace before it: its error still points into it.
    text = "Sure [  \n 123  \n , 3]"
    for label, chunks in chunkings(text):
        with pytest.raises(LimitExceededError) as info:
            feed_all(Parser(lenient=True, max_number_length=2), chunks)
        assert info.value.offset == text.index("3"), label
        assert (info.value.line, info.value.column) == (2, 4), label


def test_a_lenient_parser_pickles_mid_hunt_with_every_protocol() -> None:
    import pickle

    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        parser = Parser(lenient=True)
        parser.feed("<think>x</think> ```json\n")
        again = pickle.loads(pickle.dumps(parser, protocol))
        again.feed('{"a": 1}\n```')
        assert again.close() == {"a": 1}, protocol
        parser = Parser(lenient=True)
        parser.feed("Sure: [ 1   \n  ")  # held as "[1", the whitespace skipped
        again = pickle.loads(pickle.dumps(parser, protocol))
        again.feed(", 2]")
        assert again.close() == [1, 2], protocol
