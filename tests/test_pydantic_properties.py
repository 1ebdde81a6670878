"""Properties of TypedParser over generated tool-call documents.

The model mixes what LLM apps use: a discriminated union (which tool, and its
arguments) whose tag may come after other keys, a plain union of two
``extra='forbid'`` models, a field repaired by a before validator (decorator)
and one by an ``Annotated`` before validator, aliases (a plain alias with
``populate_by_name``, ``AliasChoices``), ``Decimal`` and ``date`` fields and
``extra='allow'``. Each document is rendered compact, indented, or with
random whitespace, and split by every chunking of ``jsondrip.testing``.

After every chunk: set fields only grow; a value whose path ``is_complete``
never changes again; ``is_complete`` is exactly "the value ended, and
nothing above it still decides it". At the end the value equals
``model_validate_json``. An invalid value raises no later than its own end.
"""

from __future__ import annotations

import contextlib
import copy
import json
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, Union

from hypothesis import given
from hypothesis import strategies as st
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from jsondrip import Parser
from jsondrip.pydantic import TypedParser
from jsondrip.testing import (
    byte_chunkings,
    chunkings,
    json_values,
    llm_byte_chunkings,
    llm_chunkings,
    render_json,
)


class Search(BaseModel):
    tool: Literal["search"]
    query: str
    since: date
    limit: int = 10


class Weather(BaseModel):
    tool: Literal["weather"]
    city: str
    days: int


class Email(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str
    subject: str


class Sms(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str
    text: str
    flash: bool = False


class Money(BaseModel):
    amount: Decimal
    currency: str = Field(validation_alias=AliasChoices("currency", "cur"))


class Priced(BaseModel):
    price: float
    label: str

    @field_validator("price", mode="before")
    @classmethod
    def dollars(cls, value: Any) -> Any:
        return value.strip("$").replace(",", "") if isinstance(value, str) else value


class Meta(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int


def _unwrap(value: Any) -> Any:
    return value.get("value") if isinstance(value, dict) else value


class Doc(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    title: str = Field(alias="Title")
    call: Annotated[Union[Search, Weather], Field(discriminator="tool")]
    notify: Union[Email, Sms]
    costs: list[Money]
    priced: Priced
    weight: Annotated[float, BeforeValidator(_unwrap)]
    meta: Optional[Meta] = None


_text = st.text(max_size=8)
_cents = st.integers(-(10**7), 10**7).map(lambda c: c / 100)


def _shuffled(items: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.permutations(list(items.items())).map(dict)


def _object(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(required, optional=optional).flatmap(_shuffled)


documents = _object(
    {
        "title": _text,
        "call": _object(
            {"tool": st.just("search"), "query": _text, "since": st.dates().map(str)},
            {"limit": st.integers(0, 100)},
        )
        | _object({"tool": st.just("weather"), "city": _text, "days": st.integers(1, 14)}, {}),
        "notify": _object({"to": _text, "subject": _text}, {})
        | _object({"to": _text, "text": _text}, {"flash": st.booleans()}),
        "costs": st.lists(
            st.tuples(_cents, _text, st.sampled_from(["currency", "cur"])).map(
                lambda t: {"amount": t[0], t[2]: t[1]}
            ),
            max_size=3,
        ),
        "priced": _object(
            {
                "price": _cents | _cents.map(lambda p: f"${abs(p):,.2f}"),
                "label": _text,
            },
            {},
        ),
        "weight": _cents | _cents.map(lambda w: {"value": w}),
    },
    {
        "meta": st.none()
        | st.tuples(st.integers(), st.dictionaries(st.sampled_from("xyz"), json_values())).map(
            lambda t: {"id": t[0], **t[1]}
        )
    },
).map(
    lambda d: {
        ("Title" if len(d["title"]) % 2 else "title") if k == "title" else k: v
        for k, v in d.items()
    }
)


@st.composite
def rendered(draw: st.DrawFn, document: Any) -> str:
    style = draw(st.sampled_from(["compact", "indented", "spaced"]))
    if style == "compact":
        return json.dumps(document, ensure_ascii=draw(st.booleans()))
    if style == "indented":
        return json.dumps(document, indent=2, ensure_ascii=False)
    whitespace = draw(st.lists(st.sampled_from(["", " ", "\n", "\t", "\r\n  "]), max_size=8))
    return render_json(document, whitespace)


@st.composite
def split(draw: st.DrawFn, text: str) -> list[Any]:
    how = draw(st.sampled_from([chunkings, byte_chunkings, llm_chunkings, llm_byte_chunkings]))
    return list(draw(how(text)))


# -- helpers: the typed value at a JSON path, and when a path is final -----------------


def typed_at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        if isinstance(value, BaseModel):
            name = _attribute(type(value), key)
            if name is None:
                extra = value.__pydantic_extra__ or {}
                if key not in extra:
                    raise LookupError(key)
                value = extra[key]
            else:
                value = value.__dict__[name]
        elif isinstance(value, (list, dict)):
            value = value[key]
        else:
            raise LookupError(key)
    return value


def _attribute(model: type[BaseModel], key: str) -> Optional[str]:
    for name, info in model.model_fields.items():
        choices = getattr(info.validation_alias, "choices", None) or []
        if key in (name, info.alias, *choices):
            return name
    return None


def expected_complete(path: tuple[Any, ...], ended: set[tuple[Any, ...]], raw: Any) -> bool:
    """The oracle for ``is_complete``: the value ended, and no open value
    above it still decides what it is."""
    if path not in ended:
        return False
    if path[:1] == ("weight",):
        return () in ended  # its validator runs with the root model
    if path[:2] == ("priced", "price"):
        return ("priced",) in ended
    if path[:1] == ("call",) and len(path) > 1:
        return ("call", "tool") in ended or ("call",) in ended
    if path[:1] == ("notify",) and len(path) > 1:
        started = raw.get("notify", {}) if isinstance(raw, dict) else {}
        decided = any(key in started for key in ("subject", "text", "flash"))
        return decided or ("notify",) in ended
    return True


def all_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(all_paths(child, (*path, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(all_paths(child, (*path, index)))
    return found


def fields_snapshot(value: Any) -> Any:
    if isinstance(value, BaseModel):
        extra = value.__pydantic_extra__ or {}
        return {
            name: fields_snapshot(value.__dict__[name] if name in value.__dict__ else extra[name])
            for name in value.model_fields_set
        }
    if isinstance(value, list):
        return [fields_snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: fields_snapshot(v) for k, v in value.items()}
    return value


def grows(old: Any, new: Any) -> bool:
    if isinstance(old, dict) and isinstance(new, dict):
        return all(k in new and grows(v, new[k]) for k, v in old.items())
    if isinstance(old, list) and isinstance(new, list):
        return len(old) <= len(new) and all(grows(a, b) for a, b in zip(old, new))
    if isinstance(old, str) and isinstance(new, str):
        return new.startswith(old)
    return old is None or old == new


# -- properties -----------------------------------------------------------------------


@given(
    documents.flatmap(lambda d: st.tuples(st.just(d), rendered(d))).flatmap(
        lambda dt: st.tuples(st.just(dt[0]), st.just(dt[1]), split(dt[1]))
    )
)
def test_partials_grow_complete_values_keep_and_is_complete_is_exact(
    case: tuple[Any, str, list[Any]],
) -> None:
    _, text, chunks = case
    parser = TypedParser(Doc)
    shadow = Parser()
    ended: set[tuple[Any, ...]] = set()
    frozen: dict[tuple[Any, ...], Any] = {}
    previous: Any = None
    for chunk in chunks:
        parser.feed(chunk)
        for op, path, _ in shadow.feed(chunk):
            if op == "end":
                ended.add(tuple(path))
        raw = shadow.value
        for path in all_paths(raw) if shadow.started else []:
            complete = parser.is_complete(path)
            assert complete == expected_complete(path, ended, raw), (path, text)
            if complete and path not in frozen and not parser.done:
                with contextlib.suppress(LookupError):  # an ignored key: not typed
                    frozen[path] = copy.deepcopy(typed_at(parser.value, path))
        if not parser.done:
            for path, kept in frozen.items():
                assert typed_at(parser.value, path) == kept, (path, text)
            snapshot = fields_snapshot(parser.value)
            if previous is not None:
                assert grows(previous, snapshot), (previous, snapshot)
            previous = snapshot
    final = parser.close()
    assert final == Doc.model_validate_json(text)
    for path, kept in frozen.items():
        assert typed_at(final, path) == kept, (path, text)


_MUTATIONS: list[tuple[tuple[Any, ...], Any]] = [
    (("call", "tool"), "book_flight"),
    (("notify", "to"), 5),
    (("priced", "label"), ["x"]),
    (("priced",), []),
    (("weight",), "heavy"),
    (("costs",), {"amount": 1}),
]
_SENTINEL = "\u2063sentinel\u2063"


@given(documents, st.sampled_from(_MUTATIONS), st.data())
def test_an_invalid_value_raises_no_later_than_its_end(
    document: Any, mutation: tuple[tuple[Any, ...], Any], data: st.DataObject
) -> None:
    path, bad = mutation
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = _SENTINEL
    marked = data.draw(rendered(document))
    quoted = json.dumps(_SENTINEL, ensure_ascii=False)
    if quoted not in marked:
        quoted = json.dumps(_SENTINEL)
    start = marked.index(quoted)
    bad_text = json.dumps(bad)
    text = marked.replace(quoted, bad_text)
    end = start + len(bad_text)  # a number is complete at the character after it
    if path == ("weight",):
        end = len(text.rstrip()) - 1  # judged with its model: the root
    try:
        Doc.model_validate_json(text)
    except ValidationError:
        pass
    else:
        raise AssertionError(f"not invalid: {text}")
    parser = TypedParser(Doc)
    for index, char in enumerate(text):
        try:
            parser.feed(char)
        except ValidationError:
            assert index <= end, (index, end, text)
            return
    raise AssertionError(f"no violation in feed(): {text}")
