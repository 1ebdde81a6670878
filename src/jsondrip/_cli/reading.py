"""Input as it arrives: ``os.read`` on the raw file descriptor, no buffering.

A pipe from ``curl -N`` delivers whatever the writer wrote as soon as it was
written, so the parser (and the screen) keep up with the stream.
"""

from __future__ import annotations

import os
import select
import stat
import sys
from typing import Optional

from .errors import UsageError

CHUNK_SIZE = 65536


class Input:
    """A file or standard input, read in chunks of at most 64 KiB.

    Attributes:
        name: How messages name the input: the path, or ``<stdin>``.
        size: The size of a regular file (for a progress bar), else ``None``.
    """

    def __init__(self, fd: int, name: str, owned: bool) -> None:
        self._fd = fd
        self._owned = owned
        self.name = name
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            self.close()
            raise UsageError(f"cannot read {name!r}: it is a directory")
        self.size: Optional[int] = info.st_size if stat.S_ISREG(info.st_mode) else None

    def read(self) -> bytes:
        """Return the next bytes available (blocking until some are); ``b""`` at the end."""
        return os.read(self._fd, CHUNK_SIZE)

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for input; True if ``read`` won't block.

        Where ``select`` cannot watch this descriptor (pipes on Windows), says
        True at once: the caller then simply reads.
        """
        try:
            ready, _, _ = select.select([self._fd], [], [], timeout)
        except (OSError, ValueError):
            return True
        return bool(ready)

    def close(self) -> None:
        if self._owned:
            self._owned = False
            os.close(self._fd)


def open_input(path: str) -> Input:
    """Open ``path`` (``-`` for standard input) for unbuffered reading.

    Raises:
        UsageError: the file cannot be opened.
    """
    if path == "-":
        if sys.stdin is None:
            raise UsageError("standard input is closed")
        return Input(sys.stdin.fileno(), "<stdin>", owned=False)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise UsageError(f"cannot open {path!r}: {exc.strerror}") from None
    return Input(fd, path, owned=True)
