"""No leaks: 10,000 parsers fed 1,000,000 chunks, with errors, pickles and limits.

Run on whichever backend ``jsondrip`` uses (both, in .ci/run; the C one also
under AddressSanitizer). A leak of one object per chunk or per parser would
show as megabytes of resident memory or as a reference count that grows by
thousands on an object every parser shares (True, None, "add", the Delta
class, ...). Memory is read from /proc, so the RSS half is Linux-only.
"""

from __future__ import annotations

import decimal
import gc
import math
import os
import pickle
import sys
from typing import Any

import pytest

import jsondrip
from jsondrip import Delta, JSONStreamError, Parser

DOCUMENTS = [
    '{"answer": "The oven is hot \\u00e9\\ud83d\\ude00\\n", "steps": [1, 2.5, -3e2, true, false, '
    'null], "nested": {"a": [{"b": "c"}], "d": ""}}',
    '[{"id": 12345678901234567890, "text": "lorem ipsum dolor sit amet, consectetur"}, '
    '{"id": 2, "ok": true, "tags": ["x", "y", "z"]}]',
    '{"a": [1, 2, {"b": [3, "\\"quoted\\""]}], "c": 0.000001}',
    '{"bad": [1, 2,, 3]}',  # an error
    '{"deep": [[[[[[[[[[1]]]]]]]]]]}',  # max_depth=4 fires
    '{"s": "a long string that passes max_string_length"}',
    "[NaN, Infinity, -Infinity, 1.5]",
    'Here you go: ```json\n{"a": [1, 2]}\n``` and {"b": 3}',
    '{"unterminated": "text',  # incomplete at close()
    '{"key": 1, "key": 2, "k3": 3}',  # max_members=2 fires
]
OPTIONS: list[dict[str, Any]] = [
    {},
    {"partial_strings": False},
    {"parse_float": decimal.Decimal},
    {"deltas": False},
    {"max_depth": 4, "deltas": False},
    {"max_string_length": 10},
    {"allow_nan": True},
    {"lenient": True, "multiple_values": True},
    {"deltas": False},
    {"max_members": 2},
]
PARSERS = 10_000
ROUNDS = 10
CHUNKS_PER_PARSER = 100  # 1,000,000 chunks in all


def _chunks(text: str, seed: int) -> list[Any]:
    """Cut ``text`` into 1-8 character pieces; every third parser gets bytes."""
    pieces: list[Any] = []
    i = 0
    while i < len(text):
        size = 1 + (seed * 7 + i) % 8
        pieces.append(text[i : i + size])
        i += size
    if seed % 3 == 0:
        pieces = [piece.encode() for piece in pieces]
    return pieces


CASES = [
    (OPTIONS[k], _chunks(DOCUMENTS[k], seed)) for seed in range(30) for k in range(len(DOCUMENTS))
]


def _one_parser(index: int) -> int:
    """Feed CHUNKS_PER_PARSER chunks, starting a new parser after each
    document or error (so a slot may use several parsers); return the count."""
    options, chunks = CASES[index % len(CASES)]
    fed = 0
    while fed < CHUNKS_PER_PARSER:
        parser = Parser(**options)
        try:
            for chunk in chunks:
                parser.feed(chunk)
                _ = parser.value
                fed += 1
                if fed == 7 and index % 5 == 0:
                    parser = pickle.loads(pickle.dumps(parser))
            parser.close()
        except JSONStreamError as error:
            _ = error.deltas
    return fed


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


SHARED = [True, False, None, "add", "append", "end", "", (), 1, math.nan, Delta, int, float]


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="RSS is read from /proc")
def test_no_growth_in_memory_or_reference_counts() -> None:
    per_round = PARSERS // ROUNDS
    fed = sum(_one_parser(i) for i in range(per_round))  # warm up caches and free lists
    gc.collect()
    start_rss = _rss()
    start_refs = [sys.getrefcount(obj) for obj in SHARED]
    for round_ in range(1, ROUNDS):
        fed += sum(_one_parser(round_ * per_round + i) for i in range(per_round))
    gc.collect()
    grown = _rss() - start_rss
    refs = [sys.getrefcount(obj) for obj in SHARED]
    assert fed >= 1_000_000
    assert grown < 4 * 1024 * 1024, f"RSS grew by {grown} bytes on backend {jsondrip.BACKEND}"
    for obj, before, after in zip(SHARED, start_refs, refs):
        assert after - before < 100, f"{obj!r}: refcount {before} -> {after}"


JSONL = (
    '{"id": 1, "text": "caf\\u00e9 \\ud83d\\ude00", "tags": ["a", "b"], "f": 0.5}\n'
    '{"id": 12345678901234567890, "text": "été", "n": null, "ok": true}\n'
    "\n"
    '{"bad": [1,, 2]}\n'  # a bad line
    '{"id": 3, "id": 4, "deep": [[[[[[1]]]]]]}\r\n'
    "[NaN]\n"
    '{"long": "' + "x" * 200 + '", "k\\u0065y": -0.0}\n'
    '"\\ud800"\n'
    '{"cut": "the last line, no newline'
)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="RSS is read from /proc")
def test_json_lines_leave_no_growth() -> None:
    """JsonlParser with the C record decoder and the C bytes path: good and
    bad lines, str and bytes chunks of every size, pickles, a cut last line."""
    data = JSONL.encode()

    def run(seed: int) -> int:
        parser = jsondrip.JsonlParser(on_error="collect", max_depth=4)
        source: Any = data if seed % 2 else JSONL
        size = 1 + seed % 97
        n = 0
        for i in range(0, len(source), size):
            n += len(parser.feed(source[i : i + size]))
            if i == size * 3 and seed % 7 == 0:
                parser = pickle.loads(pickle.dumps(parser))
        parser.close()  # the cut last line is collected, not raised
        return n + len(parser.errors)

    total = sum(run(seed) for seed in range(500))  # warm up
    gc.collect()
    start_rss = _rss()
    start_refs = [sys.getrefcount(obj) for obj in SHARED]
    for seed in range(500, 5500):
        total += run(seed)
    gc.collect()
    grown = _rss() - start_rss
    refs = [sys.getrefcount(obj) for obj in SHARED]
    assert total > 5000
    assert grown < 4 * 1024 * 1024, f"RSS grew by {grown} bytes on backend {jsondrip.BACKEND}"
    for obj, before, after in zip(SHARED, start_refs, refs):
        assert after - before < 100, f"{obj!r}: refcount {before} -> {after}"
