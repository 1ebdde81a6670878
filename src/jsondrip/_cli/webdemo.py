"""``jsondrip demo --web``: the recorded stream, live in a browser.

Serves the demo page (``jsondrip/static/demo.html`` and ``jsondrip.js``) on
127.0.0.1 and, at ``/recipe``, replays the bundled recording at its pace as a
:class:`jsondrip.web.PatchResponse`. ``?speed=X`` changes the pace and
``?cut=N`` stops after N chunks, as a model cut by ``max_tokens`` would (the
page then shows the error). Needs the ``web`` extra (Starlette, uvicorn).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any, Optional

from .demo import Recording
from .errors import UsageError

STATIC = files("jsondrip").joinpath("static")


async def replay(recording: Recording, speed: float, cut: Optional[int]) -> AsyncIterator[str]:
    """The recording's chunks at its pace times ``speed`` (0: no delay), the first ``cut``."""
    delay = 0.0 if speed == 0 else 1.0 / (recording.tokens_per_second * speed)
    for index, chunk in enumerate(recording.chunks):
        if cut is not None and index >= cut:
            return
        if delay:
            await asyncio.sleep(delay)
        yield chunk


def create_app(recording: Recording, speed: float) -> Any:
    """The Starlette app: ``/``, ``/jsondrip.js`` and ``/recipe``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    from ..web import PatchResponse

    async def page(request: Request) -> Response:
        return HTMLResponse(STATIC.joinpath("demo.html").read_text("utf-8"))

    async def script(request: Request) -> Response:
        text = STATIC.joinpath("jsondrip.js").read_text("utf-8")
        return Response(text, media_type="text/javascript")

    async def recipe(request: Request) -> Response:
        try:
            pace = float(request.query_params.get("speed", speed))
            cut = request.query_params.get("cut")
            limit = None if cut is None else int(cut)
        except ValueError:
            return Response("speed and cut must be numbers", status_code=400)
        return PatchResponse(replay(recording, max(pace, 0.0), limit))

    return Starlette(
        routes=[Route("/", page), Route("/jsondrip.js", script), Route("/recipe", recipe)]
    )


def run(args: argparse.Namespace) -> int:
    """Serve the page until Ctrl-C; print its URL first."""
    try:
        import uvicorn
    except ImportError:
        raise UsageError('--web needs the web extra: pip install "jsondrip[web]"') from None
    app = create_app(Recording.load(), args.speed)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(_serve(server))
    finally:
        loop.close()
    return 0


async def _serve(server: Any) -> None:
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        if task.done():
            task.result()  # the error (e.g. the port is taken)
            raise UsageError("the server did not start")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    sys.stdout.write(
        f"jsondrip demo: open http://127.0.0.1:{port}/ in a browser"
        " (?speed=0.3 slow motion, ?cut=300 a stream cut short); Ctrl-C stops\n"
    )
    sys.stdout.flush()
    await task
