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

# The SDKs need Python >= 3.10 (google-genai >= 3.11): on older Pythons their
# test modules are not collected (the sans-I/O and httpx tests still run).
collect_ignore_glob = []
if sys.version_info < (3, 11):
    collect_ignore_glob.append("test_sdk_*.py")


@pytest.fixture(scope="session")
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer()
    yield server
    server.close()
