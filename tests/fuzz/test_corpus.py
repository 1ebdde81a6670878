"""The fuzz corpus as regression tests: every file in ``tests/fuzz/corpus/``
goes through the checks the fuzzer runs (``fuzzchecks.check``).

``seed-*`` files are hand-picked nasty inputs (``seeds.py`` writes them);
``found-*`` files are inputs the fuzzer found: its findings, and a minimised
set of inputs that together reach every line-to-line step of jsondrip the
fuzzer reached. Below, each finding also has a minimal reproducer as a plain
test. A finding that is not fixed yet goes into ``fuzzchecks.KNOWN_ISSUES``
(the checks then look past it) and its test gets ``@_known(name)``, a strict
xfail that fails (XPASS) once the fix lands.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from fuzzchecks import (
    KNOWN_ISSUES,
    Case,
    check,
    cut,
    decode_case,
    encode_case,
    run_jsonl,
    run_parser,
    run_typed,
    same,
)

from jsondrip import JsonlParser, Parser

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
FILES = sorted(os.listdir(CORPUS))


def test_the_corpus_has_seeds_and_findings() -> None:
    assert sum(name.startswith("seed-") for name in FILES) >= 40
    assert any(name.startswith("found-") for name in FILES)


@pytest.mark.parametrize("name", FILES)
def test_corpus_input(name: str) -> None:
    with open(os.path.join(CORPUS, name), "rb") as file:
        check(file.read())


def test_the_trailer_round_trips() -> None:
    data = encode_case(b'{"a": 1}', flags=3, limit=17, sizes=(1, 0, 64))
    assert decode_case(data) == Case(b'{"a": 1}', 3, 17, [1, 0, 64])
    assert decode_case(b"") == Case(b"", 0, 0, [])
    assert decode_case(b"\x05") == Case(b"", 5, 0, [])
    assert cut("abcde", [2, 0]) == ["ab", "", "cd", "", "e"]
    assert cut(b"abc", []) == [b"a", b"b", b"c"]


def test_the_harness_decodes_like_the_corpus_tests() -> None:
    """``fuzz_parsers.case_from_provider`` (atheris) and ``decode_case``
    (plain Python) read every corpus file the same way."""
    atheris = pytest.importorskip("atheris")
    for name in FILES:
        with open(os.path.join(CORPUS, name), "rb") as file:
            data = file.read()
        provider = atheris.FuzzedDataProvider(data)
        flags = provider.ConsumeIntInRange(0, 255)
        limit = provider.ConsumeIntInRange(0, 255)
        sizes = provider.ConsumeIntListInRange(provider.ConsumeIntInRange(0, 15), 0, 64)
        payload = provider.ConsumeBytes(provider.remaining_bytes())
        assert decode_case(data) == Case(payload, flags, limit, sizes), name


def test_the_checks_catch_a_wrong_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """The oracle is not vacuous: a parser that loses a digit is caught."""
    real_close = Parser.close

    def bad_close(self: Parser) -> Any:
        value = real_close(self)
        return value[:-1] if isinstance(value, list) and value else value

    monkeypatch.setattr(Parser, "close", bad_close)
    with pytest.raises(AssertionError, match=r"json\.loads"):
        check(encode_case(b"[1, 2]", sizes=(1,)))


# -- the fuzzer's findings, as minimal reproducers --------------------------------


def _known(name: str) -> Any:
    return pytest.mark.xfail(name in KNOWN_ISSUES, reason=f"known issue {name}", strict=True)


def _message(chunks: list[Any], **options: Any) -> tuple[Any, ...]:
    return run_parser(chunks, options)[0]


def test_error_message_does_not_depend_on_the_chunking() -> None:
    _, error = run_parser(["Nx"], {})
    _, split_error = run_parser(["N", "x"], {})
    assert error is not None
    assert split_error is not None
    assert (error.msg, error.offset) == (split_error.msg, split_error.offset)


def _jsonl_errors(chunks: list[Any], **options: Any) -> list[tuple[str, int, int, int]]:
    parser = JsonlParser(on_error="collect", **options)
    for chunk in chunks:
        parser.feed(chunk)
    parser.close()
    return [(e.msg, e.offset, e.line, e.column) for e in parser.errors]


def test_jsonl_reports_the_earliest_error_of_a_line_with_bad_utf8() -> None:
    assert _jsonl_errors([b"[}\xff\n"]) == _jsonl_errors([b"[", b"}\xff\n"])


def test_jsonl_offsets_after_a_line_ending_inside_utf8() -> None:
    whole = _jsonl_errors([b"\xe8\n1.x\n"])
    split = _jsonl_errors([b"\xe8", b"\n1.x\n"])
    assert [e[1] for e in whole] == [e[1] for e in split] == [0, 4]


def test_key_limit_checked_before_a_control_character() -> None:
    options = {"max_string_length": 2}
    assert _message(['{"abc\n'], **options) == _message(['{"', "abc\n"], **options)
    assert _message(['{"\\"abc\x00'], **options)[0] == "LimitExceededError"


def test_key_limit_offset_is_where_the_escape_starts() -> None:
    options = {"max_string_length": 1}
    assert _message(['["a\\"b'], **options)[2] == 3  # a string value: right
    assert _message(['{"a\\"bc"'], **options)[2] == 3
    assert _message(list('{"a\\"bc"'), **options)[2] == 3
    assert _message(['{"a\\u00e9b'], **options)[2] == 3


def test_jsonl_limits_apply_to_lines_that_arrive_whole() -> None:
    for options, line in [
        ({"max_string_length": 3}, '"abcd"\n'),
        ({"max_number_length": 3}, "12345\n"),
        ({"max_members": 1}, '{"a": 1, "b": 2}\n'),
    ]:
        whole = run_jsonl([line], options)
        split = run_jsonl([line[:1], line[1:]], options)
        assert same(whole, split), options
        assert whole[0] == [], options


def test_jsonl_long_blank_line_whole_or_not() -> None:
    options = {"max_record_size": 1}
    assert same(run_jsonl([b"  \n"], options), run_jsonl([b"  "], options))


def test_limits_are_judged_at_the_character_past_them() -> None:
    for options, text in [
        ({"max_number_length": 1}, "1."),
        ({"max_number_length": 2}, "1e+"),
        ({"max_string_length": 1}, '"a\\'),
    ]:
        with pytest.raises(Exception, match="at most"):
            Parser(**options).feed(text)


def test_lenient_fence_line_does_not_depend_on_the_chunking() -> None:
    text = "``````[1" + " " * 60 + "\n"
    options = {"lenient": True}
    assert same(_message([text], **options), _message([text[:68], text[68:]], **options))


def test_typed_parser_judges_each_occurrence_of_a_duplicate_key() -> None:
    """Deliberate (see KNOWN_ISSUES): stricter than pydantic's last-wins."""
    text = '{"title": 1, "title": "ok"}'
    assert run_typed([text])[0] != "ok"
    assert run_typed([text.replace("1", '"first"')])[0] == "ok"


def test_minus_infinity_in_a_long_buffer() -> None:
    for options, text in [
        ({"allow_nan": True}, "-Infinity" + " " * 20_000),
        ({"allow_nan": True, "max_number_length": 9}, "[-Infinity]"),
    ]:
        assert same(_message([text], **options), _message(list(text), **options))
        assert same(_message([text], **options)[1], -float("inf") if text[0] == "-" else [-1e999])


def test_jsonl_offsets_after_a_line_ending_in_an_invalid_utf8_prefix() -> None:
    whole = _jsonl_errors([b'"\xed\xa0\n1x\n'])
    split = _jsonl_errors([b'"\xed\xa0', b"\n1x\n"])
    assert whole == split
    assert [error[1] for error in whole] == [1, 5]  # b"\xed\xa0" is two U+FFFD
