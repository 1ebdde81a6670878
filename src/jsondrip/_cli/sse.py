"""The ``--sse`` step: a server-sent-events byte stream in, JSON text out.

``jsondrip.sources.SSEText`` decodes the events and reads the provider's
format; a stream may carry several documents (slots: the model's text, each
tool call's arguments, each choice). ``parse`` shows one: the first slot of
the kind ``--slot`` asks for, else the first that is not a refusal. Others
are named on standard error and ignored.
"""

from __future__ import annotations

import importlib
import json
from typing import Any, Callable, Optional, Protocol

from . import report
from .errors import UsageError

PROVIDERS = ("openai", "anthropic", "gemini", "raw")
SLOT_KINDS = ("content", "tool_call", "server_tool_call")


class SSEError(Exception):
    """The event stream itself is bad (an event's data is not JSON).

    Attributes:
        pieces: The JSON text the same ``feed`` read before the bad event.
    """

    def __init__(self, message: str, pieces: list[str]) -> None:
        super().__init__(message)
        self.pieces = pieces


class TextStep(Protocol):
    """Turns input bytes into the text pieces the parser is fed."""

    def feed(self, data: bytes) -> list[str]: ...

    def close(self) -> list[str]: ...

    def cut(self) -> Optional[str]:
        """After ``close``: why the provider cut the document short, if it did."""


def sse_step(provider: str, slot_kind: Optional[str] = None) -> TextStep:
    """The SSE reader for ``provider``, keeping one document.

    Raises:
        UsageError: this installation has no ``jsondrip.sources``.
    """
    sse_text = _sources_sse_text()
    if sse_text is None:
        raise UsageError("--sse needs the jsondrip.sources module, which this installation lacks")
    return SlotText(sse_text(provider), slot_kind)


def _sources_sse_text() -> Optional[Callable[[str], Any]]:
    """``jsondrip.sources.SSEText`` if it exists, else ``None``."""
    try:
        module = importlib.import_module("jsondrip.sources")
    except ModuleNotFoundError as exc:
        if exc.name in ("jsondrip.sources", "jsondrip"):
            return None
        raise
    sse_text: Optional[Callable[[str], Any]] = getattr(module, "SSEText", None)
    return sse_text


def describe(slot: Any) -> str:
    """``tool_call 1 (get_weather)``, for messages."""
    kind = getattr(slot, "kind", slot)
    index = getattr(slot, "index", 0)
    choice = getattr(slot, "choice", 0)
    name = getattr(slot, "name", None)
    where = f"{kind} {index}" + (f" of choice {choice}" if choice else "")
    return where + (f" ({name})" if name else "")


class SlotText:
    """``SSEText`` narrowed to one slot: the first of ``kind`` (or of any kind
    but ``refusal``)."""

    def __init__(self, sse_text: Any, kind: Optional[str]) -> None:
        self._sse = sse_text
        self._kind = kind
        self._slot: Any = None
        self._ignored: set[Any] = set()

    def feed(self, data: bytes) -> list[str]:
        # Line by line: if an event's data is not JSON, SSEText raises and the
        # text of the good events in the same call would be lost.
        out: list[str] = []
        for line in data.splitlines(keepends=True):
            try:
                pieces = self._sse.feed(line)
            except json.JSONDecodeError as exc:
                raise SSEError(f"an event's data is not JSON: {exc}", out) from None
            out.extend(self._select(pieces))
        return out

    def close(self) -> list[str]:
        pieces = self._select(self._sse.close())
        decoder = getattr(self._sse, "decoder", None)
        if getattr(decoder, "discarded", False):
            report.error("jsondrip: the stream ended inside an event, which was dropped")
        return pieces

    def cut(self) -> Optional[str]:
        truncated: dict[Any, str] = getattr(self._sse, "truncated", {})
        return truncated.get(self._slot) if self._slot is not None else None

    def _select(self, pieces: list[tuple[Any, str]]) -> list[str]:
        out = []
        for slot, text in pieces:
            if self._slot is None and self._wanted(slot):
                self._slot = slot
            if slot == self._slot:
                out.append(text)
            elif slot not in self._ignored:
                self._ignored.add(slot)
                if self._slot is not None:
                    report.error(
                        f"jsondrip: showing {describe(self._slot)}, ignoring {describe(slot)}"
                    )
        return out

    def _wanted(self, slot: Any) -> bool:
        kind = getattr(slot, "kind", None)
        return kind == self._kind if self._kind else kind != "refusal"
