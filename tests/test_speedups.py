"""The C accelerator (jsondrip._speedups) against the pure-Python reference.

The reference is the specification: for the same options and the same chunks,
both backends must give the same deltas, the same values (and the same live
objects), the same errors (class, message, offset, line, column, deltas,
partial value), and pickles that resume in the other backend. The whole
suite also runs once per backend in .ci/run (JSONDRIP_PURE_PYTHON=1).
"""

from __future__ import annotations

import decimal
import gc
import json
import os
import pickle
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import jsondrip
from backends import C_BUILT, PY, C, CrossUnpickler, assert_same
from jsondrip import _parser
from jsondrip.testing import (
    byte_chunkings,
    chunkings,
    json_texts,
    json_values,
    llm_byte_chunkings,
    llm_chunkings,
)

needs_c = pytest.mark.skipif(
    not C_BUILT and os.environ.get("JSONDRIP_EXPECT_BACKEND") != "c",
    reason="the C extension is not built here (pure-Python install)",
)


# -- which backend --------------------------------------------------------


def test_backend_follows_the_environment() -> None:
    forced = os.environ.get("JSONDRIP_PURE_PYTHON", "") not in ("", "0")
    expected = os.environ.get("JSONDRIP_EXPECT_BACKEND")
    if forced:
        assert jsondrip.BACKEND == "python"
    elif expected:
        assert expected == jsondrip.BACKEND
    else:
        assert ("c" if C_BUILT else "python") == jsondrip.BACKEND
    base = jsondrip.Parser.__mro__[1]
    expected_module = "jsondrip._speedups" if jsondrip.BACKEND == "c" else "jsondrip._backend"
    assert base.__module__ == expected_module


@needs_c
def test_the_environment_variable_forces_pure_python() -> None:
    code = "import jsondrip; print(jsondrip.BACKEND, type(jsondrip.Parser().feed).__name__)"
    env = {**os.environ, "JSONDRIP_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["python", "method"]
    env["JSONDRIP_PURE_PYTHON"] = "0"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["c", "builtin_function_or_method"]


@needs_c
def test_the_c_states_are_the_reference_states() -> None:
    from jsondrip import _speedups  # type: ignore[attr-defined]

    assert {name: getattr(_parser, name) for name in _speedups.STATES} == _speedups.STATES
    assert C.Parser.feed is _speedups.ParserBase.__dict__["feed"]


# -- the differential harness ---------------------------------------------


LIMITS = ["max_depth", "max_string_length", "max_number_length", "max_members", "max_document_size"]


@st.composite
def options(draw: st.DrawFn) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    if draw(st.booleans()):
        chosen["partial_strings"] = False
    if draw(st.booleans()):
        chosen["allow_nan"] = True
    if draw(st.integers(0, 4)) == 0:
        chosen["multiple_values"] = True
    if draw(st.integers(0, 4)) == 0:
        chosen["lenient"] = True
    for limit in draw(st.lists(st.sampled_from(LIMITS), max_size=2, unique=True)):
        chosen[limit] = draw(st.integers(1, 40))
    if draw(st.integers(0, 6)) == 0:
        chosen["parse_float"] = decimal.Decimal
    if draw(st.integers(0, 6)) == 0:
        chosen["parse_int"] = str
    if draw(st.integers(0, 3)) == 0:
        chosen["deltas"] = False  # no deltas, no paths in C: values and errors still agree
    return chosen


#: Characters that matter to the state machine, for mutations.
SPECIAL = list('"\\{}[],: \n\t\x00\x1fu0123456789-+.eEtrufalsnNIé😀\ud800\udc00')


@st.composite
def documents(draw: st.DrawFn) -> str:
    """JSON texts, several values in a row, prose around them, and mutants."""
    text = draw(json_texts(json_values(allow_nan=draw(st.booleans()), max_leaves=12)))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        text = text + draw(st.sampled_from(["", " ", "\n"])) + draw(json_texts())
    elif kind == 1:
        text = f"Sure! Here it is:\n```json\n{text}\n```\nanything else?"
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.integers(0, 2))
        char = draw(st.sampled_from(SPECIAL))
        if op == 0:
            text = text[:i] + char + text[i:]
        elif op == 1:
            text = text[:i] + text[i + 1 :]
        else:
            text = text[:i] + char + text[i + 1 :]
    return text


@st.composite
def streams(draw: st.DrawFn) -> list[Any]:
    text = draw(documents())
    way = draw(st.integers(0, 4))
    if way == 0:
        return draw(llm_chunkings(text))
    if way == 1:
        return draw(chunkings(text))
    if way == 2:
        return list(text)
    if way == 3:
        return draw(llm_byte_chunkings(text))
    return draw(byte_chunkings(text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")))


@needs_c
@given(streams(), options())
def test_both_backends_agree(chunks: list[Any], chosen: dict[str, Any]) -> None:
    assert_same(chunks, chosen)


@needs_c
@given(json_texts(), st.data())
def test_both_backends_agree_on_valid_documents(text: str, data: st.DataObject) -> None:
    assert_same(data.draw(llm_chunkings(text)), {})
    assert_same(data.draw(chunkings(text)), {})


CASES = [
    '{"a": [1, 2.5, "x\\u00e9\\ud83d\\ude00", true, false, null], "b": {"c": -0.0e+1}}',
    '"\\ud800\\ud800\\udc00 \\n\\"\\\\\\/\\b\\f\\r\\t"',
    "[1, 2, 3] [4]",
    '{"a": 1, "a": 2}',
    "[[[[[[[[1]]]]]]]]",
    '{"a": [' * 12 + '"deep", {"b": "x\\ny"}, 1.5' + "]}" * 12,  # DeepPath below 16 levels
    '{"k\\n": "v\\u0000"}',
    "[01]",
    "[1.]",
    "[-]",
    "[1e]",
    "[1e+]",
    "[tru]",
    "[trux]",
    '{"a" 1}',
    '{"a": 1 "b"}',
    "[1 2]",
    '"\x01"',
    '"\\x"',
    '"\\u12g4"',
    '{"\\q": 1}',
    "[NaN, Infinity, -Infinity]",
    "123456789012345678901234567890",
    "-1.5e-300",
    "1 2",
    "{} x",
    'text {"a": [1]} more {"b": 2}',
    '\ufeff{"a": 1}',
]


@needs_c
@pytest.mark.parametrize("text", CASES)
@pytest.mark.parametrize("size", [1, 2, 3, 5, 100])
@pytest.mark.parametrize(
    "chosen",
    [
        {},
        {"partial_strings": False},
        {"allow_nan": True},
        {"multiple_values": True},
        {"lenient": True, "multiple_values": True},
        {"max_depth": 3},
        {"max_string_length": 2},
        {"max_number_length": 3},
        {"max_members": 1},
        {"max_document_size": 9},
        {"parse_float": decimal.Decimal, "parse_int": float},
        {"deltas": False},
        {"deltas": False, "partial_strings": False, "multiple_values": True},
        {"deltas": False, "lenient": True, "max_depth": 3},
    ],
)
def test_both_backends_agree_on_edge_cases(text: str, size: int, chosen: dict[str, Any]) -> None:
    chunks = [text[i : i + size] for i in range(0, len(text), size)]
    assert_same(chunks, chosen)
    data = text.encode("utf-8", "surrogatepass")
    assert_same([data[i : i + size] for i in range(0, len(data), size)], chosen)


# -- pickles made by one backend resume in the other -----------------------


def _resume_elsewhere(
    source: Any, target: Any, chunks: list[Any], cut: int, protocol: int, chosen: dict[str, Any]
) -> list[Any]:
    parser = source.Parser(**chosen)
    events: list[Any] = []
    try:
        for chunk in chunks[:cut]:
            events.append(repr([tuple(d) for d in parser.feed(chunk)]))
    except source.JSONStreamError as error:
        return [*events, type(error).__name__, str(error)]
    data = pickle.dumps(parser, protocol=protocol)
    clone = CrossUnpickler(data, source.__name__, target.__name__).load()
    assert type(clone) is target.Parser
    try:
        for chunk in chunks[cut:]:
            events.append(repr([tuple(d) for d in clone.feed(chunk)]))
            events.append(repr(clone.value))
        events.append(repr(clone.close()))
    except target.JSONStreamError as error:
        events += [type(error).__name__, str(error), error.offset, error.line, error.column]
    return events


@needs_c
@given(streams(), options(), st.data(), st.integers(0, pickle.HIGHEST_PROTOCOL))
def test_pickles_resume_in_the_other_backend(
    chunks: list[Any], chosen: dict[str, Any], data: st.DataObject, protocol: int
) -> None:
    chosen.pop("parse_int", None)  # str and Decimal pickle fine; keep the options simple
    cut = data.draw(st.integers(0, len(chunks)))
    expected = _resume_elsewhere(PY, PY, chunks, cut, protocol, chosen)
    assert _resume_elsewhere(C, PY, chunks, cut, protocol, chosen) == expected
    assert _resume_elsewhere(PY, C, chunks, cut, protocol, chosen) == expected
    assert _resume_elsewhere(C, C, chunks, cut, protocol, chosen) == expected


# -- threads and the garbage collector --------------------------------------


@needs_c
def test_a_second_call_during_a_feed_is_refused_the_same_way() -> None:
    def attempt(module: Any) -> list[str]:
        refused: list[str] = []

        def parse_float(text: str) -> float:
            # Runs inside feed() (the C loop hands custom parse_float to the
            # reference): a second call on the same parser must be refused.
            try:
                parser.feed("2")
            except module.ConcurrentUseError as error:
                refused.append(str(error))
            return float(text)

        parser = module.Parser(parse_float=parse_float)
        parser.feed('{"a": [1.5, ')
        assert parser.feed("2.5]}") == [
            module.Delta("add", ("a", 1), 2.5),
            module.Delta("end", ("a", 1), 2.5),
            module.Delta("end", ("a",), [1.5, 2.5]),
            module.Delta("end", (), {"a": [1.5, 2.5]}),
        ]
        return refused

    refused = attempt(C)
    assert len(refused) == 2
    assert refused == attempt(PY)


def _llm_stream() -> list[str]:
    """An LLM-like document in chunks of 1 to 7 characters."""
    text = json.dumps(
        {
            "items": [
                {"id": i, "text": "word " * 30, "tags": ["a", {"b": [i, 1.5]}]} for i in range(20)
            ]
        }
    )
    chunks = []
    start = 0
    while start < len(text):
        size = 1 + len(chunks) % 7
        chunks.append(text[start : start + size])
        start += size
    return chunks


@needs_c
@pytest.mark.parametrize("keep", ["lists", "deltas", "every other list"])
def test_deltas_the_caller_keeps_are_never_changed(keep: str) -> None:
    # The C feed reuses the list and the Deltas of its last result when the
    # caller dropped them: what the caller kept must stay exactly as it was
    # returned, and equal the pure-Python backend's deltas at the end.
    chunks = _llm_stream()

    def stream(module: Any) -> tuple[list[Any], list[Any]]:
        parser = module.Parser()
        kept: list[Any] = []
        as_returned: list[Any] = []
        for i, chunk in enumerate(chunks):
            deltas = parser.feed(chunk)
            if keep == "lists" or (keep == "every other list" and i % 2):
                kept.append(deltas)
                as_returned.append(list(deltas))
            elif keep == "deltas":
                kept.extend(deltas)
                as_returned.extend(tuple(d) for d in deltas)
            del deltas
        parser.close()
        return kept, as_returned

    c_kept, c_then = stream(C)
    py_kept, _ = stream(PY)
    assert len(c_kept) == len(c_then)
    for now, then in zip(c_kept, c_then):
        assert len(now) == len(then)
        assert all(a is b for a, b in zip(now, then))
    assert repr(c_kept) == repr(py_kept)
    assert len(c_kept) > 20


@needs_c
def test_the_deltas_the_caller_dropped_are_reused() -> None:
    # The point of the cache (parser.c, "Reusing the deltas"); off from 3.14
    # (tuples cache their hash) and on free-threaded builds.
    reuse = sys.version_info < (3, 14) and getattr(sys, "_is_gil_enabled", lambda: True)()
    parser = C.Parser()
    parser.feed('{"a": "')
    first = parser.feed("xy")
    ids = (id(first), id(first[0]))
    assert first == [C.Delta("append", ("a",), "xy")]
    del first
    second = parser.feed("zw")
    assert second == [C.Delta("append", ("a",), "zw")]
    assert ((id(second), id(second[0])) == ids) == reuse
    kept = second[0]
    del second
    third = parser.feed('", "b": 1')
    assert kept == C.Delta("append", ("a",), "zw")  # held: not reused
    assert third == [C.Delta("end", ("a",), "xyzw")]
    assert parser.value == {"a": "xyzw"}


@needs_c
def test_the_gc_is_paused_only_while_a_big_buffer_is_parsed() -> None:
    big = "[" + ",".join(['{"a": [1, "x"]}'] * 3000) + "]"
    assert gc.isenabled()
    assert C.Parser().feed(big)[-1].value == [{"a": [1, "x"]}] * 3000
    assert gc.isenabled()
    gc.disable()
    try:
        C.Parser().feed(big)
        assert not gc.isenabled()  # not turned on behind the caller's back
    finally:
        gc.enable()


@needs_c
@pytest.mark.parametrize("maker", ["0", "1"])
def test_a_pickle_resumes_in_a_process_with_the_other_backend(maker: str) -> None:
    # One interpreter per backend, each with the real package names.
    make = 'import pickle, sys, jsondrip\np = jsondrip.Parser()\np.feed(\'{"a": [1, "tw\')\n'
    make += "sys.stdout.buffer.write(pickle.dumps(p))\n"
    resume = (
        "import pickle, sys, jsondrip\n"
        "p = pickle.loads(sys.stdin.buffer.read())\n"
        "print(jsondrip.BACKEND, p.feed('o\", 3]}')[0], p.close())\n"
    )
    loader = "1" if maker == "0" else "0"
    data = subprocess.run(
        [sys.executable, "-c", make],
        env={**os.environ, "JSONDRIP_PURE_PYTHON": maker},
        capture_output=True,
        check=True,
    ).stdout
    out = subprocess.run(
        [sys.executable, "-c", resume],
        input=data,
        env={**os.environ, "JSONDRIP_PURE_PYTHON": loader},
        capture_output=True,
        check=True,
    )
    backend = "python" if loader == "1" else "c"
    expected = f"{backend} Delta(op='append', path=('a', 1), value='o') {{'a': [1, 'two', 3]}}"
    assert out.stdout.decode().strip() == expected


@needs_c
@pytest.mark.parametrize(
    ("start", "spoil"),
    [
        ('{"a": "xy', lambda value: value.__setitem__("a", 5)),
        ('["xy', lambda value: value.pop()),
        ('{"a": "xy', lambda value: value.clear()),
    ],
)
def test_a_caller_who_spoils_the_open_string_gets_the_same_error(start: str, spoil: Any) -> None:
    # Not supported (the value is the parser's), but never a crash or a
    # different outcome in C: Python's own error, as in the reference.
    def attempt(module: Any) -> tuple[str, str]:
        parser = module.Parser()
        parser.feed(start)
        spoil(parser.value)
        with pytest.raises(Exception) as info:  # noqa: PT011 - the point is which one
            parser.feed("z")
        return type(info.value).__name__, str(info.value)

    assert attempt(C) == attempt(PY)


@needs_c
def test_the_c_methods_keep_the_reference_docstrings() -> None:
    import inspect

    for name in ("feed", "value"):
        assert inspect.getdoc(getattr(C.Parser, name)) == inspect.getdoc(getattr(PY.Parser, name))


@needs_c
@pytest.mark.parametrize("chosen", [{}, {"deltas": False}, {"partial_strings": False}])
def test_the_c_loop_takes_the_whole_common_path(
    monkeypatch: pytest.MonkeyPatch, chosen: dict[str, Any]
) -> None:
    # Not timing: the C loop must not hand plain JSON to the Python reference
    # (a wrong cached field would, and every other test would still pass).
    calls: list[str] = []
    for name in ("_reference_consume", "_feed_slow"):
        original = getattr(C.Parser, name)

        def spy(self: Any, *args: Any, _name: str = name, _original: Any = original) -> Any:
            calls.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(C.Parser, name, spy)
    text = (
        '{"id": "resp_1", "title": "caf\\u00e9 \\"x\\"", "n": [1, -2.5e3, 0, true, false, null],'
        ' "items": [{"k": "v", "deep": [[{"a": []}], {}]}], "s": "' + "word " * 40 + '"}'
    )
    parser = C.Parser(**chosen)
    for i in range(0, len(text), 3):
        parser.feed(text[i : i + 3])
    assert parser.close() == json.loads(text)
    assert calls == ["_feed_slow"]  # the first chunk only (BOM, started)
