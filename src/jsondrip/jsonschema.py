"""Streaming JSON checked against a JSON Schema (the ``jsonschema`` extra).

:class:`SchemaParser` gives the early-violation checks of
:class:`jsondrip.pydantic.TypedParser` to users who have a JSON Schema rather
than a model, for example the schema sent to OpenAI's strict structured
outputs. It uses the ``jsonschema`` library for every verdict:

* each value is validated against the subschema at its path the moment it is
  complete (so ``enum``, ``pattern``, ``minLength``... wait for the whole
  string), and a container of a type the subschema excludes is rejected as
  soon as it opens;
* a key that ``additionalProperties: false`` forbids is rejected as soon as
  its value starts; a missing ``required`` property once its object closes
  (the root object included, inside ``feed``), and every other keyword about
  a container itself (``minItems``, ``maxProperties``...) once it closes,
  without judging its members again;
* a value under ``anyOf``/``oneOf``/``allOf``/``not``/``if`` (and
  ``patternProperties``, ``dependentSchemas``, ``unevaluated*``) is validated
  as a whole the moment it completes, scalars included (the OpenAI strict
  pattern ``anyOf: [{type: string}, {type: null}]`` is judged at the value);
* :meth:`SchemaParser.close` validates the whole document once more, so
  that a keyword judged nowhere above (``items: false``...) is not missed.

Violations raise ``jsonschema.ValidationError`` itself, its ``path`` counted
from the document root. ``value`` is the partial value as plain JSON, and
``feed`` returns the array elements completed (and validated) by the chunk.
"""

from __future__ import annotations

from ._extras import jsonschema as _  # noqa: F401  (ImportError names the extra)

# isort: split
from collections import deque
from typing import Any, Optional

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from referencing import Registry
from referencing.jsonschema import specification_with

from ._delta import Item, Path
from ._parser import Chunk, Parser
from .errors import JSONStreamError

__all__ = ["SchemaParser"]

_COMBINATORS = (
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "if",
    "patternProperties",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
)
# Keywords about a container's members, judged as each member completes.
_MEMBER_KEYWORDS = frozenset(
    ("properties", "additionalProperties", "items", "prefixItems", "$defs", "definitions")
)
_ROOT_URI = "urn:jsondrip:root"


class SchemaParser:
    """Incremental parser that checks the document against a JSON Schema.

    Args:
        schema: The JSON Schema (a dict; any draft ``jsonschema`` supports,
            ``$ref``/``$defs`` included).
        **options: Passed to :class:`~jsondrip.Parser`.

    Raises:
        jsonschema.SchemaError: the schema itself is invalid.
    """

    def __init__(self, schema: dict[str, Any], **options: Any) -> None:
        cls = validator_for(schema)
        cls.check_schema(schema)
        dialect = specification_with(cls.META_SCHEMA.get("$schema", ""))
        registry: Registry[Any] = Registry().with_resource(
            _ROOT_URI, dialect.create_resource(schema)
        )
        self._resolver = registry.resolver(_ROOT_URI)
        self._validator = cls(schema, registry=registry)
        self._parser = Parser(**options)
        # The subschema of each open container (None: not judged early).
        self._open: list[tuple[Path, Optional[dict[str, Any]]]] = []
        self._error: Optional[Exception] = None
        self._schema = schema

    @property
    def value(self) -> Any:
        """The partial value, as plain JSON (see :attr:`jsondrip.Parser.value`)."""
        return self._parser.value

    @property
    def done(self) -> bool:
        """True once the whole value has arrived."""
        return self._parser.done

    def feed(self, chunk: Chunk) -> list[Item]:
        """Parse the next chunk; return the array elements it completed.

        Raises:
            jsonschema.ValidationError: the document can no longer be valid.
            JSONStreamError: the text is not valid JSON.
        """
        if self._error is not None:
            raise self._error
        items: list[Item] = []
        try:
            deltas = self._parser.feed(chunk)
        except JSONStreamError as error:
            self._error = error
            raise
        try:
            for op, path, value in deltas:
                if op == "add":
                    self._on_add(path, value)
                elif op == "end":
                    self._on_end(path, value, items)
        except ValidationError as error:
            self._error = error
            raise
        return items

    def close(self) -> Any:
        """End of input: validate the whole document and return it.

        Raises:
            IncompleteJSONError: the input ended early.
            jsonschema.ValidationError: the document does not validate.
        """
        if self._error is not None:
            raise self._error
        value = self._parser.close()
        error = next(iter(self._validator.iter_errors(value)), None)
        if error is not None:
            self._error = error
            raise error
        return value

    # -- following the deltas ---------------------------------------------------

    def _schema_at(self, path: Path) -> Optional[dict[str, Any]]:
        if not path:
            return self._resolve(self._schema)
        parent = self._open[-1][1] if self._open else None
        if parent is None:
            return None
        key = path[-1]
        if isinstance(key, str):
            properties = parent.get("properties", {})
            if key in properties:
                return self._resolve(properties[key])
            extra = parent.get("additionalProperties", True)
            if extra is False:
                raise _at(
                    ValidationError(
                        f"Additional properties are not allowed ({key!r} was unexpected)",
                        validator="additionalProperties",
                        validator_value=False,
                        instance=key,
                    ),
                    path[:-1],
                )
            return self._resolve(extra) if isinstance(extra, dict) else {}
        prefix = parent.get("prefixItems", [])
        if key < len(prefix):
            return self._resolve(prefix[key])
        items = parent.get("items", {})
        return self._resolve(items) if isinstance(items, dict) else {}

    def _resolve(self, schema: Any) -> Optional[dict[str, Any]]:
        """Follow ``$ref``s; None where a value is only judged as a whole."""
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 32:
            if len(schema) > 1:
                return None  # $ref next to other keywords: judge the whole
            schema = self._resolver.lookup(schema["$ref"]).contents
            seen += 1
        if not isinstance(schema, dict) or any(word in schema for word in _COMBINATORS):
            return None
        return schema

    def _on_add(self, path: Path, value: Any) -> None:
        schema = self._schema_at(path)
        if isinstance(value, (dict, list)):
            if schema is not None and "type" in schema:
                self._check(path, {"type": schema["type"]}, {} if isinstance(value, dict) else [])
            self._open.append((path, schema))
        elif not isinstance(value, str) and schema is not None:
            self._check(path, schema, value)

    def _on_end(self, path: Path, value: Any, items: list[Item]) -> None:
        if self._open and self._open[-1][0] == path:
            _, schema = self._open.pop()
            if schema is not None:
                # Its members were judged as they completed: only the
                # keywords about the container itself are left (required...).
                self._check(path, _shallow(schema), value)
            else:
                whole = self._whole(path) if path else self._schema
                if whole is not None:
                    self._check(path, whole, value)
        else:
            schema = self._schema_at(path)
            if schema is not None:
                if isinstance(value, str) or not path:
                    self._check(path, schema, value)  # numbers were judged when added
            else:
                whole = self._whole(path) if path else self._schema
                if whole is not None:
                    self._check(path, whole, value)
        if path and isinstance(path[-1], int):
            items.append(Item(path, value))

    def _whole(self, path: Path) -> Optional[dict[str, Any]]:
        """The raw subschema of a value not judged early (combinators)."""
        parent = self._open[-1][1] if self._open else None
        if parent is None or not path:
            return None
        key = path[-1]
        if isinstance(key, str):
            raw = parent.get("properties", {}).get(key)
        else:
            prefix = parent.get("prefixItems", [])
            raw = prefix[key] if key < len(prefix) else parent.get("items")
        return raw if isinstance(raw, dict) else None

    def _check(self, path: Path, schema: dict[str, Any], value: Any) -> None:
        error = next(iter(self._validator.evolve(schema=schema).iter_errors(value)), None)
        if error is not None:
            raise _at(error, path)


def _shallow(schema: dict[str, Any]) -> dict[str, Any]:
    """The keywords of ``schema`` about a container itself, not its members."""
    return {key: value for key, value in schema.items() if key not in _MEMBER_KEYWORDS}


def _at(error: ValidationError, path: Path) -> ValidationError:
    """Count the error's path from the document root."""
    error.path = deque([*path, *error.path])
    error.relative_path = error.path
    return error
