"""What a type expects at each path of a JSON document (for ``jsondrip.pydantic``).

A :class:`Shape` wraps one annotation: what JSON it can accept (object, array,
anything), how to show it while partial (a model instance, a dict, a list),
the shapes of its children, and a cached ``TypeAdapter`` that validates a
complete value exactly as pydantic would inside the enclosing model (field
constraints and the model's config included).

``early`` says whether a value at this path may be judged on its own, before
its enclosing model is complete. It is false below a field that has
before/wrap/plain validators, or in a model with a before/wrap model
validator: such hooks can turn input that looks wrong into valid input, so
only the model's own validation may reject it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections import deque
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from collections.abc import Set as AbstractSet
from typing import Annotated, Any, Optional, Union

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo
from typing_extensions import get_args, get_origin, is_typeddict

__all__ = ["Shape", "shape_of"]

# Shape kinds.
MODEL = "model"
DATACLASS = "dataclass"
TYPEDDICT = "typeddict"
MAPPING = "mapping"
SEQUENCE = "sequence"
TUPLE = "tuple"
UNION = "union"
ANY = "any"
SCALAR = "scalar"
IGNORE = "ignore"  # an unknown key's value: parsed, not shown, not checked

_OBJECT_KINDS = frozenset((MODEL, DATACLASS, TYPEDDICT, MAPPING, ANY))
_ARRAY_KINDS = frozenset((SEQUENCE, TUPLE, ANY))
_MAPPING_ORIGINS = (dict, Mapping, MutableMapping)
_SEQUENCE_ORIGINS = (list, set, frozenset, deque, Sequence, MutableSequence, AbstractSet)
_HOOK_MODES = frozenset(("before", "wrap", "plain"))
_UNION_TYPES: tuple[Any, ...] = (Union,)
if hasattr(types, "UnionType"):  # Python 3.10+: X | Y
    _UNION_TYPES += (types.UnionType,)


class Shape:
    """The expectations at one path: see the module docstring."""

    __slots__ = (
        "_adapter",
        "_children",
        "_fields",
        "annotation",
        "config",
        "early",
        "forbid_extra",
        "kind",
        "members",
        "nullable",
        "str_like",
        "target",
    )

    def __init__(
        self, annotation: Any, config: Optional[Mapping[str, Any]] = None, early: bool = True
    ) -> None:
        self.annotation = annotation
        self.config = config
        self.early = early
        self._adapter: Optional[TypeAdapter[Any]] = None
        self._children: dict[Any, Shape] = {}
        self._fields: dict[str, str] = {}  # JSON key -> attribute name
        self.forbid_extra = False
        self.nullable = False
        self.str_like = False
        self.members: list[Shape] = []
        target, _ = _strip(annotation)
        origin = get_origin(target)
        if origin in _UNION_TYPES:
            args = [a for a in get_args(target) if a is not type(None)]
            self.nullable = len(args) < len(get_args(target))
            if len(args) == 1:
                target, _ = _strip(args[0])
                origin = get_origin(target)
            else:
                self.members = [Shape(a, config, early) for a in args]
        self.target = target
        self.kind = self._classify(target, origin)
        if self.kind in (MODEL, DATACLASS):
            self._read_fields()
        elif self.kind == TYPEDDICT:
            self.forbid_extra = bool(
                (getattr(target, "__pydantic_config__", None) or {}).get("extra") == "forbid"
            )

    def _classify(self, target: Any, origin: Any) -> str:
        if self.members:
            return UNION
        if target is Any or target is object or isinstance(target, typing.TypeVar):
            self.str_like = True  # shown as plain JSON, unfinished strings included
            return ANY
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
        if isinstance(target, type) and issubclass(target, str) and not _is_enum(target):
            self.str_like = True
        return SCALAR

    # -- what JSON fits --------------------------------------------------------

    def accepts_object(self) -> bool:
        """Can a JSON object ever validate here?"""
        if self.kind == UNION:
            return any(m.accepts_object() for m in self.members)
        return self.kind in _OBJECT_KINDS or self.kind == IGNORE

    def accepts_array(self) -> bool:
        """Can a JSON array ever validate here?"""
        if self.kind == UNION:
            return any(m.accepts_array() for m in self.members)
        return self.kind in _ARRAY_KINDS or self.kind == IGNORE

    # -- children --------------------------------------------------------------

    def field_name(self, key: str) -> Optional[str]:
        """The attribute a JSON key fills in a model or dataclass (None: unknown)."""
        return self._fields.get(key)

    def child(self, key: Any) -> Shape:
        """The shape of the value at ``key`` (an object key or array index)."""
        cached = self._children.get(key)
        if cached is not None:
            return cached
        shape = self._make_child(key)
        if self.kind not in (SEQUENCE, MAPPING):  # those share one child shape
            self._children[key] = shape
        else:
            self._children = {key: shape} if not self._children else self._children
        return shape

    def _make_child(self, key: Any) -> Shape:
        kind = self.kind
        if kind == IGNORE:
            return self
        if kind in (MODEL, DATACLASS):
            name = self._fields.get(key)
            if name is None:
                return _ignored()
            return self._field_shape(name)
        if kind == TYPEDDICT:
            hints = typing.get_type_hints(self.target, include_extras=True)
            config = getattr(self.target, "__pydantic_config__", None) or self.config
            if key in hints:
                return Shape(hints[key], config, self.early)
            return _ignored()
        if kind in (SEQUENCE, MAPPING):
            existing = next(iter(self._children.values()), None)
            if existing is not None:
                return existing
            args = get_args(self.target)
            if kind == MAPPING:
                item = args[1] if len(args) == 2 else Any
            else:
                item = args[0] if args else Any
            return Shape(item, self.config, self.early)
        if kind == TUPLE:
            args = get_args(self.target)
            if isinstance(key, int) and key < len(args):
                return Shape(args[key], self.config, self.early)
            return _ignored()
        return Shape(Any, self.config, False)

    def _read_fields(self) -> None:
        target = self.target
        if self.kind == MODEL:
            config: Mapping[str, Any] = target.model_config
            self.forbid_extra = config.get("extra") == "forbid"
            by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
            by_alias = config.get("validate_by_alias", True)
            for name, info in target.model_fields.items():
                keys = _alias_keys(info) if by_alias else []
                if not keys or by_name:
                    keys.append(name)
                for key in keys:
                    self._fields[key] = name
        else:
            for field in dataclasses.fields(target):
                if field.init:
                    self._fields[field.name] = field.name
            config = getattr(target, "__pydantic_config__", None) or {}
            self.forbid_extra = config.get("extra") == "forbid"
        if _has_model_hooks(target):
            self.early = False
            self.forbid_extra = False

    def _field_shape(self, name: str) -> Shape:
        target = self.target
        early = self.early and not _has_field_hooks(target, name)
        if self.kind == MODEL:
            info: FieldInfo = target.model_fields[name]
            return Shape(_field_annotation(info), target.model_config, early)
        hints = typing.get_type_hints(target, include_extras=True)
        config = getattr(target, "__pydantic_config__", None)
        return Shape(hints.get(name, Any), config, early)

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


def _ignored() -> Shape:
    shape = Shape(Any, None, False)
    shape.kind = IGNORE
    return shape


def _strip(annotation: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while get_origin(annotation) is Annotated:
        args = get_args(annotation)
        annotation = args[0]
        metadata.extend(args[1:])
    return annotation, metadata


def _is_enum(target: type) -> bool:
    import enum

    return issubclass(target, enum.Enum)


def _alias_keys(info: FieldInfo) -> list[str]:
    alias = info.validation_alias
    if isinstance(alias, str):
        return [alias]
    choices = getattr(alias, "choices", None)
    if choices is not None:
        return [c for c in choices if isinstance(c, str)]
    if alias is None and info.alias:
        return [info.alias]
    return []


def _decorators(target: Any) -> Any:
    return getattr(target, "__pydantic_decorators__", None)


def _has_model_hooks(target: Any) -> bool:
    decorators = _decorators(target)
    if decorators is None:
        return False
    return any(d.info.mode in ("before", "wrap") for d in decorators.model_validators.values())


def _has_field_hooks(target: Any, name: str) -> bool:
    decorators = _decorators(target)
    if decorators is None:
        return False
    for decorator in decorators.field_validators.values():
        fields = decorator.info.fields
        if (name in fields or "*" in fields) and decorator.info.mode in _HOOK_MODES:
            return True
    return False
