"""``Parser(deltas=False)``: the same parser, without the deltas.

The specification: ``feed``/``feed_eof``/``close`` behave exactly as with
``deltas=True`` (same values after every chunk, the same live objects, the
same errors: class, message, offset, line, column, partial value), except
that the delta lists they return, and errors' ``deltas``, are empty. Checked
on both backends (``tests/test_speedups.py`` also compares the backends with
``deltas=False`` among its options).
"""

from __future__ import annotations

import decimal
import json
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends import PY, C, CrossUnpickler, snapshot
from jsondrip.testing import byte_chunkings, chunkings, json_texts, json_values, llm_chunkings

BACKENDS = pytest.mark.parametrize("module", [PY, C], ids=["python", "c"])

_NOISE = list('{}[]:,"\\ntrufalse-+.eE0123456789 \t\n\x00\x1fé😀\ud800NaI```')


@st.composite
def streams(draw: st.DrawFn) -> tuple[str, list[Any]]:
    """A JSON text (sometimes edited, repeated or wrapped in prose) and its chunks."""
    text = draw(json_texts(json_values(allow_nan=draw(st.booleans()), max_leaves=12)))
    kind = draw(st.integers(0, 5))
    if kind == 0:
        text = text + " " + draw(json_texts())
    elif kind == 1:
        text = f"Here:\n```json\n{text}\n```\nmore"
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(_NOISE)) + text[i + 1 :]
    way = draw(st.integers(0, 2))
    if way == 0:
        return text, draw(llm_chunkings(text))
    if way == 1:
        return text, draw(chunkings(text))
    return text, draw(byte_chunkings(text))


@st.composite
def options(draw: st.DrawFn) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for name in ("multiple_values", "lenient", "allow_nan"):
        if draw(st.integers(0, 3)) == 0:
            chosen[name] = True
    if draw(st.booleans()):
        chosen["partial_strings"] = False
    if draw(st.integers(0, 4)) == 0:
        chosen[draw(st.sampled_from(["max_depth", "max_string_length", "max_members"]))] = draw(
            st.integers(1, 6)
        )
    if draw(st.integers(0, 6)) == 0:
        chosen["parse_float"] = decimal.Decimal
    return chosen


def _error(error: Any) -> tuple[Any, ...]:
    return (
        type(error).__name__,
        str(error),
        error.offset,
        error.line,
        error.column,
        snapshot(getattr(error, "partial", None)),
        getattr(error, "limit", None),
    )


def _lockstep(module: Any, chunks: list[Any], chosen: dict[str, Any]) -> Any:
    """Feed a deltas=True and a deltas=False parser side by side; return the
    final value (or the error), asserting they agree at every step."""
    on = module.Parser(**chosen)
    off = module.Parser(**chosen, deltas=False)
    for chunk in chunks:
        try:
            on.feed(chunk)
        except module.JSONStreamError as expected:
            with pytest.raises(module.JSONStreamError) as caught:
                off.feed(chunk)
            assert _error(caught.value) == _error(expected)
            assert caught.value.deltas == []
            return _error(expected)
        assert off.feed(chunk) == []
        assert snapshot(off.value) == snapshot(on.value)
        assert (off.done, off.started, repr(off)) == (on.done, on.started, repr(on))
    try:
        on.feed_eof()
    except module.JSONStreamError as expected:
        with pytest.raises(module.JSONStreamError) as caught:
            off.feed_eof()
        assert _error(caught.value) == _error(expected)
        assert caught.value.deltas == []
        return _error(expected)
    assert off.feed_eof() == []
    value = off.close()
    assert snapshot(value) == snapshot(on.close())
    assert off.feed_eof() == []  # closed: like deltas=True, nothing more
    return value


@BACKENDS
@given(streams(), options())
def test_deltas_off_changes_nothing_but_the_deltas(
    module: Any, case: tuple[str, list[Any]], chosen: dict[str, Any]
) -> None:
    _lockstep(module, case[1], chosen)


@BACKENDS
@given(json_texts(), st.data())
def test_deltas_off_ends_with_json_loads(module: Any, text: str, data: st.DataObject) -> None:
    chunks = data.draw(st.one_of(llm_chunkings(text), chunkings(text), st.just([text])))
    assert _lockstep(module, chunks, {}) == json.loads(text)


@BACKENDS
def test_deltas_off_on_a_whole_document(module: Any) -> None:
    # Big enough for the C scanner of complete containers (Python backend)
    # and for the C loop's paused GC.
    value = {
        "items": [{"id": i, "name": f"n{i}", "tags": ["a", "b"], "x": i / 3} for i in range(3000)]
    }
    text = json.dumps(value)
    parser = module.Parser(deltas=False)
    assert parser.feed(text) == []
    assert parser.feed_eof() == []
    assert parser.close() == value
    assert _lockstep(module, [text[:5000], text[5000:]], {}) == value


@BACKENDS
def test_deltas_off_keeps_live_objects(module: Any) -> None:
    parser = module.Parser(deltas=False)
    assert parser.feed('{"a": [1, "tw') == []
    root = parser.value
    assert root == {"a": [1, "tw"]}
    assert parser.feed('o"], "b": "x') == []
    assert parser.value is root
    assert root == {"a": [1, "two"], "b": "x"}
    with pytest.raises(module.IncompleteJSONError) as caught:
        parser.close()
    assert caught.value.deltas == []
    assert caught.value.partial == {"a": [1, "two"], "b": "x"}


@BACKENDS
@pytest.mark.parametrize("other", [PY, C], ids=["to-python", "to-c"])
def test_deltas_off_survives_pickling(module: Any, other: Any) -> None:
    parser = module.Parser(deltas=False)
    parser.feed('{"a": [1, "tw')
    clone = CrossUnpickler(pickle.dumps(parser), module.__name__, other.__name__).load()
    assert type(clone) is other.Parser
    assert clone.feed('o"]}') == []
    assert clone.close() == {"a": [1, "two"]}


@BACKENDS
def test_a_state_without_the_option_builds_deltas(module: Any) -> None:
    # A pickle made before the option existed.
    state = module.Parser().__getstate__()
    del state["_deltas"]
    parser = module.Parser.__new__(module.Parser)
    setstate = getattr(parser, "__setstate__", None)
    if setstate is not None:  # what pickle does with the state (C backend)
        setstate(state)
    else:  # (pure-Python backend)
        parser.__dict__.update(state)
    assert [tuple(d) for d in parser.feed("[1]")] == [
        ("add", (), []),
        ("add", (0,), 1),
        ("end", (0,), 1),
        ("end", (), [1]),
    ]
