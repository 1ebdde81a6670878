"""Linear work and memory in the size of the input, whatever its shape.

Structure is checked by counting (references, calls) and memory with
tracemalloc; never by timing.

* The open string is one ``str`` that nothing else references, so CPython's
  ``+=`` grows it in place: O(chunk) per feed, also when ``value`` is read
  after every chunk, and about its own size in memory in any chunking.
* A container's path costs O(1) memory (``DeepPath`` below ``TUPLE_DEPTH``
  containers), and so does every delta, whatever the depth.
* ``apply_deltas`` grows strings in place and finds deep containers by link.
* A bad JSON Line costs O(line), not O(lines before it in the chunk).
* ``Parser(lenient=True)`` holds back a bounded text between feeds before the
  value starts, so nothing is copied and scanned again on every feed.
"""

from __future__ import annotations

import gc
import json
import pickle
import sys
import tracemalloc
from typing import Any, Callable

import pytest

from jsondrip import DeepPath, JsonlParser, Parser, apply_deltas
from jsondrip._delta import TUPLE_DEPTH

KB = 1024


def peak_of(run: Callable[[], Any]) -> tuple[Any, int]:
    """``run()`` under tracemalloc: its result and the peak above the start."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = run()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return result, peak


# -- the open string ------------------------------------------------------------------


@pytest.mark.parametrize("partial_strings", [True, False])
def test_the_open_string_is_referenced_once_so_it_grows_in_place(partial_strings: bool) -> None:
    parser = Parser(partial_strings=partial_strings)
    parser.feed('{"key": "')
    for i, chunk in enumerate(["abc", "d\\n", "é", "ef" * 10, "\\u00e9", "gh"]):
        parser.feed(chunk)
        parser.value  # noqa: B018 - reading the value must not add a reference
        if i == 0:
            continue  # "" += chunk is the caller's chunk itself (copied once, next)
        # The holder's reference (+ getrefcount's argument) only: no pieces
        # list, no second copy kept beside it. (Counted outside the assert,
        # whose rewriting keeps temporaries.)
        if partial_strings:
            references = sys.getrefcount(parser.value["key"])
        else:
            references = sys.getrefcount(parser._s_text)
        assert references == 2
    assert parser.feed('"}')[-1].value == {"key": "abcd\né" + "ef" * 10 + "égh"}


def test_the_open_key_is_referenced_once() -> None:
    parser = Parser()
    parser.feed('{"')
    for i, chunk in enumerate(["ab", "c\\t", "d" * 50, "e"]):
        parser.feed(chunk)
        references = sys.getrefcount(parser._k_text)
        assert references == 2 or i == 0
    parser.feed('": 1}')
    assert parser.close() == {"abc\t" + "d" * 50 + "e": 1}


@pytest.mark.parametrize("read", [True, False], ids=["value-read", "deltas-only"])
@pytest.mark.parametrize("unit", ["abcd", "漢", "😀", "x", "ab\\n"])
def test_an_open_string_costs_about_its_size_in_any_chunking(unit: str, read: bool) -> None:
    """Read after every chunk or not, the parser holds the open string once:
    the peak stays under 1.5 times the final string (the README promises 2).
    One piece per chunk made it 19x (4-char chunks) to 50x (1-char CJK); a
    re-join on every read of ``value`` made it 2x, and quadratic in time."""
    repeats = 16 * KB // len(unit)

    def run() -> Any:
        parser = Parser()
        parser.feed('{"text": "')
        for _ in range(repeats):
            parser.feed(unit)
            if read:
                parser.value  # noqa: B018
        return parser.value

    value, peak = peak_of(run)
    text = value["text"]
    assert len(text) == repeats * len(unit.replace("\\n", "\n"))
    assert peak <= 1.5 * sys.getsizeof(text) + 4 * KB, (peak, sys.getsizeof(text))


def test_apply_deltas_grows_a_string_in_place() -> None:
    """Folding appends copies nothing: the peak is about the string itself."""
    parser = Parser()
    batches = [parser.feed('{"a": [{"text": "')]
    piece = "x" * 1000
    batches += [parser.feed(piece) for _ in range(256)]

    def fold() -> Any:
        folded = None
        for deltas in batches:
            folded = apply_deltas(folded, deltas)
        return folded

    folded, peak = peak_of(fold)
    assert folded == parser.value
    assert peak <= 1.5 * sys.getsizeof(folded["a"][0]["text"]) + 16 * KB


# -- paths --------------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def feed_in(parser: Parser, text: str, size: int) -> list[Any]:
    deltas: list[Any] = []
    for i in range(0, len(text), size):
        deltas.extend(parser.feed(text[i : i + size]))
    return deltas


def test_deep_nesting_costs_memory_linear_in_depth() -> None:
    """Each open container costs O(1), its path included (the tuples of
    O(depth) each made this quadratic: 64 MB at depth 4,000)."""
    for depth in (2_000, 4_000):

        def run(depth: int = depth) -> Parser:
            parser = Parser(max_depth=depth + 1)
            for i in range(0, depth + 1, 100):
                parser.feed(nested(depth)[: depth + 1][i : i + 100])
            return parser

        _, peak = peak_of(run)
        assert peak <= 400 * depth, (depth, peak)


@pytest.mark.slow
def test_a_million_nested_arrays() -> None:
    depth = 1_000_000
    parser = Parser(max_depth=depth + 1)
    text = nested(depth)
    last: list[Any] = []
    for i in range(0, len(text), 65536):
        last = parser.feed(text[i : i + 65536])
    value = parser.close()
    assert last[-1].op == "end"
    assert last[-1].path == ()
    levels = 0
    while isinstance(value, list):
        (value,) = value
        levels += 1
    assert (levels, value) == (depth, 1)


def test_the_deltas_of_one_chunk_cost_memory_linear_in_the_chunk_at_any_depth() -> None:
    """2 deltas per element of an array 1,000 deep: O(1) each (a path tuple
    of 1,000 keys each made 102 KB of input peak at 416 MB)."""
    elements = 5_000
    peaks = {}
    for depth in (1, 1_000):
        text = "[" * depth + ",".join(["1"] * elements) + "]" * depth
        deltas, peak = peak_of(lambda text=text, depth=depth: Parser(max_depth=depth).feed(text))
        assert len(deltas) == 2 * elements + 2 * depth
        peaks[depth] = peak
    assert peaks[1_000] <= 2 * peaks[1] + 1_000 * 300, peaks


def is_deep(delta: Any) -> bool:
    """The rule: a container nested inside TUPLE_DEPTH others has a DeepPath,
    and so has everything inside it."""
    container = isinstance(delta.value, (dict, list))
    return len(delta.path) > TUPLE_DEPTH or (container and len(delta.path) == TUPLE_DEPTH)


def test_paths_below_the_tuple_depth_are_deep_paths_that_behave_like_tuples() -> None:
    depth = TUPLE_DEPTH + 4
    text = "[" * depth + '{"a": [1, "s", {"b": null}]}' + "]" * depth
    deltas = Parser().feed(text)
    for delta in deltas:
        path = delta.path
        plain = tuple(path)
        assert type(path) is (DeepPath if is_deep(delta) else tuple), plain
        assert path == plain
        assert plain == path
        assert (path != plain) is False
        assert hash(path) == hash(plain)
        assert {plain: 1}[path] == 1
        assert len(path) == len(plain)
        assert list(path) == list(plain)
        assert repr(path) == repr(plain)
        for i in range(-len(plain), len(plain)):
            assert path[i] == plain[i]
        for cut in (slice(None, -1), slice(2, 5), slice(None, None, -1), slice(None, 3)):
            assert path[cut] == plain[cut]
        assert path + ("k",) == (*plain, "k")
        assert ("k",) + path == ("k", *plain)
        assert path[:0] == ()
        assert plain <= path
        assert not (path < plain)
        assert pickle.loads(pickle.dumps(path)) == plain
        assert (0 in path, "a" in path, "zz" in path) == (0 in plain, "a" in plain, False)
        assert path.count(0) == plain.count(0)
        if plain:
            assert path.index(plain[-1]) == plain.index(plain[-1])
        assert json.loads(json.dumps({"path": list(path)})) == {"path": list(plain)}
    deep = [d.path for d in deltas if isinstance(d.path, DeepPath)]
    assert deep
    assert deep[0].parent == deep[0][:-1]
    assert deep[0].key == deep[0][-1]
    assert DeepPath((0,), 1) != DeepPath((0,), 2)
    assert DeepPath((0,), 1) == DeepPath((0,), 1)
    with pytest.raises(IndexError):
        deep[0][len(deep[0])]


def test_every_container_deeper_than_the_tuple_depth_holds_a_link_not_a_tuple() -> None:
    depth = 3 * TUPLE_DEPTH
    parser = Parser()
    parser.feed("[" * depth)
    frames = [*parser._stack, parser._frame]
    paths = [frame[2] for frame in frames]
    assert all(type(p) is tuple and len(p) <= TUPLE_DEPTH for p in paths[: TUPLE_DEPTH + 1])
    for parent, child in zip(paths[TUPLE_DEPTH:], paths[TUPLE_DEPTH + 1 :]):
        assert type(child) is DeepPath
        assert child.parent is parent


@pytest.mark.parametrize("size", [1, 3, 7, 100])
def test_deep_documents_fold_with_apply_deltas(size: int) -> None:
    depth = TUPLE_DEPTH * 3
    inner = '{"a": [1, "xy\\n", {"b": [true, "long text"]}], "c": "d"}'
    text = "[" * depth + inner + ", " + inner + "]" * depth
    parser = Parser()
    folded = None
    deltas: list[Any] = []
    for i in range(0, len(text), size):
        new = parser.feed(text[i : i + size])
        folded = apply_deltas(folded, new)
        assert folded == parser.value
        deltas += new
    assert parser.close() == json.loads(text) == folded
    assert all(type(d.path) is (DeepPath if is_deep(d) else tuple) for d in deltas)


def test_deep_subtrees_read_by_the_c_scanner_get_the_same_paths() -> None:
    depth = TUPLE_DEPTH + 3
    inner = json.dumps([{"k": [i, [i, {"x": "y" * 40}]]} for i in range(8)])
    text = "[" * depth + inner + "]" * depth
    # The inner array is complete: the C scanner reads it.
    whole = Parser(partial_strings=False).feed(text)
    one_by_one = feed_in(Parser(partial_strings=False), text, 1)
    assert whole == one_by_one
    assert [type(d.path) for d in whole] == [type(d.path) for d in one_by_one]
    assert all(type(d.path) is (DeepPath if is_deep(d) else tuple) for d in whole)


def test_a_deep_parser_pickles_and_resumes() -> None:
    depth = TUPLE_DEPTH * 4
    text = "[" * depth + '{"k": "abc' + 'def"}' + "]" * depth
    parser = Parser()
    parser.feed(text[: depth + 8])
    clone = pickle.loads(pickle.dumps(parser))
    rest = text[depth + 8 :]
    assert feed_in(clone, rest, 3) == feed_in(parser, rest, 3)
    assert clone.close() == parser.close() == json.loads(text)


# -- JSON Lines -----------------------------------------------------------------------


def count_len_calls(run: Callable[[], Any]) -> int:
    """How many times the builtin ``len`` runs during ``run()``."""
    calls = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "c_call" and arg is len:
            calls += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return calls


def test_bad_json_lines_cost_o_line_not_o_lines_before() -> None:
    """The offset of a bad line was re-summed over all earlier lines of the
    chunk: quadratic (43 s for 50,000 bad lines in one chunk)."""
    counts = {}
    for lines in (1_000, 2_000):
        parser = JsonlParser(on_error="skip")
        counts[lines] = count_len_calls(lambda p=parser, n=lines: p.feed("x\n" * n))
        assert parser.bad_lines == lines
    assert counts[2_000] <= 2.2 * counts[1_000], counts


def test_bad_json_lines_keep_exact_positions() -> None:
    text = '1\nx\n{"a": 2}\n[3, y]\n\n"é" z\n4\n'
    for size in (1, 2, 5, len(text)):
        parser = JsonlParser(on_error="collect")
        records: list[Any] = []
        for i in range(0, len(text), size):
            records += parser.feed(text[i : i + size])
        assert records == [1, {"a": 2}, 4]
        got = [(e.line, e.column, e.offset) for e in parser.errors]
        assert got == [(2, 1, 2), (4, 5, 17), (6, 5, 25)], size


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "Sure: [1" + " " * n + ", 2]",
        lambda n: "[" + "\n" * n + "-0.5e3" + " \t" * n + "]",
        lambda n: "[true" + "\r\n" * n + "]",
        lambda n: "Here [null" + " " * n + ", 1] or",
        lambda n: "[" + " " * n + "1]",
    ],
    ids=["number-then-space", "space-number-space", "true-then-crlf", "null-in-prose", "space"],
)
def test_lenient_holds_bounded_text_before_the_value_in_any_chunking(
    make: Callable[[int], str],
) -> None:
    """A bracket and a token in prose followed by whitespace (``[1   ...``)
    cannot be judged until the next non-whitespace character. The whole
    candidate was held and scanned again on every feed: quadratic fed one
    character at a time (16 s for 100,000 spaces). Held text is now the
    bracket and the token, whatever the whitespace around them."""
    for size in (1, 7):
        text = make(4000)
        parser = Parser(lenient=True)
        longest = 0
        for i in range(0, len(text), size):
            parser.feed(text[i : i + size])
            longest = max(longest, len(parser._pending))
        assert parser.close() == json.loads(make(0)[make(0).index("[") :].split(" or")[0]), size
        assert longest <= 2 * size + 12, (size, longest)
