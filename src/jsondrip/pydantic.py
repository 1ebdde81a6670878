"""Typed streaming: partial pydantic instances, validated items, early errors.

Install with the ``pydantic`` extra. :class:`TypedParser` parses like
:class:`~jsondrip.Parser` and, from the parser's deltas, keeps a typed view of
the document:

* ``value`` is a **partial instance** of the target type: models are built
  with ``model_construct`` and filled in place as fields arrive; a field that
  has not arrived is ``None`` and is absent from ``model_fields_set``; nested
  models are partial too; an unfinished ``str`` field shows its prefix (other
  unfinished values stay ``None`` until complete). Every value is validated,
  with the field's own constraints and the model's config, the moment it is
  complete, and the validated value replaces the partial one.
* :meth:`TypedParser.feed` returns the **array elements completed** by the
  chunk, each validated (``Item(path, value)``): render each card of a list as
  soon as it is done.
* **Early violations**: as soon as a value can no longer satisfy the schema
  (a complete value of the wrong type, an unknown enum value once its string
  closed, an extra key under ``extra='forbid'``, a required field missing once
  its object closed, an object where an array must be), ``feed`` raises
  pydantic's own ``ValidationError``, its locations counted from the document
  root; ``error.path`` is the path of the offending value. The parser stays
  failed and ``value`` keeps everything received.
* :meth:`TypedParser.close` returns the **fully validated** value: the whole
  text validated by pydantic exactly as ``TypeAdapter(T).validate_json(text)``
  (for a model, ``Model.model_validate_json``) would, with all validators.

Validators that could misfire on partial data never run early: constraints
such as ``min_length`` or ``pattern`` are checked only once their value is
complete, model validators only once the whole object is, and values governed
by a field's before/wrap/plain validator or a model's before/wrap validator
are judged only by the enclosing model's validation.
"""

from __future__ import annotations

from ._extras import pydantic as _  # noqa: F401  (ImportError names the extra)

# isort: split
import codecs
import contextlib
import dataclasses
import json
from typing import Any, Generic, Optional, TypeVar, Union, overload

from pydantic import BaseModel, ValidationError

from ._delta import Item, Path
from ._parser import Chunk, Parser
from ._shapes import (
    DATACLASS,
    IGNORE,
    MODEL,
    Shape,
    shape_of,
)
from .errors import IncompleteJSONError, JSONStreamError

__all__ = ["Item", "TypedJsonlParser", "TypedParser"]

T = TypeVar("T")


class _Open:
    """An open container of the typed view: its shape and partial value."""

    __slots__ = ("path", "shape", "view")

    def __init__(self, path: Path, shape: Shape, view: Any) -> None:
        self.path = path
        self.shape = shape
        self.view = view


class TypedParser(Generic[T]):
    """Incremental parser that validates against a pydantic-supported type.

    Args:
        type_: Any type pydantic can validate: a ``BaseModel``, a dataclass, a
            ``TypedDict``, ``list[Model]``, ``dict[str, Model]``, unions,
            ``Literal``, ``Enum``, constrained types...
        **options: Passed to :class:`~jsondrip.Parser` (``partial_strings``,
            ``max_depth``, ``lenient``...; ``multiple_values`` is not
            supported: use :class:`TypedJsonlParser` for one value per line).

    The whole text is kept until :meth:`close` (so that the final validation
    sees exactly what pydantic would); memory is the value plus the text.
    """

    @overload
    def __init__(self: TypedParser[T], type_: type[T], **options: Any) -> None: ...
    @overload
    def __init__(self: TypedParser[Any], type_: Any, **options: Any) -> None: ...
    def __init__(self, type_: Any, **options: Any) -> None:
        if options.get("multiple_values"):
            raise ValueError("TypedParser parses one value; use TypedJsonlParser for JSON Lines")
        self._parser = Parser(**options)
        self._lenient = bool(options.get("lenient"))
        self._partial_strings = options.get("partial_strings", True)
        self._root_shape = shape_of(type_)
        self._stack: list[_Open] = []
        self._root: Any = None
        self._open_string: Optional[tuple[Path, Shape]] = None
        self._chunks: list[Chunk] = []
        self._final: Any = None
        self._has_final = False
        self._error: Optional[Exception] = None
        self._last_scalar: Any = None

    # -- public API -------------------------------------------------------------

    @property
    def value(self) -> Optional[T]:
        """The partial instance so far (``None`` before the value starts)."""
        opened = self._open_string
        if opened is not None and self._partial_strings:
            path, shape = opened
            text = _lookup(self._parser.value, path)
            if shape.str_like and isinstance(text, str):
                self._store(path, text)
        if self._has_final:
            return self._final  # type: ignore[no-any-return]
        return self._root  # type: ignore[no-any-return]

    @property
    def raw(self) -> Any:
        """The partial value as plain JSON (what ``Parser.value`` shows)."""
        return self._parser.value

    @property
    def done(self) -> bool:
        """True once the whole value has arrived and validated."""
        return self._has_final

    def is_complete(self, path: Path = ()) -> bool:
        """True when the value at ``path`` has fully arrived (and validated).

        ``path`` uses JSON keys and array indices, like delta paths.
        """
        if self._has_final:
            return _exists(self._parser.value, path)
        open_path: Optional[Path] = None
        if self._open_string is not None:
            open_path = self._open_string[0]
        elif self._stack:
            open_path = self._stack[-1].path
        if open_path is not None and open_path[: len(path)] == path:
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
        self._chunks.append(chunk)
        items: list[Item] = []
        try:
            deltas = self._parser.feed(chunk)
        except JSONStreamError as error:
            # Keep the typed view in step with what arrived; the syntax error
            # is the one to report, and the text is no longer JSON.
            self._error = error
            with contextlib.suppress(ValidationError):
                self._apply(error.deltas, items, whole_text_valid=False)
            raise
        self._apply(deltas, items)
        return items

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
        if not self._has_final:
            try:
                self._validate_root()
            except ValidationError as error:
                self._error = error
                raise
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

    def _apply(self, deltas: list[Any], items: list[Item], whole_text_valid: bool = True) -> None:
        try:
            for op, path, value in deltas:
                if op == "add":
                    self._on_add(path, value)
                elif op == "end":
                    if path or whole_text_valid:
                        self._on_end(path, value, items)
        except ValidationError as error:
            if self._error is None:
                self._error = error
            raise

    def _shape_at(self, path: Path) -> Shape:
        if not path:
            return self._root_shape
        parent = self._stack[-1].shape
        if parent.kind in (MODEL, DATACLASS) and isinstance(path[-1], str):
            if parent.field_name(path[-1]) is None:
                if parent.forbid_extra:
                    raise _violation(
                        path,
                        [{"type": "extra_forbidden", "loc": (), "input": None}],
                        parent,
                    )
        return parent.child(path[-1])

    def _on_add(self, path: Path, value: Any) -> None:
        shape = self._shape_at(path)
        if shape.kind == IGNORE:
            if isinstance(value, (dict, list)):
                self._stack.append(_Open(path, shape, None))
            return
        if isinstance(value, dict):
            if shape.early and not shape.accepts_object():
                self._reject(path, shape, "{}")
            view = _partial_object(shape)
            self._store(path, view)
            self._stack.append(_Open(path, shape, view))
        elif isinstance(value, list):
            if shape.early and not shape.accepts_array():
                self._reject(path, shape, "[]")
            view = []
            self._store(path, view)
            self._stack.append(_Open(path, shape, view))
        elif isinstance(value, str):
            self._open_string = (path, shape)
            self._store(path, value if shape.str_like and self._partial_strings else None)
        else:
            checked = self._check(path, shape, value)
            self._last_scalar = checked
            self._store(path, checked)

    def _on_end(self, path: Path, value: Any, items: list[Item]) -> None:
        stack = self._stack
        if stack and stack[-1].path == path:
            opened = stack.pop()
            shape = opened.shape
            if shape.kind == IGNORE:
                return
            if not path:
                self._validate_root()
                return
            final = self._check(path, shape, value) if shape.early else opened.view
        else:
            if self._open_string is not None:
                shape = self._open_string[1]
            else:
                shape = self._stack[-1].shape.child(path[-1]) if path else self._root_shape
            self._open_string = None
            if shape.kind == IGNORE:
                return
            if not path:
                self._validate_root()
                return
            # Numbers, true, false and null were checked when they were added.
            final = self._check(path, shape, value) if isinstance(value, str) else self._last_scalar
        self._store(path, final)
        if isinstance(path[-1], int) and shape.early:
            items.append(Item(path, final))

    def _check(self, path: Path, shape: Shape, value: Any) -> Any:
        """Validate a complete value at ``path`` (JSON mode); return the result."""
        if not shape.early:
            return value
        try:
            return shape.adapter.validate_json(_dumps(value))
        except ValidationError as error:
            raise _relocate(error, path) from None

    def _reject(self, path: Path, shape: Shape, empty: str) -> None:
        try:
            shape.adapter.validate_json(empty)
        except ValidationError as error:
            raise _relocate(error, path) from None

    def _validate_root(self) -> None:
        shape = self._root_shape
        try:
            if self._lenient:
                final = shape.adapter.validate_json(_dumps(self._parser.value))
            else:
                final = shape.adapter.validate_json(_joined(self._chunks))
        except ValidationError as error:
            error.path = ()  # type: ignore[attr-defined]
            raise
        self._final = final
        self._has_final = True
        self._root = final
        self._chunks = []

    # -- the typed view -------------------------------------------------------

    def _store(self, path: Path, value: Any) -> None:
        """Put ``value`` at ``path`` in the typed view."""
        if not path:
            self._root = value
            return
        parent = self._parent_of(path)
        if parent is None:
            return
        key = path[-1]
        view = parent.view
        shape = parent.shape
        if shape.kind == MODEL:
            name = shape.field_name(key) if isinstance(key, str) else None
            if name is not None:
                view.__dict__[name] = value
                view.__pydantic_fields_set__.add(name)
        elif shape.kind == DATACLASS:
            name = shape.field_name(key) if isinstance(key, str) else None
            if name is not None:
                object.__setattr__(view, name, value)
        elif isinstance(view, list):
            assert isinstance(key, int)
            if key == len(view):
                view.append(value)
            else:
                view[key] = value
        elif isinstance(view, dict):
            view[key] = value

    def _parent_of(self, path: Path) -> Optional[_Open]:
        # The parent of the value being added/ended is the innermost open
        # container, except for an open container's own end (popped already).
        for opened in reversed(self._stack):
            if opened.path == path[:-1]:
                return opened if opened.shape.kind != IGNORE else None
        return None


class TypedJsonlParser(Generic[T]):
    """JSON Lines where every record is validated against ``type_``.

    ``feed`` returns the validated records completed by the chunk. A record
    that fails validation is a bad line like any other: with ``on_error``
    ``"raise"`` its ``pydantic.ValidationError`` is raised (``.line`` set);
    with ``"skip"``/``"collect"`` it is dropped (and kept in ``errors``).
    """

    def __init__(self, type_: Any, *, on_error: str = "raise", **options: Any) -> None:
        from ._jsonl import JsonlParser

        if on_error not in ("raise", "skip", "collect"):
            raise ValueError(f"on_error must be 'raise', 'skip' or 'collect', not {on_error!r}")
        self._lines = JsonlParser(on_error=on_error, **options)  # type: ignore[arg-type]
        self._on_error = on_error
        self._adapter = shape_of(type_).adapter
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
                valid.append(self._adapter.validate_json(_dumps(record)))
            except ValidationError as error:
                if self._on_error == "raise":
                    raise
                if self._on_error == "collect":
                    self._invalid.append(error)
        return valid


# -- helpers -----------------------------------------------------------------------


def _partial_object(shape: Shape) -> Any:
    if shape.kind == MODEL:
        model: type[BaseModel] = shape.target
        view = model.model_construct(_fields_set=set())
        # Every field None (not its default: nothing has arrived), in order.
        object.__setattr__(view, "__dict__", dict.fromkeys(model.model_fields))
        return view
    if shape.kind == DATACLASS:
        view = object.__new__(shape.target)
        for field in dataclasses.fields(shape.target):
            object.__setattr__(view, field.name, None)
        return view
    return {}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=True)


def _joined(chunks: list[Chunk]) -> Union[str, bytes]:
    if all(isinstance(c, str) for c in chunks):
        text = "".join(chunks)  # type: ignore[arg-type]
        return text[1:] if text.startswith("\ufeff") else text
    data = b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in chunks)
    return data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data


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


def _relocate(error: ValidationError, path: Path) -> ValidationError:
    """The same errors with their locations counted from the document root."""
    lines = []
    for detail in error.errors():
        line: dict[str, Any] = {
            "type": detail["type"],
            "loc": (*path, *detail["loc"]),
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


def _violation(path: Path, lines: list[dict[str, Any]], shape: Shape) -> ValidationError:
    relocated: list[Any] = [{**line, "loc": (*path, *line["loc"])} for line in lines]
    error = ValidationError.from_exception_data(
        getattr(shape.target, "__name__", str(shape.target)), relocated
    )
    error.path = path  # type: ignore[attr-defined]
    return error
