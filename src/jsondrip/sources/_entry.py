"""One entry point for any provider stream: ``stream(obj)`` / ``astream(obj)``.

The SDK stream object says which provider it comes from: its class's module
(``openai``, ``anthropic``, ...), or, for the generators some SDKs return
(google-genai), the module whose code the generator runs. Raw bytes carry no
such mark, so they need ``provider=``. Anything else raises ``TypeError``
naming what it got and what is accepted: nothing is ever read as "no updates".
No SDK is imported here.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Optional, Union

from ._drive import AsyncUpdateStream, UpdateStream
from ._registry import PROVIDERS
from ._router import Router
from ._slots import EventProtocol, ParserFactory

__all__ = ["astream", "detect_provider", "stream"]

# SDK stream classes by the top-level package that defines them.
_STREAM_CLASSES: dict[str, tuple[str, frozenset[str]]] = {
    "openai": (
        "openai",
        frozenset(
            [
                "Stream",
                "AsyncStream",
                "ChatCompletionStreamManager",
                "ChatCompletionStream",
                "AsyncChatCompletionStreamManager",
                "AsyncChatCompletionStream",
                "ResponseStreamManager",
                "ResponseStream",
                "AsyncResponseStreamManager",
                "AsyncResponseStream",
            ]
        ),
    ),
    "anthropic": (
        "anthropic",
        frozenset(
            [
                "Stream",
                "AsyncStream",
                "MessageStreamManager",
                "MessageStream",
                "AsyncMessageStreamManager",
                "AsyncMessageStream",
                "BetaMessageStreamManager",
                "BetaMessageStream",
                "BetaAsyncMessageStreamManager",
                "BetaAsyncMessageStream",
            ]
        ),
    ),
    "botocore": ("bedrock", frozenset(["EventStream"])),
    "mistralai": ("mistral", frozenset(["EventStream", "EventStreamAsync"])),
    "litellm": ("openai", frozenset(["CustomStreamWrapper"])),
    "aiobotocore": ("bedrock", frozenset(["AioEventStream"])),
}

# Generators (and coroutines) by the package whose code they run.
_GENERATOR_PACKAGES = {"google.genai": "gemini", "ollama": "ollama", "cohere": "cohere"}

# Raw HTTP responses: bytes whose provider only the caller knows.
_RAW_PACKAGES = frozenset(["httpx", "httpx2", "aiohttp", "requests", "urllib3"])

ACCEPTED = (
    "an openai Stream/AsyncStream or .stream() helper, an anthropic Stream or "
    "messages.stream() helper, a google-genai generate_content_stream generator, "
    "an ollama chat(stream=True) generator, a boto3 converse_stream response, "
    "a mistralai chat.stream() EventStream, a cohere ClientV2.chat_stream() generator, "
    "a litellm completion(stream=True) CustomStreamWrapper, "
    "or raw bytes (an httpx/aiohttp response, an iterable of bytes) with provider="
)


def _code_module(obj: Any) -> Optional[str]:
    """The module a generator, async generator or coroutine runs code of."""
    for name in ("gi_frame", "ag_frame", "cr_frame"):
        frame = getattr(obj, name, None)
        if frame is not None:
            module = frame.f_globals.get("__name__")
            return module if isinstance(module, str) else None
    return None


def detect_provider(source: Any) -> str:
    """The provider name of an SDK stream object.

    Raises:
        TypeError: ``source`` is not a stream of a known SDK (raw bytes need
            ``provider=``).
    """
    kind = type(source)
    package = kind.__module__.split(".")[0]
    known = _STREAM_CLASSES.get(package)
    if known is not None:
        provider, classes = known
        if kind.__name__ in classes:
            return provider
        raise TypeError(
            f"{kind.__module__}.{kind.__name__} is not an {package} stream jsondrip reads: "
            f"expected one of {', '.join(sorted(classes))}"
        )
    module = _code_module(source)
    if module is not None:
        for prefix, provider in _GENERATOR_PACKAGES.items():
            if module == prefix or module.startswith(prefix + "."):
                return provider
        root = module.split(".")[0]
        if root in _STREAM_CLASSES:  # an un-awaited create(..., stream=True)
            return _STREAM_CLASSES[root][0]
    if package in _RAW_PACKAGES or isinstance(source, (bytes, bytearray, memoryview, str)):
        raise TypeError(
            f"{kind.__name__} carries raw bytes: say whose events they are with "
            f"provider= (one of {', '.join(sorted(PROVIDERS))})"
        )
    where = f" (running {module})" if module else ""
    raise TypeError(
        f"cannot tell which provider's stream a {kind.__module__}.{kind.__name__}{where} is: "
        f"expected {ACCEPTED}; or pass provider="
    )


def _unwrap(source: Any) -> Any:
    """A boto3 ``converse_stream`` response is a dict: its ``"stream"``."""
    if isinstance(source, Mapping) and "stream" in source:
        return source["stream"]
    return source


def _router(
    source: Any,
    provider: Union[str, EventProtocol, None],
    content: bool,
    parser_factory: Optional[ParserFactory],
    reasoning: bool,
    model: Any,
    tool_models: Optional[Mapping[str, Any]],
) -> Router:
    name = provider if provider is not None else detect_provider(source)
    return Router(
        name,
        content=content,
        parser_factory=parser_factory,
        reasoning=reasoning,
        model=model,
        tool_models=tool_models,
    )


def _is_async(source: Any) -> bool:
    if inspect.iscoroutine(source) or inspect.isasyncgen(source):
        return True
    sync = hasattr(source, "__iter__") or hasattr(source, "__enter__")
    sync = sync or hasattr(source, "iter_bytes")
    return not sync and (hasattr(source, "__aiter__") or hasattr(source, "__aenter__"))


def stream(
    source: Any,
    *,
    provider: Union[str, EventProtocol, None] = None,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> UpdateStream:
    """Updates per slot from any provider's stream.

    Args:
        source: An SDK stream (openai, anthropic, google-genai; the provider
            is recognised), or raw bytes with ``provider=``: an
            ``httpx.Response``, or any iterable of ``bytes`` chunks.
        provider: The provider's name (``"openai"``, ``"anthropic"``,
            ``"gemini"``, ``"raw"``, ...) or an :class:`EventProtocol`;
            needed for raw bytes and for plain iterables of event dicts.
        content: True when the model's text is JSON; False when prose.
        parser_factory: Makes each JSON slot's parser (default ``Parser()``).
        reasoning: Keep the reasoning text in ``"reasoning"`` slots.
        model: A pydantic type for the model's text: ``Update.value`` is a
            partial instance (:class:`jsondrip.pydantic.TypedParser`).
        tool_models: Tool name to pydantic type, for those calls' arguments.

    Returns:
        An :class:`UpdateStream`.

    Raises:
        TypeError: ``source`` is async (use :func:`astream`), or not a
            stream this function recognises (naming what it got and what is
            accepted), or raw bytes without ``provider``.
        ValueError: an unknown ``provider`` name.
    """
    source = _unwrap(source)
    if _is_async(source):
        raise TypeError(f"{type(source).__name__} is an async stream: use jsondrip.sources.astream")
    router = _router(source, provider, content, parser_factory, reasoning, model, tool_models)
    return UpdateStream(source, router, sse=None)


def astream(
    source: Any,
    *,
    provider: Union[str, EventProtocol, None] = None,
    content: bool = True,
    parser_factory: Optional[ParserFactory] = None,
    reasoning: bool = False,
    model: Any = None,
    tool_models: Optional[Mapping[str, Any]] = None,
) -> AsyncUpdateStream:
    """Async twin of :func:`stream`: an SDK's async stream (or its un-awaited
    ``create(...)`` call), an ``httpx.AsyncClient`` / ``aiohttp`` response
    with ``provider=``, or any async iterable.

    Raises:
        TypeError: ``source`` is not a stream this function recognises.
        ValueError: an unknown ``provider`` name.
    """
    source = _unwrap(source)
    router = _router(source, provider, content, parser_factory, reasoning, model, tool_models)
    return AsyncUpdateStream(source, router, sse=None)
