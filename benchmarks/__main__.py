"""``python -m benchmarks``: run every scenario, print and write the report.

Run from the repository root.  See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path
from time import perf_counter, process_time

from . import report
from .peers import PEERS
from .scenarios import CURVES, CurveResult, Size, parse_sizes, run_curve, run_jsonl, run_latency
from .timing import MIN_TOTAL_S, noop_call_seconds

DEFAULT_SIZES = "1k,10k,34k,100k,1m"
QUICK_SIZES = "1k,10k"
SCENARIOS = (
    "llm",
    "llm_bytes",
    "numbers",
    "deltas",
    "jsonl",
    "latency",
    "whole",
    "typed",
    "wire",
    # the core's linear-cost workloads (scenarios.py)
    "long_string",
    "apply",
    "deep",
    "bad_jsonl",
)
HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark jsondrip against other incremental / partial JSON parsers.",
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smoke test: 1 KB and 10 KB only, 2 MB of JSONL, cap 5 s",
    )
    ap.add_argument("--sizes", help=f"document sizes, e.g. {DEFAULT_SIZES} (default)")
    ap.add_argument(
        "--only",
        help="comma-separated libraries to run, e.g. jsondrip,jiter "
        f"(names: {', '.join(n for n in PEERS if not n.startswith('jsondrip_'))})",
    )
    ap.add_argument("--scenarios", help=f"comma-separated subset of {', '.join(SCENARIOS)}")
    ap.add_argument("--cap", type=float, help="time cap per measurement in seconds (20)")
    ap.add_argument(
        "--repeat",
        type=int,
        help="minimum runs per measurement, median reported (3; 1 with --quick)",
    )
    ap.add_argument("--jsonl-mb", type=float, help="size of the JSONL stream in MB (100)")
    ap.add_argument(
        "--out",
        type=Path,
        default=HERE / "RESULTS.md",
        help="results file (default benchmarks/RESULTS.md); the plot "
        "scaling.png is written next to it",
    )
    args = ap.parse_args(argv)
    args.sizes = parse_sizes(args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES))
    args.repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)
    args.cap = args.cap if args.cap is not None else (5.0 if args.quick else 20.0)
    args.jsonl_mb = args.jsonl_mb if args.jsonl_mb is not None else (2.0 if args.quick else 100.0)
    args.scenarios = (
        SCENARIOS
        if not args.scenarios
        else tuple(s.strip() for s in args.scenarios.split(",") if s.strip())
    )
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        ap.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if args.only:
        wanted = {n.strip() for n in args.only.split(",") if n.strip()}
        unknown = wanted - set(PEERS)
        if unknown:
            ap.error(f"unknown libraries: {', '.join(sorted(unknown))}")
        args.only = wanted
    return args


def jsondrip_revision() -> str:
    """jsondrip's version and the repository's commit (read-only ``git rev-parse``)."""
    from .peers import version

    text = version("jsondrip") or "not installed"
    try:
        commit = subprocess.run(
            ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{text}, repository at {commit} (working tree as found)" if commit else text


def log(message: str) -> None:
    """Progress output (stderr, so that stdout is the markdown report)."""
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; return 1 if jsondrip produced a wrong value, else 0."""
    args = parse_args(argv)
    only: set[str] | None = args.only

    def selected(name: str) -> bool:
        base = "jsondrip" if name.startswith("jsondrip") else name
        return only is None or name in only or base in only

    min_total = 0.1 if args.quick else MIN_TOTAL_S
    load_before = os.getloadavg()[0]
    log("0. Yardstick: a no-op Python method call")
    noops = [noop_call_seconds()]
    started, cpu_started = perf_counter(), process_time()
    failures: list[str] = []
    curves: dict[str, CurveResult] = {}
    for spec in CURVES:
        if spec.key in args.scenarios:
            log(f"{spec.title}")
            curves[spec.key] = run_curve(
                spec, args.sizes, selected, args.cap, args.repeat, failures, log, min_total
            )
            noops.append(noop_call_seconds())
    jsonl = latency = None
    if "jsonl" in args.scenarios and selected("jsondrip"):
        log("5. JSON Lines")
        jsonl = run_jsonl(args.jsonl_mb, args.cap, args.repeat, failures, log)
    if "latency" in args.scenarios and selected("jsondrip"):
        largest: Size = args.sizes[-1]
        log(f"6. Latency ({largest.label})")
        latency = run_latency(largest, args.cap, log)
    wire_text = ""
    if "wire" in args.scenarios and selected("jsondrip"):
        from . import wire

        log("7. Wire: bytes and CPU per chunk to a browser")
        wire_sizes = [size for size in args.sizes if size.chars >= 10_000] or args.sizes
        wire_text = "\n" + wire.section(wire_sizes, args.cap, log)
    noops.append(noop_call_seconds())
    # Measured before, between and after the scenarios; the least disturbed one
    # (other load only ever makes it slower) is the yardstick.
    noop = min(noops)
    elapsed = perf_counter() - started
    cpu_share = (process_time() - cpu_started) / elapsed

    argv_text = " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    header = [
        "# jsondrip benchmark results",
        "",
        f"`python -m benchmarks {argv_text}`".replace(" `", "`") + " — "
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, Python "
        f"{platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs (shared machine: "
        f"expect ±10-20 % noise; 1-minute load average {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end). Run took {elapsed:.0f} s.",
        "",
        f"Times are wall-clock medians of at least {args.repeat} runs (runs under 1 s are "
        f"repeated until they span {min_total:g} s, at most 25; runs under 10 ms get a "
        "warm-up run; a single run when it takes over 1 s; a short run during which the "
        "process got < 90 % of a CPU, i.e. was descheduled by other load, is discarded and "
        "re-run, at most 3 "
        f"times). A measurement that passes the cap ({args.cap:g} s) "
        'is aborted from inside the loop and shown as "> cap"; larger sizes are then '
        "skipped for that library. 1 KB = 1000 characters of JSON text; MB/s counts UTF-8 "
        "bytes. Re-parse libraries get the whole accumulated buffer after every chunk "
        "(`buf += chunk; value = lib(buf)`). For the floors (json.loads / orjson.loads of "
        'the whole document once) "µs per chunk" is that single parse divided by the '
        "number of chunks. The plot is `scaling.png` next to this file.",
        "",
    ]
    if cpu_share < 0.9:
        header += [
            f"**Warning: this process got only {cpu_share:.0%} of a CPU over the run (other "
            "load on the machine). Absolute times are inflated and noisier than usual; "
            "ratios between libraries measured at the same size are more reliable. Re-run on "
            "a quiet machine for target verdicts.**",
            "",
        ]
    peer_names = [n for n in PEERS if selected(n)]
    header.insert(3, f"jsondrip {jsondrip_revision()}.")
    text = report.render(
        header,
        report.targets(curves, jsonl, failures, args.cap),
        curves,
        jsonl,
        latency,
        peer_names,
        args.cap,
        report.backend_targets(curves, jsonl, noop),
        noop,
    )
    text += wire_text
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    png = args.out.with_name("scaling.png")
    if report.plot(curves, png, args.cap):
        log(f"wrote {args.out} and {png} in {elapsed:.0f} s")
    else:
        log(f"wrote {args.out} (matplotlib not installed: no plot) in {elapsed:.0f} s")
    if failures:
        log("jsondrip CORRECTNESS FAILURES:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
