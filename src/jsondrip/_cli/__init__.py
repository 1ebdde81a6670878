"""The ``jsondrip`` command line (``jsondrip.cli:main``), one job per module.

``args`` declares the commands; ``reading`` and ``writing`` are the I/O edges
(raw file descriptors in, UTF-8 JSON lines out); ``sse`` turns an SSE stream
into JSON text; ``live`` and ``progress`` are the terminal UI (rich, imported
only when used); ``parse``, ``jsonl`` and ``demo`` run one command each.
Nothing here is imported by ``jsondrip/__init__.py``.
"""
