"""SchemaParser: early violations against a JSON Schema, via jsonschema."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import SchemaError, ValidationError

from jsondrip import JSONStreamError
from jsondrip.jsonschema import SchemaParser
from streamcases import chunkings

# Shaped like an OpenAI strict structured-output schema.
SCHEMA: dict[str, Any] = {
    "$defs": {
        "Ingredient": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 2},
                "quantity": {"type": "number"},
                "unit": {"anyOf": [{"enum": ["g", "ml"]}, {"type": "null"}]},
            },
            "required": ["name", "quantity", "unit"],
            "additionalProperties": False,
        }
    },
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "servings": {"type": "integer"},
        "ingredients": {"type": "array", "items": {"$ref": "#/$defs/Ingredient"}},
    },
    "required": ["title", "servings", "ingredients"],
    "additionalProperties": False,
}
GOOD = {
    "title": "Crème brûlée",
    "servings": 4,
    "ingredients": [
        {"name": "cream", "quantity": 500, "unit": "ml"},
        {"name": "yolks", "quantity": 6, "unit": None},
    ],
}


def first_error(text: str) -> tuple[int, ValidationError]:
    parser = SchemaParser(SCHEMA)
    for i, char in enumerate(text):
        try:
            parser.feed(char)
        except ValidationError as error:
            return i, error
    with pytest.raises(ValidationError) as info:
        parser.close()
    return len(text), info.value


def test_valid_document_any_chunking_and_items() -> None:
    text = json.dumps(GOOD, ensure_ascii=False)
    for label, chunks in chunkings(text):
        parser = SchemaParser(SCHEMA)
        items = []
        for chunk in chunks:
            items.extend(parser.feed(chunk))
        assert parser.close() == GOOD, label
        assert [item.path for item in items] == [("ingredients", 0), ("ingredients", 1)]


@pytest.mark.parametrize(
    ("mutation", "where", "path", "fragment"),
    [
        ({"servings": "four"}, '"four"', ["servings"], "is not of type 'integer'"),
        ({"servings": 4.5}, "4.5", ["servings"], "is not of type 'integer'"),
        ({"colour": "red"}, '"red"', [], "'colour' was unexpected"),
        ({"ingredients": {}}, "{}", ["ingredients"], "is not of type 'array'"),
    ],
)
def test_violations_raise_at_the_offending_value(
    mutation: dict[str, Any], where: str, path: list[Any], fragment: str
) -> None:
    text = json.dumps({**GOOD, **mutation})
    index, error = first_error(text)
    start = text.index(where)
    assert start <= index <= start + len(where)
    assert list(error.path) == path
    assert fragment in error.message


def test_nested_violations_count_their_path_from_the_root() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["ingredients"][1]["name"] = "y"
    text = json.dumps(bad)
    index, error = first_error(text)
    assert index == text.index('"y"') + 2  # the closing quote: minLength waits for it
    assert list(error.path) == ["ingredients", 1, "name"]


def test_required_property_missing_when_the_object_closes() -> None:
    bad = json.loads(json.dumps(GOOD))
    del bad["ingredients"][0]["quantity"]
    text = json.dumps(bad)
    index, error = first_error(text)
    assert index == text.index("}")
    assert list(error.path) == ["ingredients", 0]
    assert "'quantity' is a required property" in error.message


def test_any_of_is_judged_as_a_whole() -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["ingredients"][0]["unit"] = "kg"
    text = json.dumps(bad)
    index, error = first_error(text)
    assert index == text.index('"kg"') + 3
    assert list(error.path) == ["ingredients", 0, "unit"]


def test_the_partial_value_survives_a_violation() -> None:
    parser = SchemaParser(SCHEMA)
    parser.feed('{"title": "Kept", "servings": ')
    with pytest.raises(ValidationError):
        parser.feed('"x", ')
    assert parser.value == {"title": "Kept", "servings": "x"}
    with pytest.raises(ValidationError):
        parser.feed("more")


def test_syntax_errors_and_bad_schemas() -> None:
    with pytest.raises(JSONStreamError):
        SchemaParser(SCHEMA).feed('{"title": ,')
    with pytest.raises(SchemaError):
        SchemaParser({"type": 12})


# -- judged as early as the schema allows (typed-streaming issue, reproduction 8) ----


NULLABLE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "notes": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "count": {"oneOf": [{"type": "integer"}, {"type": "null"}]},
        "rest": {"type": "string"},
    },
    "required": ["notes", "count", "rest"],
    "additionalProperties": False,
}


def first_raise(schema: dict[str, Any], text: str) -> int:
    parser = SchemaParser(schema)
    for i, char in enumerate(text):
        try:
            parser.feed(char)
        except ValidationError:
            return i
    raise AssertionError("no violation in feed()")


@pytest.mark.parametrize(
    ("text", "after"),
    [
        ('{"notes": 5, "count": 1, "rest": "a long tail"}', "5"),
        ('{"notes": true, "count": 1, "rest": "a long tail"}', "true"),
        ('{"notes": null, "count": 1.5, "rest": "a long tail"}', "1.5"),
        ('{"notes": null, "count": "x", "rest": "a long tail"}', '"x"'),
    ],
)
def test_a_scalar_under_any_of_is_judged_when_it_completes(text: str, after: str) -> None:
    index = first_raise(NULLABLE, text)
    end = text.index(after) + len(after)
    assert index <= end


def test_the_root_object_is_judged_for_required_at_its_brace() -> None:
    text = '{"notes": null, "rest": "x"}'
    assert first_raise(NULLABLE, text) == len(text) - 1


def test_nested_objects_are_judged_for_required_at_their_brace() -> None:
    text = '{"title": "T", "servings": 1, "ingredients": [{"name": "ab", "quantity": 1}, '
    assert first_raise(SCHEMA, text) == text.index("}")


def test_valid_nullable_documents_pass_in_every_chunking() -> None:
    for document in (
        {"notes": None, "count": None, "rest": ""},
        {"notes": "n", "count": 3, "rest": "r"},
    ):
        text = json.dumps(document)
        for label, chunks in chunkings(text):
            parser = SchemaParser(NULLABLE)
            for chunk in chunks:
                parser.feed(chunk)
            assert parser.close() == document, label
