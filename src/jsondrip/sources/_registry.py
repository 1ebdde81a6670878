"""Provider names to event protocols.

Each provider module registers its protocol here when it is imported (the
package imports them all), so this module imports none of them: the imports
run one way, ``_slots`` <- ``_registry`` <- ``_router`` <- providers.
"""

from __future__ import annotations

from typing import Callable

from ._slots import EventProtocol

__all__ = ["PROVIDERS", "protocol_for", "register"]

PROVIDERS: dict[str, Callable[[], EventProtocol]] = {}


def register(name: str, make: Callable[[], EventProtocol]) -> None:
    """Make ``provider=name`` mean a fresh ``make()``."""
    PROVIDERS[name] = make


def protocol_for(provider: str) -> EventProtocol:
    """A fresh protocol for ``provider``.

    Raises:
        ValueError: an unknown provider name.
    """
    try:
        make = PROVIDERS[provider]
    except KeyError:
        names = ", ".join(repr(name) for name in sorted(PROVIDERS))
        raise ValueError(f"unknown provider {provider!r}: expected one of {names}") from None
    return make()
