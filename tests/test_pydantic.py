"""TypedParser: partial instances, validated items, early violations."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Annotated, Any, Literal, Optional, Union

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from typing_extensions import TypedDict

from jsondrip import IncompleteJSONError, JSONStreamError
from jsondrip.pydantic import Item, TypedJsonlParser, TypedParser
from jsondrip.testing import chunkings as chunking_strategy
from streamcases import chunkings


class Unit(str, Enum):
    GRAM = "g"
    MILLILITRE = "ml"


class Ingredient(BaseModel):
    name: str = Field(min_length=2)
    quantity: float
    unit: Optional[Unit] = None


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    servings: int
    ingredients: list[Ingredient]
    tags: list[str] = []
    notes: Optional[str] = None


RECIPE = {
    "title": "Crème brûlée",
    "servings": 4,
    "ingredients": [
        {"name": "cream", "quantity": 500, "unit": "ml"},
        {"name": "yolks", "quantity": 6},
    ],
    "tags": ["dessert", "make-ahead"],
}
RECIPE_TEXT = json.dumps(RECIPE, ensure_ascii=False)


def feed_text(parser: TypedParser[Any], text: str, size: int = 1) -> list[Item]:
    items: list[Item] = []
    for i in range(0, len(text), size):
        items.extend(parser.feed(text[i : i + size]))
    return items


def test_final_instance_equals_model_validate_json_for_every_chunking() -> None:
    expected = Recipe.model_validate_json(RECIPE_TEXT)
    for label, chunks in chunkings(RECIPE_TEXT):
        parser = TypedParser(Recipe)
        for chunk in chunks:
            parser.feed(chunk)
        assert parser.close() == expected, label
        assert parser.done


def test_partial_instances_show_what_arrived() -> None:
    parser = TypedParser(Recipe)
    assert parser.value is None
    parser.feed('{"title": "Crème br')
    partial = parser.value
    assert isinstance(partial, Recipe)
    assert partial.title == "Crème br"
    assert partial.servings is None
    assert partial.ingredients is None
    assert partial.tags is None  # not its default: it has not arrived
    assert partial.model_fields_set == {"title"}
    parser.feed('ûlée", "servings": 4, "ingredients": [{"name": "cr')
    partial = parser.value
    assert partial is not None
    assert partial.title == "Crème brûlée"
    assert partial.servings == 4
    assert isinstance(partial.ingredients[0], Ingredient)
    assert partial.ingredients[0].name == "cr"
    assert partial.ingredients[0].quantity is None
    assert partial.model_fields_set == {"title", "servings", "ingredients"}


def test_items_are_yielded_validated_the_moment_they_close() -> None:
    parser = TypedParser(Recipe)
    seen: list[tuple[int, Item]] = []
    for i, char in enumerate(RECIPE_TEXT):
        seen.extend((i, item) for item in parser.feed(char))
    first_close = RECIPE_TEXT.index("}")
    (i0, item0), (i1, item1) = seen[0], seen[1]
    assert i0 == first_close
    assert item0 == Item(
        ("ingredients", 0), Ingredient(name="cream", quantity=500, unit=Unit.MILLILITRE)
    )
    assert item1.path == ("ingredients", 1)
    assert item1.value == Ingredient(name="yolks", quantity=6)
    assert i1 == RECIPE_TEXT.index("}", first_close + 1)
    assert [item.value for _, item in seen[2:]] == ["dessert", "make-ahead"]


def test_top_level_list_of_models_yields_each_model() -> None:
    text = json.dumps([{"name": "a1", "quantity": 1}, {"name": "b2", "quantity": 2.5}])
    parser = TypedParser(list[Ingredient])
    items = feed_text(parser, text, 3)
    assert [item.path for item in items] == [(0,), (1,)]
    assert all(isinstance(item.value, Ingredient) for item in items)
    assert parser.close() == TypeAdapter(list[Ingredient]).validate_json(text)


def test_dict_of_models() -> None:
    text = '{"a": {"name": "ab", "quantity": 1}, "b": {"name": "cd", "quantity": 2}}'
    parser = TypedParser(dict[str, Ingredient])
    feed_text(parser, text[:45], 45)
    partial = parser.value
    assert partial is not None
    assert isinstance(partial["a"], Ingredient)
    assert parser.is_complete(("a",))
    assert not parser.is_complete(("b",))
    feed_text(parser, text[45:], 4)
    assert parser.close() == TypeAdapter(dict[str, Ingredient]).validate_json(text)


def test_is_complete() -> None:
    parser = TypedParser(Recipe)
    parser.feed('{"title": "T", "servings": 4, "ingredients": [{"name": "ab", "quantity": 1}, {"na')
    assert parser.is_complete(("title",))
    assert parser.is_complete(("ingredients", 0))
    assert not parser.is_complete(("ingredients",))
    assert not parser.is_complete(("ingredients", 1))
    assert not parser.is_complete(())
    assert not parser.is_complete(("tags",))


# -- early violations -----------------------------------------------------------------


def raises_at(type_: Any, text: str) -> tuple[int, ValidationError]:
    """Feed one character at a time; return the index of the character whose
    chunk raised, and the error."""
    parser = TypedParser(type_)
    for i, char in enumerate(text):
        try:
            parser.feed(char)
        except ValidationError as error:
            with pytest.raises(ValidationError) as again:
                parser.feed(" ")
            assert again.value is error
            return i, error
    raise AssertionError("no early violation")


def test_unknown_enum_value_raises_when_its_string_closes() -> None:
    text = (
        '{"title": "T", "servings": 1,'
        ' "ingredients": [{"name": "ab", "quantity": 1, "unit": "kg"}]}'
    )
    index, error = raises_at(Recipe, text)
    assert index == text.index('"kg"') + 3
    assert error.path == ("ingredients", 0, "unit")  # type: ignore[attr-defined]
    (detail,) = error.errors()
    assert detail["loc"] == ("ingredients", 0, "unit")
    assert detail["type"] == "enum"


def test_wrong_scalar_type_raises_at_once() -> None:
    text = '{"title": "T", "servings": "four", "ingredients": []}'
    index, error = raises_at(Recipe, text)
    assert index == text.index('"four"') + 5
    assert error.errors()[0]["loc"] == ("servings",)


def test_object_where_an_array_must_be_raises_at_the_brace() -> None:
    text = '{"title": "T", "servings": 1, "ingredients": {"name": "x"}}'
    index, error = raises_at(Recipe, text)
    assert index == text.index("{", 1)
    assert error.errors()[0]["loc"] == ("ingredients",)
    assert error.errors()[0]["type"] == "list_type"


def test_extra_key_under_forbid_raises_when_its_value_starts() -> None:
    text = '{"title": "T", "colour": "red", "servings": 1, "ingredients": []}'
    index, error = raises_at(Recipe, text)
    assert index == text.index('"red"')
    assert error.errors()[0]["type"] == "extra_forbidden"
    assert error.errors()[0]["loc"] == ("colour",)


def test_required_field_missing_raises_when_its_object_closes() -> None:
    text = (
        '{"title": "T", "servings": 1,'
        ' "ingredients": [{"name": "ab"}, {"name": "cd", "quantity": 1}]}'
    )
    index, error = raises_at(Recipe, text)
    assert index == text.index("}")
    assert error.errors()[0]["loc"] == ("ingredients", 0, "quantity")
    assert error.errors()[0]["type"] == "missing"


def test_constraints_wait_for_the_complete_value() -> None:
    parser = TypedParser(Recipe)
    parser.feed('{"title": "T", "servings": 1, "ingredients": [{"name": "a')
    assert parser.value is not None
    assert parser.value.ingredients[0].name == "a"  # too short, but not complete yet
    with pytest.raises(ValidationError) as info:
        parser.feed('"')
    assert info.value.errors()[0]["type"] == "string_too_short"
    # The partial value stays readable after the violation.
    assert parser.value.title == "T"


def test_partial_value_survives_a_violation_and_nothing_is_lost() -> None:
    parser = TypedParser(Recipe)
    parser.feed('{"title": "Long title", "servings": 2, "ingredients": [')
    with pytest.raises(ValidationError):
        parser.feed("42]")
    assert parser.value is not None
    assert parser.value.title == "Long title"
    assert parser.raw == {"title": "Long title", "servings": 2, "ingredients": [42]}


class Lenient(BaseModel):
    amount: float
    when: str

    @field_validator("amount", mode="before")
    @classmethod
    def comma_decimal(cls, value: Any) -> Any:
        return float(value.replace(",", ".")) if isinstance(value, str) else value


class Normalised(BaseModel):
    name: str
    size: int

    @model_validator(mode="before")
    @classmethod
    def unwrap(cls, data: Any) -> Any:
        if isinstance(data, dict) and "payload" in data:
            return data["payload"]
        return data


class Checked(BaseModel):
    low: int
    high: int

    @model_validator(mode="after")
    def ordered(self) -> Checked:
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


def test_before_validators_are_not_second_guessed() -> None:
    parser = TypedParser(Lenient)
    feed_text(parser, '{"amount": "12,5", "when": "now"}')
    assert parser.close() == Lenient(amount=12.5, when="now")
    model = TypedParser(Normalised)
    feed_text(model, '{"payload": {"name": "x", "size": 3}}')
    assert model.close() == Normalised(name="x", size=3)


def test_model_validators_run_once_the_object_is_complete() -> None:
    parser = TypedParser(Checked)
    parser.feed('{"low": 5, "high": 1')
    assert parser.value is not None
    assert parser.value.low == 5
    with pytest.raises(ValidationError, match="low must not exceed high"):
        parser.feed("}")


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


class Pets(BaseModel):
    pets: list[Annotated[Union[Cat, Dog], Field(discriminator="kind")]]
    owner: Optional[str] = Field(default=None, alias="ownerName")


def test_discriminated_unions_and_aliases() -> None:
    text = (
        '{"ownerName": "Ada", "pets": [{"kind": "dog", "good": true}, {"kind": "cat", "lives": 9}]}'
    )
    for label, chunks in chunkings(text):
        parser = TypedParser(Pets)
        items: list[Item] = []
        for chunk in chunks:
            items.extend(parser.feed(chunk))
        assert [type(item.value) for item in items] == [Dog, Cat], label
        assert parser.close() == Pets.model_validate_json(text), label
    parser = TypedParser(Pets)
    parser.feed('{"ownerName": "Ada", "pets": [{"kind": "do')
    assert parser.value is not None
    assert parser.value.owner == "Ada"
    assert parser.value.pets == [None]  # a union member: nothing until its tag closes
    _index, error = raises_at(Pets, '{"pets": [{"kind": "bird"}]}')
    assert error.errors()[0]["loc"][:2] == ("pets", 0)


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


class Movie(TypedDict):
    title: str
    year: int


def test_dataclasses_and_typed_dicts() -> None:
    parser = TypedParser(list[Point])
    parser.feed('[{"x": 1, "y": 2}, {"x": 3,')
    partial = parser.value
    assert partial is not None
    assert partial[0] == Point(1, 2)
    assert isinstance(partial[1], Point)
    assert partial[1].x == 3
    assert partial[1].y is None
    parser.feed(' "y": 0}]')
    assert parser.close() == [Point(1, 2), Point(3, 0)]
    movie = TypedParser(Movie)
    movie.feed('{"title": "Metropolis", "ye')
    assert movie.value == {"title": "Metropolis"}
    movie.feed('ar": 1927}')
    assert movie.close() == {"title": "Metropolis", "year": 1927}


def test_scalars_and_enums_at_the_root() -> None:
    number = TypedParser(int)
    number.feed("42")
    assert number.value is None
    assert number.feed_eof() == []
    assert number.done
    assert number.close() == 42
    assert number.close() == 42
    unit = TypedParser(Unit)
    unit.feed('"m')
    assert unit.value is None  # an unfinished enum value is not shown
    unit.feed('l"')
    assert unit.close() is Unit.MILLILITRE


def test_truncated_input_carries_the_partial_instance() -> None:
    parser = TypedParser(Recipe)
    parser.feed('{"title": "Cut sh')
    with pytest.raises(IncompleteJSONError) as info:
        parser.close()
    assert isinstance(info.value.partial, Recipe)
    assert info.value.partial.title == "Cut sh"


def test_syntax_errors_are_json_stream_errors() -> None:
    parser = TypedParser(Recipe)
    with pytest.raises(JSONStreamError):
        parser.feed('{"title": "T",, ')
    with pytest.raises(JSONStreamError):
        parser.feed("more")


def test_final_validation_error_passes_through() -> None:
    parser = TypedParser(Recipe)
    with pytest.raises(ValidationError) as info:
        parser.feed('{"title": "T", "servings": 1}')
    assert info.value.errors()[0]["type"] == "missing"
    assert info.value.errors()[0]["loc"] == ("ingredients",)


def test_lenient_typed_stream() -> None:
    parser = TypedParser(Ingredient, lenient=True)
    feed_text(parser, 'Sure:\n```json\n{"name": "salt", "quantity": 1.5}\n```\n', 4)
    assert parser.close() == Ingredient(name="salt", quantity=1.5)


def test_typed_jsonl() -> None:
    lines = TypedJsonlParser(Ingredient, on_error="collect")
    records = lines.feed('{"name": "ab", "quantity": 1}\n{"name": "x", "quantity": 2}\n{bad}\n')
    records += lines.feed('{"name": "cd", "quantity": 3}')
    records += lines.close()
    assert records == [Ingredient(name="ab", quantity=1), Ingredient(name="cd", quantity=3)]
    assert len(lines.errors) == 2
    strict = TypedJsonlParser(Ingredient)
    with pytest.raises(ValidationError):
        strict.feed('{"name": "x", "quantity": 2}\n')


def test_multiple_values_is_refused() -> None:
    with pytest.raises(ValueError, match="TypedJsonlParser"):
        TypedParser(Recipe, multiple_values=True)


# -- properties ---------------------------------------------------------------------


class Tag(BaseModel):
    label: str
    weight: float


class Doc(BaseModel):
    title: str
    count: int
    ratio: Optional[float] = None
    flags: list[bool]
    tags: list[Tag]
    meta: dict[str, int] = {}
    unit: Unit


_finite = st.floats(allow_nan=False, allow_infinity=False)
docs = st.builds(
    Doc,
    title=st.text(),
    count=st.integers(-(10**12), 10**12),
    ratio=st.none() | _finite,
    flags=st.lists(st.booleans(), max_size=4),
    tags=st.lists(st.builds(Tag, label=st.text(max_size=8), weight=_finite), max_size=4),
    meta=st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    unit=st.sampled_from(Unit),
)


def fields_snapshot(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {name: fields_snapshot(getattr(value, name)) for name in value.model_fields_set}
    if isinstance(value, list):
        return [fields_snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: fields_snapshot(v) for k, v in value.items()}
    return value


def grows(old: Any, new: Any) -> bool:
    """Set fields only grow; complete values never change."""
    if isinstance(old, dict) and isinstance(new, dict):
        return all(k in new and grows(v, new[k]) for k, v in old.items())
    if isinstance(old, list) and isinstance(new, list):
        return len(old) <= len(new) and all(grows(a, b) for a, b in zip(old, new))
    if isinstance(old, str) and isinstance(new, str):
        return new.startswith(old)
    return old is None or old == new or isinstance(new, (dict, list))


@given(docs.flatmap(lambda d: st.tuples(st.just(d), chunking_strategy(d.model_dump_json()))))
def test_any_instance_any_chunking(case: tuple[Doc, list[str]]) -> None:
    doc, chunks = case
    text = doc.model_dump_json()
    parser = TypedParser(Doc)
    previous: Any = None
    tags_seen = []
    for chunk in chunks:
        for item in parser.feed(chunk):
            if item.path[0] == "tags" and len(item.path) == 2:
                tags_seen.append(item.value)
        snapshot = fields_snapshot(parser.value)
        if previous is not None:
            assert grows(previous, snapshot), (previous, snapshot)
        previous = snapshot
    assert parser.close() == Doc.model_validate_json(text)
    assert tags_seen == doc.tags


_BAD_VALUES = {
    "title": [123, None, [], {}],
    "count": ["many", 1.5, [], None],
    "flags": [{}, "yes", [1, "x"]],
    "tags": [{}, [1], [{"label": "x"}]],
    "unit": ["kg", 3, None],
}


@given(docs, st.sampled_from(sorted(_BAD_VALUES)), st.data())
def test_invalid_mutations_raise_no_later_than_the_bad_value(
    doc: Doc, field: str, data: st.DataObject
) -> None:
    bad = data.draw(st.sampled_from(_BAD_VALUES[field]))
    payload = json.loads(doc.model_dump_json())
    payload[field] = bad
    text = json.dumps(payload)
    with pytest.raises(ValidationError):
        Doc.model_validate_json(text)
    start = text.index(json.dumps(field) + ": ") + len(json.dumps(field)) + 2
    end = start + len(json.dumps(bad))
    assume(text[start:end] == json.dumps(bad))
    index, _ = raises_at(Doc, text)
    assert index <= end  # a number is complete at the character after it
