"""Hypothesis profiles: "quick" (the default, 50 examples), "dev" (100) and "ci" (500).

`.ci/run` selects "ci" with HYPOTHESIS_PROFILE=ci; the default keeps the README's
test command fast on a 2-core machine.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "quick", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))
