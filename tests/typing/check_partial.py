"""Static types of the typed stream, checked by mypy (``files`` in pyproject.toml).

A partial instance must not be typed as a complete model: ``Partial[Model]``,
whose attributes are ``Any``; the complete value is typed ``Model``.
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel
from typing_extensions import assert_type

from jsondrip.pydantic import Partial, TypedParser, TypedStream, stream


class Recipe(BaseModel):
    title: str


def partial_and_final(chunks: list[str]) -> Recipe:
    parser = TypedParser(Recipe)
    parser.feed(chunks[0])
    draft = parser.value
    assert_type(draft, Optional[Partial[Recipe]])
    if draft is not None:
        assert_type(draft.title, Any)  # not promised to be a str yet
    assert_type(parser.close(), Recipe)
    assert_type(parser.final, Recipe)
    recipes = stream(chunks, Recipe)
    assert_type(recipes, TypedStream[Recipe])
    for partial in recipes:
        assert_type(partial, Partial[Recipe])
    return recipes.final
