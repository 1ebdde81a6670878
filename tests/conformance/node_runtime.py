"""Where Node.js is, for the JavaScript client's tests.

On a machine without node (the README's test command needs only python3), the
JS tests are skipped with the reason; under CI (``CI`` set, as `.ci/run` runs)
a missing node fails them, so CI never passes without testing jsondrip.js.
"""

from __future__ import annotations

import os
import shutil

import pytest

NODE = shutil.which("node")
MISSING = "node is not installed: the JavaScript client (jsondrip.js) cannot be tested"


def require_node() -> str:
    """The path of ``node``; skip (fail under CI) when there is none."""
    if NODE is None:
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    return NODE
