"""The benchmark scenarios: what is fed to whom, and in which order."""

from __future__ import annotations

import functools
import gc
import json
import statistics
import tempfile
import tracemalloc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter, perf_counter_ns
from typing import Any, Callable

from . import peers as P
from .data import (
    JsonlFile,
    bad_jsonl_document,
    deep_document,
    deep_fingerprint,
    llm_document,
    long_text_document,
    number_document,
    split_chunks,
    split_fixed,
    write_jsonl,
)
from .peers import CapExceeded, Peer, Runner, Workload
from .timing import (
    CAPPED,
    ERROR,
    MIN_TOTAL_S,
    MISSING,
    OK,
    SKIPPED,
    Measurement,
    frozen_heap,
    measure,
)

Log = Callable[[str], None]
INF = float("inf")


# --------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Size:
    """A nominal document size (``chars``) and its labels."""

    key: str
    chars: int

    @property
    def label(self) -> str:
        """Human label such as ``34 KB`` or ``1 MB`` (1 KB = 1000 characters)."""
        if self.chars >= 1_000_000 and self.chars % 1_000_000 == 0:
            return f"{self.chars // 1_000_000} MB"
        if self.chars >= 1000 and self.chars % 1000 == 0:
            return f"{self.chars // 1000} KB"
        return f"{self.chars} B"


def parse_sizes(text: str) -> list[Size]:
    """Parse ``"1k,10k,34k,100k,1m"`` (also plain integers) into sorted sizes."""
    out = []
    for raw in text.split(","):
        key = raw.strip().lower()
        if not key:
            continue
        mult = {"k": 1000, "m": 1_000_000}.get(key[-1], 1)
        number = key[:-1] if mult > 1 else key
        out.append(Size(key, int(float(number) * mult)))
    return sorted(set(out), key=lambda s: s.chars)


# --------------------------------------------------------------------------- workloads


@functools.cache
def llm_text(size: int) -> Workload:
    """Scenario 1/4 input: LLM structured output as str, 1-7 character chunks."""
    doc = llm_document(size)
    return Workload(doc, split_chunks(doc), json.loads(doc))


@functools.cache
def llm_bytes(size: int) -> Workload:
    """Scenario 2 input: the same document as UTF-8, cut at random byte offsets."""
    doc = llm_document(size).encode("utf-8")
    return Workload(doc, split_chunks(doc), json.loads(doc))


@functools.cache
def numbers_text(size: int) -> Workload:
    """Scenario 3 input: number-heavy arrays as str, 1-7 character chunks."""
    doc = number_document(size)
    return Workload(doc, split_chunks(doc), json.loads(doc))


@functools.cache
def long_text(size: int) -> Workload:
    """Long string field (45 % of the document) as str, 1-7 character chunks."""
    doc = long_text_document(size)
    return Workload(doc, split_chunks(doc), json.loads(doc))


@functools.cache
def deep_text(size: int) -> Workload:
    """Nesting ~size/12 levels deep, 1-7 character chunks; expected = fingerprint."""
    doc = deep_document(size)
    levels = max(1, size // 12)
    return Workload(doc, split_chunks(doc), (levels, sum(i % 10 for i in range(levels))))


@functools.cache
def bad_jsonl(size: int) -> Workload:
    """Mostly bad JSON Lines, 64 KB chunks; expected = (records, bad lines)."""
    doc = bad_jsonl_document(size)
    good = sum(1 for line in doc.splitlines() if line == '{"id": 7}')
    chunks: list[Any] = split_fixed(doc.encode("utf-8"), JSONL_CHUNK)
    return Workload(doc, chunks, (good, doc.count("\n") - good))


# --------------------------------------------------------------------------- core runners
# Workloads for the linear-cost guarantees of the core (issue 10). Their runners are
# registered in peers.PEERS here, beside the workloads they need.


def _blocks(work: Workload, deadline: float) -> Iterator[list[Any]]:
    for block in work.blocks:
        yield block
        if perf_counter() > deadline:
            raise CapExceeded


def jsondrip_deep() -> Runner:
    """jsondrip with ``max_depth`` lifted: ``p.feed(chunk); v = p.value``."""
    import jsondrip

    def run(work: Workload, deadline: float) -> Any:
        p = jsondrip.Parser(max_depth=10**9)
        feed = p.feed
        for block in _blocks(work, deadline):
            for chunk in block:
                feed(chunk)
                p.value  # noqa: B018
        return deep_fingerprint(p.close())

    return run


def jsondrip_bad_jsonl() -> Runner:
    """``JsonlParser(on_error="skip")`` fed 64 KB byte chunks: (records, bad lines)."""
    import jsondrip

    def run(work: Workload, deadline: float) -> Any:
        p = jsondrip.JsonlParser(on_error="skip")
        n = 0
        for block in _blocks(work, deadline):
            for chunk in block:
                n += len(p.feed(chunk))
        n += len(p.close())
        return n, p.bad_lines

    return run


def jsondrip_apply() -> Runner:
    """``folded = apply_deltas(folded, p.feed(chunk))`` after every chunk."""
    import jsondrip

    def run(work: Workload, deadline: float) -> Any:
        p = jsondrip.Parser()
        feed = p.feed
        apply = jsondrip.apply_deltas
        folded = None
        for block in _blocks(work, deadline):
            for chunk in block:
                folded = apply(folded, feed(chunk))
        p.close()
        return folded

    return run


P.PEERS.update(
    (peer.name, peer)
    for peer in (
        Peer("jsondrip_deep", "jsondrip (max_depth lifted)", "incremental, value", jsondrip_deep),
        Peer(
            "jsondrip_bad_jsonl",
            "jsondrip JsonlParser(on_error='skip')",
            "JSON Lines",
            jsondrip_bad_jsonl,
        ),
        Peer("jsondrip_apply", "jsondrip + apply_deltas", "incremental, fold", jsondrip_apply),
    )
)


# --------------------------------------------------------------------------- curves

VALUE_PEERS = (
    "jsondrip",
    "jsondrip_py",  # the pure-Python backend (benchmarks/peers.py)
    "streaming_json_parser",
    "jsonriver",
    "jiter",
    "pydantic_core",
    "partial_json_parser",
    "partialjson",
    "json_repair",
    "langchain",
    "ijson",
    "ijson_basic",
    "json_stream",
    "json",
    "orjson",
)


@dataclass(frozen=True)
class CurveSpec:
    """A scenario measured at every size for a list of peers."""

    key: str
    title: str
    description: str
    make: Callable[[int], Workload]
    peers: tuple[str, ...]
    baseline: str
    per_chunk: bool = True


CURVES: tuple[CurveSpec, ...] = (
    CurveSpec(
        "llm",
        "1. LLM structured output, str chunks, value after every chunk",
        "Chunks of 1-7 characters (mean 4). jsondrip: `p.feed(c); v = p.value` for every "
        "chunk (also with `Parser(deltas=False)`, which builds no deltas). Re-parse peers: "
        "`buf += c; v = lib(buf)` for every chunk.",
        llm_text,
        (
            *VALUE_PEERS[:2],
            "jsondrip_nodeltas",
            "jsondrip_py_nodeltas",
            "jsondrip_baseline",
            *VALUE_PEERS[2:],
        ),
        "jsondrip",
    ),
    CurveSpec(
        "llm_bytes",
        "2. LLM structured output, bytes split inside UTF-8 sequences",
        "The same documents as UTF-8, cut at random byte offsets (1-7 bytes, mean 4). "
        "jsondrip is fed the bytes. jiter and pydantic_core parse the accumulated bytes "
        "directly (both drop an incomplete UTF-8 sequence at the end); the str-only "
        "re-parse peers get `buf.decode('utf-8', 'ignore')` of the accumulated bytes "
        "after every chunk; jsonriver gets the chunks through an incremental UTF-8 decoder.",
        llm_bytes,
        VALUE_PEERS,
        "jsondrip",
    ),
    CurveSpec(
        "numbers",
        "3. Number-heavy arrays, str chunks, value after every chunk",
        '`{"data": [[1.25, -3, 4.5e-03, ...], ...]}` rows of 8 mixed ints/floats, '
        "chunks of 1-7 characters, value read after every chunk.",
        numbers_text,
        VALUE_PEERS,
        "jsondrip",
    ),
    CurveSpec(
        "deltas",
        "4. Deltas only (same streams as 1)",
        "jsondrip: `for d in p.feed(c): ...` without reading the value. The comparable "
        "peers are ijson's push coroutines (events, no values). jsondrip reading the value "
        "is shown for reference.",
        llm_text,
        ("jsondrip_deltas", "jsondrip", "ijson", "ijson_basic"),
        "jsondrip_deltas",
    ),
    CurveSpec(
        "typed",
        "8. Typed streaming: a pydantic model of the scenario-1 documents",
        "jsondrip: `TypedParser(Answer)`, the partial `Answer` instance read after every "
        "chunk (complete values validated as they close, items validated). Peer: pydantic "
        "re-validating the accumulated buffer after every chunk with "
        "`experimental_allow_partial='trailing-strings'` on an all-optional copy of the "
        "model (the required-field model rejects every prefix).",
        llm_text,
        ("jsondrip_typed", "pydantic_partial"),
        "jsondrip_typed",
    ),
    CurveSpec(
        "long_string",
        "9. A long string field (45 % of the document), value after every chunk",
        "The scenario-1 object with its prose field at 45 % of the document instead of "
        "≤ 4 KB (a long LLM answer), 1-7 character chunks, value read after every chunk. "
        "Growing the open string must cost O(chunk): 1 MB should take ~10x the 100 KB time.",
        long_text,
        ("jsondrip", "jsondrip_py", "jsondrip_deltas", "jsonriver", "ijson"),
        "jsondrip",
    ),
    CurveSpec(
        "apply",
        "10. apply_deltas over the long-string documents",
        "`folded = jsondrip.apply_deltas(folded, p.feed(chunk))` after every chunk on the "
        "scenario-9 streams: folding must be linear too.",
        long_text,
        ("jsondrip_apply", "jsondrip_deltas"),
        "jsondrip_deltas",
    ),
    CurveSpec(
        "deep",
        "11. Deep nesting (depth grows with size: ~80,000 levels at 1 MB)",
        '`{"a": [0, {"a": [1, ...]}]}` ~12 characters per level, 1-7 character chunks, '
        "value read after every chunk, `Parser(max_depth=10**9)`. Each container's path "
        "must cost O(1). The time includes Python's cyclic GC, whose full collections "
        "traverse the growing nested value (~12x for 10x here; ~9.5x with the GC off).",
        deep_text,
        ("jsondrip_deep",),
        "jsondrip_deep",
    ),
    CurveSpec(
        "bad_jsonl",
        "12. JSON Lines that are mostly bad lines, on_error='skip'",
        'Bad lines (`x`, `[1, 2`, `{"a" 1}`, `tru`, ...) with a few good ones, fed in '
        "64 KB byte chunks to `JsonlParser(on_error='skip')`. Each bad line must cost "
        "O(line). Total time.",
        bad_jsonl,
        ("jsondrip_bad_jsonl",),
        "jsondrip_bad_jsonl",
        per_chunk=False,
    ),
    CurveSpec(
        "whole",
        "7. Whole document as one chunk",
        "jsondrip `Parser(); p.feed(doc); p.close()` (and `Parser(deltas=False)`) vs "
        "`json.loads(doc)` / `orjson.loads(doc)` on the scenario-1 documents. Ratio here is "
        "to json.loads.",
        llm_text,
        (
            "jsondrip_whole",
            "jsondrip_py_whole",
            "jsondrip_whole_nodeltas",
            "jsondrip_py_whole_nodeltas",
            "json",
            "orjson",
        ),
        "json",
        per_chunk=False,
    ),
)


@dataclass
class SizeInfo:
    """Facts about the workload measured at one size."""

    n_bytes: int
    n_chars: int
    n_chunks: int


@dataclass
class CurveResult:
    """Measurements of one :class:`CurveSpec`: ``cells[peer][size.key]``."""

    spec: CurveSpec
    sizes: list[Size]
    peers: list[str]
    info: dict[str, SizeInfo] = field(default_factory=dict)
    cells: dict[str, dict[str, Measurement]] = field(default_factory=dict)

    def seconds(self, peer: str, size_key: str) -> float | None:
        """Median seconds for ``peer`` at ``size_key``, or ``None``."""
        cell = self.cells.get(peer, {}).get(size_key)
        return cell.seconds if cell is not None and cell.ok else None


def _is_jsondrip(name: str) -> bool:
    return name.startswith("jsondrip")


def check_final_value(name: str, run: P.Runner, work: Workload) -> str | None:
    """Untimed correctness check: return an error message if the final value is wrong.

    For the deltas runner the deltas of every feed are also folded with
    ``jsondrip.apply_deltas`` (when available) and the result compared.
    """
    try:
        value = run(work, INF)
        if name == "jsondrip_deltas":
            import jsondrip

            apply = getattr(jsondrip, "apply_deltas", None)
            if apply is not None:
                parser = jsondrip.Parser()
                folded = None
                for chunk in work.chunks:
                    folded = apply(folded, parser.feed(chunk))
                parser.close()
                if folded != work.expected:
                    return f"{name}: folding the deltas does not give json.loads' value"
    except Exception as exc:
        return f"{name} raised {type(exc).__name__}: {exc}"
    if value != work.expected:
        return f"{name}: final value differs from json.loads"
    return None


def run_curve(
    spec: CurveSpec,
    sizes: Sequence[Size],
    selected: Callable[[str], bool],
    cap: float,
    repeat: int,
    failures: list[str],
    log: Log,
    min_total: float = MIN_TOTAL_S,
) -> CurveResult:
    """Measure every selected peer of ``spec`` at every size.

    A peer that passes the cap at one size is not run at larger sizes.  jsondrip's
    final value is checked against ``json.loads`` (untimed) before it is timed; a
    mismatch is appended to ``failures``.
    """
    names = [n for n in spec.peers if selected(n)]
    result = CurveResult(spec, list(sizes), names)
    runners = {n: P.build(n) for n in names}
    capped_at: dict[str, str] = {}
    for size in sizes:
        work = spec.make(size.chars)
        n_chars = len(work.doc) if isinstance(work.doc, str) else len(work.doc.decode())
        result.info[size.key] = SizeInfo(work.n_bytes, n_chars, len(work.chunks))
        for name in names:
            run = runners[name]
            if run is None:
                cell = Measurement(MISSING)
            elif name in capped_at:
                cell = Measurement(SKIPPED, detail=f"capped at {capped_at[name]}")
            else:
                error = check_final_value(name, run, work) if _is_jsondrip(name) else None
                if error is not None:
                    failures.append(f"{spec.key} {size.label}: {error}")
                    cell = Measurement(ERROR, value_ok=False, detail=error)
                else:
                    # jsondrip's per-chunk cells get a paired no-op yardstick.
                    paired = spec.per_chunk and _is_jsondrip(name)
                    cell = measure(run, work, cap, repeat, min_total, yardstick=paired)
                if cell.status == CAPPED:
                    capped_at[name] = size.label
            result.cells.setdefault(name, {})[size.key] = cell
            log(f"  {spec.key:9} {size.label:>6} {name:20} {_describe(cell, cap)}")
    return result


def _describe(cell: Measurement, cap: float) -> str:
    if cell.ok:
        assert cell.seconds is not None
        flag = "" if cell.value_ok in (True, None) else "  (final value differs)"
        if cell.disturbed:
            flag += f"  ({cell.disturbed} descheduled run(s) repeated)"
        return f"{cell.seconds:10.4f} s  x{cell.repeats}{flag}"
    if cell.status == CAPPED:
        return f"> {cap:g} s cap"
    return f"{cell.status} {cell.detail}".strip()


# --------------------------------------------------------------------------- JSONL

JSONL_CHUNK = 64 * 1024


@dataclass
class JsonlResult:
    """Throughput and peak memory of ``JsonlParser`` vs a ``json.loads`` line loop."""

    file: JsonlFile
    chunk_size: int
    drip: Measurement
    base: Measurement
    drip_peak: int | None
    base_peak: int | None
    drip_records: int | None
    base_records: int | None
    #: The pure-Python backend, measured in the same run when the installed
    #: backend is the C one (None otherwise: ``drip`` is then the pure one).
    drip_py: Measurement | None = None


def _drip_jsonl(path: Path, deadline: float, jsondrip: Any = None) -> int:
    if jsondrip is None:
        import jsondrip

    parser = jsondrip.JsonlParser()
    n = 0
    with open(path, "rb") as f:
        read = f.read
        while True:
            chunk = read(JSONL_CHUNK)
            if not chunk:
                break
            n += len(parser.feed(chunk))
            if perf_counter() > deadline:
                raise CapExceeded
    return n + len(parser.close())


def _base_jsonl(path: Path, deadline: float) -> int:
    loads = json.loads
    n = 0
    with open(path, "rb") as f:
        for line in f:
            loads(line)
            n += 1
            if not n & 1023 and perf_counter() > deadline:
                raise CapExceeded
    return n


def _jsonl_cell(
    times: list[float], n: int, expected: int, who: str, cap: float, failures: list[str]
) -> Measurement:
    """One JsonlParser cell: the median of ``times`` (capped when empty), its
    record count checked against the file's."""
    if not times:
        return Measurement(CAPPED, detail=f"> {cap:.0f} s")
    ok = n == expected
    if not ok:
        failures.append(f"jsonl: {n} records from {who}, {expected} in file")
    return Measurement(OK, statistics.median(times), len(times), ok)


def _timed(loop: Callable[[Path, float], int], path: Path, cap: float) -> tuple[float | None, int]:
    with frozen_heap():
        start = perf_counter()
        try:
            n = loop(path, start + cap)
        except CapExceeded:
            return None, 0
        return perf_counter() - start, n


def _peak(loop: Callable[[Path, float], int], path: Path) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        loop(path, INF)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def check_jsonl(data: bytes) -> str | None:
    """Feed ``data`` (whole lines) minus its final newline in random byte chunks.

    Returns an error message unless the records (including the one returned by
    ``close()``) equal ``json.loads`` of every line.
    """
    import jsondrip

    expected = [json.loads(line) for line in data.splitlines()]
    parser = jsondrip.JsonlParser()
    got: list[Any] = []
    try:
        for chunk in split_chunks(data[:-1], lo=1, hi=4096):
            got.extend(parser.feed(chunk))
        got.extend(parser.close())
    except Exception as exc:
        return f"JsonlParser raised {type(exc).__name__}: {exc}"
    if got != expected:
        return f"JsonlParser returned {len(got)} records (expected {len(expected)}) or wrong values"
    return None


def run_jsonl(
    megabytes: float, cap: float, repeat: int, failures: list[str], log: Log
) -> JsonlResult | None:
    """Scenario 5: JSON Lines throughput and peak memory (generated into a temp file)."""
    if P.build("jsondrip") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="jsondrip-bench-") as tmp:
        path = Path(tmp) / "records.jsonl"
        t0 = perf_counter()
        jf = write_jsonl(path, int(megabytes * 1_000_000))
        log(
            f"  jsonl: generated {jf.n_bytes / 1e6:.1f} MB, {jf.n_records} records "
            f"in {perf_counter() - t0:.1f} s"
        )
        with open(path, "rb") as f:
            head = f.read(2_000_000)
        error = check_jsonl(head[: head.rfind(b"\n") + 1])
        if error is not None:
            failures.append(f"jsonl: {error}")
            log(f"  jsonl: CORRECTNESS FAILURE: {error}")
        import jsondrip

        pure = P.pure_python_jsondrip()
        pure = None if pure is jsondrip else pure
        base_times: list[float] = []
        drip_times: list[float] = []
        py_times: list[float] = []
        base_n = drip_n = py_n = 0
        drip_cap = cap
        for _ in range(max(1, repeat)):  # interleaved so that drift hits all alike
            t, base_n = _timed(_base_jsonl, path, INF)
            assert t is not None
            base_times.append(t)
            drip_cap = max(cap, 10 * t)
            t, drip_n = _timed(_drip_jsonl, path, drip_cap)
            if t is None:
                drip_times = []
                break
            drip_times.append(t)
            if pure is not None:
                t, py_n = _timed(functools.partial(_drip_jsonl, jsondrip=pure), path, drip_cap)
                if t is not None:
                    py_times.append(t)
        base = Measurement(OK, statistics.median(base_times), len(base_times), True)
        drip = _jsonl_cell(drip_times, drip_n, jf.n_records, "JsonlParser", drip_cap, failures)
        drip_py = None
        if pure is not None:
            complete = py_times if len(py_times) == len(drip_times) else []
            drip_py = _jsonl_cell(
                complete, py_n, jf.n_records, "pure-Python JsonlParser", drip_cap, failures
            )
        base_peak = _peak(_base_jsonl, path)
        drip_peak = _peak(_drip_jsonl, path) if drip_times else None
        log(
            f"  jsonl: line loop {base.seconds:.2f} s, JsonlParser {_describe(drip, drip_cap)}"
            + (f", pure Python {_describe(drip_py, drip_cap)}" if drip_py else "")
            + f", peaks {base_peak} / {drip_peak} bytes"
        )
        return JsonlResult(
            jf, JSONL_CHUNK, drip, base, drip_peak, base_peak, drip_n, base_n, drip_py
        )


# --------------------------------------------------------------------------- latency


@dataclass
class LatencyResult:
    """Per-``feed`` latency distribution (µs) of jsondrip on one document."""

    size: Size
    n_feeds: int
    p50: float
    p90: float
    p99: float
    p999: float
    max: float
    mean: float
    timer_overhead_ns: float


def _percentile(sorted_values: list[int], q: float) -> float:
    index = min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))
    return float(sorted_values[index])


def _sample_feeds(parser: Any, work: Workload, samples: list[int], deadline: float) -> None:
    """Append the duration (ns) of every ``feed`` + value read to ``samples``."""
    clock = perf_counter_ns
    feed = parser.feed
    append = samples.append
    for block in work.blocks:
        for chunk in block:
            t0 = clock()
            feed(chunk)
            parser.value  # noqa: B018
            append(clock() - t0)
        if perf_counter() > deadline:
            return
    parser.close()


def run_latency(size: Size, cap: float, log: Log) -> LatencyResult | None:
    """Scenario 6: time every ``feed`` + value read on the scenario-1 document."""
    try:
        import jsondrip
    except ImportError:
        return None
    work = llm_text(size.chars)
    clock = perf_counter_ns
    overhead = sorted(-(clock() - clock()) for _ in range(10001))
    timer_ns = statistics.median(overhead)
    samples: list[int] = []
    with frozen_heap():
        _sample_feeds(jsondrip.Parser(), work, samples, perf_counter() + cap)
    if len(samples) < len(work.chunks):
        log(f"  latency: capped after {len(samples)} feeds")
    samples.sort()
    us = 1000.0
    result = LatencyResult(
        size,
        len(samples),
        _percentile(samples, 0.50) / us,
        _percentile(samples, 0.90) / us,
        _percentile(samples, 0.99) / us,
        _percentile(samples, 0.999) / us,
        samples[-1] / us,
        statistics.fmean(samples) / us,
        timer_ns,
    )
    log(
        f"  latency {size.label}: p50 {result.p50:.2f} µs, p99 {result.p99:.2f} µs, "
        f"max {result.max:.0f} µs"
    )
    return result
