"""A live browser view of an LLM's structured output, with jsondrip.

Run it (needs ``pip install "jsondrip[web,pydantic]"``)::

    python examples/web/app.py          # then open http://127.0.0.1:8000
    # http://127.0.0.1:8000/?speed=0.3  slow motion
    # http://127.0.0.1:8000/?cut=300    the model stops at max_tokens: the page shows the error

The upstream is the recorded stream bundled with jsondrip, replayed at its
pace as OpenAI Chat Completions chunks, so no API key is needed. With a real
client, pass ``client.chat.completions.create(..., stream=True)`` (an
``AsyncOpenAI`` stream) to ``astream_chat`` instead of ``recorded_chat(...)``.

What happens per request to ``/recipe``: ``astream_chat`` routes the chunks'
content to a ``TypedParser(Recipe)`` (early validation, the final validated
value, ``TruncatedStreamError`` when the model is cut), and ``PatchResponse``
sends the growing JSON to the page as jsondrip patch messages over
server-sent events; the page (``jsondrip/static/demo.html``) applies them
with ``jsondrip.js`` and draws each field as it arrives. Closing the tab
closes the upstream stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any, Callable, Optional

from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from jsondrip.pydantic import TypedParser
from jsondrip.sources.openai import astream_chat
from jsondrip.web import PatchResponse

STATIC = files("jsondrip").joinpath("static")


class Ingredient(BaseModel):
    name: str
    quantity: float
    unit: Optional[str] = None


class Recipe(BaseModel):
    title: str
    cuisine: str
    servings: int
    prep_minutes: int
    cook_minutes: int
    vegetarian: bool
    rating: Optional[float]
    summary: str
    ingredients: list[Ingredient]
    steps: list[str]
    tags: list[str]


def load_recording() -> tuple[float, list[str]]:
    """The bundled recording: its pace (tokens per second) and its chunks."""
    data = json.loads(files("jsondrip").joinpath("data/demo_stream.json").read_text("utf-8"))
    return float(data["tokens_per_second"]), list(data["chunks"])


def _chunk(content: Optional[str], finish_reason: Optional[str] = None) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


async def recorded_chat(
    chunks: list[str], tokens_per_second: float, *, speed: float = 1.0, cut: Optional[int] = None
) -> AsyncIterator[dict[str, Any]]:
    """The recording as Chat Completions chunks at its pace (``speed`` 0: no delay).

    With ``cut``, only that many chunks, then ``finish_reason="length"`` as when
    the model reaches ``max_tokens``.
    """
    for index, text in enumerate(chunks):
        if cut is not None and index >= cut:
            yield _chunk(None, "length")
            return
        if speed > 0:
            await asyncio.sleep(1 / (tokens_per_second * speed))
        yield _chunk(text)
    yield _chunk(None, "stop")


#: Makes the upstream of one request (tests inject their own).
Upstream = Callable[[Request], AsyncIterator[dict[str, Any]]]


def create_app(upstream: Optional[Upstream] = None) -> Starlette:
    """The app: the page at ``/``, the client at ``/jsondrip.js``, the stream at ``/recipe``."""
    rate, chunks = load_recording()

    def replay(request: Request) -> AsyncIterator[dict[str, Any]]:
        speed = float(request.query_params.get("speed", "1"))
        cut = request.query_params.get("cut")
        return recorded_chat(chunks, rate, speed=speed, cut=None if cut is None else int(cut))

    make_upstream = upstream or replay

    async def page(request: Request) -> Response:
        return HTMLResponse(STATIC.joinpath("demo.html").read_text("utf-8"))

    async def script(request: Request) -> Response:
        return Response(
            STATIC.joinpath("jsondrip.js").read_text("utf-8"), media_type="text/javascript"
        )

    async def recipe(request: Request) -> Response:
        updates = astream_chat(
            make_upstream(request), parser_factory=lambda slot: TypedParser(Recipe)
        )
        return PatchResponse(updates)

    return Starlette(
        routes=[Route("/", page), Route("/jsondrip.js", script), Route("/recipe", recipe)]
    )


app = create_app()

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
