"""Instructions per chunk, counted by valgrind (callgrind): the work, without the clock.

    python -m benchmarks.instructions --sizes 100k,1m

The wall clock on a shared machine moves by 2-8x between minutes; an instruction
count does not (the same total for the same binary, input and environment). Each
cell runs one child process under ``valgrind --tool=callgrind`` that builds the
scenario-1 chunks (benchmarks/data.py) and then feeds them, ``p.feed(chunk);
p.value`` after every chunk; a second child builds the same chunks and runs a
no-op method call per chunk instead. The difference, divided by the number of
chunks, is what one chunk costs the parser beyond the cheapest call a Python
caller can make. The same figure at 100 KB and at 1 MB means the parser does no
more work per chunk on the larger document: any growth the timed benchmarks show
there is the memory hierarchy (a value tree larger than the CPU's caches), which
``json.loads`` of the same documents shows too.

Needs valgrind on PATH; the C cells need the extension built.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
#: name -> (environment for the child, code run once per chunk with ``p`` and ``c``).
RUNNERS = {
    "noop": ({}, "call(c)"),
    "jsondrip (C)": ({}, "feed(c); p.value"),
    "jsondrip (C, deltas=False)": ({}, "feed(c); p.value"),
    "jsondrip (pure Python)": ({"JSONDRIP_PURE_PYTHON": "1"}, "feed(c); p.value"),
}
CHILD = """
import gc, sys
sys.path.insert(0, {root!r})
from benchmarks.data import llm_document, split_chunks
import jsondrip
chunks = [str(c) for c in split_chunks(llm_document({size}))]
class Noop:
    def call(self, chunk):
        pass
call = Noop().call
p = jsondrip.Parser(deltas={deltas})
feed = p.feed
if {backend!r} and jsondrip.BACKEND != {backend!r}:
    sys.exit("backend " + jsondrip.BACKEND)
gc.collect()
gc.freeze()
for c in chunks:
    {body}
print(len(chunks))
"""


def count(size: int, name: str, scratch: Path) -> tuple[int, int]:
    """Instructions of one child process, and its number of chunks."""
    env_extra, body = RUNNERS[name]
    backend = "" if name == "noop" else ("python" if "pure" in name else "c")
    code = CHILD.format(
        root=str(HERE.parent),
        size=size,
        deltas="deltas=False" not in name,
        backend=backend,
        body=body,
    )
    out = scratch / "callgrind.out"
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-c",
            code,
        ],
        capture_output=True,
        text=True,
        # A fixed hash seed: str hashes decide dict layouts, and so instruction counts.
        env={**os.environ, "PYTHONHASHSEED": "0", **env_extra},
        check=False,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} at {size}: {done.stderr.strip()[-500:]}")
    match = re.search(r"Collected : (\d+)", done.stderr)
    if match is None:
        raise RuntimeError(f"{name} at {size}: no callgrind total in {done.stderr[-300:]!r}")
    return int(match.group(1)), int(done.stdout.split()[-1])


def main(argv: list[str] | None = None) -> int:
    """Print a table of instructions per chunk beyond a no-op call."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,1m", help="of " + ",".join(SIZES))
    ap.add_argument(
        "--runners",
        default="jsondrip (C),jsondrip (C, deltas=False)",
        help="comma-separated, of: " + ", ".join(n for n in RUNNERS if n != "noop"),
    )
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not on PATH", file=sys.stderr)
        return 2
    names = [n.strip() for n in re.split(r",(?![^()]*\))", args.runners)]
    sizes = args.sizes.split(",")
    print("| runner | " + " | ".join(f"{s.upper()}B" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    with tempfile.TemporaryDirectory(prefix="jsondrip_callgrind_") as folder:
        scratch = Path(folder)
        base = {s: count(SIZES[s], "noop", scratch) for s in sizes}
        for name in names:
            cells = []
            for s in sizes:
                total, chunks = count(SIZES[s], name, scratch)
                cells.append(f"{(total - base[s][0]) / chunks:,.0f}")
            print(f"| {name} | " + " | ".join(cells) + " |")
    print(
        "\nInstructions per chunk beyond a no-op method call per chunk "
        "(callgrind, one child process per cell)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
