"""Typed streaming: partial pydantic instances, validated items, early errors.

Install with the ``pydantic`` extra. :class:`TypedParser` parses like
:class:`~jsondrip.Parser` and, from the parser's deltas, keeps a typed view of
the document. The rules, each one checked by a property test:

1. ``value`` is a **partial instance** of the target type: models are built
   with ``model_construct`` and filled in place as fields arrive; a field that
   has not arrived is ``None`` and absent from ``model_fields_set``; nested
   models are partial too; an unfinished ``str`` field shows its prefix, other
   unfinished values stay ``None``.
2. **Fields only grow and complete values never change.** Every value is
   validated once, the moment it is complete, with its field's own type,
   constraints and the model's config; ``is_complete(path)`` turns true then
   and only then, for any path, declared or not.
3. **Stable identity.** A partial model (dataclass, list, dict) is completed in
   place: a reference taken mid-stream becomes the final validated object. An
   enclosing model reuses its completed children instead of validating them
   again, so the cost is linear in the document. (Exception: a model validator
   that returns a different object than the one it was given.)
4. **Unions.** A discriminated union shows nothing until its tag's string
   closes, then a partial instance of that member (an unknown tag raises
   there). A plain union narrows its candidates as keys and values arrive
   (an extra key a candidate forbids, a value its field rejects), shows a
   partial instance once one candidate remains, and raises once none can match.
5. **Repair hooks.** A value under any validator function (``before``,
   ``wrap``, ``plain`` or ``after``; a ``field_validator`` or an ``Annotated``
   validator; a model's ``before``/``wrap`` validator) stays ``None`` until the
   function can run on the complete value: a field, when its model completes;
   a list element or the root, when it completes. Validators never see partial
   data. A model's ``after`` validators run when the model completes; one that
   changes fields changes them then.
6. **Early violations**: as soon as a value can no longer satisfy the type (a
   complete value of the wrong type, an unknown enum value or union tag once
   its string closed, an extra key under ``extra='forbid'``, a required field
   missing once its object closed, an object where an array must be),
   ``feed`` raises pydantic's own ``ValidationError``, its locations counted
   from the document root; ``error.path`` is the JSON path of the offending
   value. The parser stays failed and ``value`` keeps everything received.
7. :meth:`TypedParser.close` returns the **fully validated** value, equal to
   ``TypeAdapter(T).validate_json(text)`` (for a model,
   ``Model.model_validate_json``). Numbers are validated from their exact text
   (a ``Decimal`` field keeps every digit, whatever ``parse_float`` is).

:func:`stream` and :func:`astream` wrap all of this in one loop.
"""

from __future__ import annotations

from ._extras import pydantic as _pydantic_extra  # noqa: F401  (ImportError names the extra)

# isort: split
import contextlib
import dataclasses
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, Optional, Protocol, TypeVar, overload

from pydantic import ValidationError

from ._delta import Item, Path
from ._parser import Chunk, Parser
from ._shapes import (
    ANY,
    DATACLASS,
    EXTRA,
    FORBIDDEN,
    GATED,
    IGNORED,
    MAPPING,
    MODEL,
    RAWKEY,
    TAGGED,
    TYPED,
    TYPEDDICT,
    UNION,
    Shape,
    plain,
    shape_of,
    too_deep,
)
from .errors import IncompleteJSONError, JSONStreamError

__all__ = [
    "AsyncTypedStream",
    "Item",
    "Partial",
    "TypedJsonlParser",
    "TypedParser",
    "TypedStream",
    "astream",
    "stream",
]

T = TypeVar("T")

_new = tuple.__new__  # Item(path, value) without NamedTuple's Python-level __new__

T_co = TypeVar("T_co", covariant=True)


class Partial(Protocol[T_co]):
    """The static type of a partial instance of ``T_co`` (``Partial[Model]``).

    A partial instance breaks its own annotations: a required field may be
    ``None``, a ``list[int]`` may be cut short. So a type checker must not
    promise a complete ``Model``: every attribute of a ``Partial[Model]`` is
    typed ``Any``. The complete value is typed ``Model``: :meth:`TypedParser.close`,
    :attr:`TypedParser.final`, and the last value of :func:`stream`
    (``TypedStream.final``).
    """

    def __getattr__(self, name: str) -> Any: ...


# Modes of an open container.
_TYPED = 0  # shown: a partial model, dataclass, list or dict
_RAW = 1  # judged only once complete (hooked, gated, undecided union of arrays)
_INNER = 2  # inside a _RAW region, an ignored key or an unresolved union
_TAG = 3  # a discriminated union waiting for its tag
_NARROW = 4  # a plain union with several candidates left


class _Open:
    """An open container: how it is handled, its partial value, its inputs."""

    __slots__ = (
        "attribute",
        "cands",
        "inputs",
        "loc",
        "mode",
        "path",
        "raw",
        "role",
        "shape",
        "view",
    )

    def __init__(
        self,
        path: Path,
        mode: int,
        shape: Optional[Shape],
        view: Any,
        role: int,
        loc: Path,
        attribute: Any = None,
    ) -> None:
        self.path = path
        self.attribute = attribute
        self.mode = mode
        self.shape = shape
        self.view = view
        self.role = role
        self.loc = loc  # pydantic's location of this value (union tags included)
        self.inputs: Optional[dict[Any, Any]] = None
        self.cands: Optional[list[tuple[Shape, list[Any]]]] = None
        self.raw: Any = None  # the parser's own container, once needed


class _Attributes:
    """A dataclass's attributes as a mapping that can only be written:
    ``slots[name] = value`` sets them (for the open string's repaint)."""

    __slots__ = ("target",)

    def __init__(self, target: Any) -> None:
        self.target = target

    def __setitem__(self, name: str, value: Any) -> None:
        object.__setattr__(self.target, name, value)


class TypedParser(Generic[T]):
    """Incremental parser that validates against a pydantic-supported type.

    Args:
        type_: Any type pydantic can validate: a ``BaseModel``, a dataclass, a
            ``TypedDict``, ``list[Model]``, ``dict[str, Model]``, unions,
            ``Literal``, ``Enum``, constrained types...
        **options: Passed to :class:`~jsondrip.Parser` (``partial_strings``,
            ``max_depth``, ``lenient``, ``parse_float``...; ``multiple_values``
            is not supported: use :class:`TypedJsonlParser` for one value per
            line). With ``parse_float=decimal.Decimal``, ``Decimal`` fields keep
            every digit (pydantic's JSON mode keeps those of a float).

    Memory: the plain value (:attr:`raw`) and the typed view; the text is not
    kept.
    """

    @overload
    def __init__(self: TypedParser[T], type_: type[T], **options: Any) -> None: ...
    @overload
    def __init__(self: TypedParser[Any], type_: Any, **options: Any) -> None: ...
    def __init__(self, type_: Any, **options: Any) -> None:
        if options.get("multiple_values"):
            raise ValueError("TypedParser parses one value; use TypedJsonlParser for JSON Lines")
        self._exact = options.get("parse_float") not in (None, float)
        self._parser = Parser(**options)
        self._partial_strings = options.get("partial_strings", True)
        self._root_shape = shape_of(type_)
        self._stack: list[_Open] = []
        self._root: Any = None
        # The scalar being added: (path, role, shape, attribute, parent) until its "end".
        self._pending: Optional[tuple[Path, int, Optional[Shape], Any, Optional[_Open]]] = None
        self._changes = 0  # how often the typed view changed (for stream())
        self._final_seen_at: Optional[int] = None
        # The open string shown in the typed view, while it is open:
        # (slots, slot, raw holder, key): feed repaints slots[slot] from
        # holder[key] (slots: a model's __dict__, a list or dict, or
        # _Attributes for a dataclass).
        self._paint: Optional[tuple[Any, Any, Any, Any]] = None
        self._final: Any = None
        self._has_final = False
        self._error: Optional[Exception] = None

    # -- public API -------------------------------------------------------------

    if TYPE_CHECKING:

        @property
        def value(self) -> Optional[Partial[T]]:
            """The partial instance so far (``None`` before the value starts)."""

    else:
        # Read after every chunk: a C getter costs about half a Python one.
        value = property(
            attrgetter("_root"),
            doc="The partial instance so far (``None`` before the value starts).",
        )

    @property
    def raw(self) -> Any:
        """The partial value as plain JSON (what ``Parser.value`` shows)."""
        return self._parser.value

    @property
    def done(self) -> bool:
        """True once the whole value has arrived and validated."""
        return self._has_final

    @property
    def final(self) -> T:
        """The validated value once :attr:`done` (raises ``RuntimeError`` before)."""
        if not self._has_final:
            raise RuntimeError("the value is not complete yet")
        return self._final  # type: ignore[no-any-return]

    def is_complete(self, path: Path = ()) -> bool:
        """True when the value at ``path`` has fully arrived and is final.

        ``path`` uses JSON keys and array indices, like delta paths. A value
        whose validator waits for its model is complete with that model.
        """
        if self._has_final:
            return _exists(self._parser.value, path)
        depth = len(path)
        pending = self._pending
        if pending is not None and pending[0][:depth] == path:
            return False
        for opened in self._stack:
            here = opened.path
            if len(here) >= depth:
                if here[:depth] == path:
                    return False  # the value itself, or something in it, is open
                continue
            if path[: len(here)] != here:
                continue
            mode = opened.mode
            if mode == _TAG or mode == _NARROW:
                return False
            if mode == _RAW and opened.role != IGNORED and opened.role != EXTRA:
                return False
            if (
                mode == _TYPED
                and opened.shape is not None
                and opened.shape.kind
                in (
                    MODEL,
                    DATACLASS,
                )
            ):
                role = opened.shape.role(path[len(here)])[0]
                if role == GATED or role == RAWKEY:
                    return False
        return self._parser.started and _exists(self._parser.value, path)

    def feed(self, chunk: Chunk) -> list[Item]:
        """Parse the next chunk; return the array elements it completed.

        Raises:
            pydantic.ValidationError: the value can no longer satisfy the type
                (locations from the root; ``.path`` says where).
            JSONStreamError: the text is not valid JSON.
        """
        if self._error is not None:
            raise self._error
        paint = self._paint
        if paint is None:
            try:
                deltas = self._parser.feed(chunk)
            except BaseException as error:
                self._failed(error)
                raise
            if not deltas:
                return []
        else:
            # The open string is shown: let go of it while the parser appends
            # to it, so that it grows in place (held here too, every append
            # would copy it). Nothing else reads it before it is put back.
            slots, slot, holder, key = paint
            slots[slot] = ""
            try:
                deltas = self._parser.feed(chunk)
            except BaseException as error:
                self._failed(error)
                raise
            slots[slot] = holder[key]  # self._repaint(), inline: on every chunk
            if not deltas:
                return []
            if len(deltas) == 1 and deltas[0][0] == "append":
                # Most chunks of a stream make no delta or one "append": the
                # shown string grew, and nothing else changed.
                self._changes += 1
                return []
        items: list[Item] = []
        self._apply(deltas, items)
        return items

    def _failed(self, error: BaseException) -> None:
        """The parser raised in ``feed``: keep the typed view in step with
        what arrived (a syntax error latches the parser; it is the one to
        report)."""
        self._repaint()
        if isinstance(error, JSONStreamError):
            self._error = error
            with contextlib.suppress(ValidationError):
                self._apply(error.deltas, [])

    def _repaint(self) -> None:
        """Show the open string's text as the parser holds it."""
        paint = self._paint
        if paint is not None:
            slots, slot, holder, key = paint
            slots[slot] = holder[key]

    def feed_eof(self) -> list[Item]:
        """Signal the end of input; return the items that completes (rarely any).

        Raises:
            IncompleteJSONError: the input ended early; ``partial`` is the
                partial instance.
            pydantic.ValidationError: the complete value does not validate.
        """
        if self._error is not None:
            raise self._error
        if self._has_final:
            return []
        try:
            deltas = self._parser.feed_eof()
        except IncompleteJSONError as error:
            incomplete = IncompleteJSONError(
                error.msg, error.offset, error.line, error.column, self.value
            )
            self._error = incomplete
            raise incomplete from None
        items: list[Item] = []
        self._apply(deltas, items)
        self._repaint()
        return items

    def close(self) -> T:
        """End of input: return the fully validated value (again if called twice).

        Raises:
            IncompleteJSONError: the input ended early; ``partial`` is the
                partial instance.
            pydantic.ValidationError: the complete value does not validate.
        """
        self.feed_eof()
        return self._final  # type: ignore[no-any-return]

    # -- following the deltas ---------------------------------------------------

    def _apply(self, deltas: list[Any], items: list[Item]) -> None:
        """Follow the parser's deltas.

        The common cases are handled here, inline (this loop runs for every
        chunk with a delta): a scalar that is a field of a partial model or
        an item of a partial list, from its "add" to its "end" (a number or
        literal arrives whole: its "end" is the next delta, taken with it);
        a shown list or model opening in a partial list or plain model, and
        closing there complete as it is. Anything else goes through
        :meth:`_on_add` and :meth:`_on_end`, which handle every case; the
        fast paths only skip steps that cannot apply.
        """
        stack = self._stack
        steps = iter(deltas)
        try:
            for op, path, value in steps:
                if op == "add":
                    if not path:
                        self._on_add(path, value)
                        continue
                    parent = stack[-1]
                    parent_shape = parent.shape
                    if parent.mode != _TYPED or parent_shape.forbid_extra:  # type: ignore[union-attr]
                        self._on_add(path, value)
                        continue
                    # Shape.role(), its cached answers first.
                    found = parent_shape.item_role or parent_shape.roles.get(path[-1])  # type: ignore[union-attr]
                    if found is None:
                        found = parent_shape.role(path[-1])  # type: ignore[union-attr]
                    role, attribute, shape = found
                    kind = type(value)
                    if kind is dict or kind is list:
                        if role == FORBIDDEN:
                            self._on_add(path, value)
                        elif (
                            role == TYPED
                            and shape is not None
                            and shape.shown
                            and (shape.object_ok if kind is dict else shape.array_ok)
                            and (type(parent.view) is list or parent_shape.plain_model)  # type: ignore[union-attr]
                        ):
                            # What _open does for a partial value shown in a
                            # list or a plain model (a shown shape is no union).
                            view = shape.partial() if kind is dict else []
                            opened = _Open(
                                path, _TYPED, shape, view, role, (*parent.loc, path[-1]), attribute
                            )
                            if shape.keeps_inputs:
                                opened.inputs = {}
                            stack.append(opened)
                            parent_view = parent.view
                            if type(parent_view) is list:
                                index = path[-1]
                                if index == len(parent_view):
                                    parent_view.append(view)
                                else:
                                    parent_view[index] = view
                            else:
                                parent_view.__dict__[attribute] = view
                                parent_view.__pydantic_fields_set__.add(attribute)
                            self._changes += 1
                        else:  # what _on_add does here
                            self._open(path, value, kind is dict, parent, role, attribute, shape)
                        continue
                    if role != TYPED or shape is None:
                        self._on_add(path, value)
                        continue
                    if kind is str:
                        self._pending = (path, TYPED, shape, attribute, parent)
                        if shape.showable and self._partial_strings:
                            self._show_string(parent, path, attribute, value)
                        continue
                    # A number or literal arrives whole: its "end" is next.
                    if next(steps)[0] != "end":  # pragma: no cover
                        raise AssertionError("a number or literal's end must follow its add")
                elif op == "end":
                    pending = self._pending
                    if pending is None:
                        # A container closed. What _on_end does when it is a
                        # shown value of a partial list or plain model, complete
                        # as it is (Shape.done_when_closed, inline): it is in
                        # place since it opened.
                        opened = stack[-1]
                        shape = opened.shape
                        if (
                            opened.mode == _TYPED
                            and opened.role == TYPED
                            and path
                            and (
                                shape.trivial  # type: ignore[union-attr]
                                or (
                                    shape.plain_model  # type: ignore[union-attr]
                                    and len(opened.view.__pydantic_fields_set__)
                                    == len(shape.field_names)  # type: ignore[union-attr]
                                )
                            )
                        ):
                            parent = stack[-2]
                            if type(parent.view) is list or parent.shape.plain_model:  # type: ignore[union-attr]
                                # Neither keeps inputs (see Shape.keeps_inputs).
                                stack.pop()
                                self._changes += 1
                                if type(path[-1]) is int:
                                    items.append(_new(Item, (path, opened.view)))
                                continue
                        self._on_end(path, value, items)
                        continue
                    _, role, shape, attribute, owner = pending
                    if role != TYPED or owner is None or shape is None:
                        self._on_end(path, value, items)
                        continue
                    parent = owner
                    self._pending = None
                    self._paint = None
                else:
                    if self._paint is not None:
                        # Only the open string grows, and the shown one is
                        # open (feed repainted it).
                        self._changes += 1
                    continue
                # A scalar of a partial model or list is complete: validate it
                # and put it in place.
                check = shape.check
                try:
                    if check is not None and type(value) is shape.same_type:
                        result = check(value)
                    else:
                        result = shape.validate_scalar(value)
                except ValidationError as error:
                    raise _relocate(error, path, _loc(parent, path)) from None
                view = parent.view
                if type(view) is list:
                    key = path[-1]
                    if key == len(view):
                        view.append(result)
                    else:
                        view[key] = result
                    self._changes += 1
                    items.append(_new(Item, (path, result)))
                elif parent.shape.plain_model:  # type: ignore[union-attr]
                    view.__dict__[attribute] = result
                    view.__pydantic_fields_set__.add(attribute)
                    self._changes += 1
                else:
                    self._end_child(parent, path, TYPED, attribute, result, value, items)
        except ValidationError as error:
            if self._error is None:
                self._error = error
            raise
        except RecursionError:  # pragma: no cover - the code above is iterative
            deep = too_deep(self._root_shape)
            self._error = deep
            raise deep from None

    def _on_add(self, path: Path, value: Any) -> None:
        if not path:
            parent: Optional[_Open] = None
            shape: Optional[Shape] = self._root_shape
            role, attribute = TYPED, None
        else:
            parent = self._stack[-1]
            mode = parent.mode
            if mode == _NARROW:
                self._narrow_by_key(parent, path[-1])
                mode = parent.mode
            if mode == _TYPED:
                parent_shape = parent.shape
                assert parent_shape is not None
                role, attribute, shape = parent_shape.role(path[-1])
                if role == FORBIDDEN:
                    key = path[-1]
                    raise _violation(
                        path,
                        (*parent.loc, key),
                        [{"type": "extra_forbidden", "loc": (), "input": _preview(value)}],
                        parent_shape,
                    )
                if parent_shape.forbid_extra and attribute is not None and parent.inputs:
                    key = path[-1]
                    if isinstance(key, str):
                        _forbid_second_choice(parent, key, attribute, value)
            else:
                role, attribute, shape = IGNORED, None, None
        kind = type(value)
        if kind is dict or kind is list:
            self._open(path, value, kind is dict, parent, role, attribute, shape)
            return
        # A scalar: judged at its "end" (the same feed, unless an open string).
        self._pending = (path, role, shape, attribute, parent)
        if (
            role == TYPED
            and shape is not None
            and shape.showable
            and kind is str
            and parent is not None
            and self._partial_strings
        ):
            self._show_string(parent, path, attribute, value)

    def _show_string(self, parent: _Open, path: Path, attribute: Any, text: str) -> None:
        """Show an open string in its partial container; remember where
        :attr:`value` repaints it from as it grows."""
        key = path[-1]
        raw = parent.raw
        if raw is None:
            raw = parent.raw = _lookup(self._parser.value, parent.path)
        view = parent.view
        shape = parent.shape
        assert shape is not None
        if shape.plain_model:
            fields = view.__dict__
            fields[attribute] = text
            view.__pydantic_fields_set__.add(attribute)
            self._changes += 1
            self._paint = (fields, attribute, raw, key)
            return
        if not self._put(parent, key, attribute, text, mark=True):
            return
        if shape.kind == MODEL:
            self._paint = (view.__dict__, attribute, raw, key)
        elif shape.kind == DATACLASS:
            self._paint = (_Attributes(view), attribute, raw, key)
        else:
            self._paint = (view, key, raw, key)

    def _open(
        self,
        path: Path,
        value: Any,
        is_object: bool,
        parent: Optional[_Open],
        role: int,
        attribute: Any,
        shape: Optional[Shape],
    ) -> None:
        stack = self._stack
        if role != TYPED or shape is None:
            if role == TYPED and parent is not None and type(parent.view) is list:
                self._put(parent, path[-1], None, None, True)  # a place for the element
            mode = _INNER if parent is not None and parent.mode != _TYPED else _RAW
            stack.append(_Open(path, mode, None, None, role, _loc(parent, path), attribute))
            return
        parent_view: Any = None if parent is None else parent.view
        if type(parent_view) is list:
            # A place for the element, whatever happens next.
            index: Any = path[-1]
            if index == len(parent_view):
                parent_view.append(None)
            else:
                parent_view[index] = None
            self._changes += 1
        loc: Path = () if parent is None else (*parent.loc, path[-1])  # parent is _TYPED
        if shape.kind == UNION or not (shape.object_ok if is_object else shape.array_ok):
            shape, loc = self._settle(path, shape, is_object, loc)
        if shape.shown:
            # A partial model, dataclass, dict or list, completed in place.
            view = shape.partial() if is_object else []
            opened = _Open(path, _TYPED, shape, view, role, loc, attribute)
            if shape.keeps_inputs:
                opened.inputs = {}
            stack.append(opened)
            if parent is None:
                self._root = view
            elif type(parent_view) is list:
                parent_view[index] = view
            elif parent.shape.plain_model:  # type: ignore[union-attr]
                parent_view.__dict__[attribute] = view
                parent_view.__pydantic_fields_set__.add(attribute)
                self._changes += 1
            else:
                assert parent is not None
                self._put(parent, path[-1], attribute, view, True)
            return
        kind = shape.kind
        if shape.hooked and not shape.trivial:
            stack.append(_Open(path, _RAW, shape, None, role, loc, attribute))
            return
        if kind == UNION:
            if is_object:
                opened = _Open(path, _NARROW, shape, None, role, loc, attribute)
                opened.cands = [(c, []) for c in shape.candidates(True)]
            else:
                opened = _Open(path, _RAW, shape, None, role, loc, attribute)
            stack.append(opened)
            return
        if kind == TAGGED:
            stack.append(_Open(path, _TAG, shape, None, role, loc, attribute))
            return
        stack.append(_Open(path, _RAW, shape, None, role, loc, attribute))

    def _settle(self, path: Path, shape: Shape, is_object: bool, loc: Path) -> tuple[Shape, Path]:
        """The shape that takes a container opening here; raise if none can."""
        while True:
            if is_object and not shape.accepts_object():
                _reject(path, loc, shape, "{}")
            if not is_object and not shape.accepts_array():
                _reject(path, loc, shape, "[]")
            if shape.kind != UNION:
                return shape, loc
            candidates = shape.candidates(is_object)
            if len(candidates) != 1:
                return shape, loc
            shape = candidates[0]
            loc = (*loc, shape.label)

    def _on_end(self, path: Path, value: Any, items: list[Item]) -> None:
        stack = self._stack
        pending = self._pending
        if pending is not None:
            # The scalar added last (nothing else can end before it).
            self._pending = None
            self._paint = None
            _, role, shape, attribute, _parent = pending
            if role == TYPED and shape is not None:
                try:
                    result = shape.validate_scalar(value)
                except ValidationError as error:
                    raise _relocate(error, path, _loc(_parent, path)) from None
            else:
                result = value
        else:
            opened = stack.pop()
            role, attribute = opened.role, opened.attribute
            shape = opened.shape
            view = opened.view
            if opened.mode == _TYPED and shape is not None and shape.done_when_closed(view):
                # Nothing to validate again: the partial value is complete.
                if path and role == TYPED:
                    parent = stack[-1]
                    parent_view = parent.view
                    if type(parent_view) is list or parent.shape.plain_model:  # type: ignore[union-attr]
                        # Already in place since it opened (see _open).
                        self._changes += 1
                        inputs = parent.inputs
                        key = path[-1]
                        if inputs is not None:
                            inputs[key] = view
                        elif type(key) is int:
                            items.append(_new(Item, (path, view)))
                        return
                result = view
            else:
                result = self._finish(opened, value)
        if not path:
            self._changes += 1
            self._final_seen_at = self._changes
            self._final = result
            self._root = result
            self._has_final = True
            return
        self._end_child(stack[-1], path, role, attribute, result, value, items)

    def _end_child(
        self,
        parent: _Open,
        path: Path,
        role: int,
        attribute: Any,
        result: Any,
        value: Any,
        items: list[Item],
    ) -> None:
        """A value inside ``parent`` is complete: ``result`` validated (if
        ``TYPED``) from the raw ``value``."""
        mode = parent.mode
        if mode == _TYPED:
            if role == TYPED:
                key = path[-1]
                self._put(parent, key, attribute, result, mark=True)
                inputs = parent.inputs
                if inputs is not None:
                    inputs[key] = result
                elif type(key) is int:
                    items.append(_new(Item, (path, result)))
            elif role == GATED or role == RAWKEY or role == EXTRA:
                assert parent.inputs is not None
                parent.inputs[path[-1]] = plain(value) if self._exact else value
        elif mode == _TAG:
            assert parent.shape is not None
            if path[-1] in parent.shape.tag_keys:
                self._resolve_tag(parent, value)
        elif mode == _NARROW:
            self._narrow_by_value(parent, path[-1], value)

    def _finish(self, opened: _Open, value: Any) -> Any:
        """The validated value of a container that just closed."""
        mode = opened.mode
        shape = opened.shape
        if mode == _INNER or shape is None or (mode == _RAW and opened.role != TYPED):
            return value
        try:
            if mode == _TYPED:
                return _complete(opened, shape)
            if mode == _NARROW and opened.cands is not None and len(opened.cands) == 0:
                return None  # pragma: no cover - raised when the last one went
            if mode == _TAG:
                return shape.validate_raw(value)
            return shape.validate_raw(value)
        except ValidationError as error:
            raise _relocate(error, opened.path, opened.loc) from None

    # -- unions -------------------------------------------------------------------

    def _resolve_tag(self, opened: _Open, tag: Any) -> None:
        shape = opened.shape
        assert shape is not None
        member = shape.tags.get(tag) if isinstance(tag, (str, int)) else None
        if member is None:
            _reject(opened.path, opened.loc, shape, None, {next(iter(shape.tag_keys)): tag})
            return
        self._become(opened, member, (*opened.loc, str(tag)), None)

    def _narrow_by_key(self, opened: _Open, key: Any) -> None:
        assert opened.cands is not None
        kept = []
        for candidate, errors in opened.cands:
            if not candidate.hooked and candidate.role(key)[0] == FORBIDDEN:
                errors.append({"type": "extra_forbidden", "loc": (candidate.label, key)})
                kept.append((candidate, errors, False))
            else:
                kept.append((candidate, errors, True))
        self._narrow(opened, kept, key)

    def _narrow_by_value(self, opened: _Open, key: Any, value: Any) -> None:
        assert opened.cands is not None
        kept = []
        for candidate, errors in opened.cands:
            role, _attribute, shape = candidate.role(key)
            alive = True
            # A candidate's model validator may rename or repair keys: never rule it out early.
            if role == TYPED and shape is not None and not shape.hooked and not candidate.hooked:
                try:
                    if isinstance(value, (dict, list)):
                        shape.validate_raw(value)
                    else:
                        shape.validate_scalar(value)
                except ValidationError as error:
                    for detail in error.errors():
                        errors.append(
                            {
                                "type": detail["type"],
                                "loc": (candidate.label, key, *detail["loc"]),
                                "input": detail["input"],
                                **({"ctx": detail["ctx"]} if "ctx" in detail else {}),
                            }
                        )
                    alive = False
            kept.append((candidate, errors, alive))
        self._narrow(opened, kept, None)

    def _narrow(
        self, opened: _Open, kept: list[tuple[Shape, list[Any], bool]], adding: Any
    ) -> None:
        alive = [(c, e) for c, e, ok in kept if ok]
        if not alive:
            lines = [
                {**line, "loc": (*opened.loc, *line["loc"]), "input": line.get("input")}
                for _, errors, _ in kept
                for line in errors
            ]
            assert opened.shape is not None
            error = ValidationError.from_exception_data(opened.shape.label, lines)  # type: ignore[arg-type]
            error.path = opened.path  # type: ignore[attr-defined]
            raise error
        opened.cands = alive
        if len(alive) == 1:
            member = alive[0][0]
            self._become(opened, member, (*opened.loc, member.label), adding)

    def _become(self, opened: _Open, member: Shape, loc: Path, adding: Any) -> None:
        """Turn an unresolved union into a partial instance of ``member``,
        replaying the members that arrived before (``adding`` is the key whose
        value is just starting, handled by the caller)."""
        if member.hooked or member.kind not in (MODEL, DATACLASS, TYPEDDICT, MAPPING, ANY):
            opened.mode, opened.shape, opened.loc, opened.cands = _RAW, member, loc, None
            return
        opened.mode, opened.shape, opened.loc, opened.cands = _TYPED, member, loc, None
        view = member.partial()
        opened.view = view
        if member.keeps_inputs:
            opened.inputs = {}
        stack = self._stack
        index = stack.index(opened)
        parent = stack[index - 1] if index else None
        if parent is None:
            self._root = view
        elif parent.mode == _TYPED:
            assert parent.shape is not None
            self._put(parent, opened.path[-1], opened.attribute, view, True)
        raw = _lookup(self._parser.value, opened.path)
        for key, item in list(raw.items()):
            if key == adding:
                continue
            role, attribute, shape = member.role(key)
            if role == FORBIDDEN:
                raise _violation(
                    (*opened.path, key),
                    (*loc, key),
                    [{"type": "extra_forbidden", "loc": (), "input": _preview(item)}],
                    member,
                )
            if role == TYPED and shape is not None:
                if shape.hooked:
                    continue  # pragma: no cover - hooked fields are GATED
                try:
                    if isinstance(item, (dict, list)):
                        result = shape.validate_raw(item)
                    else:
                        result = shape.validate_scalar(item)
                except ValidationError as error:
                    raise _relocate(error, (*opened.path, key), (*loc, key)) from None
                self._put(opened, key, attribute, result, mark=True)
                if opened.inputs is not None:
                    opened.inputs[key] = result
            elif role in (GATED, RAWKEY, EXTRA) and opened.inputs is not None:
                opened.inputs[key] = plain(item) if self._exact else item

    # -- the typed view -------------------------------------------------------

    def _put(self, parent: _Open, key: Any, attribute: Any, value: Any, mark: bool) -> bool:
        """Put ``value`` at ``key`` of an open container's partial value;
        return whether it is shown there."""
        view = parent.view
        shape = parent.shape
        assert shape is not None
        self._changes += 1
        kind = shape.kind
        if kind == MODEL:
            if attribute is None:
                return False
            fields_set = view.__pydantic_fields_set__
            if (
                shape.aliased
                and attribute in fields_set
                and isinstance(key, str)
                and shape.priority(key) > 0
                and _better_key_seen(parent, attribute, key)
            ):
                return False
            view.__dict__[attribute] = value
            if mark:
                fields_set.add(attribute)
        elif kind == DATACLASS:
            if attribute is None:
                return False
            object.__setattr__(view, attribute, value)
        elif type(view) is list:
            if key == len(view):
                view.append(value)
            else:
                view[key] = value
        elif type(view) is dict:
            view[key] = value
        else:  # pragma: no cover - every shown container is a model, dataclass, list or dict
            return False
        return True


class TypedJsonlParser(Generic[T]):
    """JSON Lines where every record is validated against ``type_``.

    ``feed`` returns the validated records completed by the chunk. A record
    that fails validation is a bad line like any other: with ``on_error``
    ``"raise"`` its ``pydantic.ValidationError`` is raised; with
    ``"skip"``/``"collect"`` it is dropped (and kept in ``errors``). No record
    is lost because of another one, however deep or invalid.
    """

    def __init__(self, type_: Any, *, on_error: str = "raise", **options: Any) -> None:
        from ._jsonl import JsonlParser

        if on_error not in ("raise", "skip", "collect"):
            raise ValueError(f"on_error must be 'raise', 'skip' or 'collect', not {on_error!r}")
        self._lines = JsonlParser(on_error=on_error, **options)  # type: ignore[arg-type]
        self._on_error = on_error
        self._shape = shape_of(type_)
        self._invalid: list[Exception] = []

    @property
    def errors(self) -> list[Exception]:
        """Bad lines so far (collect mode): ``JSONStreamError`` for invalid
        JSON, then ``pydantic.ValidationError`` for records that do not
        validate."""
        return [*self._lines.errors, *self._invalid]

    @property
    def partial(self) -> Any:
        """The record in progress, as plain JSON."""
        return self._lines.partial

    def feed(self, chunk: Chunk) -> list[T]:
        """Parse a chunk; return the validated records it completed."""
        return self._validate(self._lines.feed(chunk))

    def close(self) -> list[T]:
        """End of input: the last record, if it had no final newline."""
        return self._validate(self._lines.close())

    def _validate(self, records: list[Any]) -> list[T]:
        valid: list[T] = []
        for record in records:
            try:
                if isinstance(record, (dict, list)):
                    valid.append(self._shape.validate_raw(record))
                else:
                    valid.append(self._shape.validate_scalar(record))
            except ValidationError as error:
                if self._on_error == "raise":
                    raise
                if self._on_error == "collect":
                    self._invalid.append(error)
        return valid


# -- the one-line API ----------------------------------------------------------------


class TypedStream(Generic[T]):
    """An iterator over the partial instance of a stream: see :func:`stream`.

    Attributes:
        parser: The underlying :class:`TypedParser` (``is_complete``, ``raw``).
        items: The array elements completed by the chunk that produced the
            value just yielded, validated (``Item(path, value)``).
    """

    def __init__(self, chunks: Iterable[Optional[Chunk]], type_: Any, **options: Any) -> None:
        self.parser: TypedParser[T] = TypedParser(type_, **options)
        self.items: list[Item] = []
        self._steps = self._run(iter(chunks))

    def __iter__(self) -> TypedStream[T]:
        return self

    def __next__(self) -> Partial[T]:
        return next(self._steps)

    @property
    def done(self) -> bool:
        """True once the value yielded last is the validated final value."""
        return self.parser.done

    @property
    def final(self) -> T:
        """The validated value, typed ``T`` (raises ``RuntimeError`` before :attr:`done`)."""
        return self.parser.final

    def _run(self, chunks: Iterator[Optional[Chunk]]) -> Iterator[Any]:
        parser = self.parser
        seen = parser._changes
        for chunk in chunks:
            if chunk is None:
                continue
            was_done = parser.done
            items = parser.feed(chunk)
            if was_done:
                continue  # only whitespace may follow: feed() checks it
            if parser.done or items or parser._changes != seen:
                seen = parser._changes
                self.items = items
                yield parser.value
        items = parser.feed_eof()
        final = parser.close()
        self.items = items
        if not _yielded_final(parser, seen):
            yield final


class AsyncTypedStream(Generic[T]):
    """The async twin of :class:`TypedStream`, from :func:`astream`."""

    def __init__(self, chunks: AsyncIterable[Optional[Chunk]], type_: Any, **options: Any) -> None:
        self.parser: TypedParser[T] = TypedParser(type_, **options)
        self.items: list[Item] = []
        self._steps = self._run(chunks)

    def __aiter__(self) -> AsyncTypedStream[T]:
        return self

    async def __anext__(self) -> Partial[T]:
        value: Partial[T] = await self._steps.__anext__()
        return value

    @property
    def done(self) -> bool:
        """True once the value yielded last is the validated final value."""
        return self.parser.done

    @property
    def final(self) -> T:
        """The validated value, typed ``T`` (raises ``RuntimeError`` before :attr:`done`)."""
        return self.parser.final

    async def _run(self, chunks: AsyncIterable[Optional[Chunk]]) -> AsyncIterator[Any]:
        parser = self.parser
        seen = parser._changes
        async for chunk in chunks:
            if chunk is None:
                continue
            was_done = parser.done
            items = parser.feed(chunk)
            if was_done:
                continue
            if parser.done or items or parser._changes != seen:
                seen = parser._changes
                self.items = items
                yield parser.value
        items = parser.feed_eof()
        final = parser.close()
        self.items = items
        if not _yielded_final(parser, seen):
            yield final


def _yielded_final(parser: TypedParser[Any], seen: int) -> bool:
    """Was the final value already yielded (the value completed inside the loop)?"""
    return parser._final_seen_at is not None and parser._final_seen_at <= seen


def stream(chunks: Iterable[Optional[Chunk]], type_: type[T], **options: Any) -> TypedStream[T]:
    """Parse a stream of chunks as ``type_``; iterate over its partial instance.

    Yields the partial instance after each chunk that changed it (a field
    grew, a value or an item completed), and last the validated value, equal
    to ``TypeAdapter(type_).validate_json`` of the whole text. The partial
    instance is one object completed in place, so the last value is usually
    the same object as the first. ``stream.items`` holds the array elements
    completed by the chunk just handled; ``stream.final`` is the validated
    value typed ``type_``. ``None`` chunks are skipped, so
    ``(c.choices[0].delta.content for c in response if c.choices)`` works
    as is.

    Args:
        chunks: Text or UTF-8 bytes, split anywhere.
        type_: What the value must be (see :class:`TypedParser`).
        **options: Passed to :class:`TypedParser`.

    Raises:
        pydantic.ValidationError: as soon as the value can no longer be valid.
        JSONStreamError: invalid JSON, or the stream ended early
            (``IncompleteJSONError``, with the partial instance).
    """
    return TypedStream(chunks, type_, **options)


def astream(
    chunks: AsyncIterable[Optional[Chunk]], type_: type[T], **options: Any
) -> AsyncTypedStream[T]:
    """The async twin of :func:`stream`: ``async for draft in astream(chunks, Model)``."""
    return AsyncTypedStream(chunks, type_, **options)


# -- helpers -----------------------------------------------------------------------


def _complete(opened: _Open, shape: Shape) -> Any:
    """Validate a closed container from its validated children, in place."""
    view = opened.view
    kind = shape.kind
    if shape.done_when_closed(view):
        return view
    if kind == MODEL:
        inputs = shape.inputs_of(view) if shape.plain_model else opened.inputs
        new = shape.adapter.validate_python(inputs)
        if type(new) is not type(view):
            return new
        fields = new.__dict__
        for name, prior in view.__dict__.items():
            # pydantic copies lists and dicts: keep the ones already shown.
            now = fields.get(name)
            if type(prior) is type(now) and type(now) in (list, dict) and prior == now:
                fields[name] = prior
        object.__setattr__(view, "__dict__", fields)
        object.__setattr__(view, "__pydantic_fields_set__", new.__pydantic_fields_set__)
        object.__setattr__(view, "__pydantic_extra__", new.__pydantic_extra__)
        object.__setattr__(view, "__pydantic_private__", new.__pydantic_private__)
        return view
    if kind == DATACLASS:
        new = shape.adapter.validate_python(opened.inputs)
        if type(new) is not type(view):
            return new
        for field in dataclasses.fields(view):
            object.__setattr__(view, field.name, getattr(new, field.name))
        return view
    new = shape.adapter.validate_python(view)
    if type(new) is list and type(view) is list:
        view[:] = new
        return view
    if type(new) is dict and type(view) is dict:
        view.clear()
        view.update(new)
        return view
    return new


def _better_key_seen(parent: _Open, attribute: str, key: str) -> bool:
    """Has a key pydantic prefers for ``attribute`` already filled it?"""
    assert parent.inputs is not None
    assert parent.shape is not None
    rank = parent.shape.priority(key)
    return any(
        parent.shape.priority(seen) < rank and parent.shape.role(seen)[1] == attribute
        for seen in parent.inputs
        if isinstance(seen, str)
    )


def _forbid_second_choice(parent: _Open, key: str, attribute: str, value: Any) -> None:
    """Under ``extra='forbid'``, a second key for one field makes the less
    preferred one an extra key (as pydantic judges it)."""
    shape = parent.shape
    assert shape is not None
    assert parent.inputs is not None
    for seen in parent.inputs:
        if seen != key and isinstance(seen, str) and shape.role(seen)[1] == attribute:
            loser = key if shape.priority(key) > shape.priority(seen) else seen
            raise _violation(
                (*parent.path, loser),
                (*parent.loc, loser),
                [{"type": "extra_forbidden", "loc": (), "input": _preview(value)}],
                shape,
            )


def _reject(path: Path, loc: Path, shape: Shape, empty: Optional[str], python: Any = None) -> None:
    """Raise pydantic's own error for an impossible container (or tag)."""
    try:
        if empty is None:
            shape.adapter.validate_python(python)
        else:
            shape.adapter.validate_json(empty)
    except ValidationError as error:
        raise _relocate(error, path, loc) from None


def _loc(parent: Optional[_Open], path: Path) -> Path:
    """pydantic's location of the value at ``path`` (its parent's, plus its key)."""
    if parent is None or parent.mode != _TYPED:
        return ()
    return (*parent.loc, path[-1])


def _preview(value: Any) -> Any:
    return {} if isinstance(value, dict) else [] if isinstance(value, list) else value


def _lookup(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def _exists(value: Any, path: Path) -> bool:
    try:
        _lookup(value, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True


def _relocate(error: ValidationError, path: Path, loc: Path) -> ValidationError:
    """The same errors with their locations counted from the document root."""
    lines = []
    for detail in error.errors():
        line: dict[str, Any] = {
            "type": detail["type"],
            "loc": (*loc, *detail["loc"]),
            "input": detail["input"],
        }
        if "ctx" in detail:
            line["ctx"] = detail["ctx"]
        lines.append(line)
    try:
        relocated = ValidationError.from_exception_data(error.title, lines)  # type: ignore[arg-type]
    except Exception:  # custom error types cannot always be rebuilt
        relocated = error
    relocated.path = path  # type: ignore[attr-defined]
    return relocated


def _violation(path: Path, loc: Path, lines: list[dict[str, Any]], shape: Shape) -> ValidationError:
    relocated: list[Any] = [{**line, "loc": (*loc, *line["loc"])} for line in lines]
    error = ValidationError.from_exception_data(shape.label, relocated)
    error.path = path  # type: ignore[attr-defined]
    return error
