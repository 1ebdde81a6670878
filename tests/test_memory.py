"""Memory stays bounded on large streams, measured with tracemalloc.

* A JSON Lines stream of any length runs in memory bounded by its longest
  record, not by the stream: 50+ MB of records, one of them 1 MB, generated
  on the fly and fed in 64 KB byte chunks (cut anywhere, also inside UTF-8
  characters), each record dropped once counted.
* A single document holds no more than its value plus O(chunk) of buffered
  text: 50+ MB of a big array of small objects, fed the same way. The value's
  own size is measured after ``close()``; the peak may exceed it only by a
  few chunks, so the parser cannot be keeping the text it consumed.
* A string still open is one str grown in place: the peak is at most the
  value plus once more the longest string (documented in SECURITY.md), also
  when the closing quote comes in a short chunk. (tests/test_linear.py checks
  the small chunkings: 1-4 characters, the value read after each or not.)

The inputs are never held whole: generators build each 64 KB chunk as it is
fed. Each test takes a few seconds (tracemalloc slows allocation down); they
are marked ``slow`` so that ``-m "not slow"`` skips them, and CI runs them.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Iterable, Iterator
from typing import Any, Callable

import pytest

from jsondrip import JsonlParser, Parser

CHUNK = 64 * 1024
MB = 1024 * 1024

# Realistic text: escapes, quotes and 2-byte UTF-8 characters that the 64 KB
# cuts will split.
UNIT = 'Lorem ipsum dolor sit amet, crème brûlée \\n \\"quoted\\" '


def chunked(pieces: Iterable[bytes], size: int = CHUNK) -> Iterator[bytes]:
    """Re-cut a stream of pieces into chunks of exactly ``size`` bytes."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def measure(run: Callable[[], Any]) -> tuple[Any, int, int]:
    """Run ``run()`` under tracemalloc. Returns its result, the peak of traced
    memory during the run, and what is still allocated after it (the result),
    both above the level before."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = run()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak - base, current - base


# -- JSON Lines: bounded by the longest record ---------------------------------------

RECORDS = 40_000
BIG_RECORD = RECORDS // 2
BIG_LENGTH = 1 * MB


def record(i: int) -> bytes:
    if i == BIG_RECORD:
        return b'{"id": %d, "blob": "%s"}\n' % (i, b"x" * BIG_LENGTH)
    text = UNIT * (16 + i % 16)  # 0.9 to 1.8 KB
    line = '{"id": %d, "user": "u%d", "text": "%s", "tags": ["a", "b"], "score": %d.5}\n'
    return (line % (i, i, text, i)).encode()


@pytest.mark.slow
def test_jsonl_memory_is_bounded_by_the_longest_record() -> None:
    longest = max(len(record(i)) for i in (BIG_RECORD, 15))
    stream_size = sum(len(record(i)) for i in range(RECORDS))
    bound = 8 * longest + 4 * MB
    assert stream_size >= 50 * MB
    assert bound * 4 < stream_size, "the bound must be far below the stream size"

    def run() -> tuple[int, int, int]:
        parser = JsonlParser()
        count = ids = blob = 0
        for chunk in chunked(record(i) for i in range(RECORDS)):
            for item in parser.feed(chunk):  # consumed, not kept
                count += 1
                ids += item["id"]
                blob += len(item.get("blob", ""))
        assert parser.close() == []
        return count, ids, blob

    (count, ids, blob), peak, _ = measure(run)
    assert (count, ids, blob) == (RECORDS, RECORDS * (RECORDS - 1) // 2, BIG_LENGTH)
    assert peak <= bound, (
        f"peak {peak / MB:.1f} MB for a {stream_size / MB:.0f} MB stream whose longest"
        f" record is {longest / MB:.1f} MB (bound {bound / MB:.1f} MB)"
    )


# -- one document: its value plus O(chunk) -------------------------------------------

ITEMS = 52_000


def item(i: int) -> bytes:
    text = UNIT * (16 + i % 8)
    return b'{"id": %d, "name": "item %d", "text": "%s", "score": %d.25}' % (
        i,
        i,
        text.encode(),
        i,
    )


def array(items: int) -> Iterator[bytes]:
    yield b"[\n"
    for i in range(items):
        yield (b",\n  " if i else b"  ") + item(i)
    yield b"\n]\n"


def json_loads_size(items: int) -> int:
    """Memory of ``json.loads`` of the first ``items`` elements' array."""
    text = b"".join(array(items)).decode()
    value, _, size = measure(lambda: json.loads(text))
    assert len(value) == items
    return size


@pytest.mark.slow
def test_document_memory_is_its_value_plus_a_few_chunks() -> None:
    document_size = sum(len(piece) for piece in array(ITEMS))
    assert document_size >= 50 * MB

    def run() -> Any:
        parser = Parser()
        for chunk in chunked(array(ITEMS)):
            parser.feed(chunk)  # deltas dropped
        return parser.close()

    value, peak, value_size = measure(run)
    assert len(value) == ITEMS
    assert value[-1] == json.loads(item(ITEMS - 1))
    slack = 4 * MB  # 64 chunks of 64 KB: buffered text, deltas, list growth
    assert peak <= value_size + slack, (
        f"peak {peak / MB:.1f} MB for a value of {value_size / MB:.1f} MB"
        f" ({document_size / MB:.0f} MB of text)"
    )
    # The value itself is no fatter than json.loads builds it (extrapolated
    # from a sample), so value_size above is not hiding the text either.
    sample = 4_000
    expected = json_loads_size(sample) * ITEMS / sample
    assert value_size <= 1.25 * expected + 1 * MB, (value_size / MB, expected / MB)


@pytest.mark.slow
def test_an_open_string_costs_at_most_its_length_once_more() -> None:
    length = 8 * MB

    def pieces() -> Iterator[bytes]:
        yield b'{"title": "long", "text": "'
        text = (UNIT * (CHUNK // len(UNIT))).encode()
        for _ in range(length // len(text)):
            yield text

    def run() -> Any:
        parser = Parser()
        for chunk in chunked(pieces()):
            parser.feed(chunk)
        parser.feed(b'the end"}')  # the string closes in a short chunk
        return parser.close()

    value, peak, value_size = measure(run)
    assert len(value["text"]) >= 0.8 * length  # escapes and "è" take 2 bytes
    assert value_size >= len(value["text"])
    assert peak <= value_size + len(value["text"]) + 4 * MB, (peak / MB, value_size / MB)
