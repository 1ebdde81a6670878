"""jsondrip: parse JSON while it is still arriving.

Feed chunks of text or bytes as they arrive (from an LLM stream, a socket, a
file) and read, at any moment, a partial-but-valid value that only grows, the
deltas each chunk produced, or the JSON Lines records completed so far.

>>> from jsondrip import Parser
>>> parser = Parser()
>>> parser.feed('{"title": "Stre')
[Delta(op='add', path=(), value={}), Delta(op='add', path=('title',), value='Stre')]
>>> parser.value
{'title': 'Stre'}
>>> _ = parser.feed('aming"}')
>>> parser.close()
{'title': 'Streaming'}
"""

from ._backend import BACKEND
from ._delta import DeepPath, Delta, Path, apply_deltas
from ._jsonl import JsonlParser
from ._parser import Parser
from .errors import (
    ConcurrentUseError,
    IncompleteJSONError,
    JSONStreamError,
    LimitExceededError,
    StreamClosedError,
)

__all__ = [
    "BACKEND",
    "ConcurrentUseError",
    "DeepPath",
    "Delta",
    "IncompleteJSONError",
    "JSONStreamError",
    "JsonlParser",
    "LimitExceededError",
    "Parser",
    "Path",
    "StreamClosedError",
    "apply_deltas",
]

__version__ = "0.1.0"
