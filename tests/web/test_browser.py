"""The example app in a real browser: headless Chromium (Debian's) driven by Playwright.

The page is examples/web (jsondrip/static/demo.html + jsondrip.js) served by a
live uvicorn on 127.0.0.1. Chromium is taken from $JSONDRIP_CHROMIUM or
/usr/bin/chromium (``apt-get install chromium``); Playwright's own browser
download is never used. Without Chromium or Playwright the tests are skipped,
with the reason. Set JSONDRIP_SCREENSHOT=docs/live-ui.png to keep the
mid-stream screenshot for the README.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from jsondrip import Parser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("JSONDRIP_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MID = 430  # chunks before the pause: the summary and ingredients done, a step streaming

if not os.path.exists(CHROMIUM):
    pytest.skip(
        f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set JSONDRIP_CHROMIUM)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)"
)
pytest.importorskip("starlette", reason="the web extra (starlette) is not installed")


def _example() -> Any:
    spec = importlib.util.spec_from_file_location("web_example_app", ROOT / "examples/web/app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the models' annotations there
    spec.loader.exec_module(module)
    return module


example = _example()
RATE, CHUNKS = example.load_recording()
FINAL = json.loads("".join(CHUNKS))

# Reads the page's DOM back into JSON: what the user sees, not the page's state.
READ_DOM = """() => {
  const read = (el) => {
    if (el.tagName === "DL") {
      const out = {};
      for (const dt of el.querySelectorAll(":scope > dt")) {
        out[dt.dataset.key] = read(dt.nextElementSibling.firstElementChild);
      }
      return out;
    }
    if (el.tagName === "OL") return [...el.children].map((li) => read(li.firstElementChild));
    if (el.classList.contains("str")) return el.textContent;
    return JSON.parse(el.textContent);
  };
  const root = document.getElementById("recipe").firstElementChild;
  return root ? read(root) : null;
}"""


def _partial(count: int) -> Any:
    parser = Parser()
    for chunk in CHUNKS[:count]:
        parser.feed(chunk)
    return parser.value


class Gate:
    """An upstream that replays the recording, pauses after MID chunks until
    released, and records whether it was closed before its end."""

    def __init__(self, cut: Any = None) -> None:
        self.release = threading.Event()
        self.paused = threading.Event()
        self.closed = threading.Event()
        self.finished = False  # read to its very end
        self.cut = cut

    async def stream(self, request: Any) -> AsyncIterator[dict[str, Any]]:
        try:
            index = 0
            async for chunk in example.recorded_chat(CHUNKS, RATE, speed=0, cut=self.cut):
                if index == MID:
                    self.paused.set()
                    while not self.release.is_set():
                        await asyncio.sleep(0.01)
                index += 1
                yield chunk
            self.finished = True
        finally:
            self.closed.set()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        except Exception as error:  # pragma: no cover - a broken Chromium install
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {error}")
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 720, "height": 600})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def _wait(page: Any, event: threading.Event) -> bool:
    """Wait for ``event`` while Playwright keeps pumping its own events (never block it)."""
    for _ in range(600):
        if event.is_set():
            return True
        page.wait_for_timeout(50)
    return event.is_set()


def _wait_for_dom(page: Any, expected: Any) -> None:
    page.wait_for_function(
        f"(expected) => JSON.stringify(({READ_DOM})()) === JSON.stringify(expected)",
        arg=expected,
        timeout=30_000,
    )


def test_the_page_shows_partial_values_then_exactly_the_final_value(
    serve: Any, page: Any, tmp_path: Path
) -> None:
    gate = Gate()
    server = serve(example.create_app(gate.stream))
    page.goto(server.url + "/")
    assert _wait(page, gate.paused)

    # Mid-stream: the DOM shows exactly the partial value, the stream is not over.
    middle = _partial(MID)
    _wait_for_dom(page, middle)
    assert page.evaluate("document.body.dataset.state") is None
    assert middle["steps"][-1] != FINAL["steps"][len(middle["steps"]) - 1]  # a step mid-text
    assert page.locator(".str.open").count() == 1  # the string still streaming
    assert page.locator("#recipe > dl > dt.complete").count() == 9  # title ... ingredients
    assert page.locator("li.complete").count() == len(FINAL["ingredients"]) + 3
    shot = tmp_path / "live-ui.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("JSONDRIP_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["JSONDRIP_SCREENSHOT"])

    gate.release.set()
    page.wait_for_function("document.body.dataset.state === 'done'", timeout=30_000)
    assert page.evaluate(READ_DOM) == FINAL
    assert page.locator(".str.open").count() == 0
    assert page.locator("#recipe > dl > dt.complete").count() == len(FINAL)
    assert "complete ✓" in page.locator("#status").inner_text()
    assert _wait(page, gate.closed)  # the upstream is released once the slot is done


def test_a_cut_stream_shows_the_error_and_keeps_what_arrived(serve: Any, page: Any) -> None:
    gate = Gate(cut=300)
    gate.release.set()
    server = serve(example.create_app(gate.stream))
    page.goto(server.url + "/")
    page.wait_for_function("document.body.dataset.state === 'failed'", timeout=30_000)
    message = page.locator("#error").inner_text()
    assert "finish_reason=length" in message
    text = "".join(CHUNKS[:300])
    line, column = text.count("\n") + 1, len(text) - text.rfind("\n")
    assert message.endswith(f"at line {line} column {column}")
    assert message.count("finish_reason=length") == 1
    assert page.evaluate(READ_DOM) == _partial(300)
    assert "complete" not in page.locator("#status").inner_text()


def test_the_example_app_replays_on_its_own_with_cut_in_the_url(serve: Any, page: Any) -> None:
    server = serve(example.create_app())
    page.goto(server.url + "/?speed=0&cut=100")
    page.wait_for_function("document.body.dataset.state === 'failed'", timeout=30_000)
    assert page.evaluate(READ_DOM) == _partial(100)
    page.goto(server.url + "/?speed=0")
    page.wait_for_function("document.body.dataset.state === 'done'", timeout=30_000)
    assert page.evaluate(READ_DOM) == FINAL


def test_closing_the_tab_cancels_the_upstream(serve: Any, page: Any) -> None:
    gate = Gate()
    server = serve(example.create_app(gate.stream))
    page.goto(server.url + "/")
    assert _wait(page, gate.paused)
    _wait_for_dom(page, _partial(MID))
    assert not gate.closed.is_set()
    page.close()
    assert gate.closed.wait(timeout=30)
    assert not gate.finished
