"""Unit tests for Parser: partial values, errors, options, edge cases."""

from __future__ import annotations

import copy
import enum
import json
import math
import pickle
import sys
from decimal import Decimal
from typing import Any

import pytest

from jsondrip import (
    Delta,
    IncompleteJSONError,
    JSONStreamError,
    LimitExceededError,
    Parser,
    StreamClosedError,
    apply_deltas,
)
from streamcases import chunkings, feed_all

VALID = [
    "0",
    "-0",
    "-12.5e-3",
    "1E+2",
    "123456789012345678901234567890",
    "true",
    "false",
    "null",
    '""',
    '"plain"',
    '"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20AC"',
    '"pair \\ud83d\\ude00 and lone \\ud800 and \\udc00 and \\ud800\\u0041"',
    '"raw unicode: é 中文 😀"',
    "[]",
    "{}",
    '[[], {}, [[]], {"": {}}]',
    '{"a": [1, 2.5, -3e2, true, false, null, "x"], "b": {"c": {"d": []}}}',
    ' \t\r\n{ "spaced" : [ 1 , 2 ] } \n',
    '{"dup": 1, "dup": [2]}',
]


@pytest.mark.parametrize("text", VALID)
def test_close_equals_json_loads_for_every_chunking(text: str) -> None:
    for label, chunks in chunkings(text):
        parser = Parser()
        deltas = feed_all(parser, chunks)
        deltas += parser.feed_eof()
        assert parser.close() == json.loads(text), label
        assert apply_deltas(None, deltas) == json.loads(text), label


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", None),
        ("  ", None),
        ("{", {}),
        ('{"a', {}),
        ('{"a"', {}),
        ('{"a":', {}),
        ('{"a": "', {"a": ""}),
        ('{"a": "x\\', {"a": "x"}),
        ('{"a": "x\\u00', {"a": "x"}),
        ('{"a": "x\\u00e9', {"a": "xé"}),
        ('"\\ud83d', ""),
        ('"\\ud83d\\', ""),
        ('"\\ud83d\\ude0', ""),
        ('"\\ud83d\\ude00', "😀"),
        ('"\\ud83dx', "\ud83dx"),
        ('"\\ud83d\\n', "\ud83d\n"),
        ("[1", []),
        ("[1,", [1]),
        ("[-", []),
        ("[1.5e", []),
        ("[1.5e7 ", [1.5e7]),
        ("[tru", []),
        ("[true", [True]),
        ("[[]", [[]]),
        ('{"a": {"b": [', {"a": {"b": []}}),
        ('{"a": 1, "b', {"a": 1}),
        ("12", None),
        ("12 ", 12),
    ],
)
def test_partial_value(prefix: str, expected: Any) -> None:
    for label, chunks in chunkings(prefix):
        parser = Parser()
        feed_all(parser, chunks)
        assert parser.value == expected, label


def test_value_before_anything_arrived_is_none_and_not_started() -> None:
    parser = Parser()
    assert parser.value is None
    assert not parser.started
    parser.feed(" ")
    assert not parser.started
    parser.feed("n")
    assert not parser.started
    assert parser.value is None
    parser.feed("ull")
    assert parser.started
    assert parser.done
    assert parser.value is None


def test_value_is_the_live_object() -> None:
    parser = Parser()
    parser.feed('{"a": [1,')
    first = parser.value
    parser.feed(" 2]}")
    assert first is parser.value
    assert first == {"a": [1, 2]}


def test_partial_strings_off_shows_strings_only_when_complete() -> None:
    parser = Parser(partial_strings=False)
    parser.feed('{"a": "hel')
    assert parser.value == {}
    assert parser.feed('lo", "b": ["x') == [
        Delta("add", ("a",), "hello"),
        Delta("end", ("a",), "hello"),
        Delta("add", ("b",), []),
    ]
    assert parser.value == {"a": "hello", "b": []}
    parser.feed('y"]}')
    assert parser.close() == {"a": "hello", "b": ["xy"]}


def test_deltas_for_a_small_document() -> None:
    parser = Parser()
    assert parser.feed('{"t": "ab') == [
        Delta("add", (), {}),
        Delta("add", ("t",), "ab"),
    ]
    assert parser.feed('c", "n": [1') == [
        Delta("append", ("t",), "c"),
        Delta("end", ("t",), "abc"),
        Delta("add", ("n",), []),
    ]
    assert parser.feed("]}") == [
        Delta("add", ("n", 0), 1),
        Delta("end", ("n", 0), 1),
        Delta("end", ("n",), [1]),
        Delta("end", (), {"t": "abc", "n": [1]}),
    ]
    assert parser.done


def test_top_level_number_completes_at_end_of_input() -> None:
    parser = Parser()
    assert parser.feed("42") == []
    assert not parser.done
    assert parser.feed_eof() == [Delta("add", (), 42), Delta("end", (), 42)]
    assert parser.done
    assert parser.close() == 42


def test_duplicate_keys_keep_the_last_value_like_json_loads() -> None:
    text = '{"a": "long", "b": 0, "a": [1]}'
    for label, chunks in chunkings(text):
        parser = Parser()
        deltas = feed_all(parser, chunks)
        assert parser.close() == json.loads(text) == {"a": [1], "b": 0}, label
        assert apply_deltas(None, deltas) == json.loads(text), label


# -- errors -------------------------------------------------------------------

INVALID = [
    # (text, offset of the first impossible character, message fragment)
    ('{"a" 1}', 5, "expected ':' after object key, found '1'"),
    ("[1,]", 3, "expected a value, found ']'"),
    ('{"a":1,}', 7, "expected '\"' to start an object key, found '}'"),
    ("{]", 1, "expected '\"' to start an object key or '}', found ']'"),
    ("[1}", 2, "expected ',' or ']' after array element, found '}'"),
    ('{"a":1]', 6, "expected ',' or '}' after object member, found ']'"),
    ("[01]", 2, "after a leading zero, found '1'"),
    ("-01", 2, "after a leading zero, found '1'"),
    ("[1.]", 3, "expected a digit after '.' in number, found ']'"),
    ("[1.e5]", 3, "expected a digit after '.' in number, found 'e'"),
    ("-x", 1, "expected a digit after '-' in number, found 'x'"),
    ("[1e]", 3, "expected a digit or sign after exponent in number, found ']'"),
    ("[1e+]", 4, "expected a digit in number exponent, found ']'"),
    ("[.5]", 1, "expected a value, found '.'"),
    ("[+1]", 1, "expected a value, found '+'"),
    ("tru e", 3, "expected 'true', found 'tru '"),
    ("nulx", 3, "expected 'null', found 'nulx'"),
    ("[True]", 1, "expected a value, found 'T'"),
    ('"a\\x"', 3, "after '\\', found 'x'"),
    ('"\\u12G4"', 5, "expected 4 hex digits after '\\u', found 'G'"),
    ('"\\ud800\\u12G4"', 11, "expected 4 hex digits after '\\u', found 'G'"),
    ('"a\nb"', 2, "found control character U+000A"),
    ('"a\x00"', 2, "found control character U+0000"),
    ('{"k\x1f": 1}', 3, "found control character U+001F"),
    ("{'a': 1}", 1, 'found "\'"'),
    ("[1 2]", 3, "expected ',' or ']' after array element, found '2'"),
    ("1 2", 2, "expected the end of input after the value, found '2'"),
    ('{"a":1}x', 7, "expected the end of input after the value, found 'x'"),
    ("// comment", 0, "expected a value, found '/'"),
    ("NaN", 0, "expected a value, found 'N'"),
    ("[-Infinity]", 2, "expected a digit after '-' in number, found 'I'"),
    ("\u00a01", 0, "expected a value, found U+00A0"),
    ("[1]\ufeff", 3, "after the value, found U+FEFF"),
]


@pytest.mark.parametrize(("text", "offset", "message"), INVALID)
def test_error_at_the_earliest_offset(text: str, offset: int, message: str) -> None:
    for label, chunks in chunkings(text):
        if label.startswith("bytes") and "\ufeff" in text[1:]:
            continue
        parser = Parser()
        with pytest.raises(JSONStreamError) as info:
            feed_all(parser, chunks)
            parser.close()
        assert info.value.offset == offset, label
        assert message in info.value.msg, label
        assert not isinstance(info.value, IncompleteJSONError)
    # The earliest-error rule: the text before the offset is a valid prefix.
    Parser().feed(text[:offset])
    with pytest.raises(JSONStreamError):
        Parser().feed(text[: offset + 1])


def test_error_message_names_line_and_column() -> None:
    text = '{\n  "a": 1,\n  "b" x\n}'
    with pytest.raises(JSONStreamError) as info:
        Parser().feed(text)
    error = info.value
    assert (error.line, error.column, error.offset) == (3, 7, 18)
    assert str(error) == "expected ':' after object key, found 'x' at line 3 column 7"
    for label, chunks in chunkings(text):
        with pytest.raises(JSONStreamError) as again:
            feed_all(Parser(), chunks)
        assert (again.value.line, again.value.column, again.value.offset) == (3, 7, 18), label


def test_error_comma_example_from_the_docs() -> None:
    text = '{"a": {\n"b": 1,\n"c": 2 x'
    with pytest.raises(
        JSONStreamError,
        match=r"expected ',' or '}' after object member, found 'x' at line 3 column 8",
    ):
        Parser().feed(text)


def test_errors_pickle_round_trip() -> None:
    with pytest.raises(JSONStreamError) as info:
        Parser().feed("[1, x")
    clone = pickle.loads(pickle.dumps(info.value))
    assert type(clone) is JSONStreamError
    assert (clone.msg, clone.offset, clone.line, clone.column) == (
        info.value.msg,
        4,
        1,
        5,
    )
    assert str(clone) == str(info.value)
    parser = Parser()
    parser.feed('{"a": [1')
    with pytest.raises(IncompleteJSONError) as incomplete:
        parser.close()
    clone2 = pickle.loads(pickle.dumps(incomplete.value))
    assert clone2.partial == {"a": []}  # the 1 may have been cut (see test_truncation_*)
    assert clone2.pending_text == "1"
    assert isinstance(clone2, IncompleteJSONError)


def test_failed_parser_stays_failed_and_keeps_its_value() -> None:
    parser = Parser()
    parser.feed('{"a": [1, 2], "b": "te')
    with pytest.raises(JSONStreamError) as first:
        parser.feed('xt", "c": x')
    assert parser.value == {"a": [1, 2], "b": "text"}
    assert not parser.done
    with pytest.raises(JSONStreamError) as second:
        parser.feed("1}")
    assert second.value is first.value
    with pytest.raises(JSONStreamError) as third:
        parser.close()
    assert third.value is first.value


def test_error_carries_the_deltas_of_the_failing_chunk() -> None:
    parser = Parser()
    deltas = parser.feed('{"a": "x')
    with pytest.raises(JSONStreamError) as info:
        parser.feed('y", "b": [1, }')
    deltas += info.value.deltas
    assert apply_deltas(None, deltas) == parser.value == {"a": "xy", "b": [1]}


INCOMPLETE = [
    ("", "expected a value, found end of input", None),
    ("   ", "expected a value, found end of input", None),
    # the 1 may have been the start of 10: not in the partial value (pending_text)
    ("[1", "expected ',' or ']' after array element, found end of input", []),
    ("[", "expected a value or ']', found end of input", []),
    ("{", "expected '\"' or '}', found end of input", {}),
    ('{"a"', "expected ':' after object key, found end of input", {}),
    ('{"a', "expected '\"' to end the object key, found end of input", {}),
    ('{"a":', "expected a value, found end of input", {}),
    ('{"a": 1,', "expected '\"' to start an object key, found end of input", {"a": 1}),
    ("1.", "expected a digit after '.' in number, found end of input", None),
    ("-", "expected a digit after '-' in number, found end of input", None),
    ("1e-", "expected a digit in number exponent, found end of input", None),
    ("tru", "expected 'true', found end of input", None),
    ('"abc', "expected '\"' to end the string, found end of input", "abc"),
    ('["abc\\u00', "expected the rest of an escape sequence, found end of input", ["abc"]),
]


@pytest.mark.parametrize(("text", "message", "partial"), INCOMPLETE)
def test_truncated_input_raises_incomplete_with_the_partial_value(
    text: str, message: str, partial: Any
) -> None:
    for label, chunks in chunkings(text):
        parser = Parser()
        feed_all(parser, chunks)
        with pytest.raises(IncompleteJSONError) as info:
            parser.close()
        assert info.value.msg == message, label
        assert info.value.partial == partial, label
        assert info.value.offset == len(text), label


def test_feed_after_close_is_a_programming_error() -> None:
    parser = Parser()
    parser.feed("[1]")
    assert parser.close() == [1]
    assert parser.close() == [1]
    assert parser.feed_eof() == []
    with pytest.raises(StreamClosedError):
        parser.feed("x")
    assert issubclass(StreamClosedError, RuntimeError)
    assert not issubclass(StreamClosedError, ValueError)


def test_feed_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="str or bytes"):
        Parser().feed(123)  # type: ignore[arg-type]


def test_bytearray_and_memoryview_are_accepted() -> None:
    parser = Parser()
    parser.feed(bytearray(b'{"a": '))
    parser.feed(memoryview(b"[1]}"))
    assert parser.close() == {"a": [1]}


# -- UTF-8 and BOM --------------------------------------------------------------


@pytest.mark.parametrize("text", ["\ufeff[1]", '\ufeff  {"a": "\u00e9"}'])
def test_leading_bom_is_skipped(text: str) -> None:
    for label, chunks in chunkings(text):
        parser = Parser()
        feed_all(parser, chunks)
        assert parser.close() == json.loads(text[1:]), label


def test_offsets_do_not_count_the_bom() -> None:
    for data in (b"\xef\xbb\xbf[x", "\ufeff[x"):
        with pytest.raises(JSONStreamError) as info:
            Parser().feed(data)
        assert info.value.offset == 1
        assert info.value.column == 2


@pytest.mark.parametrize(
    ("data", "offset", "fragment"),
    [
        (b'["\xff"]', 2, "found byte 0xFF"),
        (b'["a\xe2\x82"]', 3, "found byte 0xE2"),
        (b'["\xc3\xa9\xed\xa0\x80"]', 3, "found byte 0xED"),
        (b"\xc0\xaf", 0, "found byte 0xC0"),
    ],
)
def test_invalid_utf8_is_an_error_at_its_character_offset(
    data: bytes, offset: int, fragment: str
) -> None:
    for size in (1, 2, 3, len(data)):
        parser = Parser()
        with pytest.raises(JSONStreamError) as info:
            for i in range(0, len(data), size):
                parser.feed(data[i : i + size])
            parser.close()
        assert info.value.offset == offset, size
        assert fragment in info.value.msg


def test_json_error_before_the_bad_byte_wins() -> None:
    with pytest.raises(JSONStreamError) as info:
        Parser().feed(b"[x\xff]")
    assert info.value.offset == 1
    assert "expected a value" in info.value.msg


def test_truncated_utf8_at_close_is_incomplete() -> None:
    parser = Parser()
    parser.feed(b'["caf\xc3')
    assert parser.value == ["caf"]
    with pytest.raises(IncompleteJSONError, match="rest of a UTF-8 sequence") as info:
        parser.close()
    assert info.value.partial == ["caf"]


def test_text_after_a_split_utf8_sequence_is_an_error() -> None:
    parser = Parser()
    parser.feed(b'"\xc3')
    with pytest.raises(JSONStreamError, match="rest of a UTF-8 sequence"):
        parser.feed("a")


# -- options ----------------------------------------------------------------------


def test_allow_nan() -> None:
    text = '[NaN, Infinity, -Infinity, {"x": -Infinity}]'
    for label, chunks in chunkings(text):
        parser = Parser(allow_nan=True)
        feed_all(parser, chunks)
        value = parser.close()
        assert math.isnan(value[0]), label
        assert value[1:] == [math.inf, -math.inf, {"x": -math.inf}], label
    with pytest.raises(JSONStreamError) as info:
        Parser(allow_nan=True).feed("[-Inf1")
    assert info.value.offset == 5


def test_max_depth_limits_nesting_without_recursion() -> None:
    parser = Parser()
    with pytest.raises(LimitExceededError) as info:
        parser.feed("[" * 1_000_000)
    assert info.value.offset == 1024
    assert info.value.limit == "max_depth"
    assert info.value.maximum == 1024
    assert "max_depth" in info.value.msg
    assert isinstance(info.value, JSONStreamError)
    value, depth = parser.value, 1
    while value:
        value, depth = value[0], depth + 1
    assert depth == 1024


def test_max_depth_boundary() -> None:
    parser = Parser(max_depth=3)
    parser.feed('{"a": [[1]]}')
    assert parser.close() == {"a": [[1]]}
    with pytest.raises(LimitExceededError) as info:
        Parser(max_depth=3).feed('{"a": [[{}]]}')
    assert info.value.offset == 8
    deep = Parser()
    deep.feed("[" * 1024 + "]" * 1024)
    value = deep.close()
    for _ in range(1023):
        value = value[0]
    assert value == []


@pytest.mark.parametrize("bad", [0, -1, 1.5, "3"])
def test_max_depth_must_be_positive(bad: Any) -> None:
    with pytest.raises(ValueError, match="max_depth"):
        Parser(max_depth=bad)


def test_parse_float_decimal_keeps_every_digit() -> None:
    text = "[1.10, 0.1000000000000000055511151231257827, 1e400, 7]"
    for label, chunks in chunkings(text):
        parser = Parser(parse_float=Decimal)
        feed_all(parser, chunks)
        assert parser.close() == [
            Decimal("1.10"),
            Decimal("0.1000000000000000055511151231257827"),
            Decimal("1e400"),
            7,
        ], label


def test_parse_int() -> None:
    parser = Parser(parse_int=str)
    parser.feed("[12, 1.5]")
    assert parser.close() == ["12", 1.5]


def test_floats_match_json_loads_including_overflow() -> None:
    text = "[1e400, -1e400, 1e-400, 0.1, 2.5E+10]"
    parser = Parser()
    parser.feed(text)
    assert parser.close() == json.loads(text)


@pytest.mark.skipif(not hasattr(sys, "get_int_max_str_digits"), reason="Python < 3.11")
def test_integer_past_pythons_digit_limit_is_a_clear_error() -> None:
    digits = sys.get_int_max_str_digits()
    ok = Parser()
    ok.feed("[" + "7" * digits + "]")
    assert ok.close() == [int("7" * digits)]
    with pytest.raises(LimitExceededError, match=f"at most {digits} digits") as info:
        Parser().feed("[" + "7" * (digits + 1) + "]")
    assert info.value.offset == 1
    # Decimal has no such limit.
    parser = Parser(parse_int=Decimal)
    parser.feed("7" * (digits + 1))
    assert parser.close() == Decimal("7" * (digits + 1))


def test_multiple_values() -> None:
    text = '1 2 [3] {"a": "b"}"c"\n\ntrue{}'
    expected = [1, 2, [3], {"a": "b"}, "c", True, {}]
    for label, chunks in chunkings(text):
        parser = Parser(multiple_values=True)
        deltas = feed_all(parser, chunks)
        assert parser.done, label
        deltas += parser.feed_eof()
        assert parser.close() == expected, label
        assert apply_deltas(None, deltas) == expected, label


def test_multiple_values_paths_start_with_the_document_index() -> None:
    parser = Parser(multiple_values=True)
    assert parser.value == []
    assert parser.done
    assert parser.feed("[1] ")[0] == Delta("add", (), [])
    assert parser.feed('{"a": 2') == [Delta("add", (1,), {})]
    assert parser.value == [[1], {}]
    assert not parser.done
    parser.feed("} 3")
    assert parser.value == [[1], {"a": 2}]
    assert parser.close() == [[1], {"a": 2}, 3]
    empty = Parser(multiple_values=True)
    assert empty.close() == []
    truncated = Parser(multiple_values=True)
    truncated.feed("1 [2")
    with pytest.raises(IncompleteJSONError) as info:
        truncated.close()
    assert info.value.partial == [1, []]  # the 2 may have been cut
    assert info.value.pending_text == "2"


# -- truncation salvage: nothing the end of input may have cut -------------------------


@pytest.mark.parametrize(
    ("text", "partial", "pending"),
    [
        ('{"days":[1', {"days": []}, "1"),  # the 1 may have been 10 or 1500
        ('{"days":[1, 2', {"days": [1]}, "2"),
        ('{"price": 12.5', {}, "12.5"),
        ('{"a": 1, "a": 2', {"a": 1}, "2"),  # a duplicate key keeps the shown value
        ("[tru", [], "tru"),
        ("[-", [], "-"),
        ("[1.", [], "1."),
        ('{"a": "x\\u00', {"a": "x"}, "\\u00"),
        ('{"a": "x', {"a": "x"}, ""),
        ('{"a": [1, 2]', {"a": [1, 2]}, ""),
        ("[[1], [2", [[1], []], "2"),
    ],
)
def test_truncation_salvage_never_holds_a_cut_token(text: str, partial: Any, pending: str) -> None:
    for label, chunks in chunkings(text):
        parser = Parser()
        deltas = feed_all(parser, chunks)
        shown = copy.deepcopy(parser.value)
        with pytest.raises(IncompleteJSONError) as info:
            parser.close()
        error = info.value
        assert error.partial == shown == partial, label
        assert error.pending_text == pending, label
        assert apply_deltas(None, deltas + error.deltas) == partial, label
        assert parser.value == partial, label
        clone = pickle.loads(pickle.dumps(error))
        assert (clone.partial, clone.pending_text) == (partial, pending)


def test_a_number_that_ends_the_document_still_completes_at_the_end() -> None:
    for text, value in [("12", 12), ("-0.5e3", -500.0), ("1 2", [1, 2])]:
        parser = Parser(multiple_values=" " in text)
        parser.feed(text)
        assert parser.close() == value


def test_str_subclasses_are_text() -> None:
    class Text(str):
        def __str__(self) -> str:
            return "not the text"

    class Kind(str, enum.Enum):
        OPEN = '{"k": "v'

    for parser in (Parser(), Parser(partial_strings=False)):
        parser.feed(Kind.OPEN)
        parser.feed(Text("al"))
        parser.feed(Text('ue", "n": [1'))
        parser.feed(Text("]}"))
        value = parser.close()
        assert value == {"k": "value", "n": [1]}
        assert type(value["k"]) is str


def _outcome(parser: Any, chunks: list[Any]) -> Any:
    """Values after every chunk and the final value, or the error's details."""
    values = []
    try:
        for chunk in chunks:
            parser.feed(chunk)
            values.append(copy.deepcopy(parser.value))
        return values, parser.close()
    except JSONStreamError as error:
        return values, type(error), str(error), error.offset, error.line, error.column


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("[0" + "5]", {}),  # a leading zero takes no digit
        ("[-0" + "5]", {}),
        ("[10" + "5]", {}),
        ("[1.0" + "5]", {}),
        ("[1e0" + "5]", {}),
        ("[1e+" + "5]", {}),
        ("[-" + "5]", {}),
        ("[-" + "05]", {}),
        ("[1e-" + "05]", {}),
        ("[1E" + "5]", {}),
        ("[1." + "e5]", {}),
        ("12345", {}),
        ("\n [12345, 67890x", {}),
        ("[12345]", {"max_number_length": 3}),
        ("[12345]", {"max_number_length": 5}),
        ("[12345", {"multiple_values": True}),
        ("1 23 456", {"multiple_values": True}),
        ("[1, 2345]", {"max_document_size": 6}),
    ],
)
def test_a_number_grown_digit_by_digit_is_the_number_fed_whole(
    text: str, options: dict[str, Any]
) -> None:
    # Digits into an open number take a shortcut in feed() for text; bytes
    # take the general path. The outcome (values after every chunk, the chunk
    # that fails, positions, errors, limits) is the same.
    by_digit = [text[:2]] + list(text[2:])
    by_two = [text[:2]] + [text[i : i + 2] for i in range(2, len(text), 2)]
    for chunks in (by_digit, by_two):
        as_bytes = [chunk.encode() for chunk in chunks]
        assert _outcome(Parser(**options), chunks) == _outcome(Parser(**options), as_bytes)
    whole = _outcome(Parser(**options), [text])
    assert _outcome(Parser(**options), by_digit)[1:] == whole[1:]
