"""What the fuzz harness checks on one input; shared with the corpus tests.

An input is ``payload + trailer``. The trailer is read from the end, one byte
at a time, exactly as ``atheris.FuzzedDataProvider.ConsumeIntInRange`` reads
integers (so the harness can use the provider, and the corpus tests can
decode the same files without atheris):

* ``flags`` (last byte): ``1`` partial_strings off, ``2`` allow_nan,
  ``4`` lenient, ``8`` multiple_values (the last two have no ``json.loads``
  oracle: only the exception and chunking checks apply);
* ``limit`` (second to last): ``0`` keeps the default limits; otherwise one
  limit is set low: ``LIMITS[(limit - 1) % 5]`` to ``1 + (limit - 1) // 5``;
* ``count`` (third to last, mod 16) and ``count`` chunk sizes (mod 65), used
  in turn to cut the payload (0 is an empty chunk); no sizes means one
  character or byte at a time.

The payload goes, as bytes and (when it is UTF-8) as text, whole and cut into
those chunks, through ``Parser``, ``JsonlParser(on_error="collect")`` and
``TypedParser(Doc)``, and :func:`check` asserts:

1. only ``JSONStreamError`` (and pydantic's ``ValidationError`` from the typed
   parser) is raised: anything else escapes and is a finding;
2. ``Parser`` agrees with strict ``json.loads`` (no NaN/Infinity, UTF-8
   strict, a leading BOM skipped): same value, or both reject; a
   ``LimitExceededError`` only when the document really passes that limit,
   and always when it does;
3. every chunking (text or bytes, whole or cut) gives the same outcome: the
   same value, or the same error at the same position;
4. an error is at the earliest offset: the text before it is a valid prefix;
5. nothing is lost: the deltas (including those on the error) fold to
   ``value``, and ``IncompleteJSONError.partial`` is the last ``value``;
6. ``JsonlParser`` returns exactly the good lines (each as ``json.loads``
   reads it) and reports the bad ones by line number;
7. ``TypedParser`` closes with what ``Doc.model_validate_json`` returns when
   both that and ``Parser`` accept the text, and raises ``ValidationError``
   when only the schema rejects it; an early ``ValidationError`` only when the
   schema really rejects the document;
8. the C backend and the pure-Python backend agree on every delta, value and
   error (when the extension is built; ``tests/backends.py``).

Known, documented differences are not findings: ``json.loads(str)`` rejects a
BOM that jsondrip skips; integers past ``sys.get_int_max_str_digits()`` are
a ``LimitExceededError`` in jsondrip and a ``ValueError`` in ``json``; a text
``json.loads`` rejects only for depth (``RecursionError``) is judged again
with a higher recursion limit, and jsondrip accepts it up to ``max_depth``.
"""

from __future__ import annotations

import codecs
import inspect
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, ValidationError

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import backends  # tests/backends.py: both backends in one process
from jsondrip import (
    IncompleteJSONError,
    JsonlParser,
    JSONStreamError,
    Parser,
    apply_deltas,
)
from jsondrip.pydantic import TypedParser

PARTIAL_STRINGS_OFF = 1
ALLOW_NAN = 2
LENIENT = 4
MULTIPLE_VALUES = 8

LIMITS = ("max_depth", "max_string_length", "max_number_length", "max_members", "max_document_size")
#: The default of each limit, as Parser declares it.
DEFAULTS: dict[str, int] = {
    name: param.default
    for name, param in inspect.signature(Parser).parameters.items()
    if name in LIMITS
}
BOM = "\ufeff"
BLANK = " \t\r"


# -- the input format ----------------------------------------------------------------


@dataclass
class Case:
    """One fuzz input, decoded."""

    payload: bytes
    flags: int = 0
    limit: int = 0
    sizes: list[int] = field(default_factory=list)

    def options(self) -> dict[str, Any]:
        """The ``Parser`` options this case runs with."""
        options: dict[str, Any] = {}
        if self.flags & PARTIAL_STRINGS_OFF:
            options["partial_strings"] = False
        if self.flags & ALLOW_NAN:
            options["allow_nan"] = True
        if self.limit:
            options[LIMITS[(self.limit - 1) % 5]] = 1 + (self.limit - 1) // 5
        return options


def decode_case(data: bytes) -> Case:
    """Split a fuzz input into payload and trailer, as the harness's
    ``FuzzedDataProvider`` calls do (integers are read from the end)."""
    end = len(data)

    def take() -> int:
        nonlocal end
        if end == 0:
            return 0
        end -= 1
        return data[end]

    flags = take()
    limit = take()
    count = take() % 16
    sizes = [take() % 65 for _ in range(count)]
    return Case(data[:end], flags, limit, sizes)


def encode_case(
    payload: bytes, *, flags: int = 0, limit: int = 0, sizes: tuple[int, ...] = ()
) -> bytes:
    """The fuzz input that :func:`decode_case` reads back as this case."""
    assert len(sizes) < 16
    assert all(0 <= s <= 64 for s in sizes)
    return payload + bytes(reversed(sizes)) + bytes([len(sizes), limit, flags])


def limit_byte(name: str, maximum: int) -> int:
    """The trailer's limit byte that sets ``name`` to ``maximum`` (1..51)."""
    assert 1 <= maximum <= 51
    return 1 + LIMITS.index(name) + 5 * (maximum - 1)


def cut(data: Any, sizes: list[int]) -> list[Any]:
    """Cut ``data`` (text or bytes) into chunks of the given sizes, in turn."""
    if not sizes:
        return [data[i : i + 1] for i in range(len(data))]
    if not any(sizes):
        sizes = [*sizes, 1]
    chunks = []
    pos = i = 0
    while pos < len(data):
        size = sizes[i % len(sizes)]
        chunks.append(data[pos : pos + size])
        pos += size
        i += 1
    return chunks


# -- comparing values without recursion (documents may nest 1000+ deep) --------------


def same(a: Any, b: Any) -> bool:
    """Strict equality: same types (``1`` is not ``1.0`` nor ``True``), floats
    by ``repr`` (``-0.0`` is not ``0.0``; NaN equals NaN), dicts in order."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, float):
            if repr(x) != repr(y):
                return False
        elif isinstance(x, (list, tuple)):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif isinstance(x, dict):
            if list(x) != list(y):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif x != y:
            return False
    return True


def depth_of(value: Any) -> int:
    """Nesting depth of arrays and objects (``[]`` is 1, ``1`` is 0)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            stack.extend(
                (child, level + 1) for child in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


# -- the oracle: strict json.loads, and what a valid document measures ---------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@dataclass
class Reference:
    """What ``json.loads`` says about a text: ``ok`` (with the value and its
    measurements), ``reject``, or ``deep`` (only recursion stopped it, even
    with a higher limit: the value is unknown)."""

    kind: str
    value: Any = None
    stats: dict[str, int] = field(default_factory=dict)
    members_low: int = 0  # distinct keys of the largest object


def _loads(text: str, allow_nan: bool) -> Any:
    return json.loads(text, parse_constant=None if allow_nan else _reject_constant)


def reference(text: str, allow_nan: bool = False) -> Reference:
    """Judge ``text`` (BOM already removed) with strict ``json.loads``."""
    try:
        value = _loads(text, allow_nan)
    except RecursionError:
        nesting = text.count("[") + text.count("{")
        if nesting > 20_000:
            return Reference("deep")
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, nesting + 1_000))
        try:
            value = _loads(text, allow_nan)
        except RecursionError:  # Python >= 3.12 caps C recursion on its own
            return Reference("deep")
        except ValueError:
            return Reference("reject")
        finally:
            sys.setrecursionlimit(old)
    except ValueError:
        return Reference("reject")
    stats, members_low = measure(text)
    stats["max_depth"] = depth_of(value)
    return Reference("ok", value, stats, members_low)


_TOKEN = re.compile(
    r'[ \t\r\n]*(?:(")|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?)|([{}\[\]:,])|(\w+|-\w+))'
)


def measure(text: str) -> tuple[dict[str, int], int]:
    """Measure a valid JSON text for the limits: the longest string or key (in
    decoded characters), the longest number text, the most keys in one object
    (every key counted, and distinct keys), the length of the text."""
    longest_string = longest_number = most_keys = most_distinct = duplicates = 0
    objects: list[Optional[tuple[list[int], set[str]]]] = []  # None for arrays
    pos = 0
    expect_key = False
    while True:
        match = _TOKEN.match(text, pos)
        if match is None:
            break
        pos = match.end()
        quote, number, punct, _word = match.groups()
        if quote:
            string, pos = json.decoder.scanstring(text, pos)
            longest_string = max(longest_string, len(string))
            if expect_key and objects and objects[-1] is not None:
                counter, keys = objects[-1]
                counter[0] += 1
                duplicates |= string in keys
                keys.add(string)
                most_keys = max(most_keys, counter[0])
                most_distinct = max(most_distinct, len(keys))
            expect_key = False
        elif number:
            longest_number = max(longest_number, len(number))
        elif punct in ("{", "["):
            objects.append(([0], set()) if punct == "{" else None)
            expect_key = punct == "{"
        elif punct in ("}", "]"):
            objects.pop()
        elif punct == ",":
            expect_key = bool(objects) and objects[-1] is not None
    stats = {
        "max_string_length": longest_string,
        "max_number_length": longest_number,
        "max_members": most_keys,
        "max_document_size": len(text),
        "duplicate_keys": duplicates,
    }
    return stats, most_distinct


def limit_verdict(ref: Reference, options: dict[str, Any]) -> tuple[set[str], set[str]]:
    """For a valid document: (limits it must trip, limits it may trip)."""
    must: set[str] = set()
    may: set[str] = set()
    for name in LIMITS:
        maximum = options.get(name, DEFAULTS.get(name))
        if maximum is None:
            continue
        if name == "max_members":
            if ref.members_low > maximum:
                must.add(name)
            elif ref.stats[name] > maximum:
                may.add(name)
        elif ref.stats[name] > maximum:
            must.add(name)
    return must, must | may


# -- running jsondrip ---------------------------------------------------------------


Outcome = tuple[Any, ...]

#: Differences the checks look past, by name (search for it), with a
#: reproducer: a finding reported but not fixed yet (with a strict xfail test
#: in ``test_corpus.py``, so that the fix is noticed), or deliberate behaviour.
#: JSONDRIP_FUZZ_STRICT=1 in the environment turns every waiver off. The
#: findings fixed so far have regression tests in ``test_corpus.py``.
KNOWN_ISSUES: dict[str, str] = {
    # Deliberate, documented (README, typed streaming): TypedParser judges each
    # occurrence of a duplicate key when it completes, so '{"title": 1,
    # "title": "ok"}' raises early although Doc.model_validate_json, where the
    # last one wins, accepts it. The other findings of the fuzzer are fixed.
    "typed-duplicate-keys": "",
}

if os.environ.get("JSONDRIP_FUZZ_STRICT"):
    KNOWN_ISSUES.clear()  # see every known issue again (e.g. to check a fix)


def _error_outcome(error: JSONStreamError) -> Outcome:
    return (
        type(error).__name__,
        error.msg,
        error.offset,
        error.line,
        error.column,
        getattr(error, "limit", None),
        getattr(error, "maximum", None),
    )


def run_parser(chunks: list[Any], options: dict[str, Any]) -> tuple[Outcome, Any]:
    """Feed ``chunks`` to a ``Parser`` and close it. Returns the outcome,
    ``("ok", value)`` or the error's fields, and the error itself (or None).
    Checks that nothing is lost on the way."""
    parser = Parser(**options)
    deltas: list[Any] = []
    error: Optional[JSONStreamError] = None
    try:
        for chunk in chunks:
            deltas.extend(parser.feed(chunk))
        deltas.extend(parser.feed_eof())
        value = parser.close()
    except JSONStreamError as exc:
        error = exc
        deltas.extend(exc.deltas)
        if isinstance(exc, IncompleteJSONError):
            assert same(exc.partial, parser.value), (
                "IncompleteJSONError.partial is not the last value"
            )
        # The parser stays failed, with the same error.
        try:
            parser.close()
        except JSONStreamError as again:
            assert _error_outcome(again) == _error_outcome(exc), "a failed parser changed its error"
        else:
            raise AssertionError("close() after an error returned a value") from None
    if parser.started:
        assert same(apply_deltas(None, deltas), parser.value), "the deltas do not fold to value"
    if error is not None:
        return _error_outcome(error), error
    assert parser.done
    return ("ok", value), None


def run_jsonl(chunks: list[Any], options: dict[str, Any]) -> tuple[list[Any], list[Outcome]]:
    """Feed ``chunks`` to ``JsonlParser(on_error="collect")``; return the
    records and the errors (as outcomes)."""
    parser = JsonlParser(on_error="collect", **options)
    records: list[Any] = []
    for chunk in chunks:
        records.extend(parser.feed(chunk))
    records.extend(parser.close())
    assert parser.bad_lines == len(parser.errors)
    return records, [_error_outcome(error) for error in parser.errors]


# -- the checks ---------------------------------------------------------------------


def check(data: bytes) -> None:
    """Run every check on one fuzz input; raise ``AssertionError`` on a finding."""
    case = decode_case(data)
    check_backends(case)
    check_parser(case)
    check_jsonl(case)
    check_typed(case)


def _texts(payload: bytes) -> Optional[str]:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return None


def check_backends(case: Case) -> None:
    """8. The C backend (``jsondrip._speedups``) and the pure-Python one give
    the same deltas, values and errors, chunk by chunk (``backends.run``)."""
    if not backends.C_BUILT:
        return  # a pure-Python install: nothing to compare
    options = case.options()
    if case.flags & LENIENT:
        options["lenient"] = True
    if case.flags & MULTIPLE_VALUES:
        options["multiple_values"] = True
    payload = case.payload
    backends.assert_same([payload], options)
    backends.assert_same(cut(payload, case.sizes), options)
    text = _texts(payload)
    if text is not None:
        backends.assert_same(cut(text, case.sizes), options)


def check_parser(case: Case) -> None:
    options = case.options()
    plain = not case.flags & (LENIENT | MULTIPLE_VALUES)
    if case.flags & LENIENT:
        options["lenient"] = True
    if case.flags & MULTIPLE_VALUES:
        options["multiple_values"] = True
    payload = case.payload
    text = _texts(payload)

    whole, error = run_parser([payload], options)
    runs = {"bytes cut": run_parser(cut(payload, case.sizes), options)[0]}
    if text is not None:
        runs["text whole"] = run_parser([text], options)[0]
        runs["text cut"] = run_parser(cut(text, case.sizes), options)[0]
    if "careful-minus-infinity" in KNOWN_ISSUES and options.get("allow_nan"):
        if any(KNOWN_ISSUES["careful-minus-infinity"] in str(o) for o in [whole, *runs.values()]):
            return
    for label, outcome in runs.items():
        assert same(outcome, whole), f"{label} gives {outcome!r}, bytes whole {whole!r}"

    if not plain:
        return
    if text is None:
        assert whole[0] != "ok", "invalid UTF-8 accepted"
        return
    body = text[1:] if text.startswith(BOM) else text
    ref = reference(body, allow_nan=bool(options.get("allow_nan")))
    if ref.kind == "ok":
        must, may = limit_verdict(ref, options)
        if whole[0] == "ok":
            assert not must, f"accepted, but the document passes {sorted(must)}"
            assert same(whole[1], ref.value), f"value {whole[1]!r} != json.loads {ref.value!r}"
        else:
            assert whole[0] == "LimitExceededError", f"json.loads accepts; jsondrip: {whole!r}"
            assert whole[5] in may, f"{whole[5]} exceeded, but the document measures {ref.stats}"
    elif ref.kind == "reject":
        assert whole[0] != "ok", f"json.loads rejects, jsondrip accepts {whole[1]!r}"
    elif whole[0] == "ok":
        assert depth_of(whole[1]) <= options.get("max_depth", DEFAULTS["max_depth"])

    # An error is at the earliest impossible character: what comes before it
    # is a valid prefix, and that one character more is rejected there. A
    # string limit may be judged up to one escape pair later, at the offset
    # where the character past it starts: after '"\\ud83d', a '\\' may still
    # start the low half (one character with it) until its escape is complete.
    if error is not None and not isinstance(error, IncompleteJSONError):
        error_limit = getattr(error, "limit", None)
        if error_limit == "int_max_str_digits":
            return  # judged when the number completes, not at a character
        offset = error.offset
        start = len(text) - len(body)  # offsets do not count a leading BOM
        Parser(**options).feed(text[: start + offset])
        slack = 12 if error_limit == "max_string_length" else 1
        for more in range(1, slack + 1):
            try:
                Parser(**options).feed(text[: start + offset + more])
            except JSONStreamError as exc:
                assert exc.offset == offset, f"{more} more fail at {exc.offset}, not {offset}"
                return
        raise AssertionError(f"error at {offset}, but text[:{offset + slack}] is accepted")


def _lines(payload: bytes) -> list[bytes]:
    if payload.startswith(codecs.BOM_UTF8):
        payload = payload[len(codecs.BOM_UTF8) :]
    lines = payload.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


def check_jsonl(case: Case) -> None:
    options = case.options()
    if "max_document_size" in options:
        options["max_record_size"] = options.pop("max_document_size")
    payload = case.payload
    text = _texts(payload)

    whole = run_jsonl([payload], options)
    runs = {"bytes cut": run_jsonl(cut(payload, case.sizes), options)}
    if text is not None:
        runs["text whole"] = run_jsonl([text], options)
        runs["text cut"] = run_jsonl(cut(text, case.sizes), options)
    if "careful-minus-infinity" in KNOWN_ISSUES and options.get("allow_nan"):
        if any(KNOWN_ISSUES["careful-minus-infinity"] in str(o) for o in [whole, *runs.values()]):
            return
    for label, outcome in runs.items():
        assert same(outcome[0], whole[0]), f"{label}: records {outcome[0]!r}, whole {whole[0]!r}"
        errors, expected_errors = outcome[1], whole[1]
        if text is None and "jsonl-utf8-invalid-prefix-offset" in KNOWN_ISSUES:
            errors = [error[3] for error in errors]  # only the line numbers
            expected_errors = [error[3] for error in expected_errors]
        assert errors == expected_errors, f"{label}: errors {outcome[1]!r}, whole {whole[1]!r}"

    # Each line on its own, judged by json.loads.
    record_options = dict(options)
    if "max_record_size" in record_options:
        record_options["max_document_size"] = record_options.pop("max_record_size")
    expected: list[Any] = []
    bad: list[int] = []
    for number, raw in enumerate(_lines(payload), 1):
        line = _texts(raw)
        if line is None:
            bad.append(number)
            continue
        if not line.strip(BLANK):
            # A blank line is skipped, unless it is longer than max_record_size:
            # any line that long is a bad line (the documented rule).
            if len(line) > options.get("max_record_size", len(line)):
                bad.append(number)
            continue
        ref = reference(line, allow_nan=bool(options.get("allow_nan")))
        if ref.kind == "deep":
            return  # cannot say; the chunking checks above still ran
        if ref.kind == "reject":
            bad.append(number)
            continue
        must, may = limit_verdict(ref, record_options)
        if may != must:
            return  # a duplicate key makes max_members either way
        if must:
            bad.append(number)
        else:
            expected.append(ref.value)
    records, errors = whole
    assert same(records, expected), f"records {records!r}, json.loads of each line {expected!r}"
    assert [error[3] for error in errors] == bad, (
        f"bad lines {[e[3] for e in errors]}, expected {bad}"
    )


# -- the typed path -----------------------------------------------------------------


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    qty: int = 0
    tags: list[str] = []


class Doc(BaseModel):
    title: str
    parts: list[Part] = []
    kind: Optional[Literal["a", "b"]] = None
    score: Optional[float] = None
    meta: dict[str, Union[int, bool]] = {}


def run_typed(chunks: list[Any]) -> tuple[str, Any]:
    """Feed ``chunks`` to ``TypedParser(Doc)``: ``("ok", value)``,
    ``("validation", early)`` or ``("json", error_type)``."""
    parser: TypedParser[Doc] = TypedParser(Doc)
    fed = 0
    try:
        for chunk in chunks:
            fed += 1
            parser.feed(chunk)
        return "ok", parser.close()
    except ValidationError:
        return "validation", fed < len(chunks) or fed == 0
    except JSONStreamError as error:
        return "json", type(error).__name__


def check_typed(case: Case) -> None:
    payload = case.payload
    text = _texts(payload)
    outcomes = {
        "bytes whole": run_typed([payload]),
        "bytes cut": run_typed(cut(payload, case.sizes)),
    }
    if text is not None:
        outcomes["text cut"] = run_typed(cut(text, case.sizes))
    if text is None:
        return
    body = text[1:] if text.startswith(BOM) else text
    if run_parser([body], {})[0][0] != "ok":
        return  # not JSON: JSONStreamError or an early ValidationError, both fine
    if "typed-duplicate-keys" in KNOWN_ISSUES and measure(body)[0]["duplicate_keys"]:
        return
    try:
        expected: Any = Doc.model_validate_json(body)
    except ValidationError as error:
        if any(item["type"] == "json_invalid" for item in error.errors()):
            return  # pydantic's JSON reader disagrees with json.loads (e.g. lone surrogates)
        expected = None
    for label, (kind, value) in outcomes.items():
        if expected is None:
            assert kind == "validation", (
                f"{label}: the schema rejects the text, TypedParser: {kind}"
            )
        else:
            assert kind == "ok", (
                f"{label}: model_validate_json accepts, TypedParser raised ({kind})"
            )
            assert value == expected, f"{label}: {value!r} != {expected!r}"
