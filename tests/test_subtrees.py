"""Complete containers go through the stdlib's C scanner; nothing may change.

The threshold is lowered so that every container is offered to the C scanner,
and each outcome is compared with the purely incremental parser's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import jsondrip._parser as parser_module
from jsondrip import JSONStreamError, LimitExceededError, Parser
from jsondrip.testing import chunkings as chunking_strategy
from jsondrip.testing import json_texts
from streamcases import chunkings


@pytest.fixture
def always_offer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser_module, "SUBTREE_MIN", 1)


def run(chunks: list[Any], offer: bool, **options: Any) -> tuple[str, Any, list[Any]]:
    saved = parser_module.SUBTREE_MIN
    parser_module.SUBTREE_MIN = 1 if offer else 10**12
    try:
        parser = Parser(**options)
        deltas: list[Any] = []
        try:
            for chunk in chunks:
                deltas.extend(parser.feed(chunk))
            deltas.extend(parser.feed_eof())
            return "ok", parser.close(), deltas
        except JSONStreamError as error:
            return type(error).__name__, (error.offset, error.msg), deltas + error.deltas
    finally:
        parser_module.SUBTREE_MIN = saved


@given(json_texts().flatmap(lambda t: st.tuples(st.just(t), chunking_strategy(t))))
def test_same_outcome_and_deltas_with_and_without_the_c_scanner(
    case: tuple[str, list[str]],
) -> None:
    text, chunks = case
    offered = run(chunks, offer=True)
    assert offered == run(chunks, offer=False)
    assert offered[1] == json.loads(text)


_noise = st.sampled_from(list('{}[]:,"\\ntrufalse-0.5e \x00'))


@given(json_texts(), st.integers(0, 10**6), _noise)
def test_same_errors_with_and_without_the_c_scanner(text: str, where: int, noise: str) -> None:
    where %= len(text) + 1
    broken = text[:where] + noise + text[where:]
    assert run([broken], offer=True) == run([broken], offer=False)


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ('[{"a": [1, 2, {"b": "xxxxxxxxxxxx"}]}]', {"max_string_length": 11}),
        ('[{"kkkkkkkkkkkkkkkkkkk": 1}]', {"max_string_length": 11}),
        ('[{"a": 1, "b": 2, "c": 3}]', {"max_members": 2}),
        ("[[[[[1]]]]]", {"max_depth": 4}),
        ("[[1.00000000000001]]", {"max_number_length": 10}),
        ("[[NaN]]", {}),
        ("[[NaN, -Infinity]]", {"allow_nan": True}),
        ('[{"a": 1, "a": 2}]', {}),
        ('[1, {"x": "\\ud83d\\ude00 and \\ud800"}]', {}),
    ],
)
def test_edge_cases_agree(always_offer: None, text: str, options: dict[str, Any]) -> None:
    for label, chunks in chunkings(text):
        offered = run(chunks, offer=True, **options)
        plain = run(chunks, offer=False, **options)
        if options.get("allow_nan"):
            assert json.dumps(offered[1]) == json.dumps(plain[1]), label
        else:
            assert offered == plain, label


def test_a_big_document_in_one_chunk_uses_the_scanner_and_keeps_limits() -> None:
    text = json.dumps([{"id": i, "tags": ["a", "b"], "s": "x" * 20} for i in range(2000)])
    parser = Parser()
    deltas = parser.feed(text)
    assert parser.close() == json.loads(text)
    # Per element: the object, id, tags, its two strings, s: 6 values, 2 deltas each.
    assert len(deltas) == 2 + 2000 * 6 * 2
    with pytest.raises(LimitExceededError) as info:
        Parser(max_string_length=19).feed(text)
    assert info.value.offset == text.index('"x') + 20
