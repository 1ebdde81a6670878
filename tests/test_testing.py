"""The public strategies of ``jsondrip.testing`` do what their docs promise.

Every chunking joins back to its text; the tokenizer-like ones really produce
leading-space word pieces, punctuation runs, digit groups, lone multi-byte
characters, empty chunks, merged tokens and cuts inside UTF-8 sequences; the
model strategies round-trip through jsondrip's typed parser. Each test fails
if a strategy silently degrades (say, to "always one chunk").
"""

from __future__ import annotations

import enum
import importlib.util
import json
import re
from pathlib import Path
from typing import Any, Callable, Literal, Optional, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field

from jsondrip import JsonlParser, Parser
from jsondrip.pydantic import TypedParser
from jsondrip.testing import (
    byte_chunkings,
    chunkings,
    json_streams,
    json_texts,
    json_values,
    llm_byte_chunkings,
    llm_chunkings,
    model_instances,
    model_streams,
    render_json,
)

T = TypeVar("T")

RECIPE = '{"title": "Crème brûlée 😀", "steps": ["Heat the oven", "Whisk"], "serves": 1234567}'


def first(strategy: st.SearchStrategy[T], condition: Callable[[T], bool]) -> T:
    """The simplest example satisfying ``condition`` (fails if there is none).
    Derandomized: these existence checks must not be flaky."""
    quick = settings(database=None, max_examples=2000, derandomize=True)
    return find(strategy, condition, settings=quick)


def some(strategy: st.SearchStrategy[T], condition: Callable[[T], bool]) -> T:
    """An example satisfying ``condition``, without shrinking it."""
    quick = settings(database=None, max_examples=2000, derandomize=True, phases=[Phase.generate])
    return find(strategy, condition, settings=quick)


# These test the strategies, not the parser: 100 examples each (the dev
# profile) say enough, and json_texts() is not cheap to draw.
FEW = settings(max_examples=min(100, settings().max_examples))


# -- every chunking joins back to its text -----------------------------------------


@FEW
@given(
    json_texts().flatmap(
        lambda t: st.tuples(
            st.just(t), llm_chunkings(t), llm_byte_chunkings(t), chunkings(t), byte_chunkings(t)
        )
    )
)
def test_every_chunking_joins_back_to_the_text(
    case: tuple[str, list[str], list[bytes], list[str], list[bytes]],
) -> None:
    text, llm, llm_bytes, arbitrary, arbitrary_bytes = case
    data = text.encode("utf-8")
    assert all(type(chunk) is str for chunk in llm + arbitrary)
    assert all(type(chunk) is bytes for chunk in llm_bytes + arbitrary_bytes)
    assert "".join(llm) == "".join(arbitrary) == text
    assert b"".join(llm_bytes) == b"".join(arbitrary_bytes) == data


@FEW
@given(st.text().flatmap(lambda t: st.tuples(st.just(t), llm_chunkings(t), llm_byte_chunkings(t))))
def test_llm_chunkings_cover_any_text(case: tuple[str, list[str], list[bytes]]) -> None:
    text, chunks, byte_chunks = case
    assert "".join(chunks) == text
    assert b"".join(byte_chunks) == text.encode("utf-8")


@FEW
@given(json_streams(), json_streams(as_bytes=True))
def test_json_streams_pair_a_text_with_its_chunks(
    case: tuple[str, Any], byte_case: tuple[str, Any]
) -> None:
    text, chunks = case
    assert "".join(chunks) == text
    json.loads(text)
    text, chunks = byte_case
    assert b"".join(chunks) == text.encode("utf-8")


def test_render_json_and_json_values_keep_their_signatures() -> None:
    assert render_json({"a": [1, "é"]}, [" "]) == ' { "a" : [ 1 , "é" ] } '
    assert render_json([True, None], [], ensure_ascii=True) == "[true,null]"
    some(json_values(max_leaves=3), lambda v: True)
    some(json_values(allow_nan=True), lambda v: "NaN" in json.dumps(v))


# -- tokenizer-like: what real LLM streams look like ---------------------------------


def test_the_simplest_llm_chunking_is_one_pretoken_per_chunk() -> None:
    chunks = first(llm_chunkings(RECIPE), lambda c: True)
    assert chunks == [
        '{"', "title", '":', ' "', "Crème", " brûlée", ' 😀",', ' "', "steps", '":', ' ["',
        "Heat", " the", " oven", '",', ' "', "Whisk", '"],', ' "', "serves", '":', " ",
        "123", "456", "7", "}",
    ]  # fmt: skip


def test_llm_chunkings_keep_the_leading_space_on_words() -> None:
    chunks = first(llm_chunkings("Heat the oven to 180 degrees"), lambda c: True)
    assert chunks == ["Heat", " the", " oven", " to", " ", "180", " degrees"]


def test_llm_chunkings_split_words_into_pieces() -> None:
    chunks = first(
        llm_chunkings(" temperature"), lambda c: len(c) > 1 and c[0].startswith(" ") and "" not in c
    )
    assert chunks[0] in (" t", " te", " tem", " temp", " tempe")


def test_llm_chunkings_split_punctuation_runs() -> None:
    chunks = first(llm_chunkings('"}]}'), lambda c: len(c) > 1 and "" not in c)
    assert "".join(chunks) == '"}]}'


def test_llm_chunkings_give_multibyte_characters_their_own_token() -> None:
    first(llm_chunkings(" brûlée"), lambda c: "û" in c)
    first(llm_chunkings("x 😀 y"), lambda c: "😀" in c)


def test_llm_chunkings_send_empty_chunks_and_merge_tokens() -> None:
    some(llm_chunkings(RECIPE), lambda c: "" in c)
    merged = some(llm_chunkings(RECIPE), lambda c: '", "' in c)
    assert '", "' in merged
    some(llm_chunkings(RECIPE), lambda c: " the oven" in c)


def test_llm_byte_chunkings_cut_inside_utf8_sequences() -> None:
    def cut(chunks: list[bytes]) -> bool:
        try:
            for chunk in chunks:
                chunk.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    chunks = first(llm_byte_chunkings("é😀"), cut)
    assert b"".join(chunks) == "é😀".encode()
    # Byte fallback: each byte of a multi-byte character on its own.
    first(llm_byte_chunkings("😀"), lambda c: c == [b"\xf0", b"\x9f", b"\x98", b"\x80"])


def test_llm_chunkings_are_mostly_small() -> None:
    """A tokenizer gives many short chunks, not a few long ones."""
    chunks = first(llm_chunkings(RECIPE * 3), lambda c: True)
    assert len(chunks) > 60
    assert max(map(len, chunks)) <= 10


# -- jsondrip itself, fed the way LLMs stream -------------------------------------


@FEW
@given(json_streams())
def test_parser_agrees_with_json_loads_on_llm_streams(case: tuple[str, Any]) -> None:
    text, chunks = case
    parser = Parser()
    for chunk in chunks:
        parser.feed(chunk)
    assert parser.close() == json.loads(text)


@FEW
@given(json_streams(as_bytes=True))
def test_parser_agrees_with_json_loads_on_llm_byte_streams(case: tuple[str, Any]) -> None:
    text, chunks = case
    parser = Parser()
    for chunk in chunks:
        parser.feed(chunk)
    assert parser.close() == json.loads(text)


@FEW
@given(st.lists(json_values(), min_size=1, max_size=5).flatmap(
    lambda values: st.tuples(
        st.just(values),
        llm_byte_chunkings("\n".join(json.dumps(v, ensure_ascii=False) for v in values) + "\n"),
    )
))  # fmt: skip
def test_jsonl_parser_on_llm_byte_streams(case: tuple[list[Any], list[bytes]]) -> None:
    values, chunks = case
    parser = JsonlParser()
    records: list[Any] = []
    for chunk in chunks:
        records.extend(parser.feed(chunk))
    records.extend(parser.close())
    assert records == values


# -- pydantic models ---------------------------------------------------------------


class Unit(enum.Enum):
    GRAM = "g"
    PIECE = "piece"


class Ingredient(BaseModel):
    name: str = Field(min_length=1)
    quantity: float = Field(gt=0)
    unit: Optional[Unit] = None


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    minutes: int = Field(ge=0, le=600, alias="time")


class Recipe(BaseModel):
    title: str
    kind: Literal["dessert", "main"] = "main"
    ingredients: list[Ingredient] = Field(min_length=1, max_length=3)
    steps: list[Step] = []
    notes: dict[str, Step] = {}
    rating: Optional[float] = None
    tags: tuple[str, ...] = ()


SLOW = settings(FEW, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@SLOW
@given(model_streams(Recipe))
def test_model_streams_round_trip_through_the_typed_parser(case: tuple[Recipe, list[str]]) -> None:
    instance, chunks = case
    assert isinstance(instance, Recipe)
    text = "".join(chunks)
    assert Recipe.model_validate_json(text) == instance
    parser = TypedParser(Recipe)
    for chunk in chunks:
        parser.feed(chunk)
    assert parser.close() == instance


@SLOW
@given(model_instances(Recipe))
def test_model_instances_are_valid_and_varied(instance: Recipe) -> None:
    assert Recipe.model_validate(instance.model_dump(by_alias=True)) == instance
    assert 1 <= len(instance.ingredients) <= 3
    assert all(ingredient.quantity > 0 for ingredient in instance.ingredients)


def test_model_instances_reach_optional_and_nested_fields() -> None:
    strategy = model_instances(Recipe)
    some(strategy, lambda r: bool(r.steps) and r.rating is not None)
    some(strategy, lambda r: any(i.unit is Unit.PIECE for i in r.ingredients))
    some(strategy, lambda r: bool(r.notes) and r.kind == "dessert")
    some(model_streams(Recipe), lambda case: "\n" in "".join(case[1]))  # indented too


def test_model_streams_take_field_strategies() -> None:
    chunks = some(model_streams(Recipe, title=st.just("Crème brûlée")), lambda c: True)[1]
    assert '"title":"Crème brûlée"' in "".join(chunks)
    with pytest.raises(TypeError, match="no field"):
        model_instances(Recipe, nonsense=st.just(1))


# -- the README's example ------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def readme_example() -> str:
    """The pytest module the README shows (tests/fuzz/README_SECTION.md until
    the section is pasted into README.md)."""
    for path in (ROOT / "README.md", ROOT / "tests" / "fuzz" / "README_SECTION.md"):
        found = re.search(
            r"<!-- testing-example -->\s*```python\n(.*?)```", path.read_text("utf-8"), re.S
        )
        if found:
            return found.group(1)
    raise AssertionError("no <!-- testing-example --> block in the README")


def test_the_readme_example_runs_and_passes(tmp_path: Path) -> None:
    module_file = tmp_path / "test_recipe_view.py"
    module_file.write_text(readme_example(), "utf-8")
    spec = importlib.util.spec_from_file_location("test_recipe_view", module_file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [value for name, value in vars(module).items() if name.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        settings(max_examples=30, database=None)(test)()
