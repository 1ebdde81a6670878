"""Adapters: one small factory per library, each returning a :data:`Runner`.

A runner gets a :class:`Workload` and an absolute ``deadline`` (a
``time.perf_counter()`` value).  It processes the workload the way a user of that
library would, checks the clock inside its loop, and raises :class:`CapExceeded` as
soon as the deadline has passed (no threads, no signals).  It returns the final value
so that the harness can compare it with ``json.loads``.

A factory raises ``ImportError`` when its library is not installed.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any, Callable

from .data import Chunk

#: Incremental runners check the clock once per block of this many chunks.
BLOCK = 256


class CapExceeded(Exception):
    """Raised by a runner whose elapsed time passed the cap."""


@dataclass
class Workload:
    """One input: the whole document, its chunking and the expected final value."""

    doc: Chunk
    chunks: list[Chunk]
    expected: Any = None
    blocks: list[list[Chunk]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.blocks = [self.chunks[i : i + BLOCK] for i in range(0, len(self.chunks), BLOCK)]

    @property
    def n_bytes(self) -> int:
        """Size of the document in UTF-8 bytes."""
        doc = self.doc
        return len(doc) if isinstance(doc, bytes) else len(doc.encode("utf-8"))


Runner = Callable[[Workload, float], Any]


@dataclass(frozen=True)
class Peer:
    """A library under test: how to build its runner and how to describe it."""

    name: str
    label: str
    mode: str
    factory: Callable[[], Runner]
    note: str = ""


# --------------------------------------------------------------------------- helpers


def _reparse(parse: Callable[[Any], Any], decode: bool = False) -> Runner:
    """Runner for re-parse peers: ``buf += chunk; value = parse(buf)`` after every chunk.

    With ``decode`` the accumulated buffer (bytes) is decoded with
    ``buf.decode("utf-8", "ignore")`` before every parse, which drops a UTF-8 sequence
    that is cut at the end of the buffer.
    """

    def run(work: Workload, deadline: float) -> Any:
        buf = work.chunks[0][:0]
        value = None
        clock = perf_counter
        if decode and isinstance(buf, bytes):
            for chunk in work.chunks:
                buf += chunk
                value = parse(buf.decode("utf-8", "ignore"))
                if clock() > deadline:
                    raise CapExceeded
        else:
            for chunk in work.chunks:
                buf += chunk
                value = parse(buf)
                if clock() > deadline:
                    raise CapExceeded
        return value

    return run


def _whole(loads: Callable[[Any], Any]) -> Runner:
    """Runner that parses the whole document once (the floor)."""

    def run(work: Workload, deadline: float) -> Any:
        return loads(work.doc)

    return run


def _capped_chunks(work: Workload, deadline: float) -> Iterator[Chunk]:
    """Yield the workload's chunks, raising :class:`CapExceeded` past the deadline."""
    for block in work.blocks:
        yield from block
        if perf_counter() > deadline:
            raise CapExceeded


# --------------------------------------------------------------------------- jsondrip


def pure_python_jsondrip() -> Any:
    """jsondrip with the pure-Python backend, in this process beside the C one.

    When the C accelerator is in use, this is a private copy of the installed
    package (same files, imported as ``jsondrip_pure_python`` with
    ``JSONDRIP_PURE_PYTHON=1``), so both backends are measured in one run.
    """
    import os
    import sys

    import jsondrip

    if getattr(jsondrip, "BACKEND", "python") == "python":
        return jsondrip
    name = "jsondrip_pure_python"
    if name in sys.modules:
        return sys.modules[name]
    saved = os.environ.get("JSONDRIP_PURE_PYTHON")
    os.environ["JSONDRIP_PURE_PYTHON"] = "1"
    try:
        module = _import_package(name, Path(jsondrip.__file__).parent)
    finally:
        if saved is None:
            del os.environ["JSONDRIP_PURE_PYTHON"]
        else:
            os.environ["JSONDRIP_PURE_PYTHON"] = saved
    assert module.BACKEND == "python"
    return module


def _import_package(name: str, root: Path) -> Any:
    """Import the package in folder ``root`` as module ``name`` (a private copy)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(
        name, root / "__init__.py", submodule_search_locations=[str(root)]
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


#: The commit whose pure-Python parser issue 10 measured as "today" (the last one
#: before the issue's work began): the pure-Python backend must be no slower.
BASELINE_REVISION = "43042c0"


def baseline_jsondrip() -> Any:
    """jsondrip's package as it was at :data:`BASELINE_REVISION`, beside the installed one.

    Read from this repository with ``git archive`` into a temporary folder and
    imported as ``jsondrip_baseline`` (that revision is pure Python), so "no slower
    than today" is measured in the same run, not taken from a figure on another
    machine.  Raises ``ImportError`` when git or the revision is not available (an
    sdist, a shallow clone): the row then falls back to issue 10's figure, and says so.
    """
    import atexit
    import shutil
    import subprocess
    import sys
    import tarfile
    import tempfile
    from io import BytesIO

    name = "jsondrip_baseline"
    if name in sys.modules:
        return sys.modules[name]
    repo = Path(__file__).resolve().parent.parent
    try:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", BASELINE_REVISION, "src/jsondrip"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise ImportError(f"revision {BASELINE_REVISION} not available: {exc}") from exc
    folder = Path(tempfile.mkdtemp(prefix="jsondrip_baseline_"))
    atexit.register(shutil.rmtree, folder, True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        # The "data" filter where this Python has it (3.12, and 3.9-3.11 security releases).
        safe: dict[str, Any] = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(folder, **safe)
    return _import_package(name, folder / "src" / "jsondrip")


def backend_label() -> str:
    """How the installed jsondrip runs: "C" or "pure Python"."""
    try:
        import jsondrip
    except ImportError:
        return "not installed"
    return "C" if getattr(jsondrip, "BACKEND", "python") == "c" else "pure Python"


def jsondrip_value() -> Runner:
    """jsondrip: ``p.feed(chunk); v = p.value`` after every chunk."""
    import jsondrip

    return _value_runner(jsondrip)


def jsondrip_py_value() -> Runner:
    """jsondrip, pure-Python backend: ``p.feed(chunk); v = p.value`` after every chunk."""
    return _value_runner(pure_python_jsondrip())


def jsondrip_baseline_value() -> Runner:
    """jsondrip at :data:`BASELINE_REVISION` (pure Python): value after every chunk."""
    return _value_runner(baseline_jsondrip())


def jsondrip_nodeltas_value() -> Runner:
    """jsondrip, ``Parser(deltas=False)``: ``p.feed(chunk); v = p.value`` after every chunk."""
    import jsondrip

    return _value_runner(jsondrip, deltas=False)


def jsondrip_py_nodeltas_value() -> Runner:
    """jsondrip, pure-Python backend, ``Parser(deltas=False)``: value after every chunk."""
    return _value_runner(pure_python_jsondrip(), deltas=False)


def _value_runner(jsondrip: Any, **options: Any) -> Runner:
    def run(work: Workload, deadline: float) -> Any:
        p = jsondrip.Parser(**options)
        feed = p.feed
        for block in work.blocks:
            for chunk in block:
                feed(chunk)
                p.value  # noqa: B018 - reading the live value is what is measured
            if perf_counter() > deadline:
                raise CapExceeded
        return p.close()

    return run


def jsondrip_deltas() -> Runner:
    """jsondrip: consume the deltas returned by every ``feed`` (the value is not read)."""
    import jsondrip

    def run(work: Workload, deadline: float) -> Any:
        p = jsondrip.Parser()
        feed = p.feed
        for block in work.blocks:
            for chunk in block:
                for _delta in feed(chunk):
                    pass
            if perf_counter() > deadline:
                raise CapExceeded
        return p.close()

    return run


def jsondrip_whole() -> Runner:
    """jsondrip: the whole document as one chunk, then ``close()``."""
    import jsondrip

    return _whole_runner(jsondrip)


def jsondrip_py_whole() -> Runner:
    """jsondrip, pure-Python backend: the whole document as one chunk, then ``close()``."""
    return _whole_runner(pure_python_jsondrip())


def jsondrip_nodeltas_whole() -> Runner:
    """jsondrip, ``Parser(deltas=False)``: the whole document as one chunk, then ``close()``."""
    import jsondrip

    return _whole_runner(jsondrip, deltas=False)


def jsondrip_py_nodeltas_whole() -> Runner:
    """jsondrip, pure-Python backend, ``Parser(deltas=False)``: the whole document at once."""
    return _whole_runner(pure_python_jsondrip(), deltas=False)


def _whole_runner(jsondrip: Any, **options: Any) -> Runner:
    def run(work: Workload, deadline: float) -> Any:
        p = jsondrip.Parser(**options)
        p.feed(work.doc)
        return p.close()

    return run


# --------------------------------------------------------------------------- peers


def jsondrip_typed() -> Runner:
    """jsondrip.pydantic: ``p.feed(chunk); v = p.value`` (a partial ``Answer``)."""
    from jsondrip.pydantic import TypedParser

    from .typed import Answer, DumpedOnCompare

    def run(work: Workload, deadline: float) -> Any:
        p = TypedParser(Answer)
        feed = p.feed
        for block in work.blocks:
            for chunk in block:
                feed(chunk)
                p.value  # noqa: B018 - reading the partial instance is what is measured
            if perf_counter() > deadline:
                raise CapExceeded
        return DumpedOnCompare(p.close())

    return run


def streaming_json_parser_value() -> Runner:
    """streaming-json-parser: ``v = p.feed(chunk).value`` after every chunk (live value)."""
    import streaming_json_parser
    from streaming_json_parser import high_performance_parser

    if getattr(high_performance_parser, "_backend_native", None) is None:
        raise ImportError("streaming-json-parser-native (its Rust extension) is not installed")

    def run(work: Workload, deadline: float) -> Any:
        p = streaming_json_parser.StreamingJsonParser(partial_mode="structural_trailing_strings")
        feed = p.feed
        for block in work.blocks:
            for chunk in block:
                feed(chunk).value  # noqa: B018 - reading the live value is what is measured
            if perf_counter() > deadline:
                raise CapExceeded
        return p.finish().value

    return run


def pydantic_partial_reparse() -> Runner:
    """pydantic: re-validate the buffer after every chunk (all-optional model)."""
    from pydantic import TypeAdapter

    from .typed import PartialAnswer, dump

    adapter = TypeAdapter(PartialAnswer)

    def parse(buf: Any) -> Any:
        return adapter.validate_json(buf, experimental_allow_partial="trailing-strings")

    inner = _reparse(parse)

    def run(work: Workload, deadline: float) -> Any:
        return dump(inner(work, deadline))

    return run


def jsonriver_value() -> Runner:
    """jsonriver (Python port): ``async for value in jsonriver.parse(chunks)``.

    jsonriver only takes an async iterator of ``str``.  The async generator here never
    suspends, so the coroutine is driven to completion with a single ``send(None)``
    (no event loop overhead is charged to jsonriver).  Bytes chunks are decoded with an
    incremental UTF-8 decoder inside the generator.
    """
    import jsonriver

    async def source(work: Workload, deadline: float) -> AsyncIterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")() if isinstance(work.doc, bytes) else None
        for block in work.blocks:
            if decoder is None:
                for chunk in block:
                    yield chunk  # type: ignore[misc]
            else:
                for chunk in block:
                    yield decoder.decode(chunk)  # type: ignore[arg-type]
            if perf_counter() > deadline:
                raise CapExceeded

    async def consume(work: Workload, deadline: float) -> Any:
        value = None
        async for value in jsonriver.parse(source(work, deadline)):  # noqa: B007
            pass
        return value

    def run(work: Workload, deadline: float) -> Any:
        coro = consume(work, deadline)
        try:
            coro.send(None)
        except StopIteration as stop:
            return stop.value
        coro.close()
        raise RuntimeError("jsonriver coroutine suspended unexpectedly")

    return run


def jiter_reparse() -> Runner:
    """jiter: ``jiter.from_json(buf, partial_mode='trailing-strings')`` (bytes only).

    For str streams every chunk is encoded and appended to a bytes buffer (the cheapest
    way to use jiter on text chunks); bytes streams are accumulated as they come, since
    jiter drops a UTF-8 sequence cut at the end of the buffer by itself.
    """
    import jiter

    def parse(buf: bytes) -> Any:
        return jiter.from_json(buf, partial_mode="trailing-strings")

    def run(work: Workload, deadline: float) -> Any:
        if isinstance(work.doc, bytes):
            return _reparse(parse)(work, deadline)
        buf = b""
        value = None
        for chunk in work.chunks:
            buf += chunk.encode("utf-8")  # type: ignore[union-attr]
            value = parse(buf)
            if perf_counter() > deadline:
                raise CapExceeded
        return value

    return run


def pydantic_core_reparse() -> Runner:
    """pydantic-core: ``from_json(buf, allow_partial='trailing-strings')`` (str or bytes)."""
    import pydantic_core

    def parse(buf: Chunk) -> Any:
        return pydantic_core.from_json(buf, allow_partial="trailing-strings")

    return _reparse(parse)


def partial_json_parser_reparse() -> Runner:
    """partial-json-parser: ``partial_json_parser.loads(buf)`` (str only)."""
    import partial_json_parser

    return _reparse(partial_json_parser.loads, decode=True)


def partialjson_reparse() -> Runner:
    """partialjson: ``JSONParser().parse(buf)`` with one parser instance (str only)."""
    from partialjson.json_parser import JSONParser

    return _reparse(JSONParser().parse, decode=True)


def json_repair_reparse() -> Runner:
    """json_repair: ``json_repair.loads(buf)`` (str only)."""
    import json_repair

    return _reparse(json_repair.loads, decode=True)


def langchain_reparse() -> Runner:
    """langchain-core: ``langchain_core.utils.json.parse_partial_json(buf)`` (str only)."""
    from langchain_core.utils.json import parse_partial_json

    return _reparse(parse_partial_json, decode=True)


def _ijson_events(make_coro: Callable[[Any], Any]) -> Runner:
    def run(work: Workload, deadline: float) -> Any:
        import ijson

        events = ijson.sendable_list()
        coro = make_coro(events)
        send = coro.send
        text = isinstance(work.doc, str)
        for block in work.blocks:
            for chunk in block:
                send(chunk.encode("utf-8") if text else chunk)  # type: ignore[union-attr]
                for _event in events:
                    pass
                del events[:]
            if perf_counter() > deadline:
                raise CapExceeded
        coro.close()
        return None

    return run


def ijson_parse_coro() -> Runner:
    """ijson: ``ijson.parse_coro(sendable_list())`` fed bytes; (prefix, event, value) only."""
    import ijson

    return _ijson_events(ijson.parse_coro)


def ijson_basic_parse_coro() -> Runner:
    """ijson: ``ijson.basic_parse_coro(sendable_list())`` fed bytes; (event, value) only."""
    import ijson

    return _ijson_events(ijson.basic_parse_coro)


def json_stream_pull() -> Runner:
    """json-stream: pull-based; ``to_standard_types(load(chunk_iterator, persistent=True))``.

    json-stream reads from an iterator and cannot expose a partial value after each
    chunk, so it is measured as "consume the same chunk stream, build the final value".
    """
    import json_stream

    def run(work: Workload, deadline: float) -> Any:
        return json_stream.to_standard_types(
            json_stream.load(_capped_chunks(work, deadline), persistent=True)
        )

    return run


def json_loads_whole() -> Runner:
    """Standard library ``json.loads`` of the whole document, once (the floor)."""
    return _whole(json.loads)


def orjson_loads_whole() -> Runner:
    """``orjson.loads`` of the whole document, once (the floor)."""
    import orjson

    return _whole(orjson.loads)


# --------------------------------------------------------------------------- registry

_STR_ONLY = "str only: given buf.decode('utf-8', 'ignore') of the accumulated bytes"

PEERS: dict[str, Peer] = {
    p.name: p
    for p in (
        Peer("jsondrip", f"jsondrip ({backend_label()})", "incremental, value", jsondrip_value),
        Peer(
            "jsondrip_py",
            "jsondrip (pure Python)",
            "incremental, value",
            jsondrip_py_value,
            "JSONDRIP_PURE_PYTHON=1: the reference backend, in the same process",
        ),
        Peer(
            "jsondrip_nodeltas",
            f"jsondrip ({backend_label()}, deltas=False)",
            "incremental, value",
            jsondrip_nodeltas_value,
            "Parser(deltas=False): no deltas built, for callers that only read the value",
        ),
        Peer(
            "jsondrip_baseline",
            f"jsondrip (pure Python, {BASELINE_REVISION}: before issue 10)",
            "incremental, value",
            jsondrip_baseline_value,
            "the pure-Python parser as it was before the C accelerator, for 'no slower than today'",
        ),
        Peer(
            "jsondrip_py_nodeltas",
            "jsondrip (pure Python, deltas=False)",
            "incremental, value",
            jsondrip_py_nodeltas_value,
            "Parser(deltas=False), the reference backend in the same process",
        ),
        Peer(
            "streaming_json_parser",
            "streaming-json-parser (native)",
            "incremental, value",
            streaming_json_parser_value,
            "with streaming-json-parser-native (Rust); partial_mode="
            "'structural_trailing_strings' (partial strings, numbers when complete)",
        ),
        Peer(
            "jsondrip_typed",
            "jsondrip.pydantic TypedParser",
            "incremental, typed",
            jsondrip_typed,
            "partial pydantic instance read after every chunk; items validated as they close",
        ),
        Peer(
            "pydantic_partial",
            "pydantic validate_json(allow_partial)",
            "re-parse, typed",
            pydantic_partial_reparse,
            "TypeAdapter(all-optional model).validate_json(buf, "
            "experimental_allow_partial='trailing-strings') after every chunk",
        ),
        Peer(
            "jsonriver",
            "jsonriver (Python port)",
            "incremental, value",
            jsonriver_value,
            "async-only; yields a value when input progressed; ints become floats; "
            "\\uD83D\\uDE00-style surrogate-pair escapes come out as lone surrogates",
        ),
        Peer(
            "jiter",
            "jiter",
            "re-parse",
            jiter_reparse,
            "bytes only: str chunks encoded into a bytes buffer; drops a cut UTF-8 tail itself",
        ),
        Peer(
            "pydantic_core",
            "pydantic_core.from_json",
            "re-parse",
            pydantic_core_reparse,
            "allow_partial='trailing-strings'; takes str or bytes (cut UTF-8 tail dropped)",
        ),
        Peer(
            "partial_json_parser",
            "partial-json-parser",
            "re-parse",
            partial_json_parser_reparse,
            _STR_ONLY,
        ),
        Peer("partialjson", "partialjson", "re-parse", partialjson_reparse, _STR_ONLY),
        Peer("json_repair", "json_repair", "re-parse", json_repair_reparse, _STR_ONLY),
        Peer(
            "langchain",
            "langchain-core parse_partial_json",
            "re-parse",
            langchain_reparse,
            _STR_ONLY,
        ),
        Peer(
            "ijson",
            "ijson parse_coro",
            "events only",
            ijson_parse_coro,
            "push coroutine; bytes in, events out; no partial values",
        ),
        Peer(
            "ijson_basic",
            "ijson basic_parse_coro",
            "events only",
            ijson_basic_parse_coro,
            "push coroutine; bytes in, events out (no paths); no partial values",
        ),
        Peer(
            "json_stream",
            "json-stream",
            "pull, final value",
            json_stream_pull,
            "pull-based: no value per chunk; consumes the chunk iterator, builds the value",
        ),
        Peer("json", "json.loads (whole doc once)", "floor", json_loads_whole),
        Peer("orjson", "orjson.loads (whole doc once)", "floor", orjson_loads_whole),
        Peer("jsondrip_deltas", "jsondrip (deltas)", "incremental, deltas", jsondrip_deltas),
        Peer(
            "jsondrip_whole",
            f"jsondrip ({backend_label()}, one chunk)",
            "whole doc",
            jsondrip_whole,
        ),
        Peer(
            "jsondrip_py_whole",
            "jsondrip (pure Python, one chunk)",
            "whole doc",
            jsondrip_py_whole,
        ),
        Peer(
            "jsondrip_whole_nodeltas",
            f"jsondrip ({backend_label()}, one chunk, deltas=False)",
            "whole doc",
            jsondrip_nodeltas_whole,
        ),
        Peer(
            "jsondrip_py_whole_nodeltas",
            "jsondrip (pure Python, one chunk, deltas=False)",
            "whole doc",
            jsondrip_py_nodeltas_whole,
        ),
    )
}


def build(name: str) -> Runner | None:
    """Return the runner for ``name``, or ``None`` if its library is not installed."""
    try:
        return PEERS[name].factory()
    except ImportError:
        return None


def version(name: str) -> str:
    """Installed distribution version of the library behind peer ``name`` (or "")."""
    from importlib import metadata

    dist = {
        "jsondrip": "jsondrip",
        "jsondrip_deltas": "jsondrip",
        "jsondrip_whole": "jsondrip",
        "jsonriver": "jsonriver",
        "jiter": "jiter",
        "pydantic_core": "pydantic-core",
        "partial_json_parser": "partial-json-parser",
        "partialjson": "partialjson",
        "json_repair": "json-repair",
        "langchain": "langchain-core",
        "ijson": "ijson",
        "ijson_basic": "ijson",
        "json_stream": "json-stream",
        "orjson": "orjson",
        "streaming_json_parser": "streaming-json-parser",
    }.get(name, "jsondrip" if name.startswith("jsondrip") else None)
    if dist is None:
        return "stdlib"
    try:
        text = metadata.version(dist)
        if name == "streaming_json_parser":
            text += f" (native {metadata.version('streaming-json-parser-native')})"
        return text
    except metadata.PackageNotFoundError:
        pass
    try:  # importable without installed metadata (e.g. via PYTHONPATH)
        module = __import__(dist.replace("-", "_"))
    except ImportError:
        return ""
    return str(getattr(module, "__version__", "?"))
