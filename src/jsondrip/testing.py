"""Hypothesis strategies for testing streaming JSON code (the ``testing`` extra).

Use them to fuzz your own code the way real streams arrive::

    from hypothesis import given
    from jsondrip.testing import json_texts, chunkings

    @given(json_texts().flatmap(lambda text: chunkings(text).map(lambda c: (text, c))))
    def test_my_stream_handler(case):
        text, chunks = case
        assert my_handler(chunks) == json.loads(text)

``chunkings`` splits text into pieces of 1-8 characters, empty pieces and
single characters; ``byte_chunkings`` splits the UTF-8 encoding anywhere,
including inside multi-byte characters.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

__all__ = ["byte_chunkings", "chunkings", "json_texts", "json_values", "render_json"]

_WHITESPACE = st.sampled_from(["", "", "", " ", "\n", "  ", "\t", "\r\n", " \n\t "])


def json_values(*, allow_nan: bool = False, max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """JSON values: nested dicts and lists of strings (any unicode, control
    characters included), ints (some past 64 bits), floats, bools and null."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.integers(min_value=-(10**30), max_value=10**30)
        | st.floats(allow_nan=allow_nan, allow_infinity=allow_nan)
        | st.text()
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=6)
            | st.dictionaries(st.text(max_size=8), children, max_size=6)
        ),
        max_leaves=max_leaves,
    )


def render_json(value: Any, whitespace: list[str], ensure_ascii: bool = False) -> str:
    """Serialise ``value`` like ``json.dumps``, taking the whitespace to put
    around each token from ``whitespace`` in turn (cycled)."""
    pieces: list[str] = []
    counter = [0]

    def gap() -> str:
        if not whitespace:
            return ""
        counter[0] += 1
        return whitespace[counter[0] % len(whitespace)]

    def emit(item: Any) -> None:
        if isinstance(item, dict):
            pieces.append("{")
            for i, (k, v) in enumerate(item.items()):
                if i:
                    pieces.append(gap() + ",")
                pieces.append(gap() + json.dumps(k, ensure_ascii=ensure_ascii) + gap() + ":")
                pieces.append(gap())
                emit(v)
            pieces.append(gap() + "}")
        elif isinstance(item, list):
            pieces.append("[")
            for i, v in enumerate(item):
                if i:
                    pieces.append(gap() + ",")
                pieces.append(gap())
                emit(v)
            pieces.append(gap() + "]")
        else:
            pieces.append(json.dumps(item, ensure_ascii=ensure_ascii))

    pieces.append(gap())
    emit(value)
    pieces.append(gap())
    return "".join(pieces)


@st.composite
def json_texts(draw: st.DrawFn, values: st.SearchStrategy[Any] | None = None) -> str:
    """JSON documents with varied whitespace (space, tab, CR, LF) between
    tokens, and strings written either with ``\\uXXXX`` escapes or raw."""
    value = draw(json_values() if values is None else values)
    whitespace = draw(st.lists(_WHITESPACE, max_size=12))
    return render_json(value, whitespace, ensure_ascii=draw(st.booleans()))


def _sized(data: Any, sizes: list[int]) -> list[Any]:
    chunks = []
    pos = 0
    i = 0
    while pos < len(data):
        size = sizes[i % len(sizes)]
        chunks.append(data[pos : pos + size])
        pos += size
        i += 1
    return chunks


@st.composite
def chunkings(draw: st.DrawFn, text: str, max_size: int = 8) -> list[str]:
    """Split ``text`` into chunks: whole, one character each, or random
    sizes from 0 to ``max_size`` characters (empty chunks included)."""
    kind = draw(st.sampled_from(["random", "random", "random", "single", "whole"]))
    if kind == "whole":
        return [text]
    if kind == "single":
        return list(text)
    sizes = draw(st.lists(st.integers(0, max_size), min_size=1, max_size=64))
    if not any(sizes):
        sizes.append(1)
    return _sized(text, sizes)


@st.composite
def byte_chunkings(draw: st.DrawFn, text: str, max_size: int = 8) -> list[bytes]:
    """Split the UTF-8 encoding of ``text`` into chunks of 0 to ``max_size``
    bytes (or one byte each), so that cuts fall inside multi-byte characters."""
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        return [data[i : i + 1] for i in range(len(data))]
    sizes = draw(st.lists(st.integers(0, max_size), min_size=1, max_size=64))
    if not any(sizes):
        sizes.append(1)
    return _sized(data, sizes)
