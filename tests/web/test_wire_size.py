"""The patch stream's size: an append costs its text, a chunk's bytes do not grow
with the document, and the total stays within 1.5x of forwarding the raw text."""

from __future__ import annotations

import json
import random
from importlib.resources import files

import pytest

from jsondrip import Parser
from jsondrip.patch import PatchEncoder, dumps


def _sse(payload: str) -> int:
    return len(f"data: {payload}\n\n".encode())


def _sizes(chunks: list[str]) -> tuple[int, int]:
    """(bytes of the patch stream, bytes of the raw chunks as JSON strings), SSE-framed."""
    parser = Parser()
    encoder = PatchEncoder()
    ours = sum(
        _sse(dumps(message)) for chunk in chunks for message in encoder.encode(parser.feed(chunk))
    )
    raw = sum(_sse(json.dumps(chunk, ensure_ascii=False)) for chunk in chunks)
    return ours, raw


def _items(count: int) -> str:
    rng = random.Random(count)
    words = ["oven", "whisk", "crème", "sugar", "東京", "slowly", "vanilla", "🥄"]
    items = [
        {
            "id": i,
            "name": " ".join(rng.choices(words, k=3)),
            "note": " ".join(rng.choices(words, k=rng.randint(5, 30))),
            "score": round(rng.uniform(-100, 100), 3),
            "tags": rng.choices(words, k=2),
            "done": rng.random() < 0.5,
        }
        for i in range(count)
    ]
    return json.dumps({"title": "a list", "items": items}, ensure_ascii=False)


def _chunked(text: str) -> list[str]:
    rng = random.Random(len(text))
    out, pos = [], 0
    while pos < len(text):
        step = rng.randint(1, 7)
        out.append(text[pos : pos + step])
        pos += step
    return out


def test_the_recorded_llm_stream_costs_at_most_one_and_a_half_times_the_raw_text() -> None:
    recording = json.loads(files("jsondrip").joinpath("data/demo_stream.json").read_text("utf-8"))
    ours, raw = _sizes(recording["chunks"])
    assert ours <= 1.5 * raw


@pytest.mark.slow
def test_bytes_per_chunk_do_not_grow_with_the_document() -> None:
    small, large = _chunked(_items(100)), _chunked(_items(3000))
    ours_small, raw_small = _sizes(small)
    ours_large, raw_large = _sizes(large)
    assert ours_small <= 1.5 * raw_small
    assert ours_large <= 1.5 * raw_large
    per_chunk_small, per_chunk_large = ours_small / len(small), ours_large / len(large)
    # 30x the document: only the array index in each add's path gets longer.
    assert per_chunk_large <= 1.1 * per_chunk_small
