"""A wire format for deltas: JSON patch messages a browser (or any program) applies.

The jsondrip patch stream (version 1)
-------------------------------------
A stream is a sequence of *messages*, each one JSON text (one SSE ``data:``
line, or one line of ``jsondrip parse --mode patch``). Paths are JSON Pointers
(RFC 6901): ``""`` is the root, ``"/steps/0"`` the first step, and a key's
``~`` and ``/`` are written ``~0`` and ``~1`` (the key ``"a/b"`` is
``"/a~1b"``, the key ``""`` is ``"/"``). A message is one of:

==========================================  =====================================
``{"op":"add","path":P,"value":V}``         ``V`` appears at ``P``: a new member
                                            (an existing key is replaced), an
                                            element at index ``len`` (or ``-``),
                                            or the root. Containers arrive empty.
``"text"`` (a bare JSON string)             the *open string* grew by ``text``
``{"op":"append","path":P,"value":"text"}`` the string at ``P`` grew by ``text``
``{"op":"end"}``                            the *open value* is complete
``{"op":"end","path":P}``                   the value at ``P`` is complete
``{"op":"replace","path":P,"value":V}``     resync: ``P`` (which exists) is now ``V``
==========================================  =====================================

The *open value* is a cursor both sides keep: an ``add``/``replace`` of a
string, object or array (or an explicit ``append``) moves it to that path; an
``end`` moves it to the parent (``null`` after the root ends). Numbers,
``true``, ``false`` and ``null`` are complete when added: they never get an
``end`` and do not move the cursor. So a long string costs one ``add`` and
then only its new text, ``"..."``, per chunk: the bytes per chunk do not depend
on the document's size or depth.

The encoder emits the short forms (bare strings, ``end`` without a path)
whenever the cursor allows, and an ``add`` with its full path; a reader must
accept every form. Appending to a non-string, a path that does not exist, or
an unknown op raises :class:`PatchError`.

Strict RFC 6902 (``strict=True``): only ``add`` and ``replace`` with full
paths, which any JSON Patch library applies. There is no append in RFC 6902,
so every time a string grows its *whole* text so far is re-sent as a
``replace``: a string of ``n`` characters in chunks of ``c`` costs about
``n²/2c`` bytes (a 10 KB text field in 4-character chunks sends ~12 MB), and
completion (``end``) is not transmitted.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Iterable
from typing import Any, Optional, Union

from ._delta import Delta, Path

__all__ = [
    "Message",
    "PatchEncoder",
    "PatchError",
    "PatchState",
    "apply_patch",
    "dumps",
    "parse_pointer",
    "pointer",
    "to_patch",
]

#: One wire message: a bare string (an append to the open string) or an op object.
Message = Union[str, dict[str, Any]]

_OPS = frozenset(["add", "append", "end", "replace"])
_compact = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False
).encode
_ascii = json.JSONEncoder(separators=(",", ":"), check_circular=False, allow_nan=False).encode
_string = json.encoder.encode_basestring  # the C function behind ensure_ascii=False


class PatchError(ValueError):
    """A patch message is malformed or does not fit the value it is applied to."""


def pointer(path: Path) -> str:
    """The JSON Pointer (RFC 6901) of a delta path: ``("a/b", 0)`` -> ``"/a~1b/0"``."""
    if not path:
        return ""
    parts = []
    for step in path:
        if isinstance(step, int):
            parts.append(str(step))
        else:
            parts.append(step.replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(parts)


def parse_pointer(text: str) -> list[str]:
    """The unescaped reference tokens of a JSON Pointer (``""`` -> ``[]``).

    Raises:
        PatchError: not a JSON Pointer (no leading ``/``, or ``~`` not followed
            by ``0`` or ``1``).
    """
    if not isinstance(text, str):
        raise PatchError(f"a path must be a string, not {type(text).__name__}")
    if not text:
        return []
    if text[0] != "/":
        raise PatchError(f"a JSON Pointer starts with '/': {text!r}")
    tokens = text[1:].split("/")
    if "~" in text:
        for index, token in enumerate(tokens):
            if "~" in token:
                if token.replace("~0", "").replace("~1", "").count("~"):
                    raise PatchError(f"'~' must be followed by '0' or '1' in {text!r}")
                tokens[index] = token.replace("~1", "/").replace("~0", "~")
    return tokens


def dumps(message: Message) -> str:
    """One message as compact JSON text, always UTF-8 encodable.

    Non-ASCII text is kept as is; a lone surrogate (from a ``"\\ud800"``
    escape) is written as a ``\\uXXXX`` escape.

    Raises:
        ValueError: the message holds ``NaN`` or an infinity (not JSON).
    """
    text = _string(message) if type(message) is str else _compact(message)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return _ascii(message)
    return text


def _opens(value: Any) -> bool:
    return isinstance(value, (str, dict, list))


class PatchEncoder:
    """Turns deltas into patch messages, keeping the cursor between calls.

    Use one encoder per stream: ``encoder.encode(parser.feed(chunk))`` after
    each chunk gives that chunk's messages.

    Args:
        strict: Emit RFC 6902 ``add``/``replace`` only (see the module's
            docstring for the cost).
    """

    __slots__ = ("_cursor", "_strict", "_text", "_text_path")

    def __init__(self, *, strict: bool = False) -> None:
        self._strict = strict
        self._cursor: Optional[Path] = None
        self._text_path: Optional[Path] = None  # strict: the string being re-sent
        self._text = ""

    @property
    def strict(self) -> bool:
        """True when emitting RFC 6902 operations only."""
        return self._strict

    def encode(self, deltas: Iterable[Delta]) -> list[Message]:
        """The messages for ``deltas`` (in order)."""
        if self._strict:
            return self._encode_strict(deltas)
        out: list[Message] = []
        cursor = self._cursor
        for op, path, value in deltas:
            if op == "append":
                if path == cursor:
                    out.append(value)
                else:
                    out.append({"op": "append", "path": pointer(path), "value": value})
                    cursor = path
            elif op == "add":
                if _opens(value):
                    fresh = (
                        {} if isinstance(value, dict) else [] if isinstance(value, list) else value
                    )
                    out.append({"op": "add", "path": pointer(path), "value": fresh})
                    cursor = path
                else:
                    out.append({"op": "add", "path": pointer(path), "value": value})
            elif op == "end":
                if not _opens(value):
                    continue  # a scalar is complete when added
                if path == cursor:
                    out.append({"op": "end"})
                else:
                    out.append({"op": "end", "path": pointer(path)})
                cursor = path[:-1] if path else None
            else:
                raise ValueError(f"unknown delta op {op!r}")
        self._cursor = cursor
        return out

    def _encode_strict(self, deltas: Iterable[Delta]) -> list[Message]:
        out: list[Message] = []
        for op, path, value in deltas:
            if op == "add":
                if isinstance(value, str):
                    self._text_path, self._text = path, value
                    out.append({"op": "add", "path": pointer(path), "value": value})
                else:
                    fresh = (
                        {} if isinstance(value, dict) else [] if isinstance(value, list) else value
                    )
                    out.append({"op": "add", "path": pointer(path), "value": fresh})
            elif op == "append":
                if path != self._text_path:
                    raise ValueError(f"append at {path!r} without the string's add")
                self._text += value
                out.append({"op": "replace", "path": pointer(path), "value": self._text})
            elif op != "end":
                raise ValueError(f"unknown delta op {op!r}")
        return out


def to_patch(deltas: Iterable[Delta], *, strict: bool = False) -> list[Message]:
    """The patch messages of a whole delta sequence (from the stream's start).

    For a stream that arrives chunk by chunk use one :class:`PatchEncoder`.
    ``apply_patch(None, to_patch(deltas))`` equals ``apply_deltas(None, deltas)``.
    """
    return PatchEncoder(strict=strict).encode(deltas)


class PatchState:
    """The receiving side: a value and the cursor, updated message by message.

    ``state.apply(message)`` accepts a message as decoded JSON (a ``str`` or a
    ``dict``); ``state.value`` is the value so far. Strict RFC 6902 ``add`` and
    ``replace`` messages are accepted too (``remove``, ``move``... are not).
    """

    __slots__ = ("cursor", "value")

    def __init__(self, value: Any = None) -> None:
        #: The value so far (``None`` before the root is added).
        self.value: Any = value
        #: The open value's reference tokens, or ``None``.
        self.cursor: Optional[list[str]] = None

    def apply(self, message: Any) -> None:
        """Apply one message.

        Raises:
            PatchError: the message is malformed or does not fit the value;
                the value is left as it was before the message.
        """
        if isinstance(message, str):
            if self.cursor is None:
                raise PatchError("an append with no open string")
            self._append(self.cursor, message)
            return
        if not isinstance(message, dict):
            raise PatchError(f"a message is a string or an object, not {type(message).__name__}")
        op = message.get("op")
        if op not in _OPS:
            raise PatchError(f"unknown op {op!r}")
        if op == "end":
            if "path" in message:
                tokens = parse_pointer(message["path"])
                self._resolve(tokens)  # it must exist
            elif self.cursor is None:
                raise PatchError("an end with no open value")
            else:
                tokens = self.cursor
            self.cursor = tokens[:-1] if tokens else None
            return
        if "path" in message:
            tokens = parse_pointer(message["path"])
        elif op == "append" and self.cursor is not None:
            tokens = self.cursor
        else:
            raise PatchError(f"{op!r} needs a path")
        if "value" not in message:
            raise PatchError(f"{op!r} needs a value")
        value = message["value"]
        if op == "append":
            if not isinstance(value, str):
                raise PatchError("an append's value must be a string")
            self._append(tokens, value)
            self.cursor = tokens
            return
        self._set(tokens, value, replace=op == "replace")
        if _opens(value):
            self.cursor = tokens

    def _resolve(self, tokens: list[str]) -> Any:
        """The value at ``tokens`` (iteratively: no recursion on deep paths)."""
        node = self.value
        for token in tokens:
            node = _child(node, token, tokens)
        return node

    def _append(self, tokens: list[str], text: str) -> None:
        if not tokens:
            if not isinstance(self.value, str):
                raise PatchError("an append to a value that is not a string")
            self.value += text
            return
        parent = self._resolve(tokens[:-1])
        key = _key(parent, tokens[-1], tokens, existing=True)
        current = parent[key]
        if not isinstance(current, str):
            raise PatchError(f"an append to {_show(tokens)}, which is not a string")
        parent[key] = current + text

    def _set(self, tokens: list[str], value: Any, *, replace: bool) -> None:
        if isinstance(value, (dict, list)) and not value:
            value = type(value)()  # two states never share a container
        if not tokens:
            if replace and self.value is None:
                raise PatchError("a replace of a root that does not exist")
            self.value = value
            return
        parent = self._resolve(tokens[:-1])
        token = tokens[-1]
        if isinstance(parent, list):
            index = len(parent) if token == "-" else _index(token, tokens)
            if replace:
                if index >= len(parent):
                    raise PatchError(f"a replace of {_show(tokens)}, which does not exist")
                parent[index] = value
            elif index == len(parent):
                parent.append(value)
            elif index < len(parent):
                parent.insert(index, value)
            else:
                raise PatchError(f"an add at {_show(tokens)}, past the end of the array")
        elif isinstance(parent, dict):
            if replace and token not in parent:
                raise PatchError(f"a replace of {_show(tokens)}, which does not exist")
            parent[token] = value
        else:
            raise PatchError(f"the parent of {_show(tokens)} is not an object or array")


def _show(tokens: list[str]) -> str:
    return repr(pointer(tuple(tokens)))


def _index(token: str, tokens: list[str]) -> int:
    if not token.isdigit() or not token.isascii() or (token[0] == "0" and len(token) > 1):
        raise PatchError(f"{token!r} in {_show(tokens)} is not an array index")
    return int(token)


def _key(node: Any, token: str, tokens: list[str], *, existing: bool) -> Union[str, int]:
    if isinstance(node, dict):
        if existing and token not in node:
            raise PatchError(f"{_show(tokens)} does not exist")
        return token
    if isinstance(node, list):
        index = _index(token, tokens)
        if existing and index >= len(node):
            raise PatchError(f"{_show(tokens)} does not exist")
        return index
    raise PatchError(f"{_show(tokens)} goes through a value that is not an object or array")


def _child(node: Any, token: str, tokens: list[str]) -> Any:
    return node[_key(node, token, tokens, existing=True)]


def apply_patch(target: Any, ops: Iterable[Any]) -> Any:
    """Apply patch messages in order to ``target``; return the new root.

    Containers in ``target`` are updated in place. The cursor starts closed,
    so ``ops`` must be a sequence from a stream's start (or one that uses only
    explicit paths); to apply a stream piece by piece keep one
    :class:`PatchState`.

    Raises:
        PatchError: a message is malformed or does not fit.
    """
    state = PatchState(target)
    for op in ops:
        state.apply(op)
    return state.value
