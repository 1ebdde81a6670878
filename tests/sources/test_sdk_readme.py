"""The README's LLM-source examples run, as written, with the real SDKs against
the replay server (base URLs and keys come from the SDKs' environment variables)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from replaykit import ReplayServer
from sdk_guard import NOT_INSTALLED

import jsondrip.sources

ROOT = Path(__file__).resolve().parents[2]
SECTION = Path(jsondrip.sources.__file__).resolve().parent / "README_SECTION.md"

# What each example must print (its replayed transcript is named in the README).
PRINTS = {
    "openai_chat_n2_structured": "'name': 'Alan Turing'",
    "openai_chat_parallel_tools": "calling search_flights",
    "anthropic_text_tool_use": "tool_call get_location {}",
    "gemini_max_tokens": "crème fraî",
    "openai_chat_length_cut": "Whisk the yolks",
    "openai_chat_slow": "status: ok",
}


def section() -> str:
    """The section in README.md once pasted there, else the file it comes from."""
    readme = (ROOT / "README.md").read_text("utf-8")
    pasted = re.search(r"<!-- sources -->(.*?)<!-- /sources -->", readme, re.S)
    return pasted.group(1) if pasted else SECTION.read_text("utf-8")


def test_readme_examples_run(replay: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for sdk in ("openai", "anthropic", "google.genai"):  # the blocks use all three
        pytest.importorskip(sdk, reason=NOT_INSTALLED.format(sdk))
    monkeypatch.setenv("OPENAI_BASE_URL", replay.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", replay.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", replay.url)
    monkeypatch.setenv("GEMINI_API_KEY", "test")
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    printed: dict[str, str] = {}
    blocks = re.findall(r"<!-- replay: (\w+) -->\n```python\n(.*?)```", section(), re.S)
    assert len(blocks) == 9
    try:
        for scenario, code in blocks:
            replay.fallback = scenario
            output = io.StringIO()
            with contextlib.redirect_stdout(output):  # each block on its own, as pasted
                exec(compile(code, f"README[{scenario}]", "exec"), {})
            printed[scenario] = printed.get(scenario, "") + output.getvalue()
            if scenario == "openai_chat_length_cut" and "TruncatedStreamError" in code:
                assert "finish_reason=length {'title': 'Crème brûlée'" in output.getvalue()
            elif "model=Pioneer" in code:
                assert "name='Alan Turing' born=1912" in output.getvalue()
                assert "Pioneer(name='Ada" in output.getvalue()  # partial instances
            else:
                assert PRINTS[scenario] in output.getvalue(), (scenario, output.getvalue())
    finally:
        replay.fallback = ""
    calls = re.findall(r"^running (\w+)", printed["openai_chat_parallel_tools"], re.M)
    assert calls == ["get_weather", "get_time", "search_flights"]
    assert replay.last("openai_chat_slow").wait() == "disconnected"


def test_every_provider_row_is_backed_by_its_tests() -> None:
    """The provider table names, per row, the test files that run its SDK;
    each exists and has tests for that provider (sync and async)."""
    rows = [
        line
        for line in section().splitlines()
        if line.startswith("| ") and "tests/sources" not in line and "`test_" in line
    ]
    assert len(rows) == 10
    here = Path(__file__).resolve().parent
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 9, row
        files = re.findall(r"`(test_\w+\.py)`", cells[-1])
        assert files, row
        for name in files:
            text = (here / name).read_text("utf-8")
            assert re.search(r"^def test_", text, re.M), name
        joined = "".join((here / name).read_text("utf-8") for name in files)
        assert "async" in joined, row  # sync and async
        assert "TruncatedStreamError" in joined or "Cut(" in joined, row  # truncation
        if cells[7].startswith("yes") or cells[7].startswith("sync yes"):
            assert re.search(r"def test_\w*(cancel|close)", joined), row
