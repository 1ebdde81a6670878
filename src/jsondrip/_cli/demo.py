"""``jsondrip demo``: replay the bundled recorded LLM stream, live.

The recording (``data/demo_stream.json``: ``model``, ``tokens_per_second``,
``chunks``) is fed chunk by chunk at the recorded pace times ``--speed``. The
summary's parser time is measured around ``feed`` + ``value`` only, never
around drawing, and twice: at the pace of the replay (a chunk after each pause
finds the CPU's caches and clock cold, so it costs several times more) and back
to back, once the replay is over (the figure the benchmarks report).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, Optional, TextIO

from .. import Delta, Parser
from . import report
from .writing import OutputError, compact, path_label, pretty


@dataclass
class Recording:
    """The bundled stream: its pace and its chunks."""

    tokens_per_second: float
    chunks: list[str]

    @classmethod
    def load(cls) -> Recording:
        data = json.loads(files("jsondrip").joinpath("data/demo_stream.json").read_text("utf-8"))
        return cls(float(data["tokens_per_second"]), list(data["chunks"]))


@dataclass
class Stats:
    """What the summary reports."""

    chunks: int = 0
    size: int = 0
    parse_time: float = 0.0
    first_field: Optional[float] = None
    items: list[str] = field(default_factory=list)

    def summary(self, elapsed: float, back_to_back: float, paced: bool = True) -> list[str]:
        """The closing lines; ``back_to_back``: seconds per chunk fed without pauses;
        ``paced``: the replay paused between chunks."""
        per_chunk = 1e6 * self.parse_time / max(1, self.chunks)
        first = "-" if self.first_field is None else f"{1000 * self.first_field:.0f} ms"
        share = f" = {100 * self.parse_time / elapsed:.2g} % of the time" if elapsed > 0.1 else ""
        parser = f"parser: {1e6 * back_to_back:.1f} µs per chunk back to back (feed + value)"
        lines = [
            f"{self.chunks} chunks, {self.size:,} bytes in {elapsed:.2f} s"
            f" · first field after {first}",
        ]
        if paced:
            lines += [
                f"{parser}; {per_chunk:.1f} µs at this pace{share}",
                "  (paced, each chunk finds the CPU idle and its caches cold after the pause)",
            ]
        else:
            lines.append(parser)
        return [*lines, "next: jsondrip parse --help · jsondrip jsonl --help"]


def back_to_back(chunks: list[str], runs: int = 3) -> float:
    """Seconds per chunk to ``feed`` + read ``value`` with no pause between
    chunks: the best of ``runs`` replays."""
    best = float("inf")
    clock = time.perf_counter
    for _ in range(runs):
        parser = Parser()
        feed = parser.feed
        total = 0.0
        for chunk in chunks:
            before = clock()
            feed(chunk)
            parser.value  # noqa: B018 (read, as a UI would)
            total += clock() - before
        best = min(best, total)
    return best / max(1, len(chunks))


def completed_items(deltas: list[Delta]) -> list[tuple[str, Any]]:
    """The list items (``field[i]``) these deltas completed."""
    return [
        (path_label(path), value)
        for op, path, value in deltas
        if op == "end" and len(path) == 2 and isinstance(path[1], int)
    ]


class Replay:
    """Feeds the recording at its pace and keeps the statistics."""

    def __init__(self, recording: Recording, speed: float) -> None:
        self.recording = recording
        self.parser = Parser()
        self.stats = Stats()
        rate = recording.tokens_per_second * speed
        self._delay = 0.0 if speed == 0 else 1.0 / rate
        self.start = time.perf_counter()

    def step(self, index: int, chunk: str) -> list[Delta]:
        """Wait for the chunk's time, feed it, read the value; return its deltas."""
        if self._delay:
            pause = self.start + index * self._delay - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        parser = self.parser
        before = time.perf_counter()
        deltas = parser.feed(chunk)
        value = parser.value
        after = time.perf_counter()
        stats = self.stats
        stats.parse_time += after - before
        stats.chunks += 1
        stats.size += len(chunk.encode("utf-8"))
        if stats.first_field is None and isinstance(value, dict) and value:
            stats.first_field = after - self.start
        return deltas

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def run(args: argparse.Namespace) -> int:
    """Run ``jsondrip demo``; return the exit status."""
    if getattr(args, "web", False):
        from .webdemo import run as web

        return web(args)
    recording = Recording.load()
    live = sys.stdout is not None and sys.stdout.isatty()
    if live:
        try:
            from .live import LiveView
        except ImportError:
            report.error("jsondrip: install 'jsondrip[cli]' (rich) for the live view")
            live = False
    if not live:
        return _run_plain(recording, args.speed)

    replay = Replay(recording, args.speed)
    total = len(recording.chunks)
    with LiveView(items=4) as view:
        for index, chunk in enumerate(recording.chunks):
            deltas = replay.step(index, chunk)
            for label, item in completed_items(deltas):
                view.add_item(label, item)
            stats = replay.stats
            view.update(
                replay.parser.value,
                True,
                f"jsondrip demo · chunk {stats.chunks}/{total} · {stats.size:,} bytes"
                f" · parser {1e6 * stats.parse_time / stats.chunks:.1f} µs/chunk at this pace",
            )
        final = replay.parser.close()
        elapsed = replay.elapsed()
        summary = replay.stats.summary(elapsed, back_to_back(recording.chunks), args.speed > 0)
        view.finish(final, True, ["", *summary])
    return 0


def _run_plain(recording: Recording, speed: float) -> int:
    """The demo for logs: items as they complete, then the final value and summary."""
    if sys.stdout is None:
        raise OutputError("standard output is closed")
    try:
        return _replay_plain(recording, speed, sys.stdout)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from None


def _replay_plain(recording: Recording, speed: float, out: TextIO) -> int:
    pace = "" if speed == 1 else ", speed 0 (no delay)" if speed == 0 else f", speed {speed:g}"
    out.write(
        f"jsondrip demo: replaying {len(recording.chunks)} recorded chunks"
        f" at {recording.tokens_per_second:g} tokens/s{pace}\n"
    )
    out.flush()
    replay = Replay(recording, speed)
    for index, chunk in enumerate(recording.chunks):
        for label, item in completed_items(replay.step(index, chunk)):
            out.write(f"complete {label}: {compact(item)}\n")
            out.flush()
    final = replay.parser.close()
    elapsed = replay.elapsed()
    out.write(pretty(final) + "\n\n")
    summary = replay.stats.summary(elapsed, back_to_back(recording.chunks), speed > 0)
    out.write("\n".join(summary) + "\n")
    out.flush()
    return 0
