"""LLM sources: provider streams in, one parser per slot, updates out.

A provider stream interleaves several texts: each choice's content, each tool
call's arguments. ``jsondrip.sources`` routes every fragment to its *slot*,
gives each JSON slot its own parser, and hands you :class:`Update` objects
tagged with the slot, then every slot's final value (or the error it ended
with) in ``results``. Truncation is never silent: a slot the provider cut
short ends with :class:`TruncatedStreamError`, which keeps the partial value
and the reason.

One entry point for any stream: :func:`stream` (and :func:`astream`)
recognises the SDK's stream object, or reads raw bytes given ``provider=``.
The same, per provider, each sync and async (``a``-prefixed), all
duck-typed (no SDK is imported here):

* :mod:`jsondrip.sources.openai`: ``stream_chat``, ``stream_responses``
* :mod:`jsondrip.sources.anthropic`: ``stream_messages``
* :mod:`jsondrip.sources.gemini`: ``stream_generate``
* :mod:`jsondrip.sources.ollama`: ``stream_chat`` (native ``/api/chat``)
* :mod:`jsondrip.sources.bedrock`: ``stream_converse`` (boto3 ``converse_stream``)
* :mod:`jsondrip.sources.mistral`: ``stream_chat`` (the ``mistralai`` SDK)
* :mod:`jsondrip.sources.cohere`: ``stream_chat`` (``ClientV2.chat_stream``)
* :mod:`jsondrip.sources.sse`: ``stream_sse`` (raw bytes, e.g. ``httpx``)

The sans-I/O layers underneath: :class:`SSEDecoder` (bytes to events),
:class:`Router` (events to updates), :class:`SSEText` (bytes to each slot's
text).
"""

# The provider modules register their protocols (by name) as they load.
from . import anthropic, bedrock, cohere, gemini, mistral, ollama, openai, sse  # noqa: F401
from ._drive import AsyncUpdateStream, UpdateStream
from ._entry import astream, detect_provider, stream
from ._router import Router, Update
from ._slots import EventProtocol, ParserFactory, Slot, SlotKind, SlotParser, TruncatedStreamError
from ._sse import SSEDecoder, SSEEvent
from .sse import SSEText

__all__ = [
    "AsyncUpdateStream",
    "EventProtocol",
    "ParserFactory",
    "Router",
    "SSEDecoder",
    "SSEEvent",
    "SSEText",
    "Slot",
    "SlotKind",
    "SlotParser",
    "TruncatedStreamError",
    "Update",
    "UpdateStream",
    "astream",
    "detect_provider",
    "stream",
]
