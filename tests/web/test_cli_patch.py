"""``jsondrip parse --mode patch``: patch messages, one per line, that round-trip."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

from jsondrip.patch import PatchState

COMMAND = [sys.executable, "-m", "jsondrip", "parse", "--mode", "patch"]


def test_each_read_prints_its_messages_and_an_append_stays_an_append() -> None:
    with subprocess.Popen(
        COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(b'{"s": "abc')
        process.stdin.flush()
        # Waiting for these lines proves they were written before the rest arrived.
        assert process.stdout.readline() == b'{"op":"add","path":"","value":{}}\n'
        assert process.stdout.readline() == b'{"op":"add","path":"/s","value":"abc"}\n'
        process.stdin.write('dé"}'.encode())
        process.stdin.close()
        rest = process.stdout.read().decode()
        assert process.wait(timeout=60) == 0
    assert rest.splitlines() == ['"dé"', '{"op":"end"}', '{"op":"end"}']


def test_the_demo_stream_round_trips(tmp_path: Path) -> None:
    recording = json.loads(files("jsondrip").joinpath("data/demo_stream.json").read_text("utf-8"))
    text = "".join(recording["chunks"])
    source = tmp_path / "recipe.json"
    source.write_text(text, encoding="utf-8")
    result = subprocess.run([*COMMAND, str(source)], capture_output=True, check=True, timeout=60)
    state = PatchState()
    for line in result.stdout.decode("utf-8").splitlines():
        state.apply(json.loads(line))
    assert state.value == json.loads(text)


def test_truncated_input_prints_its_messages_then_the_error() -> None:
    result = subprocess.run(
        COMMAND, input=b'["a", "b', capture_output=True, check=False, timeout=60
    )
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    state = PatchState()
    for line in lines:
        state.apply(line)
    assert state.value == ["a", "b"]
    assert b"expected" in result.stderr
