"""Optional dependencies, imported so that a missing one names its extra.

A module that needs an extra imports the dependency from here before anything
else, and ``ImportError`` then says which ``pip install`` fixes it::

    from ._extras import pydantic as _  # noqa: F401  (ImportError names the extra)
    # isort: split
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: dependency -> (extra, the jsondrip module that needs it)
EXTRAS = {
    "pydantic": ("pydantic", "jsondrip.pydantic"),
    "hypothesis": ("testing", "jsondrip.testing"),
    "jsonschema": ("jsonschema", "jsondrip.jsonschema"),
}


def __getattr__(name: str) -> ModuleType:
    """Import the dependency ``name``; if it is missing, raise an error naming the extra.

    Raises:
        ModuleNotFoundError: (an ``ImportError``) ``name`` is not installed; the
            message gives the ``pip install "jsondrip[extra]"`` command.
    """
    if name not in EXTRAS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    extra, user = EXTRAS[name]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise ModuleNotFoundError(
            f'{user} needs {name}, which is not installed: pip install "jsondrip[{extra}]"',
            name=name,
        ) from None
