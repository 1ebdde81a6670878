"""A replay server on 127.0.0.1 that the real SDK clients stream from, and
what each recorded transcript must give (see ``replaykit``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # the helpers module, whatever pytest's import mode
    sys.path.insert(0, HERE)

from replaykit import ReplayServer  # noqa: E402

# Each test_sdk_*.py module skips itself, with the reason, when its SDK is not
# installed (tests/sources/sdk_guard.py): nothing is left out silently.


@pytest.fixture(scope="session")
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer()
    yield server
    server.close()
