"""JsonlParser: framing, bad lines under each on_error mode, nothing lost."""

from __future__ import annotations

import enum
import json
from typing import Any, Union

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jsondrip import (
    IncompleteJSONError,
    JsonlParser,
    JSONStreamError,
    LimitExceededError,
    Parser,
    StreamClosedError,
)
from jsondrip.testing import byte_chunkings, json_values
from jsondrip.testing import chunkings as chunking_strategy
from streamcases import chunkings

Chunk = Union[str, bytes]


def run(chunks: list[Chunk], **options: Any) -> tuple[list[Any], JsonlParser]:
    parser = JsonlParser(**options)
    records: list[Any] = []
    for chunk in chunks:
        records.extend(parser.feed(chunk))
    records.extend(parser.close())
    return records, parser


GOOD = '{"a": 1}\n[2, "x"]\r\n\n  \r\n"s"\n3\nnull\n{"b": {"c": [true]}}'
GOOD_RECORDS = [{"a": 1}, [2, "x"], "s", 3, None, {"b": {"c": [True]}}]


def test_records_crlf_blank_lines_and_no_final_newline() -> None:
    for label, chunks in chunkings(GOOD):
        records, parser = run(chunks)
        assert records == GOOD_RECORDS, label
        assert parser.errors == []


def test_final_newline_means_close_returns_nothing() -> None:
    parser = JsonlParser()
    assert parser.feed("1\n2\n") == [1, 2]
    assert parser.close() == []
    null_last = JsonlParser()
    assert null_last.feed("1\nnull") == [1]
    assert null_last.close() == [None]


def test_feed_returns_records_as_soon_as_their_line_ends() -> None:
    parser = JsonlParser()
    assert parser.feed('{"a": [1, 2') == []
    assert parser.partial == {"a": [1]}
    assert parser.feed("]}") == []
    assert parser.partial == {"a": [1, 2]}
    assert parser.feed("\n") == [{"a": [1, 2]}]
    assert parser.partial is None
    assert parser.feed('"te') == []
    assert parser.partial == "te"


def test_lone_cr_is_whitespace_not_a_separator() -> None:
    records, _ = run(["1\r\r\n[2,\r3]\r"])
    assert records == [1, [2, 3]]
    with pytest.raises(JSONStreamError) as info:
        run(["1\r2\n"])
    assert info.value.line == 1
    assert info.value.column == 3


def test_bom_at_the_very_start_is_skipped() -> None:
    for data in ("\ufeff1\n2", b"\xef\xbb\xbf1\n2"):
        assert run([data])[0] == [1, 2]
    # Split inside the BOM.
    assert run([b"\xef", b"\xbb", b"\xbf[1]\n"])[0] == [[1]]
    with pytest.raises(JSONStreamError):
        run([b"\xef\xbb"])


BAD_MIDDLE = '1\n{"a": 2}\n{"b": x}\n[3]\n"\xe9"\n'
BAD_ERROR = ("expected a value, found 'x'", 3, 7)


@pytest.mark.parametrize("mode", ["skip", "collect"])
def test_bad_middle_line_skip_and_collect_keep_every_good_record(mode: str) -> None:
    for label, chunks in chunkings(BAD_MIDDLE):
        records, parser = run(chunks, on_error=mode)
        assert records == [1, {"a": 2}, [3], "\xe9"], label
        assert parser.bad_lines == 1
        if mode == "collect":
            (error,) = parser.errors
            assert (error.msg, error.line, error.column) == BAD_ERROR, label
            assert error.offset == BAD_MIDDLE.index("x")
        else:
            assert parser.errors == []


def test_bad_middle_line_raise_delivers_the_records_before_it() -> None:
    for label, chunks in chunkings(BAD_MIDDLE):
        parser = JsonlParser()
        received: list[Any] = []
        with pytest.raises(JSONStreamError) as info:
            for chunk in chunks:
                received.extend(parser.feed(chunk))
        received.extend(info.value.records)
        assert received == [1, {"a": 2}], label
        assert (info.value.msg, info.value.line, info.value.column) == BAD_ERROR, label
        with pytest.raises(JSONStreamError) as again:
            parser.feed("4\n")
        assert again.value is info.value


@pytest.mark.parametrize(
    ("line", "fragment", "column"),
    [
        ("1 2", "expected the end of input after the value, found '2'", 3),
        ('{"a": 1', "expected ',' or '}' after object member, found end of line", 8),
        ("[1,]", "expected a value, found ']'", 4),
        ("NaN", "expected a value, found 'N'", 1),
        ('"a\tb"', "control character U+0009", 3),
        ("tru", "expected 'true', found end of line", 4),
    ],
)
def test_bad_line_messages_are_the_parsers(line: str, fragment: str, column: int) -> None:
    text = f"0\n{line}\n5\n"
    for label, chunks in chunkings(text):
        records, parser = run(chunks, on_error="collect")
        assert records == [0, 5], label
        (error,) = parser.errors
        assert fragment in error.msg, label
        assert (error.line, error.column) == (2, column), label
        assert not isinstance(error, IncompleteJSONError)


def test_invalid_utf8_spoils_only_its_line() -> None:
    data = b'1\n"\xff"\n"\xc3\xa9"\n\xe2\x82\n4'
    for size in (1, 2, 3, 5, len(data)):
        chunks: list[Chunk] = [data[i : i + size] for i in range(0, len(data), size)]
        records, parser = run(chunks, on_error="collect")
        assert records == [1, "\xe9", 4], size
        assert [e.line for e in parser.errors] == [2, 4], size
        assert "0xFF" in parser.errors[0].msg
        assert parser.errors[0].offset == 3
        assert parser.errors[1].offset == 10


def test_truncated_last_record_at_close() -> None:
    text = '1\n{"a": [2'
    for label, chunks in chunkings(text):
        parser = JsonlParser()
        records: list[Any] = []
        for chunk in chunks:
            records.extend(parser.feed(chunk))
        with pytest.raises(IncompleteJSONError) as info:
            parser.close()
        assert records == [1], label
        assert info.value.partial == {"a": []}  # the 2 may have been cut
        assert info.value.pending_text == "2"
        assert info.value.line == 2
        collected = JsonlParser(on_error="collect")
        for chunk in chunks:
            collected.feed(chunk)
        assert collected.close() == []
        assert isinstance(collected.errors[0], IncompleteJSONError)


def test_positions_stay_exact_after_a_skipped_line() -> None:
    text = '"\xe9\xe9"\n[x, "\xe9\xe9\xe9"]\n\n[1, y]\n'
    expected = [(2, 2, text.index("x")), (4, 5, text.index("y"))]
    for label, chunks in chunkings(text):
        _, parser = run(chunks, on_error="collect")
        got = [(e.line, e.column, e.offset) for e in parser.errors]
        assert got == expected, label


def test_max_depth_applies_to_whole_lines_too() -> None:
    deep = "[" * 5 + "]" * 5
    _, parser = run([f"{deep}\n[[1]]\n"], on_error="collect", max_depth=4)
    assert isinstance(parser.errors[0], LimitExceededError)
    records, _ = run(['["[[[[[[", 1]\n'], max_depth=2)
    assert records == [["[[[[[[", 1]]
    very_deep = "[" * 5000 + "]" * 5000
    records, parser = run([f"1\n{very_deep}\n2\n"], on_error="collect")
    assert records == [1, 2]
    assert isinstance(parser.errors[0], LimitExceededError)


def test_records_deeper_than_json_loads_can_go_are_still_read() -> None:
    depth = 1000
    records, _ = run(["[" * depth + "]" * depth + "\n"])
    value, levels = records[0], 1
    while value:
        value, levels = value[0], levels + 1
    assert levels == depth


def test_options_reach_each_record() -> None:
    from decimal import Decimal

    records, _ = run(["[1.5, NaN]\n", "2.25"], parse_float=Decimal, allow_nan=True)
    assert records[0][0] == Decimal("1.5")
    assert records[1] == Decimal("2.25")


def test_usage_errors() -> None:
    with pytest.raises(ValueError, match="on_error"):
        JsonlParser(on_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_depth"):
        JsonlParser(max_depth=0)
    parser = JsonlParser()
    parser.close()
    with pytest.raises(StreamClosedError):
        parser.feed("1\n")
    with pytest.raises(TypeError):
        JsonlParser().feed(1)  # type: ignore[arg-type]


lines_strategy = st.lists(json_values(), max_size=8)


@given(
    lines_strategy.flatmap(
        lambda values: st.tuples(
            st.just(values),
            st.lists(st.sampled_from(["\n", "\r\n", "\n\n", "\n \t\n"]), min_size=len(values) + 1),
            st.booleans(),
        )
    ).flatmap(
        lambda case: st.tuples(
            st.just(case[0]),
            st.just(_render(*case)),
        ).flatmap(
            lambda vt: st.tuples(
                st.just(vt[0]), st.one_of(chunking_strategy(vt[1]), byte_chunkings(vt[1]))
            )
        )
    )
)
def test_any_chunking_yields_every_record(case: tuple[list[Any], list[Chunk]]) -> None:
    values, chunks = case
    records, parser = run(list(chunks))
    assert records == values
    assert parser.errors == []


def _render(values: list[Any], ends: list[str], final_newline: bool) -> str:
    text = "".join(json.dumps(v, ensure_ascii=False) + ends[i] for i, v in enumerate(values))
    if not final_newline:
        text = text.rstrip("\r\n \t")
    return text


@given(lines_strategy, st.integers(0, 8), st.sampled_from(["{x}", "[1,", '"\x01"', "1 1", "}"]))
def test_collect_mode_loses_no_good_record(values: list[Any], where: int, bad: str) -> None:
    lines = [json.dumps(v) for v in values]
    where = min(where, len(lines))
    lines.insert(where, bad)
    text = "\n".join(lines) + "\n"
    for size in (1, 7, len(text)):
        chunks: list[Chunk] = [text[i : i + size] for i in range(0, len(text), size)]
        records, parser = run(chunks, on_error="collect")
        assert records == values
        assert [e.line for e in parser.errors] == [where + 1]


def test_a_cut_utf8_sequence_then_text_is_reported_like_parser_does() -> None:
    """Bytes held while a BOM was still possible, then str: the stray byte is
    the first line's error (line 1, as Parser says), not a later one."""
    with pytest.raises(JSONStreamError) as single:
        parser = Parser()
        parser.feed(b"\xef")
        parser.feed('{"a": 1}\n')
    lines = JsonlParser()
    assert lines.feed(b"\xef") == []
    with pytest.raises(JSONStreamError) as framed:
        lines.feed('{"a": 1}\n')
    assert framed.value.records == []
    expected = (single.value.msg, single.value.offset, single.value.line, single.value.column)
    assert (framed.value.msg, framed.value.offset, framed.value.line, framed.value.column) == (
        expected
    )
    assert expected[2:] == (1, 1)
    skipping = JsonlParser(on_error="collect")
    skipping.feed(b"\xef")
    assert skipping.feed('{"a": 1}\n2\n') == [2]
    assert [(e.line, e.offset) for e in skipping.errors] == [(1, 0)]
    assert skipping.feed("x\n") == []
    assert [(e.line, e.offset) for e in skipping.errors] == [(1, 0), (3, 12)]


def test_str_subclasses_are_text() -> None:
    class Text(str):
        def __str__(self) -> str:
            return "not the text"

    class Line(str, enum.Enum):
        FIRST = '{"a": 1}\n{"b": '

    parser = JsonlParser()
    assert parser.feed(Line.FIRST) == [{"a": 1}]
    assert parser.feed(Text("2}\n[3]\n")) == [{"b": 2}, [3]]
