"""Replay a recorded LLM structured-output stream and watch the value grow.

    python examples/replay.py            # realistic pace (~60 tokens/s)
    python examples/replay.py --speed 0  # as fast as possible

On a terminal the partial value is redrawn after every chunk; otherwise each
list item is printed the moment it completes, then the final value.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.resources import files

from jsondrip import Parser


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--speed", type=float, default=1.0, help="pace multiplier; 0 = no delay")
    args = options.parse_args()

    recording = json.loads(files("jsondrip").joinpath("data/demo_stream.json").read_text("utf-8"))
    chunks: list[str] = recording["chunks"]
    delay = 0.0 if args.speed <= 0 else 1.0 / (recording["tokens_per_second"] * args.speed)
    live = sys.stdout.isatty()

    parser = Parser()
    parse_time = 0.0
    start = time.perf_counter()
    first_field_at = None
    for chunk in chunks:
        t0 = time.perf_counter()
        deltas = parser.feed(chunk)
        value = parser.value
        parse_time += time.perf_counter() - t0
        if first_field_at is None and isinstance(value, dict) and value:
            first_field_at = time.perf_counter() - start
        if live:
            pretty = json.dumps(value, indent=2, ensure_ascii=False)
            sys.stdout.write(f"\x1b[H\x1b[J{pretty}\n")
            sys.stdout.flush()
        else:
            for op, path, item in deltas:
                if op == "end" and len(path) == 2:
                    print(f"complete {path[0]}[{path[1]}]: {json.dumps(item, ensure_ascii=False)}")
        if delay:
            time.sleep(delay)
    final = parser.close()
    if not live:
        print(json.dumps(final, indent=2, ensure_ascii=False))
    total = time.perf_counter() - start
    text_length = sum(map(len, chunks))
    print(
        f"\n{len(chunks)} chunks, {text_length} characters in {total:.2f} s;"
        f" first field after {1000 * (first_field_at or 0):.0f} ms;"
        f" parser time {1e6 * parse_time / len(chunks):.1f} µs per chunk (value read every chunk)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
