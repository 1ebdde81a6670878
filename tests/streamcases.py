"""Shared test helpers: every input is fed in every interesting chunking.

(Not named conftest.py so that tests/sources/conftest.py cannot shadow it.)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any, Union

Chunks = list[Union[str, bytes]]


def chunkings(text: str) -> Iterator[tuple[str, Chunks]]:
    """Yield ``(label, chunks)`` for the ways a stream can split ``text``:
    whole, one character at a time, seeded random 1-8 characters, as bytes
    one at a time, and bytes cut inside every multi-byte character."""
    yield "whole", [text]
    yield "chars", list(text)
    rng = random.Random(len(text))
    for seed in range(3):
        rng.seed(seed)
        chunks: Chunks = []
        pos = 0
        while pos < len(text):
            size = rng.randint(1, 8)
            chunks.append(text[pos : pos + size])
            pos += size
        yield f"random-{seed}", chunks
    data = text.encode("utf-8", "surrogatepass")
    yield "bytes", [data[i : i + 1] for i in range(len(data))]
    # Cut just after the first byte of every multi-byte character.
    cuts = [i + 1 for i, b in enumerate(data) if b >= 0xC0]
    if cuts:
        points = [0, *cuts, len(data)]
        yield "bytes-split-utf8", [data[a:b] for a, b in zip(points, points[1:])]


def feed_all(parser: Any, chunks: Chunks) -> list[Any]:
    """Feed every chunk; return everything the feeds returned, flattened."""
    out: list[Any] = []
    for chunk in chunks:
        out.extend(parser.feed(chunk))
    return out
