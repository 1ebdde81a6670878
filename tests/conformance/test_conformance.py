"""The shared conformance cases, for the Python reader; and the JS client's tests via node."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from node_runtime import require_node

from jsondrip.patch import PatchError, PatchState

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CASES: list[dict[str, Any]] = json.loads((HERE / "patch_cases.json").read_text("utf-8"))


def _make_cases() -> Any:
    spec = importlib.util.spec_from_file_location("make_cases", HERE / "make_cases.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_cases_are_what_the_script_writes() -> None:
    assert (HERE / "patch_cases.json").read_text("utf-8") == _make_cases().render()


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_python_reader_passes_the_case(case: dict[str, Any]) -> None:
    state = PatchState()
    messages = copy.deepcopy(case["messages"])
    last = len(messages) - 1 if case.get("error") else len(messages)
    for message in messages[:last]:
        state.apply(message)
    if case.get("error"):
        with pytest.raises(PatchError):
            state.apply(messages[last])
    assert state.value == case["value"]


def test_javascript_client_passes_node_test() -> None:
    """Runs tests/js with Node's built-in runner (conformance cases included)."""
    node = require_node()
    result = subprocess.run(
        [node, "--test", str(ROOT / "tests" / "js")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    assert passed is not None, result.stdout[-2000:]
    assert int(passed.group(1)) > len(CASES)  # every case, and the client's own tests
    assert "# fail 0" in result.stdout
