"""The ``jsondrip`` command through pipes: every command and mode, liveness,
exit statuses and messages. Each test runs ``python -m jsondrip`` as a user
would; the live terminal view is tested in ``test_cli_pty.py``."""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import IO, Any, Callable, Optional

import pytest

from jsondrip._cli.throttle import Throttle
from jsondrip._cli.writing import Output, compact, path_label, pretty

TIMEOUT = 20.0
COMMAND = [sys.executable, "-m", "jsondrip"]
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
ENV.pop("PYTHONUNBUFFERED", None)


def jsondrip(
    *args: str, input: bytes = b"", cwd: Optional[Path] = None
) -> subprocess.CompletedProcess[str]:
    """Run the command to completion with ``input`` on a pipe."""
    done = subprocess.run(
        [*COMMAND, *args], input=input, capture_output=True, timeout=TIMEOUT, env=ENV, cwd=cwd
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


@contextlib.contextmanager
def running(*args: str, stdout: Any = subprocess.PIPE) -> Iterator[subprocess.Popen[bytes]]:
    """Run the command with pipes we write to and read from ourselves."""
    process = subprocess.Popen(
        [*COMMAND, *args], stdin=subprocess.PIPE, stdout=stdout, stderr=subprocess.PIPE, env=ENV
    )
    with process:
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()


def read_until(stream: IO[bytes], done: Callable[[bytes], bool], timeout: float = TIMEOUT) -> bytes:
    """Read what ``stream`` has (never blocking past ``timeout``) until ``done(output)``."""
    fd = stream.fileno()
    output = b""
    deadline = time.monotonic() + timeout
    while not done(output):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"timed out waiting; output so far: {output!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            data = os.read(fd, 65536)
            if not data:
                break
            output += data
    return output


def send(process: subprocess.Popen[bytes], data: bytes) -> None:
    assert process.stdin is not None
    process.stdin.write(data)
    process.stdin.flush()


def finish(process: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """Close the input and collect the rest of the output."""
    assert process.stdin is not None
    process.stdin.close()
    process.stdin = None
    out, err = process.communicate(timeout=TIMEOUT)
    return out, err


def lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines()]


def sources_available() -> bool:
    try:
        from jsondrip.sources import SSEText  # noqa: F401
    except ImportError:
        return False
    return True


needs_sources = pytest.mark.skipif(not sources_available(), reason="no jsondrip.sources")
FIXTURES = Path(__file__).parent / "cli_fixtures"


DOC = '{"title": "Crème brûlée 🥄", "steps": ["Heat", "Whisk"], "n": 4, "ok": true}'


# -- help and usage errors ---------------------------------------------------------


@pytest.mark.parametrize("command", ["demo", "parse", "jsonl"])
def test_every_command_has_help_with_examples_and_exit_statuses(command: str) -> None:
    done = jsondrip(command, "--help")
    assert done.returncode == 0
    assert done.stdout.startswith(f"usage: jsondrip {command}")
    assert "examples:" in done.stdout
    assert f"jsondrip {command}" in done.stdout.split("examples:")[1]
    assert "exit status:" in jsondrip("--help").stdout


def test_main_help_lists_the_commands_demo_first() -> None:
    done = jsondrip("--help")
    assert done.returncode == 0
    listed = re.findall(r"^    (\w+) ", done.stdout, re.M)
    assert listed == ["demo", "parse", "jsonl"]


def test_no_command_prints_help_and_exits_2() -> None:
    done = jsondrip()
    assert done.returncode == 2
    assert "usage: jsondrip" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["parse", "--mode", "pretty"], "argument --mode: invalid choice: 'pretty'"),
        (["parse", "--sse", "acme"], "argument --sse: invalid choice: 'acme'"),
        (["parse", "--bogus"], "unrecognized arguments: --bogus"),
        (["jsonl", "--on-error", "ignore"], "argument --on-error: invalid choice: 'ignore'"),
        (["demo", "--speed", "-1"], "argument --speed: must be a finite number >= 0"),
        (["demo", "--speed", "fast"], "argument --speed: not a number: 'fast'"),
    ],
)
def test_bad_flags_are_usage_errors(args: list[str], message: str) -> None:
    done = jsondrip(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "usage: jsondrip" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["parse", "jsonl"])
def test_missing_file_is_a_usage_error(command: str, tmp_path: Path) -> None:
    done = jsondrip(command, str(tmp_path / "missing.json"))
    assert done.returncode == 2
    assert done.stderr == (
        f"jsondrip {command}: error: cannot open '{tmp_path / 'missing.json'}':"
        " No such file or directory\n"
    )
    directory = jsondrip(command, str(tmp_path))
    assert directory.returncode == 2
    assert "it is a directory" in directory.stderr


def test_version() -> None:
    import jsondrip as package

    done = jsondrip("--version")
    assert (done.returncode, done.stdout) == (0, f"jsondrip {package.__version__}\n")


# -- parse -----------------------------------------------------------------------


def test_parse_final_mode_is_the_default_when_piped() -> None:
    with running("parse") as process:
        send(process, DOC[:30].encode())
        time.sleep(0.3)  # a value mode would print this partial value now
        send(process, DOC[30:].encode())
        out, err = finish(process)
    assert (process.returncode, err) == (0, b"")
    assert out.decode() == compact(json.loads(DOC)) + "\n"
    assert "🥄" in out.decode()  # unicode kept, not escaped


def test_parse_reads_a_file_in_every_mode(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text(DOC, "utf-8")
    expected = json.loads(DOC)
    for mode in ("value", "final"):
        done = jsondrip("parse", str(path), "--mode", mode)
        assert (done.returncode, lines(done.stdout), done.stderr) == (0, [expected], "")
    deltas = jsondrip("parse", str(path), "--mode", "deltas")
    assert deltas.returncode == 0
    records = lines(deltas.stdout)
    assert records[0] == {"op": "add", "path": [], "value": {}}
    assert records[-1] == {"op": "end", "path": [], "value": expected}


def test_parse_value_mode_prints_one_line_per_change_as_input_arrives() -> None:
    with running("parse", "--mode", "value") as process:
        send(process, b'{"title": "Cr\xc3')  # ends inside a UTF-8 character
        assert process.stdout is not None
        first = read_until(process.stdout, lambda out: out.endswith(b"\n"))
        assert json.loads(first) == {"title": "Cr"}
        send(process, b'\xa8me", "steps": ["Heat"')
        second = read_until(process.stdout, lambda out: out.endswith(b"\n"))
        assert json.loads(second) == {"title": "Crème", "steps": ["Heat"]}
        assert process.poll() is None  # printed while the input is still open
        send(process, b"]}")  # completes the value without changing how it looks
        out, err = finish(process)
    assert out == b""  # one line per change: the second line was already the final value
    assert (process.returncode, err) == (0, b"")


def test_parse_deltas_mode_streams_deltas_as_json_lines() -> None:
    with running("parse", "--mode", "deltas") as process:
        send(process, b'{"steps": ["He')
        assert process.stdout is not None
        head = read_until(process.stdout, lambda out: out.count(b"\n") >= 3)
        assert lines(head.decode()) == [
            {"op": "add", "path": [], "value": {}},
            {"op": "add", "path": ["steps"], "value": []},
            {"op": "add", "path": ["steps", 0], "value": "He"},
        ]
        send(process, b'at"]}')
        out, _ = finish(process)
    assert lines(out.decode()) == [
        {"op": "append", "path": ["steps", 0], "value": "at"},
        {"op": "end", "path": ["steps", 0], "value": "Heat"},
        {"op": "end", "path": ["steps"], "value": ["Heat"]},
        {"op": "end", "path": [], "value": {"steps": ["Heat"]}},
    ]
    assert process.returncode == 0


def test_parse_final_mode_prints_only_the_final_value() -> None:
    done = jsondrip("parse", "--mode", "final", input=b'\n  [1, {"a": null}, "x"]  \n')
    assert (done.returncode, done.stdout, done.stderr) == (0, '[1,{"a":null},"x"]\n', "")
    number = jsondrip("parse", "--mode", "value", input=b"  42")  # completes at end of input
    assert (number.returncode, number.stdout) == (0, "42\n")
    assert jsondrip("parse", input=b"  42").stdout == "42\n"


@pytest.mark.parametrize(
    ("mode", "stdout"),
    [
        # The final "2" may have been cut (the start of "20"): it is not printed as a value.
        ("value", ['{"a":[1]}']),
        ("final", ['{"a":[1]}']),
    ],
)
def test_parse_truncated_input_prints_what_was_parsed_then_line_and_column(
    mode: str, stdout: list[str]
) -> None:
    done = jsondrip("parse", "--mode", mode, input=b'{"a":\n [1, 2')
    assert done.returncode == 1
    assert done.stdout.splitlines() == stdout
    assert done.stderr == (
        "<stdin>:2:7: expected ',' or ']' after array element, found end of input\n"
    )


def test_parse_invalid_input_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"title": "ok",\n "x": tru,\n "y": 1}')
    done = jsondrip("parse", str(path), "--mode", "final")
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"title": "ok"}
    assert re.fullmatch(rf"{re.escape(str(path))}:2:\d+: expected 'true', found .*\n", done.stderr)
    deltas = jsondrip("parse", str(path), "--mode", "deltas")
    assert lines(deltas.stdout)[-1] == {"op": "end", "path": ["title"], "value": "ok"}


def test_parse_empty_input_is_an_error() -> None:
    done = jsondrip("parse", input=b"  \n")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "<stdin>:2:1: expected a value, found end of input\n"


@needs_sources
def test_parse_sse_raw_parses_the_json_carried_by_the_events() -> None:
    stream = (
        b": keep-alive\r\n\r\n"
        b'data: {"answer": "Bon\r\n\r\n'
        b'event: message\ndata: jour", \ndata: "n": [1, 2]}\n\n'
        b"data: [DONE]\n\n"
    )
    done = jsondrip("parse", "--sse", "raw", "--mode", "final", input=stream)
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == {"answer": "Bonjour", "n": [1, 2]}


@needs_sources
def test_parse_sse_is_live_and_reports_errors_inside_the_carried_json() -> None:
    with running("parse", "--sse", "raw", "--mode", "value") as process:
        send(process, b'data: {"a": [1,\n\n')
        assert process.stdout is not None
        head = read_until(process.stdout, lambda out: out.endswith(b"\n"))
        assert json.loads(head) == {"a": [1]}
        send(process, b"data: 2 x\n\n")
        out, err = finish(process)
    assert process.returncode == 1
    assert json.loads(out) == {"a": [1, 2]}
    assert err.decode() == (
        "<stdin>:3: event 2: expected ',' or ']' after array element, found 'x'"
        " (the JSON text's line 1, column 12)\n"
    )


@needs_sources
def test_parse_sse_openai_prints_each_change_as_the_events_arrive() -> None:
    events = [
        event + b"\n\n" for event in (FIXTURES / "openai_chat.sse").read_bytes().split(b"\n\n")
    ]
    checkpoints = {  # after the event with this text: the line that must be out
        b'"Ky\xc5\x8d"': {"city": "Ky\u014d"},
        b'"Kinkaku"': {"city": "Ky\u014dto", "sights": ["Kinkaku"]},
    }
    output = b""
    with running("parse", "--sse", "openai", "--mode", "value") as process:
        assert process.stdout is not None
        for event in events:
            send(process, event)
            for text, expected in checkpoints.items():
                if text in event:
                    line = compact(expected).encode() + b"\n"
                    output += read_until(process.stdout, lambda out, line=line: out.endswith(line))
                    assert process.poll() is None
        out, err = finish(process)
    assert (err, process.returncode) == (b"", 0)
    seen = lines((output + out).decode())
    assert seen[-1] == {"city": "Ky\u014dto", "sights": ["Kinkaku-ji", "Fushimi Inari"], "days": 3}
    assert all(earlier != later for earlier, later in zip(seen, seen[1:]))


@needs_sources
def test_parse_sse_reports_the_providers_cut_with_the_jsons_error() -> None:
    path = FIXTURES / "openai_chat_length.sse"
    done = jsondrip("parse", "--sse", "openai", "--mode", "final", str(path))
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"city": "Kyōto", "sights": ["Kinkaku-ji", "Fushi"]}
    assert done.stderr == (
        f"{path}: the stream was cut short (finish_reason=length): expected '\"' to end"
        " the string, found end of input (the JSON text's line 1, column 46)\n"
    )


@needs_sources
def test_parse_sse_slot_picks_the_tool_call_after_prose() -> None:
    path = str(FIXTURES / "anthropic_text_tool_use.sse")
    prose = jsondrip("parse", "--sse", "anthropic", path)
    assert (prose.returncode, prose.stdout) == (1, "")
    assert prose.stderr.splitlines() == [
        "jsondrip: showing content 0, ignoring tool_call 1 (get_weather)",
        f"{path}:7: event 3: expected a value, found 'L' (the JSON text's line 1, column 1)",
        "jsondrip: hint: --slot tool_call parses a tool call's arguments;"
        " --lenient skips prose around the JSON",
    ]
    tool = jsondrip("parse", "--sse", "anthropic", "--slot", "tool_call", "--mode", "final", path)
    assert (tool.returncode, tool.stderr) == (0, "")
    assert json.loads(tool.stdout) == {"location": "Paris", "unit": "celsius"}


@needs_sources
def test_parse_sse_event_that_is_not_json_is_an_error() -> None:
    stream = b'data: {"choices":[{"index":0,"delta":{"content":"[1, "}}]}\n\ndata: {oops\n\n'
    done = jsondrip("parse", "--sse", "openai", input=stream)
    assert (done.returncode, done.stdout) == (1, "[1]\n")
    assert done.stderr == (
        "<stdin>:3: event 2: its data is not JSON (Expecting property name enclosed in"
        " double quotes, column 2); with --sse openai, each event's data is a JSON"
        " chat.completion.chunk (or a Responses event), then data: [DONE]\n"
    )


def test_parse_slot_needs_sse() -> None:
    done = jsondrip("parse", "--slot", "tool_call", input=b"{}")
    assert done.returncode == 2
    assert done.stderr == "jsondrip parse: error: --slot needs --sse\n"


def test_parse_lenient_skips_prose_and_fences() -> None:
    text = 'Sure! Here it is:\n```json\n{"a": [1, 2]}\n```\nAnything else?'
    done = jsondrip("parse", "--lenient", "--mode", "final", input=text.encode())
    assert (done.returncode, done.stdout, done.stderr) == (0, '{"a":[1,2]}\n', "")
    strict = jsondrip("parse", "--mode", "final", input=text.encode())
    assert strict.returncode == 1
    assert strict.stderr == "<stdin>:1:1: expected a value, found 'S'\n"


def test_parse_interrupted_prints_what_was_parsed_and_exits_130() -> None:
    with running("parse", "--mode", "deltas") as process:
        assert process.stdout is not None
        send(process, b'{"a": [1, "tw')
        head = read_until(process.stdout, lambda out: b'"tw"' in out)
        process.send_signal(signal.SIGINT)
        out, err = finish(process)
    assert lines((head + out).decode())[-1] == {"op": "add", "path": ["a", 1], "value": "tw"}
    assert (process.returncode, err) == (130, b"")


@pytest.mark.parametrize("command", ["parse", "jsonl"])
def test_closed_stdout_ends_quietly(command: str, tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(
        b"[" + b'"abc",\n' * 200_000 + b"0]" if command == "parse" else b"1\n" * 400_000
    )
    mode = ["--mode", "deltas"] if command == "parse" else []
    with running(command, str(path), *mode) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        read_until(process.stdout, lambda out: b"\n" in out)
        process.stdout.close()  # like `| head -n 1`
        err = process.stderr.read()
        process.wait(TIMEOUT)
    assert process.returncode in (141, -signal.SIGPIPE)
    assert err == b""


# -- jsonl -----------------------------------------------------------------------

JSONL = b'{"a":  1}\r\n\n{bad\n[1, "\xc3\xa9"]\n\xff\n"tail'


def test_jsonl_normalises_good_records() -> None:
    done = jsondrip("jsonl", input=b'{ "a" : [1, 2.5, "\\u00e9"] }\r\n\n  null\n"x"')
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == '{"a":[1,2.5,"é"]}\nnull\n"x"\n'


def test_jsonl_raise_prints_the_records_before_the_bad_line_then_stops(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(JSONL)
    done = jsondrip("jsonl", str(path))
    assert done.returncode == 1
    assert done.stdout == '{"a":1}\n'
    assert done.stderr == f"{path}:3:2: expected '\"' to start an object key or '}}', found 'b'\n"


def test_jsonl_collect_reports_every_bad_line_and_exits_1() -> None:
    done = jsondrip("jsonl", "--on-error", "collect", input=JSONL)
    assert done.returncode == 1
    assert done.stdout == '{"a":1}\n[1,"é"]\n'
    assert done.stderr.splitlines() == [
        "<stdin>:3:2: expected '\"' to start an object key or '}', found 'b'",
        "<stdin>:5:1: expected valid UTF-8, found byte 0xFF (invalid start byte)",
        "<stdin>:6:6: expected '\"' to end the string, found end of input",
    ]


def test_jsonl_skip_drops_bad_lines_counts_them_and_exits_0() -> None:
    done = jsondrip("jsonl", "--on-error", "skip", input=JSONL)
    assert done.returncode == 0
    assert done.stdout == '{"a":1}\n[1,"é"]\n'
    assert done.stderr == "jsondrip: skipped 3 bad lines\n"
    clean = jsondrip("jsonl", "--on-error", "skip", input=b"1\n2\n")
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "1\n2\n", "")


def test_jsonl_prints_each_record_as_soon_as_its_line_ends() -> None:
    with running("jsonl", "--on-error", "collect") as process:
        assert process.stdout is not None
        assert process.stderr is not None
        send(process, b'{"n": 1}\n{"n": 2, "text": "hal')
        assert read_until(process.stdout, lambda out: out.endswith(b"\n")) == b'{"n":1}\n'
        send(process, b'f"}\n{oops}\n')
        assert read_until(process.stdout, lambda out: out.endswith(b"\n")) == (
            b'{"n":2,"text":"half"}\n'
        )
        err = read_until(process.stderr, lambda out: out.endswith(b"\n"))
        assert err == b"<stdin>:3:2: expected '\"' to start an object key or '}', found 'o'\n"
        assert process.poll() is None
        send(process, b"[3]")  # no final newline: printed at the end of input
        out, _ = finish(process)
    assert (out, process.returncode) == (b"[3]\n", 1)


def test_jsonl_keeps_lone_surrogates_as_escapes() -> None:
    done = jsondrip("jsonl", input=b'"\\ud800 and \\u00e9"\n')
    assert (done.returncode, done.stdout) == (0, '"\\ud800 and é"\n')


def test_jsonl_large_input_in_bounded_memory() -> None:
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("needs /proc/PID/status (VmHWM)")
    line = json.dumps({"id": 0, "text": "x" * 200, "tags": ["a", "b"], "n": 1.5}).encode() + b"\n"
    block = line * 5000  # ~1.2 MB
    with running("jsonl", stdout=subprocess.DEVNULL) as process:
        for _ in range(30):  # ~36 MB through the pipe
            send(process, block)
        # All but the pipe's buffer has been read: the peak so far is the peak.
        peak = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{process.pid}/status").read_text())
        _, err = finish(process)
    assert (process.returncode, err) == (0, b"")
    assert peak is not None
    assert int(peak.group(1)) < 40 * 1024, f"peak RSS {peak.group(1)} KiB for 36 MB of input"


# -- demo ------------------------------------------------------------------------


def recorded_value() -> Any:
    text = files("jsondrip").joinpath("data/demo_stream.json").read_text("utf-8")
    return json.loads("".join(json.loads(text)["chunks"]))


def test_demo_without_a_terminal_prints_items_final_value_and_summary() -> None:
    done = jsondrip("demo", "--speed", "0")
    assert (done.returncode, done.stderr) == (0, "")
    expected = recorded_value()
    out = done.stdout
    assert out.startswith("jsondrip demo: replaying 513 recorded chunks at 60 tokens/s, speed 0")
    items = re.findall(r"^complete (\w+)\[(\d+)\]: (.*)$", out, re.M)
    assert [(name, int(index)) for name, index, _ in items] == [
        (name, index)
        for name in ("ingredients", "steps", "tags")
        for index in range(len(expected[name]))
    ]
    assert all(json.loads(item) == expected[name][int(index)] for name, index, item in items)
    assert pretty(expected) + "\n" in out
    summary = re.search(
        r"^513 chunks, 1,888 bytes in [\d.]+ s · first field after \d+ ms\n"
        r"parser: [\d.]+ µs per chunk back to back \(feed \+ value\)\n",
        out,
        re.M,
    )
    assert summary is not None, out[-400:]


def test_demo_speed_sets_the_pace_and_items_arrive_while_it_runs() -> None:
    with running("demo", "--speed", "6") as process:  # 513 chunks at 360 tokens/s: ~1.4 s
        assert process.stdout is not None
        began = time.monotonic()
        head = read_until(process.stdout, lambda out: b"complete ingredients[0]" in out)
        assert process.poll() is None
        assert b"513 chunks," not in head
        out, _ = finish(process)
    assert time.monotonic() - began > 0.7
    elapsed = re.search(rb"513 chunks, 1,888 bytes in ([\d.]+) s", out)
    assert elapsed is not None
    assert 1.3 < float(elapsed.group(1)) < 10
    assert process.returncode == 0


# -- helpers, in process -----------------------------------------------------------


def test_throttle_limits_redraws_and_backs_off_when_rendering_is_slow() -> None:
    now = [0.0]
    throttle = Throttle(fps=10, clock=lambda: now[0])
    assert throttle.wait() is None
    assert not throttle.due()
    throttle.dirty = True
    assert throttle.due()
    assert throttle.wait() == 0.0
    throttle.drawn(started=0.0)
    throttle.dirty = True
    assert not throttle.due()
    assert throttle.wait() == pytest.approx(0.1)
    now[0] = 0.1
    assert throttle.due()
    throttle.drawn(started=0.0)  # a redraw that took 100 ms: wait 300 ms
    throttle.dirty = True
    now[0] = 0.35
    assert not throttle.due()
    now[0] = 0.4
    assert throttle.due()


def test_output_batches_and_escapes_only_what_cannot_be_encoded() -> None:
    import io

    stream = io.BytesIO()
    out = Output(stream)
    out.records([{"a": "é"}, [1]])
    assert stream.getvalue() == b""
    out.flush()
    out.record("\udc80")
    out.flush()
    assert stream.getvalue() == '{"a":"é"}\n[1]\n"\\udc80"\n'.encode()
    assert path_label(("ingredients", 0, "name")) == "ingredients[0].name"
    assert path_label(()) == "(root)"
