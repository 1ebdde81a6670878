"""JsonlParser's C record decoder (``_speedups.RecordDecoder``) and the C
bytes path of ``Parser.feed``, against their references.

The decoder must give exactly ``json.loads(line)`` (values and types, floats
to the bit) for every line it decides, and decide every valid line it is
meant to (so that these tests fail if the fast path silently stopped
working); everything else it leaves to the Python path, so the C and the
pure-Python ``JsonlParser`` must agree on everything observable: records,
partial records, lines, errors (class, message, offset, line, column,
records) and resumed pickles.
"""

from __future__ import annotations

import json
import os
import pickle
from typing import Any, Union

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends import C_BUILT, PY, C
from jsondrip.testing import json_values

needs_c = pytest.mark.skipif(
    not C_BUILT and os.environ.get("JSONDRIP_EXPECT_BACKEND") != "c",
    reason="the C extension is not built here (pure-Python install)",
)

Chunk = Union[str, bytes]


def typed(value: Any) -> Any:
    """``value`` with every scalar tagged by its type (1 != 1.0 != True) and
    floats by their repr (-0.0 != 0.0, NaN == NaN)."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


def decoder() -> Any:
    from jsondrip import _speedups  # type: ignore[attr-defined]

    return _speedups.RecordDecoder(10_000, 1024, 64 * 1024 * 1024)


def decide(buf: Chunk) -> tuple[tuple[int, int, int], list[Any]]:
    """RecordDecoder.lines over the whole of ``buf`` (which ends with a newline)."""
    records: list[Any] = []
    return decoder().lines(buf, 0, len(buf) - 1, records), records


# -- the record decoder is json.loads --------------------------------------


NUMBERS = [
    "0", "-0", "7", "-7", "0.0", "-0.0", "1.5", "-1.5e3", "1e400", "-1e400", "1E+2", "1e-2",
    "2.5E-3", "1e-400", "5e-324", "1.7976931348623157e308", "1.7976931348623159e308",
    "0.1", "0.30000000000000004", "123456789.123456789e-5", "9007199254740993",
    "999999999999999999", "1000000000000000000", "-999999999999999999",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "123456789012345678901234567890", "1" * 4000, "-" + "9" * 4300,
    "0." + "0" * 300 + "1", "1" + "0" * 400 + ".0", "2.2250738585072011e-308",
]  # fmt: skip

STRINGS = [
    r'""', r'"a"', r'"\""', r'"\\"', r'"\/"', r'"\b\f\n\r\t"', r'"\u0000"', r'"\u00e9"',
    r'"\u00E9x"', r'"é"', r'"日本"', r'"😀"', r'"\ud83d\ude00"', r'"\ud800"', r'"\udc00"',
    r'"\ud800x"', r'"\ud800\u0041"', r'"\udbff\udfff"', r'"\ud800\ud800"', r'"a\u2028b"',
    '"\x7f"', '"\u2028"',
]  # fmt: skip

DOCUMENTS = [
    "{}", "[]", "[[]]", '{"a": {}}', "true", "false", "null", ' \t {"a" : [ 1 , 2 ] } \r',
    '{"a": 1, "a": 2}', '{"a": 1, "b": 2, "a": 3}', '{"k": "v", "K": "w", "k ": 1}',
    '[{"id": 1, "id": 2}, {"id": 3}]', '{"\\u0061": 1, "a": 2}', '{"é": 1, "é": 2}',
    "[" * 200 + "]" * 200, '{"a":' * 100 + "1" + "}" * 100,
]  # fmt: skip

UNDECIDED = [
    "NaN", "Infinity", "-Infinity", "[NaN]", "[1,]", "{,}", '{"a" 1}', '{"a":1,}', "01", "1.",
    ".5", "1e", "1e+", "-", "+1", "--1", "[1 2]", "1 2", '"\\x"', '"\\u12"', '"\\u12g4"',
    '"\t"', '"\x00"', "tru", "nul", "True", "\ufeff1", "[" * 300 + "]" * 300, "1" * 4301,
    '{"a": 1', '"abc', "[1, [2]", "\u0661", "{1: 2}", "x",
]  # fmt: skip


def assert_is_json_loads(line: str) -> None:
    expected = typed(json.loads(line))
    for buf in (line + "\n", line + "\r\n", (line + "\n").encode("utf-8", "surrogatepass")):
        (stop, lines, chars), records = decide(buf)
        if (
            isinstance(buf, bytes)
            and "\\ud" not in line.lower()
            and any(0xD800 <= ord(c) <= 0xDFFF for c in line)
        ):
            assert (stop, records) == (0, [])  # a raw surrogate is invalid UTF-8
            continue
        assert (stop, lines) == (len(buf), 1), buf
        assert chars == len(buf.decode("utf-8") if isinstance(buf, bytes) else buf)
        assert [typed(r) for r in records] == [expected]


@needs_c
@pytest.mark.parametrize("line", NUMBERS + STRINGS + DOCUMENTS)
def test_the_decoder_gives_json_loads_values(line: str) -> None:
    assert_is_json_loads(line)
    assert_is_json_loads(f'{{"k": [{line}, {line}]}}')


@needs_c
@pytest.mark.parametrize("line", UNDECIDED)
def test_the_decoder_leaves_everything_else_to_the_python_path(line: str) -> None:
    for buf in (line + "\n", line.encode("utf-8") + b"\n"):
        assert decide(buf) == ((0, 0, 0), [])
    # ... and the lines before it are kept, the ones after it wait.
    (stop, lines, chars), records = decide("1\n" + line + "\n2\n")
    assert (stop, lines, chars, records) == (2, 1, 2, [1])


@needs_c
def test_the_decoder_leaves_invalid_utf8_and_long_lines_to_the_python_path() -> None:
    for bad in (b'"\xff"', b'"\xc3"', b'"\xed\xa0\x80"', b'"\xf4\x90\x80\x80"', b'"\xc0\xaf"'):
        assert decide(bad + b"\n") == ((0, 0, 0), [])
        assert decide(b'"\\n' + bad[1:] + b"\n") == ((0, 0, 0), [])  # the escape path
    from jsondrip import _speedups  # type: ignore[attr-defined]

    short = _speedups.RecordDecoder(8, 1024, 100)  # longer than check_length
    records: list[Any] = []
    assert short.lines('[1,2,3]\n"12345678"\n', 0, 18, records) == (8, 1, 8)
    assert records == [[1, 2, 3]]
    shallow = _speedups.RecordDecoder(100, 3, 100)  # more '[' and '{' than max_depth
    assert shallow.lines('[["[[["]]\n', 0, 9, records) == (0, 0, 0)
    blank = _speedups.RecordDecoder(100, 3, 4)  # a blank line longer than max_record
    assert blank.lines("    \n     \n", 0, 10, records) == (5, 1, 5)


@needs_c
def test_the_decoder_counts_characters_not_bytes() -> None:
    buf = '{"é": "日本"}\n\n  \r\n"😀"\n'
    for data in (buf, buf.encode("utf-8")):
        (stop, lines, chars), records = decide(data)
        assert (stop, lines, chars) == (len(data), 4, len(buf))
        assert records == [{"é": "日本"}, "😀"]


@needs_c
def test_repeated_keys_are_shared_across_records() -> None:
    from jsondrip import _speedups  # type: ignore[attr-defined]

    d = _speedups.RecordDecoder(10_000, 1024, 1000)
    records: list[Any] = []
    text = '{"name": 1, "id": 2}\n{"id": 3, "name": 4}\n'
    d.lines(text, 0, len(text) - 1, records)
    d.lines(text.encode(), 0, len(text) - 1, records)
    keys = [k for r in records for k in r]
    assert len({id(k) for k in keys}) == 2
    with pytest.raises(TypeError):
        pickle.dumps(d)


@needs_c
@given(json_values(max_leaves=20), st.booleans(), st.sampled_from([None, (",", ":")]))
def test_any_value_is_decoded_like_json_loads(value: Any, ascii: bool, seps: Any) -> None:
    assert_is_json_loads(json.dumps(value, ensure_ascii=ascii, separators=seps))


# -- C and pure-Python JsonlParser agree ------------------------------------


def observe(
    module: Any, chunks: list[Chunk], options: dict[str, Any], cut: int, partial: bool = True
) -> list[Any]:
    """Everything observable while feeding ``chunks``; pickled and resumed
    (in the same backend) after ``cut`` chunks. ``partial``: read the partial
    record after every feed, or never (reading it must change nothing)."""
    parser = module.JsonlParser(**options)
    events: list[Any] = []

    def error(exc: Any) -> tuple[Any, ...]:
        return (
            type(exc).__name__,
            str(exc),
            exc.offset,
            exc.line,
            exc.column,
            getattr(exc, "limit", None),
            typed(getattr(exc, "partial", None)),
        )

    try:
        for i, chunk in enumerate(chunks):
            if i == cut:
                parser = pickle.loads(pickle.dumps(parser))
            got = typed(parser.feed(chunk))
            events.append((got, typed(parser.partial) if partial else None, parser.line))
        events.append(("close", typed(parser.close())))
    except module.JSONStreamError as exc:
        events.append((error(exc), typed(exc.records)))
    events.append(([error(e) for e in parser.errors], parser.bad_lines, repr(parser)))
    return events


LINE_VALUES = json_values(allow_nan=True, max_leaves=8)

BAD_LINES = st.sampled_from(
    [
        "{x}", "[1,", '"\x01"', "1 1", "}", "NaN", "[NaN, Infinity]", '"\\ud800"', '"\\udc00"',
        "\ufeff1", "  ", "\t\r", "", "[[[[[[1]]]]]]", '"' + "x" * 30 + '"', "1" * 30,
        "[" + "1," * 20 + "1]", '{"a": "\\u00e9", "a": 2}', "-0", "1e400", "[-0.0, 1E+2]",
        '"é😀"', "\ud800", '"\ud800"', "tru", '{"a":1', '"\\x"', "\u0661",
    ]
)  # fmt: skip


@st.composite
def jsonl_streams(draw: st.DrawFn) -> tuple[list[Chunk], dict[str, Any]]:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.booleans()):
            value = draw(LINE_VALUES)
            lines.append(json.dumps(value, ensure_ascii=draw(st.booleans())))
        else:
            lines.append(draw(BAD_LINES))
    ends = [draw(st.sampled_from(["\n", "\n", "\r\n", " \n"])) for _ in lines]
    text = "".join(line + end for line, end in zip(lines, ends))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    if draw(st.integers(0, 5)) == 0:
        text = "\ufeff" + text
    options: dict[str, Any] = {"on_error": draw(st.sampled_from(["raise", "skip", "collect"]))}
    for name in draw(
        st.lists(
            st.sampled_from(
                ["max_record_size", "max_depth", "max_string_length", "max_number_length",
                 "max_members"]
            ),
            max_size=2,
            unique=True,
        )
    ):  # fmt: skip
        options[name] = draw(st.integers(1, 40))
    if draw(st.integers(0, 4)) == 0:
        options["allow_nan"] = True
    if draw(st.integers(0, 6)) == 0:
        options["parse_float"] = str
    if draw(st.booleans()):
        data: Any = text
    else:
        data = text.encode("utf-8", "surrogatepass")
        if draw(st.integers(0, 4)) == 0:  # invalid UTF-8 somewhere
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82"])) + data[at:]
    sizes = draw(st.lists(st.integers(0, 80), min_size=1, max_size=16))
    if draw(st.booleans()):
        sizes = [len(data) + 1]
    chunks = []
    pos = i = 0
    while pos < len(data):
        size = max(1, sizes[i % len(sizes)])
        chunks.append(data[pos : pos + size])
        pos += size
        i += 1
    return chunks, options


@needs_c
@given(jsonl_streams(), st.data())
def test_both_backends_agree_on_json_lines(case: Any, data: st.DataObject) -> None:
    chunks, options = case
    cut = data.draw(st.integers(0, len(chunks) + 1))
    partial = data.draw(st.booleans())
    c_events = observe(C, chunks, options, cut, partial)
    py_events = observe(PY, chunks, options, cut, partial)
    assert c_events == py_events


@needs_c
def test_big_chunks_of_records_agree() -> None:
    """64 KB-ish chunks, as files are read: the GC pause and the long runs."""
    records = [
        {"id": i, "text": "é" * (i % 7) + "x" * (i % 300), "f": i / 7, "n": None, "l": [i] * 3}
        for i in range(3000)
    ]
    text = "".join(json.dumps(r, ensure_ascii=i % 2 == 0) + "\n" for i, r in enumerate(records))
    text = text.replace('"id": 1500,', '"id": NaN,')  # one bad line in the middle
    data = text.encode()
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    for module in (C, PY):
        events = observe(module, chunks, {"on_error": "collect"}, -1)
        got = [v for feed in events[:-2] for v in feed[0][1]]
        assert len(got) == 2999
        assert [e[3] for e in events[-1][0]] == [1501]  # its line
    assert observe(C, chunks, {"on_error": "collect"}, 3) == observe(
        PY, chunks, {"on_error": "collect"}, 3
    )


# -- Parser.feed(bytes): the C path agrees with the reference ---------------


@needs_c
@pytest.mark.parametrize(
    "chunks",
    [
        [b'{"a": "\xc3', b'\xa9"}'],  # cut inside a character
        [b'{"a": "', "é", b'"}'],
        [b'{"a": "\xc3', '"}'],  # text after a cut character
        [b'{"a": "\xff"}'],
        [b'{"a": [1, ', b"\xff", b"]}"],
        [b"[1, 2", b"", b"3]"],
        [b"\xef\xbb\xbf[1,", b" 2]"],
        [b"[", b"\xf0\x9f", b"\x98\x80", b'"\xf0\x9f\x98\x80"]'],
        [b'["', b"x" * 100, b'", ', b"1e400", b"]"],
        [b"[1, 2", bytearray(b", 3"), memoryview(b"]")],
        [b"\xe2", b"\x82", b"\xac"],  # cut before the first character: not started yet
        [b'"\xc3', b'\xa9"'],
        [b'["\xe2\x82', b'\xac", ', b"x]"],  # an error after a held character
        [b"[1, x\xc3", b'\xa9"]'],  # an error in the chunk that leaves one held
        [b'["\xf0', b"\x9f", b"\x98", b'\x80", "\xc3', b'\xa9"]', b"\xc3"],  # held at the end
        [b'{"a": "\xc3', b"\xff"],  # invalid after a held byte
        [b'["\xc3', '"]'],
    ],
)
def test_bytes_chunks_agree(chunks: list[Any]) -> None:
    from backends import assert_same

    assert_same(chunks, {})
    assert_same(chunks, {"max_document_size": 12})
    assert_same(chunks, {"multiple_values": True})
    assert_same(chunks, {"lenient": True})
    assert_same([b"Here: ```json\n", *chunks], {"lenient": True})


@needs_c
def test_bytes_chunks_stay_in_c_even_when_a_character_is_cut() -> None:
    slow: list[Any] = []

    class Counting(C.Parser):  # type: ignore[misc, name-defined]
        def _feed_slow(self, chunk: Any) -> Any:
            slow.append(chunk)
            return super()._feed_slow(chunk)

    parser = Counting()
    parser.feed(b'{"a": "')  # the first chunk (a BOM?) takes the reference
    parser.feed(b"\xc3")
    assert not parser._plain
    assert parser._undecoded == b"\xc3"  # held where the reference holds it
    parser.feed(b"\xa9\xe2\x82")
    assert parser._undecoded == b"\xe2\x82"
    parser.feed(b"\xac")
    assert parser._plain
    parser.feed('x"}')
    assert parser.close() == {"a": "é€x"}
    assert slow == [b'{"a": "']


# -- a line finished in pieces is read as if it came whole ------------------


def summary(module: Any, chunks: list[Chunk], options: dict[str, Any]) -> list[Any]:
    """The records, bad lines and errors, however the feeds grouped them."""
    parser = module.JsonlParser(**options)
    records: list[Any] = []
    outcome: Any = None
    try:
        for chunk in chunks:
            records += parser.feed(chunk)
        records += parser.close()
    except module.JSONStreamError as exc:
        records += exc.records
        outcome = (type(exc).__name__, str(exc), exc.offset, exc.line, exc.column)
    errors = [(type(e).__name__, str(e), e.offset, e.line, e.column) for e in parser.errors]
    return [typed(records), outcome, errors, parser.bad_lines]


@given(jsonl_streams())
def test_lines_cut_anywhere_give_what_whole_lines_give(case: Any) -> None:
    """JsonlParser._finish_line reads a line that arrived in pieces with the
    JSON decoder, as whole lines are read: the same records and errors."""
    chunks, options = case
    whole = chunks[0][:0].join(chunks) if chunks else ""
    for module in (C, PY):
        assert summary(module, chunks, options) == summary(module, [whole], options)


@pytest.mark.parametrize("module", [C, PY], ids=["c", "python"])
def test_a_cut_line_start_is_judged_by_the_feed_that_brings_it(module: Any) -> None:
    """Whether the start of a line is parsed at once (C backend) or kept until
    its end (pure Python, when it is certainly valid so far), the same feed
    fails, partial shows the same value, and the record is the same."""
    parser = module.JsonlParser()
    assert parser.feed('1\n{"a": [1, 2], "b": "tex') == [1]
    assert parser.partial == {"a": [1, 2], "b": "tex"}
    assert parser.feed('t"}\n{"c": "\\u12') == [{"a": [1, 2], "b": "text"}]
    assert parser.feed('34"}\n') == [{"c": "\u1234"}]
    quiet = module.JsonlParser()
    assert quiet.feed('{"a": "x", "b') == []  # nothing read: the line may wait
    assert quiet._deferred == (quiet._records is None)  # it does in pure Python
    assert quiet.feed('": [true]}\n') == [{"a": "x", "b": [True]}]
    failing = module.JsonlParser()
    with pytest.raises(module.JSONStreamError) as error:
        failing.feed('2\n{"a": [1, }, "b": "x')
    assert (error.value.records, error.value.line, error.value.column) == ([2], 2, 11)
    pickled = module.JsonlParser()
    pickled.feed(b'{"caf\xc3')
    clone = pickle.loads(pickle.dumps(pickled))
    assert clone.feed(b'\xa9": 1}\n') == [{"café": 1}]
    assert clone.close() == []
