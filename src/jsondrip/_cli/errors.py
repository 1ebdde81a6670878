"""The one error type the commands raise for the entry point to report."""

from __future__ import annotations


class UsageError(Exception):
    """A problem with the command line or its environment (exit status 2).

    ``main`` prints it as ``jsondrip: error: <message>``, like argparse does
    for a bad flag.
    """
