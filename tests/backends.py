"""Both parser backends in one process, for the differential tests.

``PY`` and ``C`` are private copies of the installed ``jsondrip`` package
(same files, other names: ``jsondrip_python`` and ``jsondrip_c``), imported
with ``JSONDRIP_PURE_PYTHON`` set to ``1`` and ``0``. So the tests compare the
two backends in every run, including the one where ``jsondrip`` itself is
forced to pure Python. ``C.BACKEND`` is ``"python"`` only when the extension
was not built; ``C_BUILT`` says which.
"""

from __future__ import annotations

import importlib.util
import io
import os
import pickle
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import jsondrip


def _copy(name: str, pure: bool) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    root = Path(jsondrip.__file__).parent
    saved = os.environ.get("JSONDRIP_PURE_PYTHON")
    os.environ["JSONDRIP_PURE_PYTHON"] = "1" if pure else "0"
    try:
        spec = importlib.util.spec_from_file_location(
            name, root / "__init__.py", submodule_search_locations=[str(root)]
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            del os.environ["JSONDRIP_PURE_PYTHON"]
        else:
            os.environ["JSONDRIP_PURE_PYTHON"] = saved
    return module


PY = _copy("jsondrip_python", pure=True)
C = _copy("jsondrip_c", pure=False)
C_BUILT = C.BACKEND == "c"
assert PY.BACKEND == "python"


def snapshot(value: Any) -> str:
    """``repr(value)`` without recursion (values may be nested 10,000 deep)."""
    out: list[str] = []
    todo: list[Any] = [value]
    close = object()
    while todo:
        item = todo.pop()
        if item is close:
            out.append(")")
        elif isinstance(item, tuple) and len(item) == 2 and item[0] is close:
            out.append(repr(item[1]) + ":")
        elif type(item).__name__ == "DeepPath":
            # Its last key and length (repr is O(depth): quadratic over a feed);
            # the rest is its parent, the path of a container checked before.
            out.append(f"DeepPath({len(item)}, {item.key!r}),")
        elif isinstance(item, dict):
            out.append("dict(")
            todo.append(close)
            for key, child in reversed(list(item.items())):
                todo.append(child)
                todo.append((close, key))
        elif isinstance(item, (list, tuple)):
            out.append(type(item).__name__ + "(")
            todo.append(close)
            todo.extend(reversed(item))
        else:
            out.append(repr(item) + ",")
    return "".join(out)


def run(module: Any, chunks: list[Any], options: dict[str, Any]) -> list[Any]:
    """Everything observable while feeding ``chunks``, as comparable text.

    Some of the returned lists and deltas are kept to the end, the others
    dropped at once (the C backend reuses what the caller dropped): the kept
    ones must still hold exactly what they held when they were returned.
    """
    events: list[Any] = []
    parser = module.Parser(**options)
    root: Any = None
    kept: list[tuple[Any, tuple[Any, ...]]] = []
    try:
        for i, chunk in enumerate(chunks):
            deltas = parser.feed(chunk)
            if i % 3 == 1:
                kept.append((deltas, tuple(deltas)))
            elif i % 3 == 2 and deltas:
                kept.append((deltas[0], tuple(deltas[0])))
            value = parser.value
            events.append(
                ("feed", snapshot([tuple(d) for d in deltas]), snapshot(value), parser.done)
            )
            if root is None and isinstance(value, (dict, list)):
                root = value
            assert root is None or parser.value is root  # the live object
            del deltas  # else still held during the next feed: nothing reused
        deltas = parser.feed_eof()
        events.append(("eof", snapshot([tuple(d) for d in deltas]), snapshot(parser.close())))
    except module.JSONStreamError as error:
        events.append(
            (
                type(error).__name__,
                str(error),
                error.offset,
                error.line,
                error.column,
                snapshot([tuple(d) for d in error.deltas]),
                snapshot(getattr(error, "partial", None)),
                getattr(error, "limit", None),
                getattr(error, "maximum", None),
            )
        )
        try:
            parser.feed("1")
        except module.JSONStreamError as again:
            assert again is error  # the failed state is latched
    events.append(("repr", repr(parser)))
    for obj, items in kept:  # nothing held was changed under the caller
        assert len(obj) == len(items)
        assert all(now is then for now, then in zip(obj, items)), (obj, items)
    return events


def assert_same(chunks: list[Any], options: dict[str, Any]) -> None:
    """Both backends give the same observable events for these chunks."""
    c_events = run(C, chunks, options)
    py_events = run(PY, chunks, options)
    assert c_events == py_events, f"C backend: {c_events!r}\nPython: {py_events!r}"


class CrossUnpickler(pickle.Unpickler):
    """Load a pickle made by one backend's package copy into the other's
    (``source`` and ``target`` are the copies' top-level names)."""

    def __init__(self, data: bytes, source: str, target: str) -> None:
        super().__init__(io.BytesIO(data))
        self.source = source
        self.target = target

    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] == self.source:
            module = self.target + module[len(self.source) :]
        return super().find_class(module, name)
