"""Interleaved A/B of the typed stream: this tree's TypedParser against a git revision's.

    python -m benchmarks.typed_ab --against 7e46fec --sizes 10k,100k --rounds 9

One process, the scenario-1 streams (1-7 character chunks), ``p.feed(chunk);
p.value`` after every chunk, timed by CPU time (``time.process_time``). Each
round runs, in turn: a no-op method call per chunk (the yardstick of
``benchmarks.timing``), the plain ``jsondrip.Parser``, the revision's
``TypedParser`` and this tree's; medians over the rounds are printed per chunk,
as ratios to the plain parser and in no-op calls. The revision's
``jsondrip/pydantic.py`` and ``jsondrip/_shapes.py`` are read with ``git show``
(read-only) and loaded as modules of the installed package, so both sides share
the same parser backend.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from .data import llm_document, split_chunks
from .typed import Answer

HERE = Path(__file__).resolve().parent
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def revision_parser(revision: str) -> Any:
    """``TypedParser`` as it is at ``revision`` (its two modules, loaded beside ours)."""
    import jsondrip

    def show(path: str) -> str:
        return subprocess.run(
            ["git", "-C", str(HERE.parent), "show", f"{revision}:src/jsondrip/{path}"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout

    module: Any = None
    with tempfile.TemporaryDirectory(prefix="typed_ab_") as folder:
        shapes = Path(folder, "_ab_shapes.py")
        typed = Path(folder, "_ab_pydantic.py")
        shapes.write_text(show("_shapes.py"), encoding="utf-8")
        typed.write_text(
            show("pydantic.py").replace("from ._shapes import", "from ._ab_shapes import"),
            encoding="utf-8",
        )
        for name, path in (("_ab_shapes", shapes), ("_ab_pydantic", typed)):
            spec = importlib.util.spec_from_file_location(f"{jsondrip.__name__}.{name}", path)
            assert spec is not None
            assert spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
    return module.TypedParser


def runners(chunks: list[str], old: Any) -> dict[str, Callable[[], float]]:
    import jsondrip
    from jsondrip.pydantic import TypedParser

    class Noop:
        def call(self, chunk: object) -> None:
            """Do nothing: the yardstick."""

    def noop() -> float:
        call = Noop().call
        start = time.process_time()
        for chunk in chunks:
            call(chunk)
        return time.process_time() - start

    def plain() -> float:
        parser = jsondrip.Parser()
        feed = parser.feed
        start = time.process_time()
        for chunk in chunks:
            feed(chunk)
            parser.value  # noqa: B018 - reading the value is what is measured
        return time.process_time() - start

    def typed(cls: Any) -> Callable[[], float]:
        def run() -> float:
            parser = cls(Answer)
            feed = parser.feed
            start = time.process_time()
            for chunk in chunks:
                feed(chunk)
                parser.value  # noqa: B018
            elapsed = time.process_time() - start
            parser.close()
            return elapsed

        return run

    return {"noop": noop, "plain": plain, "revision": typed(old), "tree": typed(TypedParser)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="git revision to compare with")
    parser.add_argument("--sizes", default="10k,100k", help="of " + ",".join(SIZES))
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    old = revision_parser(args.against)
    for label in args.sizes.split(","):
        chunks = [str(c) for c in split_chunks(llm_document(SIZES[label]))]
        runs = runners(chunks, old)
        for run in runs.values():  # warm-up: shapes, adapters, caches
            run()
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, run in runs.items():
                gc.collect()
                times[name].append(run())
        per = {name: statistics.median(t) / len(chunks) for name, t in times.items()}
        noop, plain = per["noop"], per["plain"]
        print(
            f"{label}: {len(chunks)} chunks; no-op call {noop * 1e9:.1f} ns; "
            f"plain Parser {plain * 1e6:.3f} µs ({plain / noop:.1f} no-op calls)"
        )
        for name in ("revision", "tree"):
            cost = per[name]
            print(
                f"  TypedParser ({name}): {cost * 1e6:.3f} µs per chunk, "
                f"{cost / plain:.2f}x the plain parser, {cost / noop:.1f} no-op calls"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
