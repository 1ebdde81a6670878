"""Every limit at its boundary: at the limit accepted, one past rejected there."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from jsondrip import JsonlParser, JSONStreamError, LimitExceededError, Parser
from jsondrip.testing import json_texts
from streamcases import chunkings, feed_all

N = 12

# (option, a document at the limit, the same one past it, offset of the first
# character past the limit)
CASES: list[tuple[str, Callable[[int], str], int]] = [
    ("max_depth", lambda n: "[" * n + "]" * n, 0),
    ("max_string_length", lambda n: json.dumps("é" * n, ensure_ascii=False), 1),
    ("max_string_length", lambda n: json.dumps({"k" * n: 1}), 2),
    ("max_number_length", lambda n: "[" + "9" * n + "]", 1),
    ("max_number_length", lambda n: "[-0." + "5" * (n - 3) + "]", 1),
    ("max_members", lambda n: json.dumps({str(i): i for i in range(n)}), -1),
    ("max_document_size", lambda n: "[" + " " * (n - 2) + "]", 0),
]


def past_offset(option: str, make: Callable[[int], str], start: int) -> int:
    if option == "max_depth":
        return N
    if option == "max_members":
        text = make(N + 1)
        return text.index(f'"{N}"')
    if option == "max_document_size":
        return N
    return start + N


@pytest.mark.parametrize(("option", "make", "start"), CASES)
def test_limit_boundary(option: str, make: Callable[[int], str], start: int) -> None:
    at, past = make(N), make(N + 1)
    offset = past_offset(option, make, start)
    for label, chunks in chunkings(at):
        parser = Parser(**{option: N})
        feed_all(parser, chunks)
        assert parser.close() == json.loads(at), label
    for label, chunks in chunkings(past):
        parser = Parser(**{option: N})
        with pytest.raises(LimitExceededError) as info:
            feed_all(parser, chunks)
            parser.close()
        error = info.value
        assert (error.limit, error.maximum) == (option, N), label
        assert error.offset == offset, label
        assert option in error.msg
        assert not isinstance(error, ValueError) or error.column == offset + 1


def test_string_length_counts_decoded_characters() -> None:
    text = '"' + "\\n" * N + '"'
    parser = Parser(max_string_length=N)
    parser.feed(text)
    assert parser.close() == "\n" * N
    with pytest.raises(LimitExceededError) as info:
        Parser(max_string_length=N).feed('"' + "\\n" * (N + 1) + '"')
    assert info.value.offset == 1 + 2 * N  # the escape that crosses the limit


def test_document_size_limit_keeps_what_fits() -> None:
    parser = Parser(max_document_size=10)
    with pytest.raises(LimitExceededError) as info:
        parser.feed('{"a": [1, 2, 3]}')
    assert parser.value == {"a": [1]}
    assert info.value.offset == 10


def test_an_earlier_syntax_error_wins_over_the_document_size() -> None:
    with pytest.raises(JSONStreamError) as info:
        Parser(max_document_size=5).feed("[1, x, 2, 3, 4]")
    assert not isinstance(info.value, LimitExceededError)
    assert info.value.offset == 4


def test_defaults_are_documented_values() -> None:
    parser = Parser()
    assert parser._max_depth == 1024
    assert parser._max_string_length == 64 * 1024 * 1024
    assert parser._max_number_length == 10_000
    assert parser._max_members == 1024 * 1024
    assert parser._max_document_size == 1024 * 1024 * 1024


@pytest.mark.parametrize(
    "option",
    ["max_depth", "max_string_length", "max_number_length", "max_members", "max_document_size"],
)
@pytest.mark.parametrize("bad", [0, -1, 1.5, True, None])
def test_limits_must_be_positive_ints(option: str, bad: Any) -> None:
    with pytest.raises(ValueError, match=option):
        Parser(**{option: bad})


def test_deep_nesting_fails_fast_in_every_path() -> None:
    deep = "[" * 1_000_000
    with pytest.raises(LimitExceededError):
        Parser().feed(deep)
    lines = JsonlParser(on_error="collect")
    lines.feed(deep + "\n1\n")
    assert lines.close() == []
    assert isinstance(lines.errors[0], LimitExceededError)


def test_record_size_limit() -> None:
    at = "[" + "1," * 4 + "1]"  # 11 characters
    for label, chunks in chunkings(f"{at}\n{at[:-1]}, 2]\n7\n"):
        parser = JsonlParser(on_error="collect", max_record_size=len(at))
        records = feed_all(parser, chunks)
        records += parser.close()
        assert records == [json.loads(at), 7], label
        (error,) = parser.errors
        assert isinstance(error, LimitExceededError)
        assert (error.limit, error.line, error.column) == ("max_record_size", 2, 12), label


def test_careful_feeds_never_rejoin_the_open_string() -> None:
    """Chunks longer than the smallest length limit are checked exactly; the
    open string is one str grown in place and its length is read from it,
    never by joining pieces again (which made long strings quadratic)."""
    parser = Parser(max_string_length=5 * 65536 + 10)
    parser.feed(b'"')
    for _ in range(5):
        parser.feed(b"x" * 65536)
    assert parser.value == "x" * 5 * 65536  # one string, grown in place
    with pytest.raises(LimitExceededError) as info:
        parser.feed(b"x" * 65536)
    assert info.value.offset == 1 + 5 * 65536 + 10


# -- limit offsets are exact ---------------------------------------------------------

# Pieces that put escapes, surrogates, numbers and nesting next to each other.
PIECES = [
    '"', "\\ud800", "\\udc00", "\\udbff", '\\"', "\\u0041", "\\n", "\\", "u", "d", "c",
    "a", "é", "😀", "[", "]", "{", "}", ":", ",", "1", "-", ".", "e", "0", " ", "true",
]  # fmt: skip
LIMITS = st.one_of(
    st.tuples(st.just("max_string_length"), st.integers(1, 4)),
    st.tuples(st.just("max_number_length"), st.integers(1, 4)),
    st.tuples(st.just("max_depth"), st.integers(1, 3)),
    st.tuples(st.just("max_members"), st.integers(1, 3)),
    st.tuples(st.just("max_document_size"), st.integers(1, 30)),
)
PIECE_TEXTS = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
LIMIT_TEXTS = st.one_of(
    json_texts(),
    PIECE_TEXTS,
    PIECE_TEXTS.map(lambda text: '"' + text),
    PIECE_TEXTS.map(lambda text: '{"' + text),
)


def first_error(text: str, option: str, limit: int, size: int) -> JSONStreamError | None:
    """The error feeding ``text`` in chunks of ``size`` raises (no close), if any."""
    parser = Parser(**{option: limit})
    try:
        for i in range(0, len(text), size):
            parser.feed(text[i : i + size])
    except JSONStreamError as error:
        return error
    return None


@given(LIMIT_TEXTS, LIMITS, st.integers(1, 3))
@example('"\\ud800\\"', ("max_string_length", 1), 1)  # \ud800\u... could have been a pair
@example('"\\ud800\\u0041"', ("max_string_length", 1), 1)
@example('{"\\ud800\\n": 1}', ("max_string_length", 1), 2)
def test_limit_offsets_are_exact(text: str, limit: tuple[str, int], size: int) -> None:
    """A limit error's offset is the first character after which no text can
    stay within the limit: ``text[:offset]`` raises nothing and
    ``text[:offset + 1]`` raises the same error, in any chunking."""
    option, maximum = limit
    error = first_error(text, option, maximum, max(len(text), 1))
    if not isinstance(error, LimitExceededError):
        return
    offset = error.offset
    assert first_error(text[:offset], option, maximum, max(offset, 1)) is None
    assert first_error(text[:offset], option, maximum, size) is None
    again = first_error(text[: offset + 1], option, maximum, size)
    assert isinstance(again, LimitExceededError)
    assert (again.offset, again.msg) == (offset, error.msg)
