"""What a type expects at each path of a JSON document (for ``jsondrip.pydantic``).

A :class:`Shape` wraps one annotation: what JSON it can accept (object, array,
anything), how to show it while partial (a model instance, a dict, a list),
the shapes of its children and the *role* each key plays in an object, and a
cached ``TypeAdapter`` that validates a complete value exactly as pydantic
would inside the enclosing model (field constraints and the model's config
included).

Two flags decide how far a value may be judged on its own:

* ``hooked``: a validator function governs the value (a before, wrap, plain or
  after validator given with ``Annotated``, a ``Json`` field, a custom type's
  own validator, or a model's before/wrap validator), anywhere in the type
  except inside a nested model, which validates itself. Such a value is
  validated only once complete, from its raw JSON, and never shown before.
* ``trivial``: a plain ``list[X]`` or ``dict[str, X]`` (or ``Any``) whose
  completed children already are its validated value: completing it costs
  nothing.

Roles of a key in an object (see :meth:`Shape.role`): ``TYPED`` (a field,
validated as it completes and shown), ``GATED`` (a field under a field
validator, or a hooked value: handed raw to the model's own validation),
``RAWKEY`` (the first key of an ``AliasPath``), ``EXTRA`` (kept raw under
``extra='allow'``), ``IGNORED`` and ``FORBIDDEN``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections import deque
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, RootModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined as _UNSET
from pydantic_core import SchemaValidator
from typing_extensions import get_args, get_origin, is_typeddict

__all__ = ["Shape", "shape_of"]

# Shape kinds.
MODEL = "model"
DATACLASS = "dataclass"
TYPEDDICT = "typeddict"
MAPPING = "mapping"
SEQUENCE = "sequence"
TUPLE = "tuple"
UNION = "union"  # smart union: candidates narrowed as the value arrives
TAGGED = "tagged"  # discriminated union: the member is known once the tag is
ANY = "any"
SCALAR = "scalar"
WHOLE = "whole"  # judged only once complete (root models, callable discriminators)

# Roles of a key in an object.
TYPED = 0
GATED = 1
RAWKEY = 2
EXTRA = 3
IGNORED = 4
FORBIDDEN = 5

_OBJECT_KINDS = frozenset((MODEL, DATACLASS, TYPEDDICT, MAPPING, ANY, TAGGED))
_ARRAY_KINDS = frozenset((SEQUENCE, TUPLE, ANY))
_SHOWN_KINDS = frozenset((MODEL, DATACLASS, TYPEDDICT, MAPPING, SEQUENCE, TUPLE, ANY))
_MAPPING_ORIGINS = (dict, Mapping, MutableMapping)
_SEQUENCE_ORIGINS = (list, set, frozenset, deque, Sequence, MutableSequence, AbstractSet)
_HOOK_MODES = frozenset(("before", "wrap", "plain"))
_FUNCTION_SCHEMAS = frozenset(("function-before", "function-wrap", "function-plain", "json"))
_UNION_TYPES: tuple[Any, ...] = (Union,)
if hasattr(types, "UnionType"):  # Python 3.10+: X | Y
    _UNION_TYPES += (types.UnionType,)


class Shape:
    """The expectations at one path: see the module docstring."""

    __slots__ = (
        "_adapter",
        "_empty",
        "_fields",
        "_gated",
        "_key_of",
        "_plain_new",
        "aliased",
        "allow_extra",
        "annotation",
        "array_ok",
        "check",
        "config",
        "exact",
        "field_names",
        "forbid_extra",
        "hooked",
        "item_role",
        "keeps_inputs",
        "kind",
        "label",
        "members",
        "metadata",
        "nullable",
        "object_ok",
        "plain_model",
        "roles",
        "same_type",
        "showable",
        "shown",
        "str_like",
        "tag_keys",
        "tags",
        "target",
        "trivial",
    )

    def __init__(self, annotation: Any, config: Optional[Mapping[str, Any]] = None) -> None:
        self.annotation = annotation
        self.config = config
        self._adapter: Optional[TypeAdapter[Any]] = None
        # validate_python of the built validator (set by validate_scalar).
        self.check: Any = None
        # The roles of the keys seen so far (see role()).
        self.roles: dict[Any, tuple[int, Any, Optional[Shape]]] = {}
        # The role of every key of a list, dict or Any (once role() was asked).
        self.item_role: Optional[tuple[int, Any, Optional[Shape]]] = None
        # JSON key -> (attribute name, priority among the keys of that field).
        self._fields: dict[str, tuple[str, int]] = {}
        self._gated: set[str] = set()  # attribute names under field validators / AliasPath
        self.aliased = False  # some field has several keys (validation_alias choices)
        self.field_names: tuple[str, ...] = ()  # a model's fields, in order
        self._empty: dict[str, None] = {}  # every field None: a partial model's __dict__
        self._key_of: dict[str, str] = {}  # a plain model's field name -> its one JSON key
        self.forbid_extra = False
        self.allow_extra = False
        self.nullable = False
        self.str_like = False
        self.exact = False
        self.same_type: Optional[type] = None  # JSON values of this type validate as is
        self.members: list[Shape] = []
        self.tag_keys: frozenset[str] = frozenset()
        self.tags: dict[Any, Shape] = {}
        target, metadata = _strip(annotation)
        origin = get_origin(target)
        if origin in _UNION_TYPES:
            args = [a for a in get_args(target) if a is not type(None)]
            self.nullable = len(args) < len(get_args(target))
            if len(args) == 1:
                target, more = _strip(args[0])
                metadata = [*metadata, *more]
                origin = get_origin(target)
            else:
                self.members = [Shape(a, config) for a in args]
        self.target = target
        self.metadata = metadata
        self.label = getattr(target, "__name__", str(target))
        self.kind = self._classify(target, origin)
        if self.kind in (MODEL, DATACLASS):
            self._read_fields()
        elif self.kind == TYPEDDICT:
            extra = (getattr(target, "__pydantic_config__", None) or {}).get("extra")
            self.forbid_extra = extra == "forbid"
        elif self.kind == UNION:
            self._read_tags()
        self.trivial = self._is_trivial(origin)
        self.hooked = self._find_hooks()
        self.object_ok = self.accepts_object()
        self.array_ok = self.accepts_array()
        # An open string shows its prefix here.
        self.showable = self.str_like and not self.hooked
        self.plain_model = self.kind == MODEL and self._is_plain_model()
        # partial() may make the model with object.__new__ and set its slots.
        self._plain_new = False
        if self.plain_model:
            self._key_of = {name: key for key, (name, _) in self._fields.items()}
            self._plain_new = target.__new__ is _new_object
        # An open object here keeps its children's inputs for its validation
        # (a plain model's are its fields: see inputs_of).
        self.keeps_inputs = self.kind == DATACLASS or (self.kind == MODEL and not self.plain_model)
        # Shown as a partial value (model, dataclass, dict, list) while open.
        self.shown = self.kind in _SHOWN_KINDS and (self.trivial or not self.hooked)

    def _classify(self, target: Any, origin: Any) -> str:
        if self.members:
            return UNION
        if target is Any or target is object or isinstance(target, typing.TypeVar):
            self.str_like = True  # shown as plain JSON, unfinished strings included
            return ANY
        if isinstance(target, type) and issubclass(target, RootModel):
            return WHOLE
        if isinstance(target, type) and issubclass(target, BaseModel):
            return MODEL
        if dataclasses.is_dataclass(target) and isinstance(target, type):
            return DATACLASS
        if is_typeddict(target):
            return TYPEDDICT
        if target in (dict, Mapping) or origin in _MAPPING_ORIGINS:
            return MAPPING
        if origin is tuple or target is tuple:
            args = get_args(target)
            return SEQUENCE if not args or (len(args) == 2 and args[1] is Ellipsis) else TUPLE
        if target in (list, set, frozenset) or origin in _SEQUENCE_ORIGINS:
            return SEQUENCE
        if target in (str, int, float, bool):
            self.same_type = target
            self.str_like = target is str
        elif target is Decimal:
            self.exact = True
        elif isinstance(target, type) and issubclass(target, str) and not _is_enum(target):
            self.str_like = True
        return SCALAR

    def _is_trivial(self, origin: Any) -> bool:
        if self.kind == ANY:
            return True
        if self.metadata:
            return False
        if self.kind == SEQUENCE:
            return self.target is list or origin is list
        if self.kind == MAPPING:
            args = get_args(self.target)
            return (self.target is dict or origin is dict) and (not args or args[0] in (str, Any))
        return False

    def _read_tags(self) -> None:
        discriminator: Any = None
        for item in self.metadata:
            discriminator = getattr(item, "discriminator", None) or discriminator
        if discriminator is None:
            return
        if not isinstance(discriminator, str):
            self.kind = WHOLE  # a callable discriminator: pydantic decides at the end
            return
        keys: set[str] = set()
        for member in self.members:
            name = discriminator
            values: tuple[Any, ...] = ()
            if member.kind == MODEL:
                info = member.target.model_fields.get(name)
                annotation = info.annotation if info is not None else None
            elif member.kind == DATACLASS:
                annotation = typing.get_type_hints(member.target).get(name)
            else:
                annotation = None
            stripped, _ = _strip(annotation)
            if get_origin(stripped) is Literal:
                values = get_args(stripped)
            if not values:
                self.kind = WHOLE
                return
            for value in values:
                self.tags[value.value if isinstance(value, enum.Enum) else value] = member
            keys.update(key for key, (field, _) in member._fields.items() if field == name)
        self.tag_keys = frozenset(keys)
        self.kind = TAGGED

    def _read_fields(self) -> None:
        target = self.target
        if self.kind == MODEL:
            if not getattr(target, "__pydantic_complete__", True):
                target.model_rebuild(raise_errors=False)  # forward references
            config: Mapping[str, Any] = target.model_config
            by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
            by_alias = config.get("validate_by_alias", True)
            for name, info in target.model_fields.items():
                keys, paths = _alias_keys(info) if by_alias else ([], [])
                if paths:
                    self._gated.add(name)
                    for key in paths:
                        self.roles.setdefault(key, (RAWKEY, None, None))
                if (not keys and not paths) or by_name:
                    keys.append(name)
                for priority, key in enumerate(keys):
                    self._fields.setdefault(key, (name, priority))
                if _has_field_hooks(target, name):
                    self._gated.add(name)
        else:
            for field in dataclasses.fields(target):
                if field.init:
                    self._fields[field.name] = (field.name, 0)
                    if _has_field_hooks(target, field.name):
                        self._gated.add(field.name)
            config = getattr(target, "__pydantic_config__", None) or {}
        self.forbid_extra = config.get("extra") == "forbid"
        self.allow_extra = config.get("extra") == "allow"
        self.aliased = any(priority > 0 for _, priority in self._fields.values())
        if self.kind == MODEL:
            self.field_names = tuple(target.model_fields)
            self._empty = dict.fromkeys(self.field_names)

    def _is_plain_model(self) -> bool:
        """Is the model, once every field arrived validated, exactly its
        validated self? No model validator, ``__init__``, ``model_post_init``,
        private attribute, schema hook, alias choice, gated field or extra
        keys kept: then completing it needs no second validation."""
        target = self.target
        config = target.model_config
        decorators = _decorators(target)
        return (
            not self.hooked
            and not self.aliased
            and not self._gated
            and not self.allow_extra
            and config.get("revalidate_instances", "never") == "never"
            and decorators is not None
            and not decorators.model_validators
            and not decorators.root_validators
            and getattr(target, "__pydantic_post_init__", None) is None
            and not getattr(target, "__pydantic_custom_init__", True)
            and not getattr(target, "__private_attributes__", True)
            and _same_function(target, "__get_pydantic_core_schema__")
            and not _fields_hooked(target)
        )

    def done_when_closed(self, view: Any) -> bool:
        """Is the partial value shown here its own validated value, once its
        container closed? A trivial list or dict (its children are validated),
        or a plain model every field of which arrived (see ``plain_model``)."""
        if self.trivial:
            return True
        return self.plain_model and len(view.__pydantic_fields_set__) == len(self.field_names)

    def inputs_of(self, view: Any) -> dict[str, Any]:
        """A plain model's inputs: the validated fields that arrived, by key."""
        fields = view.__dict__
        key_of = self._key_of
        return {key_of[name]: fields[name] for name in view.__pydantic_fields_set__}

    def partial(self) -> Any:
        """A new empty partial value for an object here: every field ``None``
        (not its default: nothing has arrived), none of them set."""
        kind = self.kind
        target = self.target
        if kind == MODEL:
            # Not model_construct: it would run model_post_init on nothing
            # (validators never see partial data; the hook runs when the
            # model completes, in its validation).
            if self.plain_model and self._plain_new:
                # No private attributes, no extra keys kept, object.__new__:
                # BaseModel's own slots set directly (~2.5x object.__setattr__).
                view = _new_object(target)
                _set(view, "__dict__", self._empty.copy())  # a copy: ~5x dict.fromkeys
                _set_fields_set(view, set())
                _set_extra(view, None)
                _set_private(view, None)
                return view
            view = _new_object(target) if target.__new__ is _new_object else target.__new__(target)
            _set(view, "__dict__", self._empty.copy())  # a copy: ~5x dict.fromkeys
            _set(view, "__pydantic_fields_set__", set())
            _set(view, "__pydantic_extra__", {} if self.allow_extra else None)
            private = getattr(target, "__private_attributes__", None)
            if self.plain_model or not private:
                _set(view, "__pydantic_private__", None)
            else:  # their defaults, as pydantic sets them before validation
                defaults = ((n, a.get_default()) for n, a in private.items())
                _set(view, "__pydantic_private__", {n: d for n, d in defaults if d is not _UNSET})
            return view
        if kind == DATACLASS:
            view = object.__new__(target)
            for field in dataclasses.fields(target):
                _set(view, field.name, None)
            return view
        return {}

    def _find_hooks(self) -> bool:
        if self.kind in (MODEL, DATACLASS):
            if _has_model_hooks(self.target):
                return True
            if self.kind == MODEL and not self.metadata:
                return False  # a model validates its own fields: a boundary
        if self.kind == ANY or (self.kind == SCALAR and not self.metadata and _simple(self.target)):
            return False
        try:
            schema = self.adapter.core_schema
        except Exception:  # pragma: no cover - pydantic rejects the type later
            return True
        return _has_hooks(schema)

    # -- what JSON fits --------------------------------------------------------

    def accepts_object(self) -> bool:
        """Can a JSON object ever validate here?"""
        if self.kind == UNION:
            return any(m.accepts_object() for m in self.members)
        return self.kind in _OBJECT_KINDS or self.kind == WHOLE

    def accepts_array(self) -> bool:
        """Can a JSON array ever validate here?"""
        if self.kind == UNION:
            return any(m.accepts_array() for m in self.members)
        return self.kind in _ARRAY_KINDS or self.kind == WHOLE

    # -- children --------------------------------------------------------------

    def role(self, key: Any) -> tuple[int, Any, Optional[Shape]]:
        """How the value at ``key`` is handled: ``(role, attribute, shape)``.

        ``attribute`` is the field name in models and dataclasses, else None.
        """
        if self.kind in (SEQUENCE, MAPPING, ANY):  # one child shape for every key
            if self.item_role is None:
                self.item_role = self._make_role(key)
            return self.item_role
        cached = self.roles.get(key)
        if cached is not None:
            return cached
        role = self._make_role(key)
        if len(self.roles) < 10_000:
            self.roles[key] = role
        return role

    def priority(self, key: str) -> int:
        """The rank of ``key`` among the keys that fill the same field (0 wins)."""
        return self._fields.get(key, ("", 0))[1]

    def _make_role(self, key: Any) -> tuple[int, Any, Optional[Shape]]:
        kind = self.kind
        if kind in (MODEL, DATACLASS):
            found = self._fields.get(key)
            if found is None:
                if self.forbid_extra:
                    return (FORBIDDEN, None, None)
                return (EXTRA if self.allow_extra else IGNORED, None, None)
            name = found[0]
            shape = self._field_shape(name)
            if name in self._gated or shape.hooked:
                return (GATED, name, shape)
            return (TYPED, name, shape)
        if kind == TYPEDDICT:
            hints = typing.get_type_hints(self.target, include_extras=True)
            config = getattr(self.target, "__pydantic_config__", None) or self.config
            if key in hints:
                return (TYPED, None, Shape(hints[key], config))
            return (FORBIDDEN if self.forbid_extra else IGNORED, None, None)
        if kind in (SEQUENCE, MAPPING, ANY):
            args = get_args(self.target)
            if kind == ANY:
                item: Any = Any
            elif kind == MAPPING:
                item = args[1] if len(args) == 2 else Any
            else:
                item = args[0] if args else Any
            return (TYPED, None, Shape(item, self.config))
        if kind == TUPLE:
            args = get_args(self.target)
            if isinstance(key, int) and key < len(args):
                return (TYPED, None, Shape(args[key], self.config))
            return (IGNORED, None, None)
        return (IGNORED, None, None)

    def _field_shape(self, name: str) -> Shape:
        target = self.target
        if self.kind == MODEL:
            info: FieldInfo = target.model_fields[name]
            return Shape(_field_annotation(info), target.model_config)
        hints = typing.get_type_hints(target, include_extras=True)
        config = getattr(target, "__pydantic_config__", None)
        return Shape(hints.get(name, Any), config)

    def candidates(self, is_object: bool) -> list[Shape]:
        """The union members that can take a JSON object (or array)."""
        if is_object:
            return [m for m in self.members if m.accepts_object()]
        return [m for m in self.members if m.accepts_array()]

    # -- validation ------------------------------------------------------------

    @property
    def adapter(self) -> TypeAdapter[Any]:
        """A TypeAdapter validating a complete value at this path."""
        if self._adapter is None:
            own_config = self.kind in (MODEL, DATACLASS, TYPEDDICT) or self.config is None
            if own_config:
                self._adapter = TypeAdapter(self.annotation)
            else:
                assert self.config is not None
                config = {k: v for k, v in self.config.items() if k not in _MODEL_ONLY}
                self._adapter = TypeAdapter(self.annotation, config=config)  # type: ignore[arg-type]
        return self._adapter

    def validate_scalar(self, value: Any) -> Any:
        """Validate a complete JSON scalar, from its exact text."""
        if self.same_type is type(value):
            # str from str, float from float, int from int, bool from bool:
            # the same in both modes (strict included), and the parser's own
            # object is kept.
            check = self.check
            if check is None:
                check = self.check = _python_check(self.adapter)
            return check(value)
        if self.kind == ANY:
            return plain(value)
        if value is None and self.nullable and not self.hooked:
            return None  # null where None is allowed: None in both modes
        if self.same_type is float and type(value) is int and -_EXACT <= value <= _EXACT:
            # An integer where a float is expected: JSON mode reads it as this
            # float (exactly: |value| <= 2**53), constraints apply to it.
            return self.validate_scalar(float(value))
        if self.exact and isinstance(value, Decimal):
            return self.adapter.validate_python(value)  # parse_float=Decimal: every digit
        return self.adapter.validate_json(number_text(value))

    def validate_raw(self, value: Any) -> Any:
        """Validate a complete raw JSON value as a whole, in JSON mode."""
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=True, default=_number)
        except RecursionError:
            raise too_deep(self) from None
        return self.adapter.validate_json(text)


_set = object.__setattr__
_new_object = object.__new__
# The setters of BaseModel's own slots.
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__

_EXACT = 2**53  # integers up to this size are exact floats


def _same_function(target: type, name: str) -> bool:
    """Does ``target`` inherit ``BaseModel``'s own ``name`` classmethod?"""
    mine = getattr(target, name, None)
    base = getattr(BaseModel, name, None)
    return getattr(mine, "__func__", mine) is getattr(base, "__func__", base)


def _python_check(adapter: TypeAdapter[Any]) -> Any:
    """``adapter.validate_python``, called on its core validator when that is
    a plain ``SchemaValidator`` (no plugin): the same result without the
    wrapper's cost."""
    validator = adapter.validator
    if isinstance(validator, SchemaValidator):
        return validator.validate_python
    return adapter.validate_python


def too_deep(shape: Shape) -> ValidationError:
    """The error pydantic gives for a value nested deeper than it recurses."""
    return ValidationError.from_exception_data(
        shape.label, [{"type": "recursion_loop", "loc": (), "input": None}]
    )


def number_text(value: Any) -> str:
    """The JSON text of a parsed scalar (a float's repr reads back as the same
    float, which is all pydantic's JSON mode keeps of a number)."""
    if type(value) is str:
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        text = float.__repr__(value)
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(text, text)
    if isinstance(value, int):
        return int.__repr__(value)
    return str(value)  # Decimal (parse_float=Decimal) or another parse_float's result


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def plain(value: Any) -> Any:
    """Raw JSON as pydantic's JSON mode hands it to validators: floats as float.

    Only needed with ``parse_float=Decimal``; iterative, so that no depth
    raises ``RecursionError``.
    """
    kind = type(value)
    if isinstance(value, Decimal):
        return float(value)
    if kind is not dict and kind is not list:
        return value
    root: list[Any] = [None]
    todo: list[tuple[Any, Any, Any]] = [(root, 0, value)]
    while todo:
        target, slot, item = todo.pop()
        kind = type(item)
        if kind is dict:
            copy: Any = {}
            target[slot] = copy
            for key, child in item.items():
                copy[key] = None
                todo.append((copy, key, child))
        elif kind is list:
            copy = [None] * len(item)
            target[slot] = copy
            todo.extend((copy, i, child) for i, child in enumerate(item))
        elif isinstance(item, Decimal):
            target[slot] = float(item)
        else:
            target[slot] = item
    return root[0]


# Config keys that describe a model, not how its field types validate.
_MODEL_ONLY = frozenset(
    (
        "title",
        "extra",
        "frozen",
        "populate_by_name",
        "validate_by_name",
        "validate_by_alias",
        "alias_generator",
        "json_schema_extra",
        "protected_namespaces",
        "model_title_generator",
    )
)


_ROOTS: dict[Any, Shape] = {}


def shape_of(annotation: Any) -> Shape:
    """The root shape for a type, shared by every parser of that type.

    Shapes hold no per-stream state, only lazily built children and
    TypeAdapters, which are costly to build (milliseconds for a model).
    """
    try:
        shape = _ROOTS.get(annotation)
    except TypeError:  # an unhashable annotation: not cached
        return Shape(annotation)
    if shape is None:
        if len(_ROOTS) >= 256:
            _ROOTS.clear()
        shape = _ROOTS[annotation] = Shape(annotation)
    return shape


def _field_annotation(info: FieldInfo) -> Any:
    """The field's type with the metadata that governs its validation
    (constraints, strictness, discriminator), without field-only attributes
    such as aliases and defaults."""
    metadata = list(info.metadata)
    if info.discriminator is not None:
        from pydantic import Field

        metadata.append(Field(discriminator=info.discriminator))
    if not metadata:
        return info.annotation
    return Annotated[(info.annotation, *metadata)]


def _strip(annotation: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while get_origin(annotation) is Annotated:
        args = get_args(annotation)
        annotation = args[0]
        metadata.extend(args[1:])
    return annotation, metadata


def _is_enum(target: type) -> bool:
    return issubclass(target, enum.Enum)


_SIMPLE = (str, int, float, bool, bytes, Decimal, type(None))


def _simple(target: Any) -> bool:
    if target in _SIMPLE:
        return True
    if get_origin(target) is Literal:
        return True
    return isinstance(target, type) and (_is_enum(target) or target.__module__ == "datetime")


def _alias_keys(info: FieldInfo) -> tuple[list[str], list[str]]:
    """The JSON keys that fill a field, in pydantic's order of preference,
    and the first keys of its ``AliasPath``\\ s."""
    alias = info.validation_alias
    if alias is None:
        return ([info.alias] if info.alias else []), []
    choices = getattr(alias, "choices", None)
    options = list(choices) if choices is not None else [alias]
    keys: list[str] = []
    paths: list[str] = []
    for option in options:
        if isinstance(option, str):
            keys.append(option)
        else:
            path = getattr(option, "path", None) or []
            if len(path) == 1 and isinstance(path[0], str):
                keys.append(path[0])
            elif path and isinstance(path[0], str):
                paths.append(path[0])
    return keys, paths


def _decorators(target: Any) -> Any:
    return getattr(target, "__pydantic_decorators__", None)


def _has_model_hooks(target: Any) -> bool:
    decorators = _decorators(target)
    if decorators is None:
        return False
    if any(d.info.mode in ("before", "wrap") for d in decorators.model_validators.values()):
        return True
    return any(getattr(d.info, "pre", False) for d in decorators.root_validators.values())


def _has_field_hooks(target: Any, name: str) -> bool:
    """Any field validator (of any mode): it may transform the value, so the
    field is final only once its model validated it."""
    decorators = _decorators(target)
    if decorators is None:
        return False
    for group in (decorators.field_validators, decorators.validators):
        for decorator in group.values():
            fields = decorator.info.fields
            if name in fields or "*" in fields:
                return True
    return False


def _fields_hooked(target: Any) -> bool:
    """Does a user's function run on any of a model's fields (an ``Annotated``
    validator, a ``Json`` field...; not inside nested models)? True when the
    schema cannot be read."""
    try:
        schema = target.__pydantic_core_schema__
        definitions: list[Any] = []
        if schema.get("type") == "definitions":
            definitions = list(schema.get("definitions", []))
            schema = schema.get("schema")
        if schema.get("type") == "definition-ref":
            ref = schema.get("schema_ref")
            schema = next(d for d in definitions if d.get("ref") == ref)
        if schema.get("type") != "model":
            return True
        fields = schema["schema"]
    except Exception:  # pragma: no cover - an unusual or unbuilt schema: not plain
        return True
    return _has_hooks({"type": "definitions", "definitions": definitions, "schema": fields})


def _has_hooks(schema: Any) -> bool:
    """Does a core schema run a user's function (outside nested models)?"""
    definitions: dict[str, Any] = {}
    seen: set[str] = set()
    todo = [schema]
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if kind == "model":
            continue  # a nested model validates itself
        if kind == "definitions":
            for definition in node.get("definitions", []):
                definitions[definition.get("ref", "")] = definition
        if kind == "definition-ref":
            ref = node.get("schema_ref", "")
            if ref not in seen:
                seen.add(ref)
                todo.append(definitions.get(ref))
            continue
        if kind in _FUNCTION_SCHEMAS or kind == "function-after":
            function = node.get("function", {})
            function = function.get("function") if isinstance(function, dict) else function
            module = getattr(function, "__module__", "") or ""
            if kind == "json" or not module.startswith("pydantic"):
                return True
        for key, child in node.items():
            if key not in ("serialization", "metadata", "ref") and isinstance(child, (dict, list)):
                todo.append(child)
    return False
