"""``jsondrip demo --web``: a real server on 127.0.0.1, its page, its stream."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from importlib.resources import files

import pytest

pytest.importorskip("starlette", reason="the web extra (starlette) is not installed")
httpx = pytest.importorskip("httpx")

from jsondrip import Parser  # noqa: E402
from jsondrip.patch import PatchState  # noqa: E402
from jsondrip.sources import SSEDecoder  # noqa: E402

RECORDING = json.loads(files("jsondrip").joinpath("data/demo_stream.json").read_text("utf-8"))
FINAL = json.loads("".join(RECORDING["chunks"]))


def _replay(body: bytes) -> tuple[object, str, dict[str, object]]:
    state = PatchState()
    decoder = SSEDecoder()
    for event in decoder.feed(body):
        if event.event != "message":
            return state.value, event.event, json.loads(event.data)
        state.apply(json.loads(event.data))
    raise AssertionError("no done or error event")


def test_demo_web_prints_its_url_and_serves_the_page_and_the_stream() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "jsondrip", "demo", "--web", "--speed", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("jsondrip demo: open http://127.0.0.1:")
            url = line.split()[3]
            with httpx.Client(timeout=30) as client:
                page = client.get(url)
                assert page.status_code == 200
                assert 'import { follow, parsePointer } from "./jsondrip.js"' in page.text
                script = client.get(url + "jsondrip.js")
                assert script.headers["content-type"].startswith("text/javascript")
                assert "export function applyPatch" in script.text
                value, event, data = _replay(client.get(url + "recipe").content)
                assert (value, event, data) == (FINAL, "done", {})
                value, event, data = _replay(client.get(url + "recipe?cut=40").content)
                assert event == "error"
                assert data["type"] == "IncompleteJSONError"
                parser = Parser()
                for chunk in RECORDING["chunks"][:40]:
                    parser.feed(chunk)
                assert value == parser.value
                assert value["cuisine"] == FINAL["cuisine"]
                assert client.get(url + "recipe?speed=x").status_code == 400
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    assert process.returncode in (0, 130)
