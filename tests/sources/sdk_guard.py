"""Why an SDK test module is skipped: its SDK is not installed.

The test extra installs every SDK on Python >= 3.11; on 3.10 only those that
support it (openai, anthropic), so the other modules report a skip with this
reason instead of silently not running.
"""

NOT_INSTALLED = "{} is not installed (the test extra installs it on Python >= 3.11)"
