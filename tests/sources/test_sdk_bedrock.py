"""The real boto3 ``bedrock-runtime`` client streaming ``converse_stream`` from the
replay server (AWS event-stream binary framing): text, toolUse input fragments,
a max_tokens cut, a connection dropped mid-message, UTF-8 characters split
across TCP writes, and cancellation releasing the connection.

boto3 has no async client; ``astream_converse`` reads its stream from async
code (each event is read synchronously), and any async iterable of events
(aiobotocore's) the same way."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from replaykit import EXPECTED, Cut, ReplayServer, check_results, check_updates, transcript
from sdk_guard import NOT_INSTALLED

boto3 = pytest.importorskip("boto3", reason=NOT_INSTALLED.format("boto3"))
import botocore.config
import urllib3.exceptions

from jsondrip.sources import Router, Slot, TruncatedStreamError, Update, astream, stream
from jsondrip.sources._sse import AwsEventStreamDecoder
from jsondrip.sources.bedrock import astream_converse, stream_converse

MODES = ["sync", "async"]
MESSAGES: Any = [{"role": "user", "content": [{"text": "Go."}]}]


def client(replay: ReplayServer) -> Any:
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=replay.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=10),
    )


def run(replay: ReplayServer, mode: str, scenario: str, **options: Any) -> tuple[list[Update], Any]:
    response = client(replay).converse_stream(modelId=scenario, messages=MESSAGES)
    if mode == "sync":
        with stream_converse(response, **options) as updates:
            seen = list(updates)
        return seen, updates.results

    async def main() -> tuple[list[Update], Any]:
        async with astream_converse(response, **options) as updates:
            seen = [update async for update in updates]
        return seen, updates.results

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", ["bedrock_text_tool_use", "bedrock_max_tokens"])
def test_bedrock_transcripts(replay: ReplayServer, mode: str, scenario: str) -> None:
    options, expected = EXPECTED[scenario]
    updates, results = run(replay, mode, scenario, **options)
    check_results(results, expected)
    check_updates(updates, results)
    for update in updates:
        assert "\ufffd" not in str(update.value)


def test_bedrock_reasoning_and_tool_names_first(replay: ReplayServer) -> None:
    updates, results = run(replay, "sync", "bedrock_text_tool_use", content=False, reasoning=True)
    assert results[Slot("reasoning", 0, 0)] == "Tools."
    tool = [update for update in updates if update.slot.kind == "tool_call"]
    assert tool[0].slot.name == "get_weather"
    assert tool[0].text == ""


def test_bedrock_stream_recognises_the_response(replay: ReplayServer) -> None:
    response = client(replay).converse_stream(modelId="bedrock_max_tokens", messages=MESSAGES)
    check_results(stream(response).until_done(), EXPECTED["bedrock_max_tokens"][1])
    response = client(replay).converse_stream(modelId="bedrock_max_tokens", messages=MESSAGES)

    async def main() -> Any:
        return await astream(response["stream"]).until_done()

    check_results(asyncio.run(main()), EXPECTED["bedrock_max_tokens"][1])


@pytest.mark.parametrize("mode", MODES)
def test_bedrock_dropped_mid_message(replay: ReplayServer, mode: str) -> None:
    response = client(replay).converse_stream(modelId="bedrock_dropped", messages=MESSAGES)
    if mode == "sync":
        updates: Any = stream_converse(response)
        with pytest.raises(urllib3.exceptions.ProtocolError) as info, updates:
            list(updates)
    else:
        updates = astream_converse(response)

        async def main() -> None:
            async with updates:
                async for _ in updates:
                    pass

        with pytest.raises(urllib3.exceptions.ProtocolError) as info:
            asyncio.run(main())
    partial = {"answer": "The connection drops in the middle of this sentence"}
    reason = f"stream failed: {type(info.value).__name__}"
    check_results(updates.results, {Slot("content", 0, 0): Cut(reason, partial)})


def status_is_complete(update: Update) -> bool:
    return any(delta.op == "end" and delta.path == ("status",) for delta in update.deltas)


@pytest.mark.parametrize("mode", MODES)
def test_bedrock_cancel_releases_the_connection(replay: ReplayServer, mode: str) -> None:
    response = client(replay).converse_stream(modelId="bedrock_slow", messages=MESSAGES)
    if mode == "sync":
        with stream_converse(response) as updates:
            for update in updates:
                if status_is_complete(update):
                    break
        outcome = replay.last("bedrock_slow").wait()
    else:

        async def main() -> str:
            async with astream_converse(response) as u:
                async for update in u:
                    if status_is_complete(update):
                        break
            RESULTS.append(u)
            return await asyncio.to_thread(replay.last("bedrock_slow").wait)

        outcome = asyncio.run(main())
        updates = RESULTS.pop()
    assert outcome == "disconnected"
    exchange = replay.last("bedrock_slow")
    assert exchange.sent < exchange.total // 4
    error = updates.results[Slot("content", 0, 0)]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "closed by the caller"
    assert error.partial["status"] == "ok"


RESULTS: list[Any] = []


def test_bedrock_exception_events_and_unknown_ones() -> None:
    router = Router("bedrock")
    router.feed({"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "[1,"}}})
    router.feed({"throttlingException": {"message": "slow down"}})
    error = router.results[Slot("content", 0, 0)]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "error: throttlingException: slow down"
    with pytest.raises(ValueError, match="unknown Bedrock Converse event 'choices'"):
        Router("bedrock").feed({"choices": []})
    with pytest.raises(TypeError, match="not a Bedrock Converse stream event"):
        Router("bedrock").feed("contentBlockDelta")


def test_bedrock_only_the_open_block_is_cut() -> None:
    router = Router("bedrock", content=False)
    events: list[Any] = [
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Done."}}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {
            "contentBlockStart": {
                "contentBlockIndex": 1,
                "start": {"toolUse": {"toolUseId": "t", "name": "f"}},
            }
        },
        {"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '{"a": '}}}},
        {"contentBlockStop": {"contentBlockIndex": 1}},
        {"messageStop": {"stopReason": "max_tokens"}},
    ]
    for event in events:
        router.feed(event)
    router.close()
    assert router.results[Slot("content", 0, 0)] == "Done."
    error = router.results[Slot("tool_call", 0, 1)]
    assert isinstance(error, TruncatedStreamError)
    assert error.reason == "stopReason=max_tokens"


def test_aws_event_stream_decoder_splits_anywhere_and_checks_crcs() -> None:
    data = transcript("bedrock_text_tool_use").read_bytes()
    whole = AwsEventStreamDecoder().feed(data)
    assert json.loads(whole[0]) == {"messageStart": {"role": "assistant", "p": "abcdefghijkl"}}
    for size in (1, 7, 100):
        decoder = AwsEventStreamDecoder()
        pieces: list[str] = []
        for start in range(0, len(data), size):
            pieces += decoder.feed(data[start : start + size])
        assert pieces == whole
        assert decoder.close() == []
        assert not decoder.discarded
    broken = bytearray(data)
    broken[20] ^= 1
    with pytest.raises(ValueError, match="CRC32"):
        AwsEventStreamDecoder().feed(bytes(broken))
