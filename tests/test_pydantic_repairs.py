"""TypedParser on the documents of the typed-streaming issue (one test per reproduction).

Each test fails on the parser before unions, repair hooks, aliases, exact numbers
and stable identity were handled; together they pin the rules of the README's
typed section.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, Union

import pytest
from pydantic import (
    AliasChoices,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from jsondrip import Parser
from jsondrip.pydantic import Item, TypedJsonlParser, TypedParser
from streamcases import chunkings


class Search(BaseModel):
    tool: Literal["search"]
    query: str = ""
    since: date


class Weather(BaseModel):
    tool: Literal["weather"]
    city: str


class Call(BaseModel):
    args: Annotated[Union[Search, Weather], Field(discriminator="tool")]


def fed(type_: Any, text: str, **options: Any) -> TypedParser[Any]:
    parser = TypedParser(type_, **options)
    parser.feed(text)
    return parser


def first_raise(type_: Any, text: str) -> tuple[int, ValidationError]:
    """Feed one character at a time; the index of the character that raised."""
    parser = TypedParser(type_)
    for i, char in enumerate(text):
        try:
            parser.feed(char)
        except ValidationError as error:
            return i, error
    raise AssertionError("no early violation")


# -- 1 and 2: discriminated unions ------------------------------------------------------


def test_1_discriminated_union_shows_a_partial_member_and_complete_values_keep() -> None:
    parser = fed(Call, '{"args": {"tool": "search", "since": "2024-06-01"')
    draft = parser.value
    assert draft is not None
    assert isinstance(draft.args, Search)
    assert draft.args.since == date(2024, 6, 1)
    assert parser.is_complete(("args", "since"))
    assert not parser.is_complete(("args",))
    held = draft.args
    parser.feed("}}")
    final = parser.close()
    assert final == Call.model_validate_json('{"args": {"tool": "search", "since": "2024-06-01"}}')
    assert final.args is held  # the partial member was completed in place


def test_1_the_tag_may_come_after_other_fields() -> None:
    text = '{"args": {"city": "Paris", "tool": "weather"}}'
    for label, chunks in chunkings(text):
        parser = TypedParser(Call)
        seen: list[Any] = []
        for chunk in chunks:
            parser.feed(chunk)
            if parser.value is not None and parser.value.args is not None:
                seen.append(parser.value.args)
        assert all(isinstance(args, Weather) for args in seen), label
        assert parser.close() == Call.model_validate_json(text), label
    parser = fed(Call, '{"args": {"city": "Paris", "tool": "weather"')
    assert parser.value is not None
    assert parser.value.args.city == "Paris"


def test_2_unknown_tag_raises_when_its_string_closes() -> None:
    text = '{"args": {"tool": "book_flight", "city": "Paris", "note": "'
    index, error = first_raise(Call, text)
    assert index == text.index('"book_flight"') + len('"book_flight"') - 1
    assert error.errors()[0]["type"] == "union_tag_invalid"
    assert error.path == ("args",)  # type: ignore[attr-defined]


def test_2_violation_inside_the_member_raises_at_the_value() -> None:
    text = '{"args": {"tool": "weather", "city": 8001, "x": 1}}'
    index, error = first_raise(Call, text)
    assert index == text.index("8001") + 4  # a number is complete at the next character
    assert error.errors()[0]["loc"] == ("args", "weather", "city")
    assert error.path == ("args", "city")  # type: ignore[attr-defined]


def test_2_a_tool_call_whose_arguments_are_the_whole_payload_cancels_early() -> None:
    tool_call = Annotated[Union[Search, Weather], Field(discriminator="tool")]
    text = '{"tool": "weather", "city": ["Paris"], "more": "'
    index, error = first_raise(tool_call, text)
    assert index == text.index("[")
    assert error.errors()[0]["type"] == "string_type"


# -- 3 and 4: repair hooks ------------------------------------------------------------


class Priced(BaseModel):
    price: float
    name: str

    @field_validator("price", mode="before")
    @classmethod
    def strip_currency(cls, value: Any) -> Any:
        return value.strip("$").replace(",", "") if isinstance(value, str) else value


def test_3_a_before_validated_field_is_none_until_its_validator_can_run() -> None:
    parser = fed(Priced, '{"price": "$1,249.00", "name": "Ket')
    assert parser.value is not None
    assert parser.value.price is None
    assert not parser.is_complete(("price",))
    assert parser.value.name == "Ket"
    parser.feed('tle"}')
    assert parser.is_complete(("price",))
    assert parser.value.price == 1249.0
    assert parser.close() == Priced(price=1249.0, name="Kettle")


class Parcel(BaseModel):
    weight_kg: Annotated[
        float, BeforeValidator(lambda v: v.get("value") if isinstance(v, dict) else v)
    ]
    label: Annotated[str, PlainValidator(lambda v: v["text"].upper())]


def test_4_annotated_validators_are_repair_hooks() -> None:
    text = '{"weight_kg": {"value": 1.2}, "label": {"text": "fragile"}}'
    expected = Parcel.model_validate_json(text)
    for label, chunks in chunkings(text):
        parser = TypedParser(Parcel)
        for chunk in chunks:
            parser.feed(chunk)  # no false ValidationError, no KeyError from partial data
            value = parser.value
            if value is not None and not parser.done:
                assert value.weight_kg is None
                assert value.label is None
        assert parser.close() == expected, label


class Unwrapped(BaseModel):
    name: str

    @model_validator(mode="before")
    @classmethod
    def rename(cls, data: Any) -> Any:
        if isinstance(data, dict) and "title" in data:
            return {"name": data["title"]}
        return data


class Holder(BaseModel):
    items: list[Unwrapped]


def test_4_models_with_before_validators_stay_none_until_complete() -> None:
    parser = fed(Holder, '{"items": [{"title": "a"}, {"title": "b')
    assert parser.value is not None
    assert parser.value.items == [Unwrapped(name="a"), None]  # None: not validated yet
    assert not parser.is_complete(("items", 1, "title"))
    parser.feed('"}]}')
    assert parser.close() == Holder(items=[Unwrapped(name="a"), Unwrapped(name="b")])


# -- 5 and 6: aliases, extras, is_complete -----------------------------------------------


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    answer: str = Field(validation_alias=AliasPath("result", "answer"))
    score: int = Field(validation_alias=AliasChoices("score", "points"))


@pytest.mark.parametrize(
    "text",
    [
        '{"result": {"answer": "x"}, "score": 1}',
        '{"result": {"answer": "x"}, "points": 2}',
        '{"result": {"answer": "x"}, "points": 2, "score": 3}',
        '{"answer": "y", "score": 4}',
    ],
)
def test_5_aliases_behave_like_model_validate_json(text: str) -> None:
    try:
        expected: Any = Answer.model_validate_json(text)
    except ValidationError as error:
        expected = [(d["type"], d["loc"]) for d in error.errors()]
    for label, chunks in chunkings(text):
        parser = TypedParser(Answer)
        try:
            for chunk in chunks:
                parser.feed(chunk)
            got: Any = parser.close()
        except ValidationError as error:
            got = [(d["type"], d["loc"]) for d in error.errors()]
        assert got == expected, label


class Loose(BaseModel):
    score: int = Field(validation_alias=AliasChoices("score", "points"))


def test_5_alias_choices_show_the_value_pydantic_keeps() -> None:
    parser = fed(Loose, '{"score": 3, "points": 2')
    assert parser.value is not None
    assert parser.value.score == 3  # "score" comes first among the choices
    parser.feed("}")
    assert parser.close() == Loose.model_validate_json('{"score": 3, "points": 2}')


class Extras(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int


def test_5_extra_allow_and_ignore() -> None:
    text = '{"id": 1, "debug": {"a": [1.5, "x"]}, "n": 2}'
    for label, chunks in chunkings(text):
        parser = TypedParser(Extras)
        for chunk in chunks:
            parser.feed(chunk)
        final = parser.close()
        assert final == Extras.model_validate_json(text), label
        assert final.model_extra == {"debug": {"a": [1.5, "x"]}, "n": 2}


class Small(BaseModel):
    id: int


def test_6_is_complete_is_exact_for_undeclared_keys() -> None:
    parser = fed(Small, '{"id": 1, "debug": "abc')
    assert parser.is_complete(("id",))
    assert not parser.is_complete(("debug",))
    parser.feed('", "deep": {"x": [1,')
    assert parser.is_complete(("debug",))
    assert not parser.is_complete(("deep",))
    assert not parser.is_complete(("deep", "x"))
    assert parser.is_complete(("deep", "x", 0))
    assert not parser.is_complete(("nothing",))


def test_6_keys_a_before_validator_renames_are_complete_with_their_model() -> None:
    parser = fed(Unwrapped, '{"title": "abc"')
    assert not parser.is_complete(("title",))
    assert parser.value is None
    parser.feed("}")
    assert parser.is_complete(("title",))
    assert parser.value == Unwrapped(name="abc")


# -- 7: exact numbers -----------------------------------------------------------------


class Money(BaseModel):
    amount: Decimal
    rate: float
    lines: list[Decimal]


def test_7_parse_float_decimal_works() -> None:
    text = '{"amount": 1.10, "rate": 0.5, "lines": [2.50, 1e2]}'
    parser = fed(Money, text, parse_float=Decimal)
    assert parser.raw["rate"] == Decimal("0.5")
    final = parser.close()
    assert final == Money.model_validate_json(text)
    assert str(final.amount) == "1.10"


def test_7_decimal_fields_keep_every_digit_with_parse_float_decimal() -> None:
    digits = "3.14159265358979323846264338327950288"
    text = f'{{"amount": {digits}, "rate": 1, "lines": [{digits}]}}'
    parser = TypedParser(Money, parse_float=Decimal)
    items: list[Item] = []
    for char in text:
        items.extend(parser.feed(char))
    assert items == [Item(("lines", 0), Decimal(digits))]
    final = parser.close()
    assert final.amount == Decimal(digits)
    assert final.lines == [Decimal(digits)]
    # Without it, the value is exactly pydantic's (whose JSON mode reads a float).
    parser = TypedParser(Money)
    parser.feed(text)
    assert parser.close() == Money.model_validate_json(text)


# -- 8 is in test_jsonschema.py -------------------------------------------------------

# -- 9: hostile and deep documents -----------------------------------------------------


def test_9_deep_nesting_raises_no_recursion_error() -> None:
    text = "[" * 1000 + "]" * 1000
    parser = TypedParser(list)
    parser.feed(text)
    value = parser.close()
    for _ in range(999):
        (value,) = value
    assert value == []


class Node(BaseModel):
    name: str
    children: list[Node] = []


def nested(depth: int) -> str:
    text = '{"name": "leaf"}'
    for i in range(depth):
        text = f'{{"name": "n{i}", "children": [{text}, {{"name": "s{i}"}}]}}'
    return text


def test_9_deep_models_raise_no_recursion_error() -> None:
    text = nested(900)
    parser = TypedParser(Node, max_depth=2000)
    for i in range(0, len(text), 4096):
        parser.feed(text[i : i + 4096])
    final = parser.close()
    depth = 0
    while final.children:
        final = final.children[0]
        depth += 1
    assert depth == 900


def test_9_typed_jsonl_keeps_every_good_record() -> None:
    lines = TypedJsonlParser(list, on_error="collect")
    records = lines.feed("[1]\n" + "[" * 1000 + "]" * 1000 + "\n[2]\n")
    records += lines.close()
    assert records[0] == [1]
    assert records[-1] == [2]
    assert not any(isinstance(error, RecursionError) for error in lines.errors)


class Counted(BaseModel):
    """Counts its validations: a completed child must not be validated again."""

    name: str
    children: list[Counted] = []

    @model_validator(mode="after")
    def count(self) -> Counted:
        COUNTS[self.name] = COUNTS.get(self.name, 0) + 1
        return self


COUNTS: dict[str, int] = {}


def test_9_each_value_is_validated_once() -> None:
    text = nested(30).replace('"name"', '"name"')
    COUNTS.clear()
    parser = TypedParser(Counted)
    for i in range(0, len(text), 7):
        parser.feed(text[i : i + 7])
    parser.close()
    assert COUNTS
    assert set(COUNTS.values()) == {1}


class Row(BaseModel):
    id: int
    name: str
    tags: list[str]
    score: float


class Table(BaseModel):
    items: list[Row]


def peak_memory(function: Any) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_9_memory_is_the_plain_value_and_the_typed_view_only() -> None:
    name = "a description of the item, as a model would write it. " * 3
    item = {"id": 12345, "name": name, "tags": ["alpha", "beta"], "score": 0.5}
    text = json.dumps({"items": [dict(item, id=i) for i in range(3000)]})

    def typed() -> None:
        parser = TypedParser(Table)
        for i in range(0, len(text), 64):
            parser.feed(text[i : i + 64])
        parser.close()

    def plain() -> None:
        parser = Parser()
        for i in range(0, len(text), 64):
            parser.feed(text[i : i + 64])
        parser.close()

    # The text is not kept: what remains is the plain value and the instance.
    both = peak_memory(plain) + peak_memory(lambda: Table.model_validate_json(text))
    assert peak_memory(typed) <= both


# -- 10: stable identity -----------------------------------------------------------------


class Card(BaseModel):
    title: str
    points: list[int]


class Board(BaseModel):
    cards: list[Card]
    owner: Optional[Card] = None


def test_10_nested_partial_instances_are_completed_in_place() -> None:
    parser = fed(Board, '{"cards": [{"title": "a", "points": [1')
    assert parser.value is not None
    held = parser.value.cards[0]
    held_points = held.points
    root = parser.value
    parser.feed('2]}, {"title": "b", "points": []}], "owner": {"title": "c", "points": [3]}}')
    final = parser.close()
    assert final is root
    assert final.cards[0] is held
    assert held.points is held_points
    assert held == Card(title="a", points=[12])
    assert final == Board.model_validate(final.model_dump())


# -- plain (smart) unions -----------------------------------------------------------


class Email(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str
    subject: str


class Sms(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str
    text: str
    flash: bool = False


class Notify(BaseModel):
    via: Union[Email, Sms]


def test_smart_union_narrows_as_keys_arrive() -> None:
    parser = fed(Notify, '{"via": {"to": "ada"')
    assert parser.value is not None
    assert parser.value.via is None  # both candidates still possible
    parser.feed(', "text": "hi')
    assert isinstance(parser.value.via, Sms)  # "text" is forbidden in Email
    assert parser.value.via.to == "ada"
    assert parser.value.via.text == "hi"
    held = parser.value.via
    parser.feed('"}}')
    assert parser.close().via is held
    assert held == Sms(to="ada", text="hi")


def test_smart_union_raises_as_soon_as_no_candidate_can_match() -> None:
    text = '{"via": {"to": "ada", "subject": "s", "text": "t", "flash": false}}'
    index, error = first_raise(Notify, text)
    assert index == text.index('"t"')
    assert {detail["type"] for detail in error.errors()} == {"extra_forbidden"}
    text = '{"via": {"to": 5, "subject": "s"}}'
    index, _ = first_raise(Notify, text)
    assert index == text.index("5") + 1


def test_smart_union_undecided_until_complete_matches_pydantic() -> None:
    text = (
        '[{"to": "a", "text": "b"}, {"to": "a", "subject": "b"}, {"tool": "weather", "city": "c"}]'
    )
    target = list[Union[Email, Sms, Weather]]
    for label, chunks in chunkings(text):
        parser = TypedParser(target)
        for chunk in chunks:
            parser.feed(chunk)
        assert parser.close() == TypeAdapter(target).validate_json(text), label


def test_unions_nested_anywhere_match_pydantic() -> None:
    target = list[Union[Search, Weather]]
    text = '[{"tool": "weather", "city": "Oslo"}, {"since": "2020-01-01", "tool": "search"}]'
    parser = TypedParser(target)
    parser.feed(text)
    assert parser.close() == TypeAdapter(target).validate_json(text)


class Renamed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str

    @model_validator(mode="before")
    @classmethod
    def rename(cls, data: Any) -> Any:
        if isinstance(data, dict) and "title" in data:
            return {"subject": data["title"]}
        return data


def test_smart_union_never_rules_out_a_candidate_whose_validator_may_repair() -> None:
    target = Union[Renamed, Sms]
    text = '{"title": "hello"}'
    parser = TypedParser(target)
    parser.feed(text)
    assert parser.close() == TypeAdapter(target).validate_json(text) == Renamed(subject="hello")
