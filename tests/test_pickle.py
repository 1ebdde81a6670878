"""Resumable state: parsers pickled mid-stream continue to the same result."""

from __future__ import annotations

import pickle
import subprocess
import sys
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from jsondrip import JsonlParser, Parser, apply_deltas
from jsondrip.pydantic import TypedParser
from jsondrip.testing import byte_chunkings, chunkings, json_texts


@given(json_texts().flatmap(lambda t: st.tuples(st.just(t), chunkings(t) | byte_chunkings(t))))
def test_parser_resumes_from_a_pickle_at_every_chunk_boundary(case: tuple[str, list[Any]]) -> None:
    """Each chunk goes to a parser freshly restored from the previous one's
    pickle, so every boundary is a resume point, in one pass."""
    _, chunks = case
    reference = Parser()
    expected_deltas = []
    for chunk in chunks:
        expected_deltas.extend(reference.feed(chunk))
    expected = reference.close()
    parser = Parser()
    deltas = []
    for chunk in chunks:
        parser = pickle.loads(pickle.dumps(parser))
        deltas.extend(parser.feed(chunk))
    parser = pickle.loads(pickle.dumps(parser))
    assert parser.close() == expected
    assert apply_deltas(None, deltas) == apply_deltas(None, expected_deltas)


def test_jsonl_parser_resumes_mid_line() -> None:
    data = b'{"a": 1}\n[2, "\xc3\xa9"]\n"three"\n'
    for cut in range(len(data) + 1):
        parser = JsonlParser()
        records = parser.feed(data[:cut])
        resumed = pickle.loads(pickle.dumps(parser))
        records += resumed.feed(data[cut:])
        records += resumed.close()
        assert records == [{"a": 1}, [2, "é"], "three"], cut


class Answer(BaseModel):
    title: str
    points: list[int]


def test_typed_parser_resumes() -> None:
    text = '{"title": "Resumable", "points": [1, 2, 3]}'
    for cut in range(len(text) + 1):
        parser = TypedParser(Answer)
        parser.feed(text[:cut])
        resumed = pickle.loads(pickle.dumps(parser))
        resumed.feed(text[cut:])
        assert resumed.close() == Answer(title="Resumable", points=[1, 2, 3]), cut


def test_resume_in_another_process() -> None:
    parser = Parser()
    parser.feed('{"answer": "cut by max_tok')
    state = pickle.dumps(parser)
    script = (
        "import pickle, sys, json\n"
        "parser = pickle.loads(sys.stdin.buffer.read())\n"
        "parser.feed('ens, continued\"}')\n"
        "print(json.dumps(parser.close()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], input=state, capture_output=True, check=True, timeout=60
    )
    assert done.stdout.decode().strip() == '{"answer": "cut by max_tokens, continued"}'
