"""Every Python block of the README's typed section runs as pasted."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
SECTION = README[README.index("<!-- typed -->") : README.index("<!-- /typed -->")]
BLOCKS = re.findall(r"```python\n(.*?)```", SECTION, re.S)


def test_the_section_has_its_recipes() -> None:
    assert len(BLOCKS) >= 8
    for habit in ("create_partial", "stream_output", "partialObjectStream", "elementStream"):
        assert habit in SECTION


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_block_runs(source: str) -> None:
    namespace: dict[str, object] = {"__name__": "readme_block"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, "README.md", "exec", dont_inherit=True), namespace)
