"""What the ``jsondrip`` command writes: output that stays linear in the input,
numbers written back exactly, NaN only on request, output errors without a
traceback, and SSE errors that say where and what was expected."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jsondrip import Parser
from jsondrip._cli.parse import ValueSink
from jsondrip._cli.report import TextTail, could_be_nan
from jsondrip._cli.writing import NUMBER_OPTIONS, Output, RawNumber, compact, exact_int

COMMAND = [sys.executable, "-m", "jsondrip"]
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
FIXTURES = Path(__file__).parent / "cli_fixtures"
TIMEOUT = 30


def run(
    *args: str, input: bytes = b"", shell_redirect: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run the command; ``shell_redirect`` (``>&-``, ``>/dev/full``) applies to its stdout."""
    command = [*COMMAND, *args]
    if shell_redirect:
        command = ["sh", "-c", f'exec "$@" {shell_redirect}', "sh", *command]
    done = subprocess.run(command, input=input, capture_output=True, timeout=TIMEOUT, env=ENV)
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


# -- 1. linear output ----------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def value_lines(chunks: list[str], clock: Clock, step: float) -> list[Any]:
    stream = io.BytesIO()
    sink = ValueSink(Output(stream), rate=10, clock=clock)
    parser = Parser()
    for chunk in chunks:
        sink.changed(parser, parser.feed(chunk))
        sink.flush(parser)
        clock.now += step
    sink.changed(parser, parser.feed_eof())
    sink.end(parser, None)
    return [json.loads(line) for line in stream.getvalue().decode().splitlines()]


def test_value_mode_prints_at_most_ten_lines_a_second_and_always_the_last() -> None:
    text = json.dumps({"items": [f"item {i}" for i in range(500)]})
    chunks = [text[i : i + 5] for i in range(0, len(text), 5)]  # 1,700+ changes
    clock = Clock()
    printed = value_lines(chunks, clock, step=0.001)  # ~1.8 s of input
    assert 10 <= len(printed) <= 10 * clock.now + 2
    assert printed[-1] == json.loads(text)
    fast = value_lines(chunks, Clock(), step=0.0)  # a file read at once: no time passes
    assert len(fast) == 2  # the first value, then the last


def test_value_mode_waits_longer_when_writing_a_line_is_slow() -> None:
    clock = Clock()

    class SlowStream(io.BytesIO):
        def write(self, data: Any) -> int:
            clock.now += 0.5  # each line takes half a second to write
            return super().write(data)

    stream = SlowStream()
    sink = ValueSink(Output(stream), rate=10, clock=clock)
    parser = Parser()
    for index in range(40):
        sink.changed(parser, parser.feed("[" if index == 0 else f"{index},"))
        sink.flush(parser)
        clock.now += 0.1
    # A line every 4 x 0.5 s at most (writing takes at most a fifth of the time).
    assert len(stream.getvalue().splitlines()) <= 1 + clock.now / 2.0


def test_value_mode_writes_a_pending_line_on_time_without_new_input() -> None:
    clock = Clock()
    stream = io.BytesIO()
    sink = ValueSink(Output(stream), rate=10, clock=clock)
    parser = Parser()
    sink.changed(parser, parser.feed("[1, "))
    sink.flush(parser)
    sink.changed(parser, parser.feed("2, "))
    sink.flush(parser)
    assert stream.getvalue() == b"[1]\n"
    assert sink.wait() == pytest.approx(0.1)
    clock.now = 0.1
    assert sink.wait() == 0.0
    sink.refresh()
    assert stream.getvalue() == b"[1]\n[1,2]\n"
    assert sink.wait() is None


def test_piped_default_prints_one_line_whatever_the_number_of_reads(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"n": i, "s": "x" * 50} for i in range(20_000)]))  # 1.3 MB
    done = run("parse", str(path))
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.count("\n") == 1
    assert json.loads(done.stdout) == json.loads(path.read_text())


# -- 2. numbers written as their text --------------------------------------------------

NUMBERS = '{"big": 1e400, "tiny": -2.5E-400, "int": %s, "dec": 0.10000000000000000001, "z": -0}'
BIG_INT = "9" * 5000  # past Python's default int digit limit


@pytest.mark.parametrize("mode", ["final", "value", "deltas"])
def test_parse_writes_numbers_as_their_original_text(mode: str) -> None:
    text = NUMBERS % BIG_INT
    done = run("parse", "--mode", mode, input=text.encode())
    assert (done.returncode, done.stderr) == (0, "")
    last = done.stdout.splitlines()[-1]
    for number in ("1e400", "-2.5E-400", BIG_INT, "0.10000000000000000001", "-0"):
        assert f":{number}" in last.replace(" ", "")
    assert "Infinity" not in done.stdout


def test_jsonl_reads_back_what_parse_and_jsonl_write() -> None:
    text = NUMBERS % BIG_INT
    parsed = run("parse", input=text.encode())
    again = run("jsonl", input=(parsed.stdout * 2).encode())
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout == parsed.stdout * 2
    first = json.loads(again.stdout.splitlines()[0], parse_float=Decimal, parse_int=str)
    assert (first["dec"], first["int"]) == (Decimal("0.10000000000000000001"), BIG_INT)


def test_raw_numbers_encode_exactly_in_process() -> None:
    parser = Parser(**NUMBER_OPTIONS)
    parser.feed('[1.0, 1E2, -0, 0, 12, "1e400", {"k": 0.5}]')
    value = parser.close()
    assert compact(value) == '[1.0,1E2,-0,0,12,"1e400",{"k":0.5}]'
    assert exact_int("12") == 12
    assert isinstance(exact_int("-0"), RawNumber)
    # A string that looks like the encoder's marker is still a string.
    assert compact(["\ue000jsondrip-0:1"]) == '["\ue000jsondrip-0:1"]'


# -- 3. --allow-nan and the hint -------------------------------------------------------


@pytest.mark.parametrize("command", ["parse", "jsonl"])
def test_allow_nan_accepts_and_writes_back_nan_and_infinity(command: str) -> None:
    text = b"[NaN, Infinity, -Infinity, 1e400]\n"
    strict = run(command, input=text)
    assert strict.returncode == 1
    assert strict.stderr.splitlines()[-1] == (
        "jsondrip: hint: --allow-nan accepts NaN, Infinity and -Infinity"
    )
    allowed = run(command, "--allow-nan", input=text)
    assert (allowed.returncode, allowed.stderr) == (0, "")
    assert allowed.stdout == "[NaN,Infinity,-Infinity,1e400]\n"


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("NaN", True),
        ("[Infinity]", True),
        ("[-Infinity]", True),
        ("Inf", True),
        ("I think the answer is {}", False),
        ("No.", False),
        ("[Nope]", False),
        ("[-Inv]", False),
    ],
)
def test_the_nan_hint_only_where_the_text_could_be_nan(text: str, hint: bool) -> None:
    done = run("parse", input=text.encode())
    assert done.returncode == 1
    assert ("--allow-nan" in done.stderr) is hint, done.stderr
    assert "allow_nan" not in done.stderr  # the parser's own message has no hint


def test_could_be_nan_and_the_text_tail() -> None:
    assert could_be_nan("Infinity]")
    assert could_be_nan("-I")
    assert could_be_nan("N")
    assert not could_be_nan("")
    assert not could_be_nan("It")
    assert not could_be_nan("-1")
    tail = TextTail()
    tail.add(b"\xef\xbb\xbf[1, \xc3")  # a BOM (not counted), half a character
    tail.add(b"\xa9, Na")
    assert tail.at(4) == "é, Na"
    tail.add("x" * 50)
    tail.add("x" * 50)
    assert tail.at(4) == ""  # forgotten
    assert tail.at(100) == "x" * 9


# -- output errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "redirect", "reason"),
    [
        (["parse"], ">/dev/full", "No space left on device"),
        (["jsonl"], ">/dev/full", "No space left on device"),
        (["demo", "--speed", "0"], ">/dev/full", "No space left on device"),
        (["parse"], ">&-", "standard output is closed"),
        (["jsonl"], ">&-", "standard output is closed"),
        (["demo", "--speed", "0"], ">&-", "standard output is closed"),
    ],
)
def test_output_errors_end_with_one_line_and_exit_74(
    args: list[str], redirect: str, reason: str
) -> None:
    if redirect == ">/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    done = run(*args, input=b'{"a": [1, 2]}\n', shell_redirect=redirect)
    assert done.returncode == 74
    assert done.stderr == f"jsondrip {args[0]}: error: cannot write the output: {reason}\n"


# -- 4. SSE errors -------------------------------------------------------------------


def test_sse_on_input_that_is_not_sse_says_so() -> None:
    done = run("parse", "--sse", "openai", input=b'{"a": 1}')
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        "<stdin>: the input is not a server-sent-events stream (line 1: '{\"a\": 1}');"
        " --sse openai expects 'data: ...' lines"
    )
    assert "Without --sse, jsondrip parse reads the JSON itself" in done.stderr
    assert "--slot" not in done.stderr
    assert "--lenient" not in done.stderr


@pytest.mark.parametrize(
    ("fixture", "provider", "found"),
    [
        ("anthropic_text_tool_use.sse", "openai", "anthropic's (type 'message_start'"),
        ("anthropic_text_tool_use.sse", "gemini", "anthropic's"),
        ("openai_chat.sse", "anthropic", 'openai\'s ("choices"'),
        ("openai_chat.sse", "gemini", "openai's"),
    ],
)
def test_sse_with_another_providers_events_suggests_the_right_flag(
    fixture: str, provider: str, found: str
) -> None:
    done = run("parse", "--sse", provider, str(FIXTURES / fixture))
    assert done.returncode == 1
    right = found.split("'")[0]
    assert done.stderr.startswith(f"{FIXTURES / fixture}:")
    assert f": the events look like {found}" in done.stderr
    assert done.stderr.endswith(f"not {provider}'s: try --sse {right}\n")


def test_sse_bad_event_names_the_event_its_line_and_what_the_provider_sends() -> None:
    stream = (
        b": keep-alive\n\n"
        b'data: {"choices":[{"index":0,"delta":{"content":"[1, "}}]}\n\n'
        b"event: x\ndata: not json\n\n"
    )
    done = run("parse", "--sse", "openai", input=stream)
    assert (done.returncode, done.stdout) == (1, "[1]\n")
    assert done.stderr.startswith("<stdin>:5: event 2: its data is not JSON (Expecting value,")
    assert done.stderr.endswith(
        "with --sse openai, each event's data is a JSON chat.completion.chunk"
        " (or a Responses event), then data: [DONE]\n"
    )


def test_sse_lines_are_counted_across_reads_and_crlf() -> None:
    stream = b'data: {"choices":[{"index":0,"delta":{"content":"[1, "}}]}\r\n\r\n' * 3
    stream += b'data: {"choices":[{"index":0,"delta":{"content":"}"}}]}\r\n\r\n'
    done = run("parse", "--sse", "openai", input=stream)
    assert done.stderr.startswith("<stdin>:7: event 4: expected a value, found '}'")


# -- 5. help ---------------------------------------------------------------------------


def test_parse_help_examples_are_one_command_per_line() -> None:
    done = run("parse", "--help")
    examples = done.stdout.split("examples:\n")[1].split("\n\n")[0].splitlines()
    for line in examples:
        assert line.count("jsondrip parse") <= 1, line
    continued = [i for i, line in enumerate(examples) if line.rstrip().endswith("\\")]
    assert continued, examples
    for index in continued:
        assert examples[index + 1].lstrip().startswith("| jsondrip parse")
