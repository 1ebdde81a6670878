"""Hypothesis strategies for testing streaming JSON code (the ``testing`` extra).

Use them to fuzz your own code the way real streams arrive::

    import json
    from hypothesis import given
    from jsondrip.testing import json_streams

    @given(json_streams())
    def test_my_stream_handler(case):
        text, chunks = case
        assert my_handler(chunks) == json.loads(text)

Values and texts:

* ``json_values()``: nested JSON values (any unicode, big ints, floats).
* ``json_texts()``: documents with varied whitespace, ``\\uXXXX`` escapes or
  raw unicode; ``render_json`` writes a value with given whitespace.

Chunkings of a text (every one joins back to the text):

* ``llm_chunkings(text)``: split the way an LLM stream delivers tokens: word
  pieces with their leading space, punctuation runs such as ``{"``, ``":`` and
  ``", "``, digits in groups of up to three, a multi-byte character as its own
  token, and now and then an empty chunk or several tokens in one chunk.
* ``llm_byte_chunkings(text)``: the same as UTF-8 bytes, with some chunks cut
  inside a multi-byte character (byte-level tokens, network packets).
* ``chunkings(text)`` / ``byte_chunkings(text)``: arbitrary cuts of 0 to 8
  characters (or bytes), one character (byte) at a time, or whole.
* ``json_streams()``: ``(text, chunks)`` pairs of the above.

Typed streams (needs pydantic):

* ``model_instances(Model)``: valid instances that survive a JSON round trip.
* ``model_streams(Model)``: ``(instance, chunks)``, the instance serialised
  with ``model_dump_json`` and split by ``llm_chunkings``.

Every strategy shrinks towards the plainest case: whole tokens, no empty
chunks, no merges, no cuts inside characters.
"""

from __future__ import annotations

from ._extras import hypothesis as _  # noqa: F401  (ImportError names the extra)

# isort: split
import json
import math
import re
import sys
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, TypeVar, Union

from hypothesis import reject
from hypothesis import strategies as st

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "byte_chunkings",
    "chunkings",
    "json_streams",
    "json_texts",
    "json_values",
    "llm_byte_chunkings",
    "llm_chunkings",
    "model_instances",
    "model_streams",
    "render_json",
]

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


# -- tokenizer-like chunkings --------------------------------------------------

# A pre-tokenizer in the style of the GPT (cl100k) one, with Python's ``re``:
# contractions, a word with at most one leading non-letter (usually a space),
# digits in groups of up to three, a punctuation run with an optional leading
# space and trailing newlines, newlines with the indentation before them, and
# whitespace runs. The last branch takes anything else (``_``) one by one, so
# the matches always cover the whole text.
_PRETOKEN = re.compile(
    r"""
      '(?:[sdmt]|ll|ve|re)(?![^\W\d_])
    | [^\r\n\w]?[^\W\d_]+
    | \d{1,3}
    | \ ?[^\s\w]+[\r\n]*
    | \s*[\r\n]+
    | \s+(?!\S)
    | \s+
    | [\s\S]
    """,
    re.VERBOSE,
)
_LETTER = re.compile(r"[^\W\d_]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")

# Each decision is an int in 0..255; 0 always means "the plain case", so that
# hypothesis shrinks towards whole tokens, one per chunk.
_DECISIONS = st.lists(st.integers(0, 255), min_size=1, max_size=64)


def _cycle(decisions: list[int]) -> Iterator[int]:
    while True:
        yield from decisions


def _split_token(piece: str, decision: int) -> list[str]:
    """Split one pre-token the way BPE splits a rare word (or not at all)."""
    if decision < 128 or len(piece) < 2:
        return [piece]
    if decision % 2 and _NON_ASCII.search(piece):
        # Rare characters become tokens of their own: "br", "û", "l", "ée".
        return [part for part in re.split(r"([^\x00-\x7f])", piece) if part]
    size = 2 + decision % 5 if _LETTER.search(piece) else 1 + decision % 3
    return [piece[i : i + size] for i in range(0, len(piece), size)]


def _llm_tokens(text: str, decisions: Iterator[int]) -> list[str]:
    tokens: list[str] = []
    for match in _PRETOKEN.finditer(text):
        tokens.extend(_split_token(match.group(), next(decisions)))
    return tokens


def _deliver(tokens: list[str], decisions: Iterator[int]) -> list[str]:
    """Group tokens into chunks: usually one token per chunk, sometimes an
    empty chunk first, sometimes 2-4 tokens merged into one chunk."""
    chunks: list[str] = []
    i = 0
    while i < len(tokens):
        decision = next(decisions)
        if decision % 16 == 15:
            chunks.append("")
        take = 2 + (decision >> 5) % 3 if decision % 8 == 6 else 1
        chunks.append("".join(tokens[i : i + take]))
        i += take
    return chunks


@st.composite
def llm_chunkings(draw: st.DrawFn, text: str) -> list[str]:
    """Split ``text`` the way an LLM stream delivers it, one token per chunk.

    Tokens follow the pre-tokenizer of GPT-style BPE vocabularies: a word
    with its leading space (``" oven"``), split into word pieces now and then
    (``" br"``, ``"û"``, ``"lée"``); runs of punctuation (``'{"'``, ``'":'``,
    ``'",'``, ``' ["'``), sometimes split further; digits in groups of up to
    three (``"123"``, ``"456"``); newlines with indentation. Now and then a
    chunk is empty (APIs send empty deltas) or carries 2-4 tokens (a slow
    reader gets several at once).

    Args:
        text: The text to split.

    Returns:
        A strategy for lists of ``str`` chunks whose concatenation is ``text``.
    """
    decisions = _cycle(draw(_DECISIONS))
    return _deliver(_llm_tokens(text, decisions), decisions)


def _cut_utf8(chunk: bytes, decision: int) -> list[bytes]:
    """Cut ``chunk`` inside one of its multi-byte characters (or every one)."""
    starts = [i for i, byte in enumerate(chunk) if byte >= 0xC0]
    if decision < 128 or not starts:
        return [chunk]
    if decision % 4 == 3:
        # Byte fallback: every byte of every multi-byte character on its own.
        pieces: list[bytes] = []
        plain = 0
        for i, byte in enumerate(chunk):
            if byte >= 0x80:
                if plain < i:
                    pieces.append(chunk[plain:i])
                pieces.append(chunk[i : i + 1])
                plain = i + 1
        if plain < len(chunk):
            pieces.append(chunk[plain:])
        return pieces
    start = starts[(decision >> 2) % len(starts)]
    length = 2 if chunk[start] < 0xE0 else 3 if chunk[start] < 0xF0 else 4
    length = min(length, len(chunk) - start)
    if length < 2:
        return [chunk]
    cut = start + 1 + (decision >> 4) % (length - 1)
    return [chunk[:cut], chunk[cut:]]


@st.composite
def llm_byte_chunkings(draw: st.DrawFn, text: str) -> list[bytes]:
    """Split the UTF-8 encoding of ``text`` like :func:`llm_chunkings`, then
    cut some chunks inside a multi-byte character.

    Byte-level BPE vocabularies emit a rare character (an emoji, a CJK
    character) as several byte tokens, and network reads end anywhere: a
    chunk may end after the first byte of ``"é"`` or in the middle of
    ``"😀"``. Lone surrogates in ``text`` are encoded with ``surrogatepass``.

    Args:
        text: The text to split.

    Returns:
        A strategy for lists of ``bytes`` chunks whose concatenation is
        ``text.encode("utf-8", "surrogatepass")``.
    """
    chunks = draw(llm_chunkings(text))
    decisions = _cycle(draw(_DECISIONS))
    out: list[bytes] = []
    for chunk in chunks:
        out.extend(_cut_utf8(chunk.encode("utf-8", "surrogatepass"), next(decisions)))
    return out


def json_streams(
    texts: Optional[st.SearchStrategy[str]] = None, *, as_bytes: bool = False
) -> st.SearchStrategy[tuple[str, Union[list[str], list[bytes]]]]:
    """``(text, chunks)`` pairs: a JSON text and one way a stream splits it.

    Args:
        texts: Where the texts come from (default :func:`json_texts`).
        as_bytes: Give ``bytes`` chunks (:func:`llm_byte_chunkings` and
            :func:`byte_chunkings`) instead of ``str`` chunks
            (:func:`llm_chunkings` and :func:`chunkings`).

    Returns:
        A strategy for ``(text, chunks)``; ``chunks`` joins back to ``text``
        (its UTF-8 encoding when ``as_bytes``). Tokenizer-like splits are drawn
        twice as often as arbitrary ones.
    """
    source = json_texts() if texts is None else texts

    def split(text: str) -> st.SearchStrategy[tuple[str, Union[list[str], list[bytes]]]]:
        chunks: st.SearchStrategy[Union[list[str], list[bytes]]]
        if as_bytes:
            chunks = st.one_of(
                llm_byte_chunkings(text), llm_byte_chunkings(text), byte_chunkings(text)
            )
        else:
            chunks = st.one_of(llm_chunkings(text), llm_chunkings(text), chunkings(text))
        return st.tuples(st.just(text), chunks)

    return source.flatmap(split)


# -- pydantic models -----------------------------------------------------------

M = TypeVar("M", bound="BaseModel")

_UNION_TYPES: tuple[Any, ...] = (Union,)
if sys.version_info >= (3, 10):
    import types

    _UNION_TYPES += (types.UnionType,)


def _is_model(tp: Any) -> bool:
    from pydantic import BaseModel

    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _mentions_model(tp: Any) -> bool:
    return _is_model(tp) or any(_mentions_model(arg) for arg in typing.get_args(tp))


def _sizes(metadata: Sequence[Any]) -> tuple[int, int]:
    """The (min, max) number of items ``min_length``/``max_length`` allow."""
    low = max([getattr(m, "min_length", 0) or 0 for m in metadata], default=0)
    highs = [m.max_length for m in metadata if getattr(m, "max_length", None) is not None]
    high = min(highs, default=max(low, 4))
    return low, max(low, min(high, low + 4))


def _strategy_for(tp: Any, metadata: Sequence[Any] = ()) -> st.SearchStrategy[Any]:
    """A strategy for values of the annotation ``tp`` that pydantic accepts
    and JSON can carry. Models (also inside lists, dicts, unions) are built
    with :func:`model_instances`; everything else comes from
    ``st.from_type`` (which knows the ``annotated_types`` constraints)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _strategy_for(args[0], (*metadata, *tp.__metadata__))
    if _is_model(tp):
        return st.deferred(lambda: model_instances(tp))
    if _mentions_model(tp):
        if origin in _UNION_TYPES:
            return st.one_of([_strategy_for(arg) for arg in args])
        low, high = _sizes(metadata)
        if origin in (list, Sequence, set, frozenset) and args:
            return st.lists(_strategy_for(args[0]), min_size=low, max_size=high)
        if origin in (dict, Mapping) and len(args) == 2:
            keys = _strategy_for(args[0])
            return st.dictionaries(keys, _strategy_for(args[1]), min_size=low, max_size=high)
        if origin is tuple and args and args[-1] is not Ellipsis:
            return st.tuples(*[_strategy_for(arg) for arg in args])
        if origin is tuple and args:
            return st.lists(_strategy_for(args[0]), min_size=low, max_size=high).map(tuple)
    annotated: Any = typing.Annotated[(tp, *metadata)] if metadata else tp
    strategy = st.from_type(annotated)
    if tp is float:
        # NaN and infinities serialise as null: they cannot round-trip.
        strategy = strategy.filter(math.isfinite)
    return strategy


def model_instances(model: type[M], /, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[M]:
    """Valid instances of a pydantic model that survive a JSON round trip.

    Each field's value is drawn from its annotation and constraints
    (``st.from_type``, with nested models, lists and dicts of models built
    recursively); optional fields are sometimes left out. Drawn data that the
    model's validation rejects, or whose ``model_dump_json`` does not validate
    back to an equal instance, is discarded (``hypothesis.reject``), so a
    model hypothesis cannot satisfy fails loudly with a health check.

    Args:
        model: A ``pydantic.BaseModel`` subclass.
        **fields: Strategies for some fields, by field name (as in
            ``st.builds``); they replace the inferred ones.

    Returns:
        A strategy for instances of ``model``.
    """
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    names: dict[str, str] = {}
    unknown = set(fields) - set(model.model_fields)
    if unknown:
        raise TypeError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    for name, info in model.model_fields.items():
        strategy = fields.get(name)
        if strategy is None:
            strategy = _strategy_for(info.annotation, info.metadata)
        (required if info.is_required() else optional)[name] = strategy
        names[name] = info.alias if isinstance(info.alias, str) else name
    arguments = st.fixed_dictionaries(required, optional=optional)

    def build(values: dict[str, Any]) -> M:
        from pydantic import ValidationError

        data = {names[name]: value for name, value in values.items()}
        try:
            instance = model.model_validate(data)
            if model.model_validate_json(instance.model_dump_json(by_alias=True)) != instance:
                reject()
        except (ValidationError, ValueError, TypeError):
            reject()
        return instance

    return arguments.map(build)


def model_streams(
    model: type[M], /, **fields: st.SearchStrategy[Any]
) -> st.SearchStrategy[tuple[M, list[str]]]:
    """A stream of a pydantic model: ``(instance, chunks)``.

    The instance comes from :func:`model_instances`; it is serialised with
    ``instance.model_dump_json(by_alias=True)``, compact or indented by 2
    (LLMs write both), and split with :func:`llm_chunkings`. So
    ``TypedParser(model)`` fed the chunks must close with an instance equal
    to ``instance``, and so must ``model.model_validate_json("".join(chunks))``.

    Args:
        model: A ``pydantic.BaseModel`` subclass.
        **fields: Strategies for some fields, by field name.

    Returns:
        A strategy for ``(instance, chunks)`` pairs.
    """

    @st.composite
    def streams(draw: st.DrawFn) -> tuple[M, list[str]]:
        instance = draw(model_instances(model, **fields))
        indent = draw(st.sampled_from([None, 2]))
        text = instance.model_dump_json(by_alias=True, indent=indent)
        return instance, draw(llm_chunkings(text))

    return streams()
