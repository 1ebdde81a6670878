"""Every ```python block of the README runs as pasted, on its own.

Each block is one test (``README.md:LINE``), run in a fresh namespace in a
temporary directory, with nothing defined beforehand: a block that uses a name
it does not define or import fails here, as it would for a reader. Functions
named ``test_*`` that a block defines (a test module shown in the README) are
called too.

A block preceded by ``<!-- replay: NAME -->`` talks to an LLM API through a
real SDK: it runs against the loopback replay server (``tests/sources/
replaykit.py``), which plays the recorded transcript ``NAME`` (from
``tests/sources/transcripts`` or ``tests/readme_transcripts``); the SDKs find
the server through their base-URL environment variables, as a user's own
proxy would be found.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shutil
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
OWN_TRANSCRIPTS = HERE / "readme_transcripts"

# Modules a block may import that only some Pythons can install (see pyproject).
OPTIONAL = {"google": (3, 11)}


@dataclass(frozen=True)
class Block:
    """One ```python block: where it starts, its code, its transcript if any."""

    line: int  # 1-based line of the code's first line in README.md
    code: str
    replay: str

    @property
    def label(self) -> str:
        return f"README.md:{self.line}"


def blocks(text: str) -> list[Block]:
    """The ```python blocks of a Markdown text, with the replay marker before each."""
    found = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```python":
            start = index + 1
            end = start
            while lines[end].strip() != "```":
                end += 1
            marker = re.fullmatch(r"<!-- replay: (\w+) -->", lines[index - 1].strip())
            replay = marker.group(1) if marker else ""
            found.append(Block(start + 1, "\n".join(lines[start:end]) + "\n", replay))
            index = end
        index += 1
    return found


BLOCKS = blocks(README.read_text("utf-8"))


def test_the_readme_has_python_blocks_and_the_harness_finds_each_one() -> None:
    sample = "text\n\n<!-- replay: x_y -->\n```python\na = 1\n```\n\n```python\nb = 2\n```\n"
    assert blocks(sample) == [Block(5, "a = 1\n", "x_y"), Block(9, "b = 2\n", "")]
    assert len(BLOCKS) >= 10
    assert len({block.line for block in BLOCKS}) == len(BLOCKS)


@pytest.fixture(scope="module")
def replay_server() -> Iterator[Any]:
    if str(SOURCES) not in sys.path:
        sys.path.insert(0, str(SOURCES))
    import replaykit

    server = replaykit.ReplayServer()
    yield server
    server.close()


def _serve(block: Block, server: Any, monkeypatch: pytest.MonkeyPatch, tmp: Path) -> None:
    """Point the SDKs at the replay server, which plays ``block.replay``."""
    import replaykit

    own = OWN_TRANSCRIPTS / f"{block.replay}.sse"
    if own.exists():
        transcripts = tmp / "transcripts"
        transcripts.mkdir()
        shutil.copy(own, transcripts / own.name)
        monkeypatch.setattr(replaykit, "TRANSCRIPTS", transcripts)
        monkeypatch.setitem(replaykit.SCENARIOS, block.replay, replaykit.Scenario(write=17))
    assert block.replay in replaykit.SCENARIOS, f"{block.label}: no transcript {block.replay!r}"
    monkeypatch.setattr(server, "fallback", block.replay)
    for name, value in {
        "OPENAI_BASE_URL": server.url + "/v1",
        "OPENAI_API_KEY": "test",
        "ANTHROPIC_BASE_URL": server.url,
        "ANTHROPIC_API_KEY": "test",
        "GOOGLE_GEMINI_BASE_URL": server.url,
        "GEMINI_API_KEY": "test",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)


def _needs(block: Block) -> None:
    """Skip a block whose SDK this Python cannot install (declared in pyproject)."""
    for module, version in OPTIONAL.items():
        if re.search(rf"^\s*(from|import) {module}\b", block.code, re.M):
            if sys.version_info < version and importlib.util.find_spec(module) is None:
                needed = ".".join(map(str, version))
                pytest.skip(f"{block.label}: {module} needs Python >= {needed}")


@pytest.mark.parametrize("block", BLOCKS, ids=[block.label for block in BLOCKS])
def test_readme_block_runs_as_pasted(
    block: Block, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _needs(block)
    if block.replay:
        _serve(block, request.getfixturevalue("replay_server"), monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)
    # A module of its own, registered as an imported file is (pydantic and
    # hypothesis resolve the block's annotations through sys.modules).
    module = types.ModuleType(f"readme_block_{block.line}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    # Blank lines first, so that tracebacks give the line in README.md.
    code = compile("\n" * (block.line - 1) + block.code, str(README), "exec")
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            exec(code, namespace)
            for name, function in list(namespace.items()):
                if name.startswith("test_") and callable(function):
                    function()
    except Exception as exc:
        raise AssertionError(
            f"the README block at {block.label} fails as pasted: {type(exc).__name__}: {exc}"
            f"\n--- its output:\n{output.getvalue()}"
        ) from exc
