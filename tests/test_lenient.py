"""Parser(lenient=True): JSON wrapped in LLM prose, fences and think blocks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jsondrip import IncompleteJSONError, JSONStreamError, Parser
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
