"""Markdown report (tables and targets) and the log-log scaling plot."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .peers import PEERS, version
from .scenarios import CurveResult, JsonlResult, LatencyResult, Size
from .timing import CAPPED, ERROR, MISSING, SKIPPED, Measurement

#: JSONL peak memory must stay under this many times (chunk size + longest record).
MEMORY_FACTOR = 16


# --------------------------------------------------------------------------- formatting


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def fmt_us(us: float) -> str:
    """Format microseconds with sensible precision."""
    if us < 10:
        return f"{us:.2f} µs"
    if us < 100:
        return f"{us:.1f} µs"
    if us < 100_000:
        return f"{us:,.0f} µs"
    return f"{us / 1e6:.2f} s"


def fmt_ratio(ratio: float) -> str:
    """Format a time ratio like ``0.050x``, ``1.80x`` or ``240x``."""
    if ratio < 0.1:
        return f"{ratio:.3f}x"
    if ratio < 10:
        return f"{ratio:.2f}x"
    if ratio < 100:
        return f"{ratio:.1f}x"
    return f"{ratio:,.0f}x"


def fmt_bytes(n: float) -> str:
    """Format a byte count (1 KB = 1000 bytes)."""
    if n < 10_000:
        return f"{n:,.0f} B"
    if n < 10_000_000:
        return f"{n / 1e3:,.0f} KB"
    return f"{n / 1e6:,.1f} MB"


def _status(cell: Measurement | None, cap: float) -> str | None:
    """Text for a cell without a time, or ``None`` if it has one."""
    if cell is None:
        return "—"
    if cell.ok:
        return None
    if cell.status == CAPPED:
        return f"> {cap:g} s cap"
    if cell.status == SKIPPED:
        return "skipped (capped)"
    if cell.status == MISSING:
        return "not installed"
    if cell.status == ERROR:
        return f"error ({cell.detail})" if cell.detail else "error"
    return cell.status


# --------------------------------------------------------------------------- curves


def scaling_pairs(sizes: Sequence[Size]) -> list[tuple[Size, Size]]:
    """Pairs of sizes whose nominal sizes differ by exactly 10x."""
    return [(a, b) for a in sizes for b in sizes if b.chars == 10 * a.chars]


def curve_section(res: CurveResult, cap: float) -> list[str]:
    """Markdown for one scenario: per-chunk (or total) times, ratios, MB/s, scaling."""
    spec = res.spec
    out = [f"## {spec.title}", "", spec.description, ""]
    facts = ", ".join(
        f"{s.label} = {res.info[s.key].n_bytes:,} bytes / {res.info[s.key].n_chunks:,} chunks"
        for s in res.sizes
        if s.key in res.info
    )
    out += [f"Inputs: {facts}.", ""]
    pairs = scaling_pairs(res.sizes)
    base_label = PEERS[spec.baseline].label
    what = "µs per chunk" if spec.per_chunk else "total time"
    header = ["Library", "mode"] + [s.label for s in res.sizes]
    header += [f"{a.label}→{b.label}" for a, b in pairs]
    rows, speed_rows = [], []
    for name in res.peers:
        peer = PEERS[name]
        cells = res.cells.get(name, {})
        if all(c.status == MISSING for c in cells.values()):
            rows.append([peer.label, peer.mode, "not installed"] + [""] * (len(header) - 3))
            continue
        row, speed = [peer.label, peer.mode], [peer.label]
        for size in res.sizes:
            cell = cells.get(size.key)
            text = _status(cell, cap)
            if text is not None:
                row.append(text)
                speed.append(text)
                continue
            assert cell is not None
            assert cell.seconds is not None
            info = res.info[size.key]
            value = cell.seconds * 1e6 / info.n_chunks if spec.per_chunk else cell.seconds * 1e6
            text = fmt_us(value)
            base = res.seconds(spec.baseline, size.key)
            if base and name != spec.baseline:
                text += f" ({fmt_ratio(cell.seconds / base)})"
            if cell.value_ok is False:
                text += " ⚠ value≠json.loads"
            row.append(text)
            speed.append(f"{info.n_bytes / 1e6 / cell.seconds:,.2f}")
        for a, b in pairs:
            ta, tb = res.seconds(name, a.key), res.seconds(name, b.key)
            row.append(f"{tb / ta:.1f}x" if ta and tb else "—")
        rows.append(row)
        speed_rows.append(speed)
    out.append(
        f"**{what}** (median; in brackets: time ratio to {base_label}, >1 means "
        f"{base_label} is faster; last columns: scaling, time at 10x size / time at 1x "
        "size, linear ≈ 10x)"
    )
    out += ["", *_table(header, rows), "", "**MB/s** (UTF-8 bytes of the document / time)", ""]
    out += _table(["Library"] + [s.label for s in res.sizes], speed_rows)
    out.append("")
    return out


# --------------------------------------------------------------------------- targets


@dataclass
class Target:
    """One project target with its measured value and verdict."""

    text: str
    measured: str
    passed: bool | None

    @property
    def verdict(self) -> str:
        """PASS, FAIL or n/a (not measured in this run)."""
        return "n/a" if self.passed is None else ("PASS" if self.passed else "FAIL")


def _ratio(res: CurveResult | None, peer: str, base: str, key: str) -> float | None:
    if res is None:
        return None
    a, b = res.seconds(peer, key), res.seconds(base, key)
    return a / b if a and b else None


def _speedup_target(
    res: CurveResult | None,
    peer: str,
    key: str,
    minimum: float,
    text: str,
    cap: float,
    spread: bool = False,
) -> Target:
    ratio = _ratio(res, peer, "jsondrip", key)
    if ratio is not None:
        assert res is not None
        others = [_ratio(res, peer, "jsondrip", s.key) for s in res.sizes]
        ratios = [r for r in others if r is not None]
        measured = f"{ratio:.1f}x faster"
        if spread and len(ratios) > 1:
            measured += f" ({min(ratios):.1f}x-{max(ratios):.1f}x over the sizes measured)"
        return Target(text, measured, ratio >= minimum)
    if res is not None and res.seconds("jsondrip", key):
        cell = res.cells.get(peer, {}).get(key)
        if cell is not None and cell.status in (CAPPED, SKIPPED):
            # the peer needed more than the cap: jsondrip is at least cap / t faster
            bound = cap / res.seconds("jsondrip", key)  # type: ignore[operator]
            return Target(text, f"> {bound:.0f}x faster ({peer} passed the cap)", bound >= minimum)
    return Target(text, "not measured", None)


def targets(
    curves: dict[str, CurveResult],
    jsonl: JsonlResult | None,
    failures: list[str],
    cap: float,
) -> list[Target]:
    """Evaluate the project's targets against this run's measurements."""
    llm, deltas, whole = curves.get("llm"), curves.get("deltas"), curves.get("whole")
    out: list[Target] = []

    per_chunk = None
    if llm is not None and llm.seconds("jsondrip", "34k"):
        per_chunk = llm.seconds("jsondrip", "34k") * 1e6 / llm.info["34k"].n_chunks  # type: ignore[operator]
    out.append(
        Target(
            "LLM output, ~4-char chunks, value after every chunk: ≤ 1.5 µs per chunk at 34 KB",
            fmt_us(per_chunk) + " per chunk" if per_chunk is not None else "not measured",
            None if per_chunk is None else per_chunk <= 1.5,
        )
    )
    out.append(
        _speedup_target(
            llm, "jsonriver", "34k", 4, "≥ 4x faster than jsonriver (34 KB)", cap, spread=True
        )
    )
    out.append(_speedup_target(llm, "jiter", "1k", 1.0, "faster than jiter re-parse at 1 KB", cap))
    out.append(_speedup_target(llm, "jiter", "100k", 25, "≥ 25x faster than jiter at 100 KB", cap))
    for label, res, peer in (
        ("value after every chunk", llm, "jsondrip"),
        ("deltas only", deltas, "jsondrip_deltas"),
        ("typed (pydantic) stream", curves.get("typed"), "jsondrip_typed"),
        ("long string field, value after every chunk", curves.get("long_string"), "jsondrip"),
        ("apply_deltas on the long-string streams", curves.get("apply"), "jsondrip_apply"),
        ("bad JSON Lines", curves.get("bad_jsonl"), "jsondrip_bad_jsonl"),
    ):
        growth = None
        if res is not None:
            small, big = res.seconds(peer, "100k"), res.seconds(peer, "1m")
            growth = big / small if small and big else None
        out.append(
            Target(
                f"Linear, {label}: 1 MB time ≤ 11x the 100 KB time",
                f"{growth:.2f}x" if growth is not None else "not measured",
                None if growth is None else growth <= 11,
            )
        )
    if jsonl is not None and jsonl.drip.ok and jsonl.base.ok:
        speed = jsonl.base.seconds / jsonl.drip.seconds  # type: ignore[operator]
        out.append(
            Target(
                "JSONL: ≥ 0.8x the throughput of the json.loads line loop",
                f"{speed:.2f}x",
                speed >= 0.8,
            )
        )
        bound = MEMORY_FACTOR * (jsonl.chunk_size + jsonl.file.longest_record)
        peak = jsonl.drip_peak or 0
        out.append(
            Target(
                f"JSONL: memory bounded by the longest record (peak ≤ {MEMORY_FACTOR} x "
                "(chunk + longest record))",
                f"peak {fmt_bytes(peak)} ≤ {fmt_bytes(bound)}; stream "
                f"{fmt_bytes(jsonl.file.n_bytes)}, longest record "
                f"{fmt_bytes(jsonl.file.longest_record)}",
                peak <= bound,
            )
        )
    else:
        out.append(
            Target("JSONL: ≥ 0.8x the throughput of the json.loads line loop", "not measured", None)
        )
    whole_key = whole.sizes[-1].key if whole is not None and whole.sizes else ""
    ratio = _ratio(whole, "jsondrip_whole", "json", whole_key)
    out.append(
        Target(
            f"Whole document as one chunk ({whole.sizes[-1].label if whole else '-'}): "
            "within 20x json.loads",
            f"{ratio:.1f}x json.loads" if ratio is not None else "not measured",
            None if ratio is None else ratio <= 20,
        )
    )
    out.append(
        Target(
            "jsondrip's final values equal json.loads in every scenario",
            "all equal" if not failures else "; ".join(failures)[:300],
            not failures,
        )
    )
    return out


# --------------------------------------------------------------------------- backends

#: The pure-Python backend's per-chunk cost before the C accelerator, in no-op
#: calls (issue 10's measurement: ~1.6 µs at 10 KB, ~2.2 µs at 100 KB with a
#: ~0.03 µs no-op call): "no slower than today" when the baseline revision
#: (``peers.BASELINE_REVISION``) could not be measured in the same run.
TODAY_NOOPS = {"10k": 1.6 / 0.03, "100k": 2.2 / 0.03}


@dataclass
class BackendTarget:
    """One row of the backend targets: the same target for both backends."""

    text: str
    c: Target
    py: Target


def _per_chunk(res: CurveResult | None, peer: str, key: str) -> float | None:
    if res is None or key not in res.info:
        return None
    seconds = res.seconds(peer, key)
    return seconds / res.info[key].n_chunks if seconds else None


def _paired(res: CurveResult | None, peer: str, key: str) -> float | None:
    """Per-chunk cost in no-op calls by the cell's own paired yardstick, if it has one."""
    cell = res.cells.get(peer, {}).get(key) if res is not None else None
    if cell is None or not cell.ok or not cell.noop_seconds:
        return None
    assert cell.seconds is not None
    return cell.seconds / cell.noop_seconds


def _noop_count(res: CurveResult | None, peer: str, key: str, noop: float | None) -> float | None:
    """Per-chunk cost of ``peer`` at ``key`` in no-op calls.

    The cell's own paired yardstick (measured beside it over the same chunks) when it
    has one, else the run's global yardstick ``noop``.
    """
    paired = _paired(res, peer, key)
    if paired is not None:
        return paired
    cost = _per_chunk(res, peer, key)
    return cost / noop if cost is not None and noop else None


def _noop_counts(res: CurveResult | None, peer: str, noop: float | None) -> list[tuple[float, str]]:
    """The per-chunk cost at each size measured, in no-op calls, with the size's label."""
    if res is None:
        return []
    return [
        (n, s.label) for s in res.sizes if (n := _noop_count(res, peer, s.key, noop)) is not None
    ]


def _noops(res: CurveResult | None, peer: str, noop: float | None) -> tuple[float, str] | None:
    """The largest per-chunk cost over the sizes, in no-op calls, and its size."""
    return max(_noop_counts(res, peer, noop), default=None)


def _growth(res: CurveResult | None, peer: str) -> float | None:
    if res is None:
        return None
    small, big = res.seconds(peer, "100k"), res.seconds(peer, "1m")
    return big / small if small and big else None


def _na(text: str = "not measured") -> Target:
    return Target("", text, None)


def backend_targets(
    curves: dict[str, CurveResult], jsonl: JsonlResult | None, noop: float | None
) -> list[BackendTarget]:
    """Issue 10's targets, for the C backend (``jsondrip``, when it is the C one)
    and the pure-Python backend (``jsondrip_py``), from this run."""
    import jsondrip

    c_built = getattr(jsondrip, "BACKEND", "python") == "c"
    llm = curves.get("llm")
    rows: list[BackendTarget] = []

    def vs_native(peer: str) -> Target:
        parts, ok = [], []
        for key in ("10k", "100k"):
            ratio = _ratio(llm, "streaming_json_parser", peer, key)
            if ratio is not None:
                parts.append(f"{ratio:.2f}x at {key.upper()}B")
                ok.append(ratio >= 2)
        return Target("", ", ".join(parts), all(ok)) if parts else _na()

    def vs_today(peer: str = "jsondrip_py") -> Target:
        """Same run: the baseline revision's parser; else the issue's figure in no-op calls."""
        parts, ok = [], []
        for key, today in TODAY_NOOPS.items():
            cost = _per_chunk(llm, peer, key)
            before = _per_chunk(llm, "jsondrip_baseline", key)
            if cost is not None and before is not None:
                parts.append(
                    f"{cost * 1e6:.2f} µs at {key.upper()}B, today {before * 1e6:.2f} µs "
                    f"({cost / before:.2f}x)"
                )
                ok.append(cost <= before)
            elif (count := _noop_count(llm, peer, key, noop)) is not None:
                parts.append(
                    f"{count:.0f} no-op calls at {key.upper()}B (today {today:.0f}, "
                    "issue 10's figure)"
                )
                ok.append(count <= today)
        return Target("", "; ".join(parts), all(ok)) if parts else _na()

    rows.append(
        BackendTarget(
            "value after every 1-8 char chunk, 10 KB and 100 KB: C ≥ 2x faster than "
            "streaming-json-parser-native; pure Python no slower than today (the "
            "pure-Python parser before issue 10, measured in the same run)",
            vs_native("jsondrip") if c_built else _na("C extension not built"),
            vs_today(),
        )
    )
    # The same targets for Parser(deltas=False) (value only, no deltas built):
    # shown beside the default figures, not instead of them.
    rows.append(
        BackendTarget(
            "… the same with `Parser(deltas=False)` (no deltas built)",
            vs_native("jsondrip_nodeltas") if c_built else _na("C extension not built"),
            vs_today("jsondrip_py_nodeltas"),
        )
    )

    def per_chunk_target(peer: str, limit: float) -> Target:
        counts = _noop_counts(llm, peer, noop)
        if not counts:
            return _na()
        worst, where = max(counts)
        each = ", ".join(f"{n:.1f} at {label}" for n, label in counts)
        return Target("", f"≤ {worst:.1f} no-op calls (worst: {where}; {each})", worst <= limit)

    rows.append(
        BackendTarget(
            "per chunk, 1 KB … 1 MB: C ≤ 8 no-op calls, pure Python ≤ 55",
            per_chunk_target("jsondrip", 8) if c_built else _na("C extension not built"),
            per_chunk_target("jsondrip_py", 55),
        )
    )
    rows.append(
        BackendTarget(
            "… the same with `Parser(deltas=False)` (no deltas built)",
            per_chunk_target("jsondrip_nodeltas", 8) if c_built else _na("C extension not built"),
            per_chunk_target("jsondrip_py_nodeltas", 55),
        )
    )

    def growth_target(peer: str) -> Target:
        growth = _growth(curves.get("long_string"), peer)
        return _na() if growth is None else Target("", f"{growth:.2f}x", growth <= 11)

    rows.append(
        BackendTarget(
            "scaling 100 KB → 1 MB (long string field): ≤ 11x",
            growth_target("jsondrip") if c_built else _na("C extension not built"),
            growth_target("jsondrip_py"),
        )
    )

    def jsonl_target(cell: Measurement | None, minimum: float) -> Target:
        if jsonl is None or cell is None or not cell.ok or not jsonl.base.ok:
            return _na()
        speed = jsonl.base.seconds / cell.seconds  # type: ignore[operator]
        return Target("", f"{speed:.2f}x", speed >= minimum)

    rows.append(
        BackendTarget(
            "JSON Lines, 1-2 KB records, 64 KB chunks: C ≥ 1.5x a json.loads line loop, "
            "pure Python ≥ 1.0x",
            jsonl_target(jsonl.drip if jsonl else None, 1.5)
            if c_built
            else _na("C extension not built"),
            jsonl_target((jsonl.drip_py if c_built else jsonl.drip) if jsonl else None, 1.0),
        )
    )
    whole = curves.get("whole")
    key = whole.sizes[-1].key if whole is not None and whole.sizes else ""

    def whole_target(peer: str, limit: float | None) -> Target:
        ratio = _ratio(whole, peer, "json", key)
        if ratio is None:
            return _na()
        verdict = ratio <= limit if limit else None
        return Target("", f"{ratio:.2f}x json.loads ({key.upper()}B)", verdict)

    rows.append(
        BackendTarget(
            "one whole 1 MB document in one chunk: C ≤ 1.5x json.loads (pure Python: no target)",
            whole_target("jsondrip_whole", 1.5) if c_built else _na("C extension not built"),
            whole_target("jsondrip_py_whole", None),
        )
    )
    rows.append(
        BackendTarget(
            "… the same with `Parser(deltas=False)` (no deltas built)",
            whole_target("jsondrip_whole_nodeltas", 1.5)
            if c_built
            else _na("C extension not built"),
            whole_target("jsondrip_py_whole_nodeltas", None),
        )
    )
    typed = curves.get("typed")

    def typed_ratio(key: str) -> float | None:
        # The two curves run minutes apart: compare their paired no-op counts, so
        # that the machine's speed at either minute cancels out.
        cell, plain = _paired(typed, "jsondrip_typed", key), _paired(llm, "jsondrip", key)
        if cell is not None and plain is not None:
            return cell / plain
        return _ratio_between(typed, "jsondrip_typed", llm, "jsondrip", key)

    ratios = [
        (r, s.label)
        for s in (typed.sizes if typed is not None else [])
        if (r := typed_ratio(s.key)) is not None
    ]
    typed_target = _na()
    if ratios and c_built:
        worst, where = max(ratios)
        measured = f"≤ {worst:.2f}x (worst: {where})"
        typed_noops = _noops(typed, "jsondrip_typed", noop)
        if typed_noops is not None:
            measured += f"; ≤ {typed_noops[0]:.1f} no-op calls (worst: {typed_noops[1]})"
        typed_target = Target("", measured, worst <= 3)
    elif not c_built:
        typed_target = _na("C extension not built")
    rows.append(
        BackendTarget(
            "typed stream (TypedParser) per chunk: ≤ 3x the plain Parser (C backend; "
            "the ratio of their paired no-op counts)",
            typed_target,
            _na("no target"),
        )
    )
    return rows


def _ratio_between(
    a: CurveResult | None, peer_a: str, b: CurveResult | None, peer_b: str, key: str
) -> float | None:
    if a is None or b is None:
        return None
    ta, tb = a.seconds(peer_a, key), b.seconds(peer_b, key)
    return ta / tb if ta and tb else None


def backend_section(rows: list[BackendTarget], noop: float | None) -> list[str]:
    """Markdown: the backend targets table and the no-op yardstick."""
    import jsondrip

    backend = getattr(jsondrip, "BACKEND", "python")
    yardstick = f"{noop * 1e9:.1f} ns" if noop else "not measured"
    out = [
        "## Targets: C accelerator and pure-Python backend",
        "",
        f"`jsondrip.BACKEND` = `{backend!r}` in this run; the pure-Python backend is measured "
        "in the same process (a copy of the package imported with `JSONDRIP_PURE_PYTHON=1`). "
        "Per-chunk costs are also given in units of a no-op Python method call "
        "(`obj.call(chunk)` in the same loop shape), which are stable across machines. "
        "Each jsondrip per-chunk cell has its own paired yardstick: every timed run is "
        "followed by the no-op loop over the same chunks, and the count is the ratio of "
        "the two medians, so a minute of load on the shared machine slows both sides. "
        f"For reference, the least disturbed of the run-wide no-op measurements (before, "
        f"between and after the scenarios) took {yardstick}.",
        "",
    ]
    out += _table(
        ["Target", "C backend", "Result", "pure Python", "Result"],
        [
            [r.text, r.c.measured, f"**{r.c.verdict}**", r.py.measured, f"**{r.py.verdict}**"]
            for r in rows
        ],
    )
    out.append("")
    return out


# --------------------------------------------------------------------------- other sections


def jsonl_section(res: JsonlResult) -> list[str]:
    """Markdown for scenario 5."""
    f = res.file
    out = [
        "## 5. JSON Lines",
        "",
        f"{fmt_bytes(f.n_bytes)} of JSONL, {f.n_records:,} records (longest "
        f"{fmt_bytes(f.longest_record)}), read from a temp file. `JsonlParser` is fed "
        f"{res.chunk_size // 1024} KB bytes chunks (`f.read`); the baseline is "
        "`for line in f: json.loads(line)` on the same file opened in binary mode. "
        "With the C backend installed, the pure-Python backend is measured too, in the "
        "same process, interleaved. Peak memory is the tracemalloc peak of a separate, "
        "untimed run.",
        "",
    ]
    rows = []
    readers: list[tuple[str, Measurement, int | None, int | None]] = [
        (
            "jsondrip JsonlParser" + (" (C)" if res.drip_py is not None else ""),
            res.drip,
            res.drip_peak,
            res.drip_records,
        ),
    ]
    if res.drip_py is not None:
        readers.append(("jsondrip JsonlParser (pure Python)", res.drip_py, None, res.drip_records))
    readers.append(("json.loads line loop", res.base, res.base_peak, res.base_records))
    for label, cell, peak, n in readers:
        if not cell.ok:
            rows.append([label, cell.status, "", "", "", "", ""])
            continue
        secs = cell.seconds or 0.0
        base = res.base.seconds or 0.0
        rows.append(
            [
                label,
                f"{secs:.2f} s",
                f"{f.n_bytes / 1e6 / secs:,.1f}",
                f"{(n or 0) / secs:,.0f}",
                fmt_bytes(peak) if peak is not None else "—",
                f"{base / secs:.2f}x",
                str(cell.repeats),
            ]
        )
    out += _table(
        [
            "Reader",
            "time (median)",
            "MB/s",
            "records/s",
            "peak memory",
            "throughput vs loop",
            "runs",
        ],
        rows,
    )
    out.append("")
    return out


def latency_section(res: LatencyResult) -> list[str]:
    """Markdown for scenario 6."""
    out = [
        "## 6. Latency per feed",
        "",
        f"jsondrip on the {res.size.label} scenario-1 document, 1-7 character chunks (mean 4), "
        "`feed` + value read timed individually with `perf_counter_ns` "
        f"(timer overhead ≈ {res.timer_overhead_ns:.0f} ns, included). GC enabled.",
        "",
    ]
    out += _table(
        ["feeds", "mean", "p50", "p90", "p99", "p99.9", "max"],
        [
            [
                f"{res.n_feeds:,}",
                fmt_us(res.mean),
                fmt_us(res.p50),
                fmt_us(res.p90),
                fmt_us(res.p99),
                fmt_us(res.p999),
                fmt_us(res.max),
            ]
        ],
    )
    out.append("")
    return out


def peers_section(names: Iterable[str]) -> list[str]:
    """Table of the libraries: version, mode, notes."""
    rows = []
    for name in names:
        peer = PEERS[name]
        doc = (peer.factory.__doc__ or "").strip().splitlines()[0].split(": ", 1)[-1]
        ver = version(name) or "not installed"
        rows.append([peer.label, ver, peer.mode, doc, peer.note])
    return ["## Libraries", "", *_table(["Library", "version", "mode", "API", "notes"], rows), ""]


def render(
    header: list[str],
    target_list: list[Target],
    curves: dict[str, CurveResult],
    jsonl: JsonlResult | None,
    latency: LatencyResult | None,
    peer_names: Iterable[str],
    cap: float,
    backend_rows: list[BackendTarget] | None = None,
    noop: float | None = None,
) -> str:
    """The full RESULTS.md text."""
    out = list(header)
    out += ["## Targets", ""]
    out += _table(
        ["Target", "Measured", "Result"],
        [[t.text, t.measured, f"**{t.verdict}**"] for t in target_list],
    )
    out.append("")
    if backend_rows is not None:
        out += backend_section(backend_rows, noop)
    for key in ("llm", "llm_bytes", "numbers", "deltas"):
        if key in curves:
            out += curve_section(curves[key], cap)
    out += jsonl_section(jsonl) if jsonl is not None else []
    out += latency_section(latency) if latency is not None else []
    if "typed" in curves:
        out += curve_section(curves["typed"], cap)
    if "whole" in curves:
        out += curve_section(curves["whole"], cap)
    for key in ("long_string", "apply", "deep", "bad_jsonl"):  # the core's linear costs
        if key in curves:
            out += curve_section(curves[key], cap)
    out += peers_section(peer_names)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- plot

PLOT_COLOURS = {
    "jsondrip": "#d62728",
    "jsondrip_deltas": "#8c0d0d",
    "jsondrip_whole": "#ff7f7f",
    "jsondrip_py": "#f4a582",
    "jsondrip_py_whole": "#fddbc7",
    "streaming_json_parser": "#4d4d4d",
    "jsonriver": "#9467bd",
    "jiter": "#ff7f0e",
    "pydantic_core": "#e6b800",
    "partial_json_parser": "#8c564b",
    "partialjson": "#e377c2",
    "json_repair": "#2ca02c",
    "langchain": "#17becf",
    "ijson": "#1f77b4",
    "ijson_basic": "#aec7e8",
    "json_stream": "#bcbd22",
    "json": "#7f7f7f",
    "orjson": "#111111",
}
_NONE = Measurement(MISSING)


def plot(curves: dict[str, CurveResult], path: Path, cap: float) -> bool:
    """Draw log-log time vs document size, one line per library, per scenario."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    keys = [k for k in ("llm", "llm_bytes", "numbers", "deltas") if k in curves]
    if not keys:
        return False
    cols = 2 if len(keys) > 1 else 1
    rows = (len(keys) + 1) // 2
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols + 3, 4.6 * rows), squeeze=False)
    handles: dict[str, object] = {}
    for ax, key in zip(axes.flat, keys):
        res = curves[key]
        for name in res.peers:
            points = [
                (res.info[s.key].n_bytes, res.seconds(name, s.key))
                for s in res.sizes
                if res.seconds(name, s.key)
            ]
            colour = PLOT_COLOURS.get(name, "black")
            style = "--" if PEERS[name].mode == "floor" else "-"
            if points:
                xs, ys = zip(*points)
                (line,) = ax.plot(
                    xs,
                    ys,
                    style,
                    marker="o",
                    markersize=4,
                    color=colour,
                    linewidth=2.6 if name.startswith("jsondrip") else 1.3,
                )
                handles.setdefault(PEERS[name].label, line)
            capped = [
                s for s in res.sizes if res.cells.get(name, {}).get(s.key, _NONE).status == CAPPED
            ]
            if capped:
                ax.plot(
                    [res.info[capped[0].key].n_bytes], [cap], marker="x", markersize=9, color=colour
                )
        ax.axhline(cap, color="grey", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(res.spec.title, fontsize=9)
        ax.set_xlabel("document size (UTF-8 bytes)")
        ax.set_ylabel("total time (s)")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(keys) :]:
        ax.set_visible(False)
    fig.legend(list(handles.values()), list(handles), loc="center right", fontsize=8)
    fig.suptitle(
        f"jsondrip vs peers, log-log (x on the dotted line: passed the {cap:g} s cap; "
        "dashed: json/orjson of the whole document once)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1 - 2.8 / fig.get_figwidth(), 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
