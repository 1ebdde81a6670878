"""The live terminal view, in a pseudo-terminal: what the screen shows while the
value streams in and at the end. ``pexpect`` runs the command on a pty and
``pyte`` (a VT100 emulator) turns its output into the screen a person sees."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import pytest

pexpect = pytest.importorskip("pexpect", reason="the pty tests need pexpect (test extra)")
pyte = pytest.importorskip("pyte", reason="the pty tests need pyte (test extra)")
pytest.importorskip("rich", reason="the live view needs rich (cli extra)")

ROWS, COLUMNS = 30, 100
TIMEOUT = 20.0


class Terminal:
    """A command on a pty of ROWS x COLUMNS, and the screen it draws."""

    def __init__(self, argv: list[str], cwd: Path | None = None) -> None:
        env = {**os.environ, "TERM": "xterm-256color"}
        for name in ("NO_COLOR", "COLUMNS", "LINES", "PYTHONUNBUFFERED"):
            env.pop(name, None)
        self.child: Any = pexpect.spawn(
            argv[0],
            argv[1:],
            dimensions=(ROWS, COLUMNS),
            env=env,
            echo=False,
            cwd=cwd,
        )
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, done: Callable[[str], bool], what: str) -> str:
        """Read the output until ``done(screen text)``; return that screen."""
        deadline = time.monotonic() + TIMEOUT
        while not done(self.text()):
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; screen:\n{self.text()}")
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.05))
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                if not done(self.text()):
                    pytest.fail(f"exited before {what}; screen:\n{self.text()}")
        return self.text()

    def exit_status(self) -> int:
        self.wait_for(lambda _: not self.child.isalive(), "the end")
        self.child.close()
        status: int = self.child.exitstatus
        return status


@contextmanager
def terminal(*args: str) -> Iterator[Terminal]:
    term = Terminal([sys.executable, "-m", "jsondrip", *args])
    try:
        yield term
    finally:
        if term.child.isalive():
            term.child.terminate(force=True)
        term.child.close()


def test_parse_redraws_the_partial_value_as_lines_arrive_on_the_terminal() -> None:
    with terminal("parse", "-") as term:
        term.wait_for(lambda screen: "waiting for input" in screen, "the waiting status")
        term.child.send('{"title": "Streaming JSON",\n "items": [1, 2,\n')

        def drawn(screen: str) -> bool:
            # The whole frame: a redraw can be read half-written (under load).
            body = screen.split("<stdin>")[0]
            items = [line.strip() for line in body.splitlines()[-4:-1]]
            return '"items": [' in body and items == ["1,", "2", "]"] and "streaming" in screen

        screen = term.wait_for(drawn, "the first lines")
        body = screen.split("<stdin>")[0]
        assert '"title": "Streaming JSON"' in body
        assert [line.strip() for line in body.splitlines()[-4:-1]] == ["1,", "2", "]"]
        assert "streaming…" in screen
        assert "done" not in screen
        term.child.send('3], "note": "caf\u00e9 \u2615"}\n')
        term.child.sendeof()
        final = term.wait_for(lambda screen: "· done" in screen, "the final status")
        assert term.exit_status() == 0
    shown = final.split("<stdin>")[0].strip()
    assert json.loads(shown) == {
        "title": "Streaming JSON",
        "items": [1, 2, 3],
        "note": "café ☕",
    }


def test_parse_on_the_terminal_shows_the_partial_value_and_the_error() -> None:
    with terminal("parse", "-") as term:
        term.child.send('{"a": [1, 2\n')
        term.wait_for(lambda screen: "2" in screen and "streaming" in screen, "the partial value")
        term.child.sendeof()
        screen = term.wait_for(lambda screen: "expected" in screen, "the error message")
        assert term.exit_status() == 1
    assert "· invalid" in screen
    assert "<stdin>:2:1: expected ',' or ']' after array element, found end of input" in screen
    assert json.loads(screen.split("<stdin>")[0]) == {"a": [1, 2]}


def test_parse_on_the_terminal_keeps_the_partial_value_when_interrupted() -> None:
    with terminal("parse", "-") as term:
        term.child.send('{"answer": "forty", "more": [\n')
        # The whole frame, status line included: ^C discards output not yet read.
        term.wait_for(lambda screen: "30 bytes in 1 reads · streaming" in screen, "the frame")
        term.child.sendintr()
        screen = term.wait_for(lambda screen: "· interrupted" in screen, "the final status")
        assert term.exit_status() == 130
    # The value printed last, just before the message (if ^C lands mid-redraw,
    # the live area's last frame can stay on screen above it).
    before = screen.split("<stdin>")[0]
    printed = before[before.rindex("\n{") + 1 :] if "\n{" in before else before
    assert json.loads(printed) == {"answer": "forty", "more": []}, screen


def test_demo_on_the_terminal_shows_the_value_growing_items_and_a_summary() -> None:
    def chunk(screen: str) -> int:
        status = screen.rstrip().splitlines()[-1]
        assert status.startswith("jsondrip demo · chunk "), status
        return int(status.split("chunk ")[1].split("/")[0])

    with terminal("demo", "--speed", "2") as term:  # ~4.3 s
        early = term.wait_for(lambda screen: "A silky vanilla" in screen, "the summary field")
        middle = term.wait_for(lambda screen: "✓ ingredients[1]" in screen, "a completed item")
        final = term.wait_for(lambda screen: "next: jsondrip parse --help" in screen, "the end")
        assert term.exit_status() == 0

    # Mid-stream: the fields so far, the long text growing, the status line.
    assert '"title": "Crème brûlée with miso caramel",' in early
    assert '"vegetarian": true,' in early
    assert '"ingredients"' not in early
    assert 0 < chunk(early) < chunk(middle) < 513
    # Later: the list grows, the completed items are listed under the value.
    assert '"name": "egg yolks",' in middle
    assert '✓ ingredients[0] {"name":"heavy cream","quantity":500,"unit":"ml"}' in middle
    assert '"steps"' not in middle
    assert "513 chunks" not in middle

    # The end: the tail of the final value, then the summary; the live area is gone.
    assert '"✨ showstopper"' in final
    assert "513 chunks, 1,888 bytes in " in final
    assert "parser: " in final
    # The CPU time is shown back to back, and at the pace, explained (not inflated).
    assert " µs per chunk back to back (feed + value); " in final
    assert " µs at this pace" in final
    assert "(paced, each chunk finds the CPU idle and its caches cold after the pause)" in final
    assert "✓ " not in final


def test_jsonl_shows_a_progress_bar_and_bad_lines_above_it(tmp_path: Path) -> None:
    source = tmp_path / "data.jsonl"
    source.write_text(
        "".join("{bad\n" if n % 10_000 == 7 else f'{{"n": {n}}}\n' for n in range(50_000))
    )
    target = tmp_path / "clean.jsonl"
    command = shlex.join(
        [sys.executable, "-m", "jsondrip", "jsonl", "--on-error", "collect", "data.jsonl"]
    )
    term = Terminal(
        ["/bin/sh", "-c", f"{command} > clean.jsonl"], cwd=tmp_path
    )  # stderr: the terminal
    try:
        screen = term.wait_for(lambda screen: "49,995 records" in screen, "the finished bar")
        assert term.exit_status() == 1
    finally:
        term.child.close()
    rows = screen.strip().splitlines()
    assert rows[:5] == [
        f"data.jsonl:{n + 1}:2: expected '\"' to start an object key or '}}', found 'b'"
        for n in range(7, 50_000, 10_000)
    ]
    bar = rows[5]
    assert bar.startswith("data.jsonl ━━━")
    assert "49,995 records" in bar
    assert len(target.read_text().splitlines()) == 49_995
