"""Property tests: the partial-value invariants, for any document and chunking.

The invariants (also listed in the README):

1. ``close()`` returns exactly what ``json.loads`` returns, for any chunking.
2. Every intermediate ``value`` is valid JSON.
3. Values only grow: each ``value`` extends the previous one (strings are only
   appended to, containers only gain members/elements or grow their last one,
   types never change).
4. Folding the deltas gives ``value`` after every chunk.
5. The structural deltas (``add``/``end`` paths, in order) are the same for
   every chunking.
6. Invalid text raises ``JSONStreamError`` (never another exception) at the
   earliest impossible character, at the same offset for every chunking.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any, Union

from hypothesis import given
from hypothesis import strategies as st

from jsondrip import DeepPath, IncompleteJSONError, JSONStreamError, Parser, apply_deltas
from jsondrip._delta import TUPLE_DEPTH
from jsondrip.testing import byte_chunkings, chunkings, json_texts, json_values

Chunk = Union[str, bytes]


def texts_and_chunks() -> st.SearchStrategy[tuple[str, list[Chunk]]]:
    def split(text: str) -> st.SearchStrategy[tuple[str, list[Chunk]]]:
        chunks: st.SearchStrategy[list[Chunk]] = st.one_of(chunkings(text), byte_chunkings(text))  # type: ignore[arg-type]
        return chunks.map(lambda c: (text, c))

    return json_texts().flatmap(split)


def extends(old: Any, new: Any) -> bool:
    """True when ``new`` is ``old`` grown as the partial-value rules allow."""
    if type(old) is not type(new):
        return False
    if isinstance(old, str):
        return new.startswith(old)
    if isinstance(old, list):
        if len(new) < len(old):
            return False
        if not old:
            return True
        return old[:-1] == new[: len(old) - 1] and extends(old[-1], new[len(old) - 1])
    if isinstance(old, dict):
        keys, new_keys = list(old), list(new)
        if new_keys[: len(keys)] != keys:
            return False
        if not keys:
            return True
        *done, last = keys
        return all(old[k] == new[k] for k in done) and extends(old[last], new[last])
    return bool(old == new or (isinstance(old, float) and math.isnan(old) and math.isnan(new)))


@given(texts_and_chunks())
def test_final_value_equals_json_loads(case: tuple[str, list[Chunk]]) -> None:
    text, chunks = case
    parser = Parser()
    for chunk in chunks:
        parser.feed(chunk)
    assert parser.close() == json.loads(text)


@given(texts_and_chunks())
def test_every_partial_value_is_json_and_extends_the_previous(
    case: tuple[str, list[Chunk]],
) -> None:
    _, chunks = case
    parser = Parser()
    previous: Any = None
    started = False
    for chunk in chunks:
        parser.feed(chunk)
        if not parser.started:
            continue
        current = copy.deepcopy(parser.value)
        assert json.loads(json.dumps(current, allow_nan=False)) == current
        if started:
            assert extends(previous, current), (previous, current)
        previous, started = current, True
    final = parser.close()
    if started:
        assert extends(previous, final)


@given(texts_and_chunks())
def test_deltas_fold_to_the_value_after_every_chunk(case: tuple[str, list[Chunk]]) -> None:
    text, chunks = case
    parser = Parser()
    folded: Any = None
    for chunk in chunks:
        folded = apply_deltas(folded, parser.feed(chunk))
        if parser.started:
            assert folded == parser.value
    folded = apply_deltas(folded, parser.feed_eof())
    assert folded == parser.close() == json.loads(text)


def structure(text: str, chunks: list[Chunk], partial_strings: bool = True) -> list[Any]:
    parser = Parser(partial_strings=partial_strings)
    deltas = []
    for chunk in chunks:
        deltas.extend(parser.feed(chunk))
    deltas.extend(parser.feed_eof())
    return [(op, path) for op, path, _ in deltas if op != "append"]


@given(json_texts().flatmap(lambda t: st.tuples(st.just(t), chunkings(t), byte_chunkings(t))))
def test_structural_deltas_do_not_depend_on_the_chunking(
    case: tuple[str, list[str], list[bytes]],
) -> None:
    text, chunks, byte_chunks = case
    reference = structure(text, [text])
    assert structure(text, list(chunks)) == reference
    assert structure(text, list(byte_chunks)) == reference
    # Every value gets exactly one add and one end.
    adds = [path for op, path in reference if op == "add"]
    ends = [path for op, path in reference if op == "end"]
    assert sorted(map(repr, adds)) == sorted(map(repr, ends))


@given(texts_and_chunks())
def test_partial_strings_off_never_shows_an_unfinished_string(
    case: tuple[str, list[Chunk]],
) -> None:
    text, chunks = case
    parser = Parser(partial_strings=False)
    folded: Any = None
    for chunk in chunks:
        deltas = parser.feed(chunk)
        assert all(op != "append" for op, _, _ in deltas)
        folded = apply_deltas(folded, deltas)
        if parser.started:
            assert folded == parser.value
    assert parser.close() == json.loads(text)


# -- invalid input -----------------------------------------------------------------

_NOISE = st.sampled_from(list("{}[]:,\"\\ntrufalsetrue-+.eE0123456789 \t\n\r\x00\x1fé😀/'NaI"))


@st.composite
def mutated_texts(draw: st.DrawFn) -> tuple[str, int]:
    """A valid text with one edit; returns the text and the edit's index (the
    text before that index is a prefix of a valid document)."""
    text = draw(json_texts())
    index = draw(st.integers(0, len(text)))
    kind = draw(st.sampled_from(["insert", "replace", "delete", "truncate"]))
    if kind == "insert":
        return text[:index] + draw(_NOISE) + text[index:], index
    if kind == "truncate":
        return text[:index], index
    if index == len(text):
        index -= 1
    if index < 0:
        return text, 0
    if kind == "replace":
        return text[:index] + draw(_NOISE) + text[index + 1 :], index
    return text[:index] + text[index + 1 :], index


def outcome(chunks: list[Chunk]) -> tuple[str, Any]:
    parser = Parser()
    try:
        for chunk in chunks:
            parser.feed(chunk)
        return "ok", parser.close()
    except IncompleteJSONError as error:
        return "incomplete", error.offset
    except JSONStreamError as error:
        return "error", error.offset


def strict_loads(text: str) -> Any:
    def reject(name: str) -> Any:
        raise ValueError(name)

    return json.loads(text, parse_constant=reject)


@given(mutated_texts().flatmap(lambda m: st.tuples(st.just(m), chunkings(m[0]))))
def test_invalid_text_raises_at_the_earliest_offset(
    case: tuple[tuple[str, int], list[str]],
) -> None:
    (text, edit), chunks = case
    try:
        expected = strict_loads(text)
    except ValueError:
        expected = None
        valid = False
    else:
        valid = True
    whole = outcome([text])
    assert outcome(list(chunks)) == whole
    if valid:
        assert whole == ("ok", expected)
        return
    kind, offset = whole
    assert kind in ("error", "incomplete")
    assert offset >= edit, "the unedited prefix was rejected"
    if kind == "incomplete":
        assert offset == len(text)
        return
    # Everything before the offset is a valid prefix; the next character is not.
    Parser().feed(text[:offset])
    parser = Parser()
    try:
        parser.feed(text[: offset + 1])
    except JSONStreamError as error:
        assert error.offset == offset
    else:
        raise AssertionError("no error with the offending character fed")


@given(st.binary(max_size=64), st.integers(1, 8))
def test_arbitrary_bytes_raise_only_json_stream_errors(data: bytes, size: int) -> None:
    whole = outcome([data])
    assert outcome([data[i : i + size] for i in range(0, len(data), size)]) == whole
    if whole[0] == "ok":
        assert whole[1] == strict_loads(data.decode("utf-8-sig"))


@given(json_values(allow_nan=True))
def test_allow_nan_round_trip(value: Any) -> None:
    text = json.dumps(value)
    parser = Parser(allow_nan=True)
    for i in range(0, len(text), 3):
        parser.feed(text[i : i + 3])
    result = parser.close()
    assert json.dumps(result) == json.dumps(json.loads(text))


@st.composite
def deep_texts(draw: st.DrawFn) -> tuple[str, list[Chunk]]:
    """A generated document wrapped in 14-19 arrays/objects, around TUPLE_DEPTH
    (16), where delta paths turn from tuples into DeepPath links."""
    inner = draw(json_texts())
    depth = draw(st.integers(TUPLE_DEPTH - 2, TUPLE_DEPTH + 3))
    kinds = draw(st.lists(st.booleans(), min_size=depth, max_size=depth))
    head = "".join('{"k": ' if is_object else "[1, " for is_object in kinds)
    tail = "".join("}" if is_object else "]" for is_object in reversed(kinds))
    text = head + inner + tail
    chunks: list[Chunk] = draw(st.one_of(chunkings(text), byte_chunkings(text)))  # type: ignore[arg-type]
    return text, chunks


@given(deep_texts())
def test_deep_paths_fold_and_behave_like_the_tuples_they_stand_for(
    case: tuple[str, list[Chunk]],
) -> None:
    text, chunks = case
    parser = Parser()
    folded: Any = None
    deltas = []
    for chunk in chunks:
        new = parser.feed(chunk)
        folded = apply_deltas(folded, new)
        deltas += new
        if parser.started:
            assert folded == parser.value
    assert folded == parser.close() == json.loads(text)
    whole = Parser().feed(text)
    assert [(op, tuple(path)) for op, path in structure(text, chunks)] == [
        (op, tuple(path)) for op, path, _ in whole if op != "append"
    ]
    for op, path, value in deltas:
        container = op != "append" and isinstance(value, (dict, list))
        deep = len(path) > TUPLE_DEPTH or (container and len(path) == TUPLE_DEPTH)
        assert type(path) is (DeepPath if deep else tuple)
        assert path == tuple(path)
        assert hash(path) == hash(tuple(path))
