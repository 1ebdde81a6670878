"""When to redraw a live view: often enough to look live, rarely enough that
drawing never slows the parser down."""

from __future__ import annotations

import math
import time
from typing import Callable, Optional


class Throttle:
    """When to redraw: at most ``fps`` times a second, and rarely enough that
    rendering takes at most a quarter of the time."""

    def __init__(self, fps: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._minimum = 1.0 / fps
        self._interval = self._minimum
        self._last = -math.inf
        self.dirty = False

    def due(self) -> bool:
        """True if there is something new and it is time to draw it."""
        return self.dirty and self._clock() >= self._last + self._interval

    def wait(self) -> Optional[float]:
        """Seconds until a pending redraw is due; ``None`` if nothing is pending."""
        if not self.dirty:
            return None
        return max(0.0, self._last + self._interval - self._clock())

    def drawn(self, started: float) -> None:
        """Record a redraw that began at ``started`` (a clock reading)."""
        now = self._clock()
        self._last = now
        self._interval = max(self._minimum, 3.0 * (now - started))
        self.dirty = False
