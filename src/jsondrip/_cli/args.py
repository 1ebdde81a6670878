"""The command line: commands, flags, help texts and examples (argparse)."""

from __future__ import annotations

import argparse

from .. import __version__
from .sse import PROVIDERS, SLOT_KINDS

#: ``--mode value`` prints at most this many lines a second (and always the last).
VALUE_RATE = 10

EXIT_STATUS = """\
exit status:
  0    success
  1    invalid or truncated input (everything parsed before it was printed)
  2    usage error: bad flag, unreadable file, missing optional feature
  74   standard output cannot be written (closed, disk full); one line on stderr
  130  interrupted (Ctrl-C)
  141  the reader of standard output went away (| head); nothing is printed"""

MAIN_DESCRIPTION = """\
Parse JSON while it is still arriving: watch a structured-output stream from
an LLM grow live, or validate and normalise JSON Lines as they stream in."""

MAIN_EPILOG = f"""\
examples:
  jsondrip demo                               see it work: a recorded LLM stream, live
  curl -N URL | jsondrip parse --sse openai   watch a streamed answer's JSON grow
  jsondrip jsonl big.jsonl > clean.jsonl      validate and normalise JSON Lines

{EXIT_STATUS}"""

DEMO_DESCRIPTION = """\
Replay a recorded LLM structured-output stream (bundled with jsondrip, no API
key needed) at a realistic token pace, showing the partial value growing live
and each list item as it completes, then a summary: chunks, bytes, time to the
first field and the parser's time per chunk. When standard output is not a
terminal, completed items are printed as they arrive, then the final value."""

DEMO_EPILOG = """\
examples:
  jsondrip demo               the recorded pace (60 tokens/s)
  jsondrip demo --speed 0.3   slow motion
  jsondrip demo --speed 0     no delay (CI logs)
  jsondrip demo --web         the same stream in a browser page (needs jsondrip[web])"""

PARSE_DESCRIPTION = """\
Parse one JSON document as it arrives and show the partial value as it grows.
Input is read unbuffered, so a pipe from `curl -N` updates live. On invalid
or truncated input, everything parsed so far is printed, then
FILE:LINE:COLUMN: message on standard error, and the exit status is 1."""

PARSE_EPILOG = f"""\
output modes (--mode):
  live     redraw the partial value on the terminal (default on a terminal)
  final    only the final value, as one compact JSON line (default when piped)
  value    the whole partial value as one compact JSON line, at most {VALUE_RATE} lines a
           second (and always the last one); each line costs the size of the value
  deltas   one JSON line per change: {{"op": "add"|"append"|"end", "path": [...], "value": ...}}
  patch    one jsondrip patch message per line (the wire format of jsondrip.patch:
           {{"op": "add", "path": "/a", "value": ...}}, "appended text", {{"op": "end"}})
Numbers are written as their original text (1e400, 0.10000000000000000001).

examples:
  curl -N https://api.openai.com/v1/chat/completions ... | jsondrip parse --sse openai
  curl -N https://api.anthropic.com/v1/messages ... \\
      | jsondrip parse --sse anthropic --slot tool_call   a tool call's arguments
  curl -N ... | jsondrip parse --sse openai --mode value | my-ui   the value, 10 times/s
  jsondrip parse --allow-nan scores.json > scores.min.json         NaN written back as is
  llm 'answer in JSON' | jsondrip parse --lenient          skip prose and ``` fences
  printf '{{"a": [1, 2' | jsondrip parse                  prints {{"a":[1,2]}}, exits 1

{EXIT_STATUS}"""

JSONL_DESCRIPTION = """\
Validate and normalise JSON Lines (NDJSON) as they stream in: every good record
is printed as compact JSON as soon as its line ends; bad lines are reported on
standard error as FILE:LINE:COLUMN: message. Memory stays bounded however big
the input; a progress bar is shown on standard error for a file when standard
error is a terminal and the records go elsewhere."""

JSONL_EPILOG = f"""\
bad lines (--on-error):
  raise    stop at the first bad line, exit 1 (default)
  collect  report every bad line, keep going, exit 1 at the end if there was one
  skip     drop bad lines without a report (a count is printed at the end), exit 0

examples:
  jsondrip jsonl events.jsonl > clean.jsonl
  tail -f app.log.jsonl | jsondrip jsonl --on-error collect
  zcat big.jsonl.gz | jsondrip jsonl --on-error skip | wc -l

{EXIT_STATUS}"""


def _speed(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not speed >= 0 or speed == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, not {text!r}")
    return speed


def build_parser() -> argparse.ArgumentParser:
    """The ``jsondrip`` argument parser, with one subparser per command."""
    formatter = argparse.RawDescriptionHelpFormatter
    main = argparse.ArgumentParser(
        prog="jsondrip",
        description=MAIN_DESCRIPTION,
        epilog=MAIN_EPILOG,
        formatter_class=formatter,
    )
    main.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = main.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    demo = commands.add_parser(
        "demo",
        help="replay a recorded LLM stream, live (start here)",
        description=DEMO_DESCRIPTION,
        epilog=DEMO_EPILOG,
        formatter_class=formatter,
    )
    demo.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        metavar="X",
        help="pace multiplier: 2 is twice as fast, 0 means no delay (default: 1)",
    )
    demo.add_argument(
        "--web",
        action="store_true",
        help="serve a page on 127.0.0.1 that renders the stream live, and print its URL",
    )
    demo.add_argument(
        "--port", type=int, default=0, help="with --web: the port (default: any free one)"
    )

    parse = commands.add_parser(
        "parse",
        help="watch one JSON document arrive (file, pipe or SSE stream)",
        description=PARSE_DESCRIPTION,
        epilog=PARSE_EPILOG,
        formatter_class=formatter,
    )
    parse.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="input file; - or none for stdin"
    )
    parse.add_argument(
        "--mode",
        choices=("auto", "live", "value", "deltas", "final", "patch"),
        default="auto",
        help="what to print (default: auto, live on a terminal, final otherwise)",
    )
    _allow_nan(parse)
    parse.add_argument(
        "--sse",
        choices=PROVIDERS,
        metavar="PROVIDER",
        help="the input is a server-sent-events stream from PROVIDER; parse the JSON it"
        f" carries ({', '.join(PROVIDERS)}; raw: each event's data is JSON text)",
    )
    parse.add_argument(
        "--slot",
        choices=SLOT_KINDS,
        help="with --sse: which document to parse when the stream has several"
        " (default: the first; tool_call: the first tool call's arguments)",
    )
    parse.add_argument(
        "--lenient",
        action="store_true",
        help="skip prose, Markdown code fences and <think> blocks around the JSON",
    )

    jsonl = commands.add_parser(
        "jsonl",
        help="validate and normalise JSON Lines, streaming",
        description=JSONL_DESCRIPTION,
        epilog=JSONL_EPILOG,
        formatter_class=formatter,
    )
    jsonl.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="input file; - or none for stdin"
    )
    jsonl.add_argument(
        "--on-error",
        choices=("raise", "skip", "collect"),
        default="raise",
        help="what to do with a bad line (default: raise)",
    )
    _allow_nan(jsonl)
    jsonl.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    return main


def _allow_nan(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--allow-nan",
        action="store_true",
        help="accept NaN, Infinity and -Infinity (not JSON; they are written back as is)",
    )
