"""The README's LLM-source examples run, as written, with the real SDKs against
the replay server (base URLs and keys come from the SDKs' environment variables)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from replaykit import ReplayServer

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
    monkeypatch.setenv("OPENAI_BASE_URL", replay.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", replay.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", replay.url)
    monkeypatch.setenv("GEMINI_API_KEY", "test")
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    ran: list[str] = []
    # Each provider's examples read as one program (they share `client`).
    base: dict[str, Any] = {
        "tools": [],
        "messages": [{"role": "user", "content": "Go."}],
        "run_tool": lambda name, arguments: ran.append(name),
        "base_url": replay.url + "/v1",
        "key": "test",
    }
    namespaces: dict[str, dict[str, Any]] = {}
    printed: dict[str, str] = {}
    blocks = re.findall(r"<!-- replay: (\w+) -->\n```python\n(.*?)```", section(), re.S)
    assert len(blocks) == 8
    try:
        for scenario, code in blocks:
            replay.fallback = scenario
            namespace = namespaces.setdefault(scenario.split("_")[0], dict(base))
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                exec(compile(code, f"README[{scenario}]", "exec"), namespace)
            printed[scenario] = printed.get(scenario, "") + output.getvalue()
            if scenario == "openai_chat_length_cut" and "TruncatedStreamError" in code:
                assert "finish_reason=length {'title': 'Crème brûlée'" in output.getvalue()
            else:
                assert PRINTS[scenario] in output.getvalue(), (scenario, output.getvalue())
    finally:
        replay.fallback = ""
    # The README's own run_tool (each block is self-contained) prints the calls.
    calls = ran or re.findall(r"^running (\w+)", printed["openai_chat_parallel_tools"], re.M)
    assert calls == ["get_weather", "get_time", "search_flights"]
    assert replay.last("openai_chat_slow").wait() == "disconnected"
