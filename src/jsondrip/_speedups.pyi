"""Type stub of the optional C accelerator (see ``jsondrip._backend``)."""

from typing import Any

STATES: dict[str, int]

class ParserBase:
    """C state and hot path of ``jsondrip.Parser`` (not a public API)."""

    @property
    def value(self) -> Any: ...
    def feed(self, chunk: str | bytes | bytearray | memoryview, /) -> list[Any]: ...
    def _state_dict(self) -> dict[str, Any]: ...
    def __setstate__(self, state: dict[str, Any], /) -> None: ...
