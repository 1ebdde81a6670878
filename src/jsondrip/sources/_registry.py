"""Provider names to event protocols (imported lazily by ``resolve``)."""

from __future__ import annotations

from typing import Callable

from ._slots import EventProtocol
from .anthropic import AnthropicEvents
from .gemini import GeminiEvents
from .openai import OpenAIEvents
from .sse import RawEvents

__all__ = ["PROVIDERS", "protocol_for"]

PROVIDERS: dict[str, Callable[[], EventProtocol]] = {
    "anthropic": AnthropicEvents,
    "gemini": GeminiEvents,
    "openai": OpenAIEvents,
    "raw": RawEvents,
}


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
