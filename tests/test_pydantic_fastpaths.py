"""TypedParser's shortcuts give pydantic's own results.

The hot paths skip work where it cannot change the outcome: a model with
nothing of its own to run is not validated a second time once every field
arrived, ``null`` where ``None`` is allowed and an integer where a float is
expected skip JSON-mode validation, the open string is repainted from the
parser's own container. Each test here compares with pydantic on the whole
text, in every chunking, and covers the cases where the shortcut must not
apply.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import sys
import tracemalloc
from typing import Annotated, Any, ClassVar, Optional

import pytest
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from jsondrip import JSONStreamError
from jsondrip.pydantic import TypedParser, stream
from streamcases import chunkings


def typed_close(type_: Any, chunks: list[Any]) -> Any:
    parser: TypedParser[Any] = TypedParser(type_)
    for chunk in chunks:
        parser.feed(chunk)
    return parser.close()


def errors_of(call: Any) -> list[tuple[str, tuple[Any, ...]]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return [(e["type"], tuple(e["loc"])) for e in caught.value.errors()]


# -- integers where floats are expected, null where None is allowed -------------


class Floats(BaseModel):
    plain: float
    positive: Annotated[float, Field(gt=0)] = 1.0
    even: Annotated[float, Field(multiple_of=2)] = 2.0
    maybe: Optional[float] = None
    many: list[float] = []


class StrictFloats(BaseModel):
    model_config = ConfigDict(strict=True)

    value: float
    many: list[float] = []


class FiniteFloats(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    value: float


@pytest.mark.parametrize(
    ("type_", "text"),
    [
        (Floats, '{"plain": 3, "positive": 2, "even": 4, "maybe": 7, "many": [1, -2, 0]}'),
        (Floats, '{"plain": 9007199254740993, "many": [9007199254740993, -9007199254740992]}'),
        (Floats, '{"plain": 123456789012345678901234567890, "maybe": null}'),
        (Floats, '{"plain": 0, "maybe": -0, "many": [-0, 0.0]}'),
        (StrictFloats, '{"value": 3, "many": [1, 2]}'),
        (FiniteFloats, '{"value": 10}'),
        (list[float], "[1, 2.5, 9007199254740992, -9007199254740993]"),
    ],
)
def test_integers_where_floats_are_expected_validate_as_pydantic_reads_them(
    type_: Any, text: str
) -> None:
    expected = TypeAdapter(type_).validate_json(text)
    for label, chunks in chunkings(text):
        result = typed_close(type_, chunks)
        assert result == expected, label
        assert json.dumps(TypeAdapter(type_).dump_python(result)) == json.dumps(
            TypeAdapter(type_).dump_python(expected)
        ), label  # the same floats, bit for bit (9007199254740993 rounds)


@pytest.mark.parametrize(
    "text",
    [
        '{"plain": 1, "positive": 0}',
        '{"plain": 1, "positive": -3}',
        '{"plain": 1, "even": 3}',
        '{"plain": 1, "many": [1, null]}',
        '{"plain": null}',
    ],
)
def test_integers_and_nulls_that_do_not_fit_raise_pydantics_errors(text: str) -> None:
    expected = errors_of(lambda: Floats.model_validate_json(text))
    for label, chunks in chunkings(text):
        assert errors_of(lambda chunks=chunks: typed_close(Floats, chunks)) == expected, label


def test_huge_integers_in_finite_float_fields_are_rejected_like_pydantic() -> None:
    text = '{"value": ' + "9" * 400 + "}"
    expected = errors_of(lambda: FiniteFloats.model_validate_json(text))
    assert errors_of(lambda: typed_close(FiniteFloats, [text])) == expected


class Nullables(BaseModel):
    number: Optional[int]
    text: Optional[str] = "default"
    bounded: Optional[Annotated[int, Field(ge=0)]] = 5
    items: list[Optional[int]] = []


def test_null_where_none_is_allowed_is_none() -> None:
    text = '{"number": null, "text": null, "bounded": null, "items": [null, 1, null]}'
    expected = Nullables.model_validate_json(text)
    for label, chunks in chunkings(text):
        result = typed_close(Nullables, chunks)
        assert result == expected, label
        assert result.model_fields_set == expected.model_fields_set, label


# -- models completed without a second validation --------------------------------------


class Leaf(BaseModel):
    name: str
    size: int


class Tree(BaseModel):
    title: str
    leaves: list[Leaf]
    best: Leaf
    note: str = "none"
    weight: float = 1.5


TREE = (
    '{"title": "oak", "leaves": [{"name": "a", "size": 1}, {"size": 2, "name": "b"}],'
    ' "best": {"name": "c", "size": 3}, "note": "tall", "weight": 2}'
)


def test_plain_models_are_completed_in_place_and_equal_pydantics() -> None:
    expected = Tree.model_validate_json(TREE)
    for label, chunks in chunkings(TREE):
        parser = TypedParser(Tree)
        seen: list[Any] = []
        for chunk in chunks:
            parser.feed(chunk)
            value = parser.value
            if value is not None and value.leaves:
                seen.append(value.leaves[0])
        result = parser.close()
        assert result == expected, label
        assert result.model_fields_set == expected.model_fields_set, label
        assert result.best.model_fields_set == {"name", "size"}, label
        # Every field in declaration order, like pydantic's own instances.
        assert list(result.__dict__) == list(expected.__dict__), label
        assert list(result.leaves[1].__dict__) == ["name", "size"], label
        assert seen, label
        assert all(leaf is result.leaves[0] for leaf in seen), label


def test_a_plain_model_missing_fields_gets_defaults_or_raises() -> None:
    text = '{"title": "elm", "leaves": [], "best": {"name": "x", "size": 0}}'
    expected = Tree.model_validate_json(text)
    for label, chunks in chunkings(text):
        result = typed_close(Tree, chunks)
        assert result == expected, label
        assert result.model_fields_set == expected.model_fields_set, label
    bad = '{"title": "elm", "leaves": [{"name": "x"}], "best": {"name": "x", "size": 0}}'
    expected_errors = errors_of(lambda: Tree.model_validate_json(bad))
    for label, chunks in chunkings(bad):
        got = errors_of(lambda chunks=chunks: typed_close(Tree, chunks))
        assert got == expected_errors, label


class WithPostInit(BaseModel):
    name: str
    size: int
    _area: int = PrivateAttr(default=0)

    def model_post_init(self, context: Any) -> None:
        self._area = self.size * 2


class WithPrivate(BaseModel):
    name: str
    _cache: dict[str, int] = PrivateAttr(default_factory=dict)


class WithAfter(BaseModel):
    low: int
    high: int

    @model_validator(mode="after")
    def ordered(self) -> WithAfter:
        if self.low > self.high:
            self.low, self.high = self.high, self.low
        return self


class WithInit(BaseModel):
    name: str

    def __init__(self, **data: Any) -> None:
        data["name"] = data["name"].upper()
        super().__init__(**data)


class Holder(BaseModel):
    post: WithPostInit
    private: WithPrivate
    after: WithAfter
    init: WithInit


def test_models_with_their_own_code_are_validated_by_pydantic() -> None:
    text = (
        '{"post": {"name": "p", "size": 4}, "private": {"name": "q"},'
        ' "after": {"low": 9, "high": 2}, "init": {"name": "abc"}}'
    )
    expected = Holder.model_validate_json(text)
    assert expected.after.low == 2
    assert expected.init.name == "ABC"
    for label, chunks in chunkings(text):
        result = typed_close(Holder, chunks)
        assert result == expected, label
        assert result.post._area == 8, label
        assert result.private._cache == {}, label
        assert result.after.low == 2, label
        assert result.init.name == "ABC", label
    # Mid-stream the hooks have not run; private attributes have their defaults.
    parser = TypedParser(Holder)
    parser.feed(text[: text.index('"after"')])
    partial = parser.value
    assert partial is not None
    assert partial.post.size == 4
    assert partial.post._area == 8
    assert partial.private.name == "q"
    assert partial.private._cache == {}
    parser = TypedParser(Holder)
    parser.feed('{"post": {"name": "p"')
    assert parser.value is not None
    assert parser.value.post._area == 0


class Made(BaseModel):
    """A plain model whose own ``__new__`` makes its instances."""

    made: ClassVar[int] = 0
    name: str
    size: int

    def __new__(cls, *args: Any, **kwargs: Any) -> Made:
        Made.made += 1
        return super().__new__(cls)


def test_a_partial_model_is_made_by_its_own_new() -> None:
    Made.made = 0
    parser = TypedParser(Made)
    parser.feed('{"name": "a"')
    assert Made.made == 1
    assert parser.value is not None
    assert parser.value.name == "a"
    parser.feed(', "size": 2}')
    assert parser.close() == Made.model_validate_json('{"name": "a", "size": 2}')


def test_a_chunk_that_only_opens_or_closes_a_nested_model_or_list_yields() -> None:
    """Opening a shown value puts a partial one in place, closing it
    completes it (``is_complete`` turns true): the stream yields then, though
    no field changed."""
    chunks = [
        '{"title": "t", "leaves": [{"name": "a", "size": 1}',
        "]",
        ', "best": {',
        '"name": "b", "size": 2',
        "}",
        "}",
    ]
    drafts = stream(chunks, Tree)
    yielded = []
    for draft in drafts:
        best = draft.best
        yielded.append(
            (
                drafts.parser.is_complete(("leaves",)),
                None if best is None else set(best.model_fields_set),
                drafts.parser.is_complete(("best",)),
            )
        )
    assert yielded == [
        (False, None, False),
        (True, None, False),  # "]"
        (True, set(), False),  # ', "best": {'
        (True, {"name"}, False),  # the number 2 may go on
        (True, {"name", "size"}, True),  # "}"
        (True, {"name", "size"}, True),  # the final value
    ]


@pytest.mark.parametrize("bad", [" x", ", 1", "]"])
def test_a_syntax_error_keeps_what_arrived_before_it_in_the_chunk(bad: str) -> None:
    parser = TypedParser(Leaf)
    parser.feed('{"name": "a", "size"')
    with pytest.raises(JSONStreamError) as caught:
        parser.feed(": 12" + bad)
    value = parser.value
    assert value is not None
    assert (value.name, value.size) == ("a", 12)
    assert parser.is_complete(("size",))
    with pytest.raises(JSONStreamError) as again:
        parser.feed("}")
    assert again.value is caught.value


# -- the shown string ----------------------------------------------------------------


@dataclasses.dataclass
class Note:
    text: str
    tags: list[str]


class Doc(BaseModel):
    title: str
    notes: list[Note]
    words: dict[str, str]


DOC = (
    '{"title": "draft", "notes": [{"text": "first note", "tags": ["a b", "cd"]}],'
    ' "words": {"k": "value"}}'
)


def test_the_open_string_shows_its_prefix_in_models_dataclasses_lists_and_dicts() -> None:
    parser = TypedParser(Doc)
    shown: dict[str, set[str]] = {"title": set(), "text": set(), "tag": set(), "word": set()}
    for char in DOC:
        parser.feed(char)
        value = parser.value
        if value is None:
            continue
        if value.title is not None:
            shown["title"].add(value.title)
        if value.notes:
            note = value.notes[0]
            if note.text is not None:
                shown["text"].add(note.text)
            if note.tags:
                shown["tag"].add(note.tags[0])
        if value.words:
            shown["word"].add(value.words["k"])
    assert shown["title"] == {"draft"[:n] for n in range(6)}
    assert shown["text"] == {"first note"[:n] for n in range(11)}
    assert shown["tag"] == {"a b"[:n] for n in range(4)}
    assert shown["word"] == {"value"[:n] for n in range(6)}
    assert parser.close() == Doc.model_validate_json(DOC)


def test_a_pickled_parser_repaints_its_open_string() -> None:
    for cut in range(len(DOC) + 1):
        parser = TypedParser(Doc)
        parser.feed(DOC[:cut])
        resumed: TypedParser[Doc] = pickle.loads(pickle.dumps(parser))
        head = DOC[cut : cut + 2]
        resumed.feed(head)
        parser.feed(head)
        mine, theirs = resumed.value, parser.value
        assert (mine.model_dump() if mine is not None else None) == (
            theirs.model_dump() if theirs is not None else None
        ), cut
        resumed.feed(DOC[cut + 2 :])
        assert resumed.close() == Doc.model_validate_json(DOC), cut


def test_a_chunk_that_changes_nothing_after_a_string_grew_yields_nothing() -> None:
    # The backslash alone starts an escape: no delta until its next character.
    chunks = ['{"title": "a', "b", "\\", 'n", "notes": [], "words": {}}']
    drafts = [draft.title for draft in stream(chunks, Doc)]
    assert drafts == ["a", "ab", "ab\n"]  # the last one is the final value


class Essay(BaseModel):
    title: str
    body: str
    lines: list[str]


@pytest.mark.parametrize("where", ["field", "item"])
@pytest.mark.parametrize("read", [True, False], ids=["value-read", "feed-only"])
def test_the_shown_string_grows_in_place(where: str, read: bool) -> None:
    """The typed view holds the open string too; it lets go of it while the
    parser appends, so the parser grows it in place instead of copying it on
    every chunk (2x the string at the peak, and quadratic time)."""
    unit = "漢字ab"
    repeats = 16 * 1024 // len(unit)
    start = '{"title": "t", "body": "' if where == "field" else '{"lines": ["x", "'

    def run() -> Any:
        parser = TypedParser(Essay)
        parser.feed(start)
        for _ in range(repeats):
            parser.feed(unit)
            if read:
                parser.value  # noqa: B018 - reading the partial instance
        return parser

    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        parser = run()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    value = parser.value
    assert value is not None
    text = value.body if where == "field" else value.lines[1]
    assert text == unit * repeats
    assert peak <= 1.5 * sys.getsizeof(text) + 16 * 1024, (peak, sys.getsizeof(text))


@pytest.mark.parametrize("bad", ["c\x01", "\x01", "c\\x"])
def test_a_syntax_error_inside_the_shown_string_keeps_its_text(bad: str) -> None:
    parser = TypedParser(Essay)
    parser.feed('{"title": "ab')
    with pytest.raises(JSONStreamError):
        parser.feed(bad)
    value = parser.value
    assert value is not None
    assert value.title == parser.raw["title"]
    assert value.title.startswith("ab")
    with pytest.raises(JSONStreamError):
        parser.feed("more")
    assert parser.value is value
    assert value.title == parser.raw["title"]


class Aliased(BaseModel):
    name: str = Field(alias="Name")
    size: int = Field(default=1, alias="Size")
    tags: list[str] = []


@pytest.mark.parametrize(
    "text",
    [
        '{"Name": "a", "Size": 2, "tags": ["x"]}',
        '{"Name": "a"}',  # defaults filled by pydantic, from the fields that arrived
        '{"tags": [], "Size": 3}',  # a required field missing
        '{"name": "a", "Size": 3}',  # the field's name is not its key
    ],
)
def test_a_plain_model_with_aliases_validates_what_arrived_by_key(text: str) -> None:
    try:
        expected: Any = Aliased.model_validate_json(text)
    except ValidationError as error:
        expected = [(e["type"], tuple(e["loc"])) for e in error.errors()]
    for label, chunks in chunkings(text):
        if isinstance(expected, list):
            assert errors_of(lambda chunks=chunks: typed_close(Aliased, chunks)) == expected, label
            continue
        result = typed_close(Aliased, chunks)
        assert result == expected, label
        assert result.model_fields_set == expected.model_fields_set, label
