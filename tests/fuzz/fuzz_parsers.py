"""Coverage-guided fuzzing of Parser, JsonlParser and TypedParser (atheris).

Run it (``pip install atheris``; libFuzzer flags after the script name)::

    python tests/fuzz/fuzz_parsers.py -max_total_time=600 tests/fuzz/corpus
    python tests/fuzz/fuzz_parsers.py -fork=2 -max_len=65536 tests/fuzz/corpus
    python tests/fuzz/fuzz_parsers.py crash-1234abcd   # replay one input

Each input is decoded with ``atheris.FuzzedDataProvider`` into options, chunk
sizes and a payload, and run through every check of ``fuzzchecks.check``
(see that module for the input format and the list of checks). A finding is
an uncaught exception: a failed check (``AssertionError``) or any exception
jsondrip must not raise. libFuzzer then writes the input to ``crash-<sha1>``;
add it to ``tests/fuzz/corpus/`` once fixed, and ``test_corpus.py`` keeps it
as a regression test.
"""

from __future__ import annotations

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Instrument jsondrip (not pydantic, not the standard library) for coverage.
with atheris.instrument_imports(include=["jsondrip"]):
    import jsondrip
    import jsondrip.pydantic
# The C backend is fuzzed against the pure-Python one (check 8 of fuzzchecks).

import fuzzchecks


def case_from_provider(data: bytes) -> fuzzchecks.Case:
    """Decode an input with ``FuzzedDataProvider``: the trailer's integers
    from the end, then the rest as the payload (see ``fuzzchecks``)."""
    provider = atheris.FuzzedDataProvider(data)
    flags = provider.ConsumeIntInRange(0, 255)
    limit = provider.ConsumeIntInRange(0, 255)
    count = provider.ConsumeIntInRange(0, 15)
    sizes = provider.ConsumeIntListInRange(count, 0, 64)
    payload = provider.ConsumeBytes(provider.remaining_bytes())
    return fuzzchecks.Case(payload, flags, limit, sizes)


def test_one_input(data: bytes) -> None:
    case = case_from_provider(data)
    fuzzchecks.check_backends(case)
    fuzzchecks.check_parser(case)
    fuzzchecks.check_jsonl(case)
    fuzzchecks.check_typed(case)


def main() -> None:
    assert jsondrip.Parser is fuzzchecks.Parser
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
