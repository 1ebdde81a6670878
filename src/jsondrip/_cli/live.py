"""The live terminal view: the partial value redrawn as it grows (rich).

Importing this module imports rich; the commands import it only when they draw
on a terminal. Redraws are throttled (at most 30 a second, and rendering takes
at most about a quarter of the time), so the parser keeps up with every chunk
however large the value grows; only the last rows of the value that fit on the
screen are rendered.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, Optional

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.highlighter import JSONHighlighter
from rich.live import Live
from rich.segment import Segment
from rich.text import Text

from .throttle import Throttle
from .writing import compact, pretty

_HIGHLIGHT_LIMIT = 1_000_000  # characters: larger final values are printed plain


class _Tail:
    """The last ``rows`` screen rows of a highlighted JSON text."""

    def __init__(self, text: str, rows: int) -> None:
        self._text = text
        self._rows = max(1, rows)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Every line takes at least one row, so the last `rows` lines are enough.
        lines = self._text.rsplit("\n", self._rows)[-self._rows :]
        text = Text("\n".join(lines), overflow="fold")
        JSONHighlighter().highlight(text)
        rendered = console.render_lines(text, options.update(height=None), pad=False)
        new_line = Segment.line()
        for row in rendered[-self._rows :]:
            yield from row
            yield new_line


class LiveView:
    """A live, throttled view of a growing value, with a status line.

    Use as a context manager; call :meth:`update` after every chunk (cheap
    unless a redraw is due) and :meth:`finish` at the end, which replaces the
    live area with the whole final value and a few closing lines.

    Args:
        items: How many recently completed items to list under the value
            (:meth:`add_item`); 0 for none.
        console: Where to draw (default: standard output).
    """

    def __init__(self, *, items: int = 0, console: Optional[Console] = None) -> None:
        self.console = console or Console(highlight=False)
        self._throttle = Throttle()
        self._live = Live(
            console=self.console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            # Messages on stderr go above the live area when both are the terminal.
            redirect_stderr=sys.stderr is not None and sys.stderr.isatty(),
            vertical_overflow="crop",
        )
        self._value: Any = None
        self._started = False
        self._status = ""
        self._items: deque[tuple[str, Any]] = deque(maxlen=items)

    def __enter__(self) -> LiveView:
        self._live.start()
        self._draw()
        return self

    def __exit__(
        self,
        kind: Optional[type[BaseException]],
        error: Optional[BaseException],
        trace: Optional[TracebackType],
    ) -> None:
        self._live.stop()

    def update(self, value: Any, started: bool, status: str) -> None:
        """Show ``value`` (the parser's live object) and ``status``, if a redraw is due."""
        self._value, self._started, self._status = value, started, status
        self._throttle.dirty = True
        if self._throttle.due():
            self._draw()

    def add_item(self, label: str, value: Any) -> None:
        """List a completed item (shown with the next redraw)."""
        if self._items.maxlen:
            self._items.append((label, value))
            self._throttle.dirty = True

    def wait(self) -> Optional[float]:
        """Seconds until a pending redraw is due; ``None`` if nothing is pending."""
        return self._throttle.wait()

    def refresh(self) -> None:
        """Redraw now if anything changed since the last redraw."""
        if self._throttle.dirty:
            self._draw()

    def finish(self, value: Any, started: bool, lines: Iterable[str] = ()) -> None:
        """Stop the live area; print the whole ``value`` (if started), then ``lines``."""
        self._live.stop()
        console = self.console
        if started:
            text = pretty(value)
            if len(text) <= _HIGHLIGHT_LIMIT:
                highlighted = Text(text)
                JSONHighlighter().highlight(highlighted)
                console.print(highlighted, overflow="fold")
            else:
                console.file.write(text + "\n")
                console.file.flush()
        for line in lines:
            console.print(Text(line, style="bold"))

    def _draw(self) -> None:
        started_at = time.monotonic()
        self._live.update(Group(*self._frame()), refresh=True)
        self._throttle.drawn(started_at)

    def _frame(self) -> Iterator[Any]:
        height = self.console.size.height
        footer = [
            Text.assemble(("✓ ", "green"), (label, "cyan"), " ", compact(value))
            for label, value in self._items
        ]
        for row in footer:
            row.no_wrap, row.overflow = True, "ellipsis"
        reserved = len(footer) + (1 if footer else 0) + 2
        if self._started:
            yield _Tail(pretty(self._value), height - reserved)
        else:
            yield Text("waiting for the first value…", style="dim")
        if footer:
            yield Text("")
            yield from footer
        status = Text(self._status, style="bold blue", no_wrap=True, overflow="ellipsis")
        yield status
