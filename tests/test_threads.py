"""A parser used by two threads at once raises ConcurrentUseError in the later
call; it never hangs or returns a corrupted value.

The overlap is made deterministic with a ``parse_float`` callback that blocks
inside the first thread's ``feed`` until the second call has been made.
"""

from __future__ import annotations

import pickle
import threading
from typing import Any, Callable

import pytest

from jsondrip import ConcurrentUseError, JsonlParser, Parser

TIMEOUT = 30


def blocking_float() -> tuple[Callable[[str], float], threading.Event, threading.Event]:
    """A parse_float that signals ``entered`` and then waits for ``release``."""
    entered, release = threading.Event(), threading.Event()

    def parse_float(text: str) -> float:
        entered.set()
        assert release.wait(TIMEOUT)
        return float(text)

    return parse_float, entered, release


def run_in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    result: list[Any] = []

    def target() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # handed to the test thread
            result.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, result


@pytest.mark.parametrize("second", ["feed", "feed_eof", "close"])
def test_a_second_call_while_a_feed_runs_raises(second: str) -> None:
    parse_float, entered, release = blocking_float()
    parser = Parser(parse_float=parse_float)
    parser.feed('{"a": [')
    thread, result = run_in_thread(lambda: parser.feed("1.5, 2"))
    assert entered.wait(TIMEOUT)
    with pytest.raises(ConcurrentUseError, match="not thread-safe"):
        if second == "feed":
            parser.feed("]}")
        else:
            getattr(parser, second)()
    release.set()
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    assert [d.path for d in result[0]] == [("a", 0), ("a", 0)]
    # The refused call changed nothing: the stream carries on.
    parser.feed("]}")
    assert parser.close() == {"a": [1.5, 2]}


def test_a_call_from_inside_a_callback_raises() -> None:
    parser: Parser

    def reentrant(text: str) -> float:
        parser.feed("2")
        return float(text)

    parser = Parser(parse_float=reentrant)
    with pytest.raises(ConcurrentUseError):
        parser.feed("[1.5,")


def test_jsonl_parser_refuses_a_second_call() -> None:
    parse_float, entered, release = blocking_float()
    lines = JsonlParser(parse_float=parse_float)
    thread, result = run_in_thread(lambda: lines.feed("1.5\n2\n"))
    assert entered.wait(TIMEOUT)
    with pytest.raises(ConcurrentUseError):
        lines.feed("3\n")
    with pytest.raises(ConcurrentUseError):
        lines.close()
    release.set()
    thread.join(TIMEOUT)
    assert result == [[1.5, 2]]
    assert lines.feed("3\n") == [3]


def test_a_parser_pickled_during_a_call_is_usable() -> None:
    parse_float, entered, release = blocking_float()
    parser = Parser(parse_float=float)
    parser.feed("[")
    parser._parse_float = parse_float
    thread, _ = run_in_thread(lambda: parser.feed("1.5,"))
    assert entered.wait(TIMEOUT)
    parser._parse_float = float
    state = pickle.dumps(parser)
    release.set()
    thread.join(TIMEOUT)
    clone = pickle.loads(state)
    clone.feed("2]")  # the clone's own guard is free
    assert clone.close()[-1] == 2


def test_threads_hammering_one_parser_never_hang_or_corrupt() -> None:
    """Each call either succeeds or raises ConcurrentUseError; the chunks that
    went through form a prefix of the stream in some order, and the parser
    never hangs (it used to spin in _consume after the other thread failed)."""
    parser = Parser()
    parser.feed("[")
    errors: list[BaseException] = []
    accepted: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(2_000):
            try:
                parser.feed("1,")
            except ConcurrentUseError:
                continue
            except BaseException as exc:  # pragma: no cover - a failure
                errors.append(exc)
                return
            with lock:
                accepted.append(1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive()
    assert errors == []
    parser.feed("1]")
    assert parser.close() == [1] * (len(accepted) + 1)
