"""Deltas: the changes a chunk made to the partial value, and how to apply them.

Paths
-----
A delta's ``path`` is a plain ``tuple`` of keys for values inside at most
:data:`TUPLE_DEPTH` containers, which covers nearly every real document. A
container nested deeper gets a :class:`DeepPath`: one link (its parent's path
plus its own key), so that a container's path costs O(1) memory whatever its
depth, and so does every delta. A ``DeepPath`` behaves like the tuple of its
keys (``==`` and ``hash`` agree with that tuple, ``len``, indexing, slicing,
iteration, ``path + (key,)``); ``tuple(path)`` gives the plain tuple.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, NamedTuple, Union, overload

__all__ = ["TUPLE_DEPTH", "DeepPath", "Delta", "Item", "Key", "Path", "apply_deltas"]

#: An object key or an array index.
Key = Union[str, int]
#: Keys (``str``) and array indices (``int``) from the root to a value: a
#: tuple, or a :class:`DeepPath` below :data:`TUPLE_DEPTH` containers.
Path = Union[tuple[Key, ...], "DeepPath"]

#: Containers opened inside this many others get a :class:`DeepPath`, and so
#: does everything inside them; shallower paths are plain tuples.
TUPLE_DEPTH = 16


class DeepPath(Sequence[Key]):
    """A path below :data:`TUPLE_DEPTH` containers, stored as a link to its parent.

    It stands for the tuple of its keys: it compares and hashes equal to that
    tuple and supports ``len``, indexing, slicing, iteration, ``in``,
    ordering and ``+`` with tuples. Indexing and ``tuple(path)`` cost O(depth);
    ``path[:-1]`` is O(1) (the parent's path).
    """

    __slots__ = ("_key", "_len", "_parent")
    _key: Key
    _len: int
    _parent: Path

    def __init__(self, parent: Path, key: Key) -> None:
        self._parent = parent
        self._key = key
        self._len = (parent._len if type(parent) is DeepPath else len(parent)) + 1

    @property
    def parent(self) -> Path:
        """The path of the container this path's value is in (``path[:-1]``)."""
        return self._parent

    @property
    def key(self) -> Key:
        """The last key (``path[-1]``)."""
        return self._key

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Iterator[Key]:
        return iter(self._as_tuple())

    def __reversed__(self) -> Iterator[Key]:
        return reversed(self._as_tuple())

    def __contains__(self, key: object) -> bool:
        return key in self._as_tuple()

    def index(self, key: Any, start: int = 0, stop: int = sys.maxsize) -> int:
        """The first index of ``key`` (like ``tuple.index``)."""
        return self._as_tuple().index(key, start, stop)

    def count(self, key: Any) -> int:
        """How many times ``key`` occurs (like ``tuple.count``)."""
        return self._as_tuple().count(key)

    def _as_tuple(self) -> tuple[Key, ...]:
        keys: list[Key] = []
        node: Path = self
        while type(node) is DeepPath:
            keys.append(node._key)
            node = node._parent
        assert isinstance(node, tuple)
        keys.reverse()
        return (*node, *keys)

    def _ancestor(self, length: int) -> Path:
        """The prefix of ``length`` keys (0 <= length <= len(self))."""
        node: Path = self
        while type(node) is DeepPath and node._len > length:
            node = node._parent
        if type(node) is DeepPath:
            return node
        return node[:length]

    @overload
    def __getitem__(self, index: int) -> Key: ...

    @overload
    def __getitem__(self, index: slice) -> Path: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[Key, Path]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._len)
            if start == 0 and step == 1:
                return self._ancestor(max(stop, 0))
            return self._as_tuple()[index]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("path index out of range")
        node = self._ancestor(index + 1)
        return node._key if type(node) is DeepPath else node[index]

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if isinstance(other, DeepPath):
            if other._len != self._len:
                return False
            a: Path = self
            b: Path = other
            while type(a) is DeepPath and type(b) is DeepPath:
                if a is b:
                    return True
                if a._key != b._key:
                    return False
                a, b = a._parent, b._parent
            return tuple(a) == tuple(b)
        if isinstance(other, tuple):
            return len(other) == self._len and self._as_tuple() == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self._as_tuple())

    def __lt__(self, other: object) -> bool:
        return self._as_tuple() < _plain(other)

    def __le__(self, other: object) -> bool:
        return self._as_tuple() <= _plain(other)

    def __gt__(self, other: object) -> bool:
        return self._as_tuple() > _plain(other)

    def __ge__(self, other: object) -> bool:
        return self._as_tuple() >= _plain(other)

    def __add__(self, other: object) -> DeepPath:
        if type(other) is tuple and len(other) == 1:
            return DeepPath(self, other[0])  # the parser's ``path + (key,)``
        if not isinstance(other, (tuple, DeepPath)):
            return NotImplemented
        node = self
        for key in other:
            node = DeepPath(node, key)
        return node

    def __radd__(self, other: object) -> tuple[Key, ...]:
        if not isinstance(other, tuple):
            return NotImplemented
        return other + self._as_tuple()

    def __repr__(self) -> str:
        return repr(self._as_tuple())

    def __reduce__(self) -> tuple[Any, ...]:
        # The parent is pickled first (memoised): a parser's stack of open
        # containers, pickled outermost first, recurses O(1) per container.
        return (DeepPath, (self._parent, self._key))


def _plain(other: object) -> tuple[Any, ...]:
    if isinstance(other, DeepPath):
        return other._as_tuple()
    if isinstance(other, tuple):
        return other
    raise TypeError(f"cannot compare a path with {type(other).__name__}")


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

    ``path`` is a tuple, or a :class:`DeepPath` (which behaves like one) for
    values nested below :data:`TUPLE_DEPTH` containers.

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

    The work is linear in the deltas: a string grows in place (as long as
    nothing else holds a reference to it), and the container of a delta
    below :data:`TUPLE_DEPTH` is found from its path's parent link.

    Raises:
        ValueError: a delta does not fit ``target`` (e.g. a path that does not
            exist, or an unknown op).
    """
    # Containers found for DeepPath objects in this call, by identity (the
    # path objects are kept alive beside them, so ids are not reused).
    found: dict[int, tuple[Path, Any]] = {}
    for op, path, value in deltas:
        if op == "end":
            continue
        if not path:
            if op == "add":
                target = _fresh(value)
            elif op == "append":
                target += value
            else:
                raise ValueError(f"unknown delta op {op!r}")
            continue
        try:
            if type(path) is DeepPath:
                parent = _resolve(target, path._parent, found)
                last: Key = path._key
            else:
                parent = target
                for step in path[:-1]:
                    parent = parent[step]
                last = path[-1]
            if op == "add":
                fresh = _fresh(value)
                if isinstance(parent, list) and last == len(parent):
                    parent.append(fresh)
                else:
                    parent[last] = fresh
                if type(path) is DeepPath:
                    found[id(path)] = (path, fresh)
            elif op == "append":
                # Take the string out of its container so that ours is the
                # only reference: CPython then grows it in place.
                text = parent[last]
                parent[last] = None
                text += value
                parent[last] = text
            else:
                raise ValueError(f"unknown delta op {op!r}")
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"delta {op!r} at {path!r} does not fit the target") from exc
    return target


def _resolve(target: Any, path: Path, found: dict[int, tuple[Path, Any]]) -> Any:
    """The value at ``path``, reusing (and recording) containers of ``found``."""
    hit = found.get(id(path))
    if hit is not None and hit[0] is path:
        return hit[1]
    chain: list[DeepPath] = []
    node: Path = path
    value: Any = None
    while True:
        hit = found.get(id(node))
        if hit is not None and hit[0] is node:
            value = hit[1]
            break
        if type(node) is not DeepPath:
            value = target
            for step in node:
                value = value[step]
            break
        chain.append(node)
        node = node._parent
    for link in reversed(chain):
        value = value[link._key]
        found[id(link)] = (link, value)
    return value


def _fresh(value: Any) -> Any:
    # Containers arrive empty; copy them so two folds never share an object.
    if isinstance(value, dict):
        return {}
    if isinstance(value, list):
        return []
    return value
