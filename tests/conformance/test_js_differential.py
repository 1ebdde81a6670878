"""Random streams through the Python encoder and the JavaScript client: same value.

Each example is a batch of documents in random chunkings (bytes split inside
characters included); their patch messages, as they go on the wire, are
applied by ``jsondrip.js`` under node, which must end with the document.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Union

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_runtime import require_node

from jsondrip import Parser
from jsondrip.patch import PatchEncoder, dumps
from jsondrip.testing import json_streams

SCRIPT = Path(__file__).resolve().parents[1] / "js" / "apply_streams.mjs"


def _case(text: str, chunks: list[Union[str, bytes]], **options: Any) -> dict[str, Any]:
    parser = Parser(**options)
    encoder = PatchEncoder()
    messages = [dumps(m) for chunk in chunks for m in encoder.encode(parser.feed(chunk))]
    messages += [dumps(m) for m in encoder.encode(parser.feed_eof())]
    return {"messages": messages, "expected": json.dumps(parser.close())}


def _run_node(cases: list[dict[str, Any]], directory: Path) -> None:
    node = require_node()
    path = directory / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    result = subprocess.run(
        [node, str(SCRIPT), str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert result.stdout.strip().endswith(f"{len(cases)} of {len(cases)} cases")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text_streams=st.lists(json_streams(), min_size=1, max_size=25),
    byte_streams=st.lists(json_streams(as_bytes=True), min_size=1, max_size=25),
)
def test_javascript_applies_what_python_encodes(
    text_streams: list[tuple[str, list[Union[str, bytes]]]],
    byte_streams: list[tuple[str, list[Union[str, bytes]]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    cases = [_case(text, chunks) for text, chunks in text_streams + byte_streams]
    _run_node(cases, tmp_path_factory.mktemp("js"))


def test_javascript_applies_the_compact_forms_of_long_and_deep_streams(tmp_path: Path) -> None:
    deep = "[" * 900 + '"deep' + '"' + "]" * 900
    long_text = json.dumps({"a/b": {"~": "é🥄" * 5000}, "": [1, 2.5, None, True]})
    cases = [
        _case(deep, [deep[i : i + 3] for i in range(0, len(deep), 3)]),
        _case(long_text, [long_text[i : i + 4] for i in range(0, len(long_text), 4)]),
        _case("1 [2] {}", ["1 [", "2] {", "}"], multiple_values=True),
    ]
    _run_node(cases, tmp_path)
