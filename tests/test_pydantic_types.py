"""TypedParser against TypeAdapter.validate_json for many kinds of types, every chunking."""

from __future__ import annotations

import dataclasses
import json
from collections import deque
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, Optional, Union
from uuid import UUID

import pytest
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    HttpUrl,
    Json,
    RootModel,
    SecretStr,
    TypeAdapter,
    ValidationError,
    conlist,
    constr,
    field_validator,
    model_validator,
)
from typing_extensions import TypedDict

from jsondrip.pydantic import TypedParser
from streamcases import chunkings


class Color(Enum):
    RED = "red"


class TD(TypedDict):
    a: int
    b: list[str]


@dataclasses.dataclass
class DC:
    x: int
    y: Optional[str] = None


class Inner(BaseModel):
    v: Annotated[int, AfterValidator(lambda v: v * 2)]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True)
    d: date
    n: int


class R(RootModel[list[int]]):
    pass


class After(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def up(cls, v):
        return v.upper()

    @model_validator(mode="after")
    def chk(self):
        return self


CASES: list[tuple[Any, Any]] = [
    (tuple[int, str], [1, "a"]),
    (set[int], [1, 2, 2]),
    (frozenset[str], ["a"]),
    (deque[int], [1, 2]),
    (list[tuple[int, ...]], [[1, 2], [3]]),
    (dict[int, str], {"1": "a"}),
    (TD, {"a": 1, "b": ["x"]}),
    (list[DC], [{"x": 1}, {"x": 2, "y": "s"}]),
    (Inner, {"v": 2}),
    (list[Inner], [{"v": 2}]),
    (Strict, {"d": "2024-01-01", "n": 3}),
    (R, [1, 2]),
    (dict[str, R], {"a": [1]}),
    (After, {"name": "abc"}),
    (list[After], [{"name": "abc"}]),
    (Optional[Inner], None),
    (Union[int, str], "5"),
    (Union[int, list[int]], [1]),
    (Union[list[int], list[str]], ["a"]),
    (Union[Inner, TD], {"a": 1, "b": []}),
    (dict[str, Union[int, Inner]], {"a": {"v": 1}, "b": 2}),
    (Json[list[int]], "[1, 2]"),
    (HttpUrl, "https://example.com/x"),
    (list[HttpUrl], ["https://example.com/x"]),
    (SecretStr, "s"),
    (UUID, "12345678-1234-5678-1234-567812345678"),
    (datetime, "2024-01-01T00:00:00Z"),
    (Color, "red"),
    (list[Color], ["red"]),
    (Literal["a", "b"], "b"),
    (conlist(int, min_length=1), [1]),
    (constr(pattern="^a"), "abc"),
    (Decimal, 1.5),
    (bytes, "abc"),
    (Any, {"a": [1, 2.5, None]}),
    (list[Any], [{"a": 1}]),
    (dict[str, list[dict[str, int]]], {"a": [{"b": 1}]}),
]


def outcome(run: Any) -> tuple[str, Any]:
    try:
        return ("ok", run())
    except ValidationError as error:
        return ("error", [detail["type"] for detail in error.errors()])


@pytest.mark.parametrize(("type_", "document"), CASES, ids=[str(c[0]) for c in CASES])
def test_same_value_or_error_as_validate_json(type_: Any, document: Any) -> None:
    text = json.dumps(document)
    expected = outcome(lambda: TypeAdapter(type_).validate_json(text))
    for label, chunks in chunkings(text):

        def run(chunks: list[Any] = chunks) -> Any:
            parser = TypedParser(type_)
            for chunk in chunks:
                parser.feed(chunk)
            return parser.close()

        assert outcome(run) == expected, label
