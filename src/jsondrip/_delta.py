"""Deltas: the changes a chunk made to the partial value, and how to apply them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, NamedTuple, Union

__all__ = ["Delta", "Item", "Path", "apply_deltas"]

#: Keys (``str``) and array indices (``int``) from the root to a value.
Path = tuple[Union[str, int], ...]


class Delta(NamedTuple):
    """One change to the partial value.

    ``op`` is one of:

    * ``"add"``: a value appears at ``path`` (a new object member, array
      element, or the root). ``value`` is its initial value: an empty ``{}`` or
      ``[]`` for containers, the text so far for strings (when
      ``partial_strings`` is on, otherwise the whole string), the whole value
      for numbers, ``true``, ``false`` and ``null``. Adding a key that is
      already present (a duplicate key) replaces its value, like ``json.loads``.
    * ``"append"``: the string at ``path`` grew; ``value`` is the new text.
    * ``"end"``: the value at ``path`` is complete; ``value`` is the completed
      value itself (the parser's own object, not a copy).

    Every value gets exactly one ``"add"`` and, once complete, one ``"end"``;
    ``"append"`` only follows a string's ``"add"``. Folding the deltas in order
    with :func:`apply_deltas` gives exactly ``Parser.value``.
    """

    op: Literal["add", "append", "end"]
    path: Path
    value: Any


class Item(NamedTuple):
    """An array element that just completed, validated: ``(path, value)``."""

    path: Path
    value: Any


def apply_deltas(target: Any, deltas: Iterable[Delta]) -> Any:
    """Apply ``deltas`` in order to ``target`` and return the new root.

    Containers in ``target`` are updated in place; the return value is needed
    because an ``"add"`` or ``"append"`` at the root path ``()`` replaces the
    root itself. Start from ``None`` to fold a stream from its beginning.

    Raises:
        ValueError: a delta does not fit ``target`` (e.g. a path that does not
            exist, or an unknown op).
    """
    for op, path, value in deltas:
        if op == "end":
            continue
        if not path:
            if op == "add":
                target = _fresh(value)
            elif op == "append":
                target = target + value
            else:
                raise ValueError(f"unknown delta op {op!r}")
            continue
        parent = target
        try:
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            if op == "add":
                if isinstance(parent, list) and last == len(parent):
                    parent.append(_fresh(value))
                else:
                    parent[last] = _fresh(value)
            elif op == "append":
                parent[last] += value
            else:
                raise ValueError(f"unknown delta op {op!r}")
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"delta {op!r} at {path!r} does not fit the target") from exc
    return target


def _fresh(value: Any) -> Any:
    # Containers arrive empty; copy them so two folds never share an object.
    if isinstance(value, dict):
        return {}
    if isinstance(value, list):
        return []
    return value
