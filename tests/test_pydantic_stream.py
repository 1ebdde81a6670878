"""jsondrip.pydantic.stream / astream: the one-line typed stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Optional

import pytest
from pydantic import BaseModel, ValidationError

from jsondrip import IncompleteJSONError
from jsondrip.pydantic import Item, Partial, TypedParser, astream, stream
from streamcases import chunkings


class Step(BaseModel):
    text: str
    minutes: int


class Recipe(BaseModel):
    title: str
    steps: list[Step]
    tags: list[str] = []


RECIPE = {
    "title": "Tea",
    "steps": [{"text": "Boil water", "minutes": 3}, {"text": "Steep", "minutes": 4}],
    "tags": ["hot"],
}
TEXT = json.dumps(RECIPE)


def test_yields_the_partial_after_each_change_and_the_final_value_last() -> None:
    expected = Recipe.model_validate_json(TEXT)
    for label, chunks in chunkings(TEXT):
        typed = stream(chunks, Recipe)
        drafts: list[Any] = []
        items: list[Item] = []
        dones = []
        for draft in typed:
            drafts.append(draft)
            items.extend(typed.items)
            dones.append(typed.done)
        assert dones == [False] * (len(dones) - 1) + [True], label
        assert drafts, label
        assert drafts[-1] == expected, label
        assert typed.done, label
        assert typed.final == expected, label
        assert all(d is drafts[-1] for d in drafts), label  # one object, completed in place
        assert [item.path for item in items] == [("steps", 0), ("steps", 1), ("tags", 0)], label


def test_chunks_that_change_nothing_yield_nothing() -> None:
    chunks = ['{"title": "T', 'ea", ', "   ", '"steps": []', "\n", "}", "  \n"]
    typed = stream(chunks, Recipe)
    seen = [(draft.title, typed.done) for draft in typed]
    assert seen == [("T", False), ("Tea", False), ("Tea", False), ("Tea", True)]


def test_items_arrive_on_the_same_iteration() -> None:
    chunks = ['{"title": "x", "steps": [{"text": "a", "minutes": 1}', ", {", '"text": "b"']
    typed = stream([*chunks, ', "minutes": 2}]}'], Recipe)
    per_iteration = [[item.value for item in typed.items] for _ in typed]
    assert per_iteration[0] == [Step(text="a", minutes=1)]
    assert per_iteration[-1] == [Step(text="b", minutes=2)]


def test_none_chunks_are_skipped() -> None:
    chunks: list[Optional[str]] = [None, '{"title": "a", "steps": []', None, "}"]
    assert list(stream(chunks, Recipe))[-1] == Recipe(title="a", steps=[])


def test_violations_and_truncation_raise_from_the_loop() -> None:
    drafts = []
    with pytest.raises(ValidationError):
        for draft in stream(['{"title": "a", ', '"steps": 5, "tags": []}'], Recipe):
            drafts.append(draft.title)
    assert drafts == ["a"]
    with pytest.raises(IncompleteJSONError) as info:
        list(stream(['{"title": "cut'], Recipe))
    assert info.value.partial.title == "cut"


def test_a_scalar_root_is_yielded_once_complete() -> None:
    assert list(stream(["4", "2"], int)) == [42]


def test_trailing_garbage_after_the_value_is_still_an_error() -> None:
    typed = stream(['{"title": "a", "steps": []}', " x"], Recipe)
    assert next(typed) == Recipe(title="a", steps=[])
    with pytest.raises(Exception, match="x"):
        next(typed)


def test_astream() -> None:
    async def chunks() -> AsyncIterator[Optional[str]]:
        for chunk in (None, TEXT[:20], TEXT[20:45], TEXT[45:]):
            await asyncio.sleep(0)
            yield chunk

    async def run() -> tuple[list[Any], list[Item]]:
        typed = astream(chunks(), Recipe)
        drafts, items = [], []
        async for draft in typed:
            drafts.append(draft)
            items.extend(typed.items)
        assert typed.final == drafts[-1]
        return drafts, items

    drafts, items = asyncio.run(run())
    assert drafts[-1] == Recipe.model_validate_json(TEXT)
    assert len(items) == 3


def test_partial_is_a_type_for_annotations() -> None:
    parser = TypedParser(Recipe)
    parser.feed('{"title": "x"')
    draft: Optional[Partial[Recipe]] = parser.value
    assert draft is not None
    assert draft.title == "x"
    assert draft.steps is None  # what Partial warns the type checker about
