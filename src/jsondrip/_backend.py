"""Which implementation runs the parser's hot path: C or pure Python.

``jsondrip._speedups`` (the optional C extension, built by ``pip install``
when a C compiler is available) provides ``ParserBase``: the C struct that
holds :class:`~jsondrip.Parser`'s hot attributes and C versions of ``feed``
and ``value``. The pure-Python parser in ``_parser.py`` stays the
specification and the fallback, like CPython's ``Lib/json/scanner.py`` beside
``_json.c``; both backends behave identically (same deltas, values, errors,
limits, pickles), only the speed differs.

``BACKEND`` is ``"c"`` or ``"python"``. Setting the environment variable
``JSONDRIP_PURE_PYTHON=1`` before the first ``import jsondrip`` forces the
pure-Python backend.
"""

from __future__ import annotations

import copyreg
import os
import sys
from typing import TYPE_CHECKING, Any, Literal, Optional, SupportsIndex

__all__ = ["BACKEND", "ParserBase", "accelerate"]


class PyParserBase:
    """The pure-Python base of ``Parser``: its state is the instance dict."""

    __slots__ = ()

    #: Parsers pickled before ``Parser(deltas=...)`` existed build deltas.
    _deltas = True

    def _state_dict(self) -> dict[str, Any]:
        """The attributes to pickle."""
        return self.__dict__.copy()

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        # Every protocol pickles the same way in both backends (the C base
        # does the same), so a pickle made by either loads in the other.
        return (copyreg.__newobj__, (type(self),), self.__getstate__())  # type: ignore[attr-defined]


def _load() -> Optional[Any]:
    if os.environ.get("JSONDRIP_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        from . import _speedups
    except ImportError:
        return None
    # Without the compiled module, the folder of its C sources (in a source
    # checkout) would import as an empty namespace package.
    return _speedups if hasattr(_speedups, "ParserBase") else None


_speedups = _load()

if TYPE_CHECKING:
    ParserBase = PyParserBase
else:
    ParserBase = PyParserBase if _speedups is None else _speedups.ParserBase

#: ``"c"`` when the C accelerator runs the hot path, else ``"python"``.
BACKEND: Literal["c", "python"] = "python" if _speedups is None else "c"


def accelerate(cls: type) -> None:
    """Install the C ``feed``, ``_consume`` and ``value`` on ``cls`` (``Parser``).

    The pure-Python ``_consume`` stays as ``_reference_consume``: the C loop
    hands it what it does not handle (see ``_speedups/parser.c``), and it
    raises the module's ``ScanError``, which the C code must recognise.
    """
    if _speedups is None:
        return
    base = _speedups.ParserBase.__dict__
    namespace: Any = cls
    namespace._reference_consume = namespace._consume
    namespace._ScanError = sys.modules[cls.__module__].ScanError
    namespace._consume = base["_consume"]
    namespace.feed = base["feed"]
    namespace.value = base["value"]
