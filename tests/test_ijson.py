"""Differential test: jsondrip's deltas, read as events, match ijson.parse."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import ijson
from hypothesis import given
from hypothesis import strategies as st

from jsondrip import Delta, Parser
from jsondrip.testing import byte_chunkings, json_texts


def prefix(path: tuple[Any, ...]) -> str:
    # ijson's rule: an empty prefix is not followed by a dot.
    result = ""
    for step in path:
        name = "item" if isinstance(step, int) else step
        result = f"{result}.{name}" if result else name
    return result


def events(deltas: list[Delta]) -> Iterator[tuple[str, str, Any]]:
    """ijson-style (prefix, event, value) triples from whole-value deltas."""
    for op, path, value in deltas:
        if op == "add":
            if path and isinstance(path[-1], str):
                yield prefix(path[:-1]), "map_key", path[-1]
            if isinstance(value, dict):
                yield prefix(path), "start_map", None
            elif isinstance(value, list):
                yield prefix(path), "start_array", None
            elif isinstance(value, str):
                yield prefix(path), "string", value
            elif isinstance(value, bool):
                yield prefix(path), "boolean", value
            elif value is None:
                yield prefix(path), "null", None
            else:
                yield prefix(path), "number", value
        elif op == "end" and isinstance(value, (dict, list)):
            yield prefix(path), "end_map" if isinstance(value, dict) else "end_array", None


# ijson builds prefixes by joining keys with "."; keys containing "." or empty
# keys make different paths look alike (and ijson renders an empty key
# inconsistently), so keep them out here. The json.loads properties cover them.
_keys = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="."),
    min_size=1,
    max_size=6,
)
_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_keys, children, max_size=5),
    max_leaves=25,
)


@given(json_texts(_values).flatmap(lambda t: st.tuples(st.just(t), byte_chunkings(t))))
def test_events_match_ijson(case: tuple[str, list[bytes]]) -> None:
    text, chunks = case
    parser = Parser(partial_strings=False, parse_float=Decimal)
    deltas: list[Delta] = []
    for chunk in chunks:
        deltas.extend(parser.feed(chunk))
    deltas.extend(parser.feed_eof())
    expected = list(ijson.parse(io.BytesIO(text.encode("utf-8"))))
    assert list(events(deltas)) == expected
