"""SSEDecoder: the W3C event-stream rules, for every way a stream can be split."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jsondrip.errors import StreamClosedError
from jsondrip.sources import SSEDecoder, SSEEvent


def decode(*chunks: Any) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    events += decoder.close()
    return events


def every_split(data: bytes) -> list[list[bytes]]:
    """Whole, one byte at a time, and cut at every single offset."""
    splits = [[data], [data[i : i + 1] for i in range(len(data))]]
    splits += [[data[:i], data[i:]] for i in range(1, len(data))]
    return splits


def test_data_lines_are_joined_with_newlines() -> None:
    assert decode("data: a\ndata: b\ndata:\n\n") == [SSEEvent("message", "a\nb\n", "")]


def test_event_and_id_fields() -> None:
    stream = "event: add\nid: 7\ndata: {}\n\ndata: next\n\n"
    assert decode(stream) == [SSEEvent("add", "{}", "7"), SSEEvent("message", "next", "7")]


def test_comments_and_unknown_fields_are_ignored() -> None:
    assert decode(": keep-alive\nfoo: bar\ndata: x\n:\n\n") == [SSEEvent("message", "x", "")]


def test_only_one_leading_space_is_stripped() -> None:
    assert decode("data:x\n\ndata:  y\n\ndata\n\n") == [
        SSEEvent("message", "x", ""),
        SSEEvent("message", " y", ""),
        SSEEvent("message", "", ""),
    ]


def test_colons_in_the_value_stay() -> None:
    assert decode('data: {"a": "b:c"}\n\n')[0].data == '{"a": "b:c"}'


def test_an_event_without_data_is_not_dispatched_and_resets_its_name() -> None:
    assert decode("event: ping\n\ndata: x\n\n") == [SSEEvent("message", "x", "")]


def test_id_with_nul_is_ignored_and_ids_persist() -> None:
    decoder = SSEDecoder()
    events = decoder.feed("id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\nid\ndata: c\n\n")
    assert [event.id for event in events] == ["1", "1", ""]
    assert decoder.last_event_id == ""


def test_retry() -> None:
    decoder = SSEDecoder()
    decoder.feed("retry: 1500\n\nretry: soon\n\n")
    assert decoder.retry == 1500


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_line_endings(eol: str) -> None:
    data = f"event: e{eol}data: 1{eol}data: 2{eol}{eol}".encode()
    for chunks in every_split(data):
        assert decode(*chunks) == [SSEEvent("e", "1\n2", "")], chunks


def test_mixed_line_endings_and_a_crlf_split_across_chunks() -> None:
    assert decode("data: a\r", "\ndata: b\r", "\r\n") == [SSEEvent("message", "a\nb", "")]


def test_a_lone_cr_ends_its_line_at_once() -> None:
    decoder = SSEDecoder()
    assert decoder.feed("data: a\r\r") == [SSEEvent("message", "a", "")]


def test_bom_is_skipped_only_at_the_start_even_split() -> None:
    data = "\ufeffdata: a\n\n".encode()
    for chunks in every_split(data):
        assert decode(*chunks) == [SSEEvent("message", "a", "")]
    # A BOM later in the stream makes the field name "\ufeffdata": ignored.
    assert decode("data: a\n\n", "\ufeffdata: b\n\n") == [SSEEvent("message", "a", "")]


def test_multibyte_characters_split_anywhere() -> None:
    data = 'data: {"t": "Crème brûlée 🍮 漢字"}\n\n'.encode()
    for chunks in every_split(data):
        assert decode(*chunks) == [SSEEvent("message", '{"t": "Crème brûlée 🍮 漢字"}', "")]


def test_invalid_utf8_becomes_replacement_characters() -> None:
    assert decode(b"data: a\xff\xfeb\n\n") == [SSEEvent("message", "a\ufffd\ufffdb", "")]


def test_an_event_the_stream_ends_inside_is_discarded() -> None:
    decoder = SSEDecoder()
    assert decoder.feed("data: a\n\ndata: b\n") == [SSEEvent("message", "a", "")]
    assert decoder.close() == []
    assert decoder.discarded


def test_an_unfinished_line_or_character_is_discarded() -> None:
    for tail in [b"data: partial", b"data: \xc3"]:
        decoder = SSEDecoder()
        decoder.feed(b"data: a\n\n" + tail)
        assert decoder.close() == []
        assert decoder.discarded


def test_a_clean_end_discards_nothing() -> None:
    decoder = SSEDecoder()
    decoder.feed("data: a\n\n: bye\n")
    decoder.close()
    assert not decoder.discarded


def test_close_is_idempotent_and_feed_after_close_raises() -> None:
    decoder = SSEDecoder()
    assert decoder.close() == []
    assert decoder.close() == []
    with pytest.raises(StreamClosedError):
        decoder.feed(b"data: x\n\n")


def test_feed_rejects_other_types() -> None:
    with pytest.raises(TypeError):
        SSEDecoder().feed(42)  # type: ignore[arg-type]


def test_long_data_line_in_many_chunks() -> None:
    text = "x" * 5000
    data = f"data: {text}\n\n"
    chunks = [data[i : i + 3] for i in range(0, len(data), 3)]
    assert decode(*chunks) == [SSEEvent("message", text, "")]


# -- property: any events, any line endings, any split --------------------------------

_line_text = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]))
_id_text = st.text(st.characters(blacklist_characters="\r\n\x00", blacklist_categories=["Cs"]))
_event = st.fixed_dictionaries(
    {
        "name": st.none() | _line_text.filter(bool),
        "data": st.lists(_line_text, min_size=1, max_size=3),
        "id": st.none() | _id_text,
        "comment": st.none() | _line_text,
    }
)


def serialise(events: list[dict[str, Any]], draw_eol: Any, bom: bool) -> tuple[str, list[SSEEvent]]:
    lines: list[str] = []
    expected: list[SSEEvent] = []
    last_id = ""
    for event in events:
        if event["comment"] is not None:
            lines.append(":" + event["comment"])
        if event["id"] is not None:
            lines.append("id: " + event["id"])
            last_id = event["id"]
        if event["name"] is not None:
            lines.append("event: " + event["name"])
        for data in event["data"]:
            space = " " if data[:1] == " " or draw_eol(["", " "]) == " " else ""
            lines.append("data:" + space + data)
        lines.append("")
        expected.append(SSEEvent(event["name"] or "message", "\n".join(event["data"]), last_id))
    out = ["\ufeff"] if bom else []
    previous = ""
    for line in lines:
        eol = draw_eol(["\n", "\r\n", "\r"])
        if previous == "\r" and not line and eol == "\n":
            eol = "\r\n"  # "\r" then "\n" would be one CRLF, not two line ends
        out.append(line + eol)
        previous = eol
    return "".join(out), expected


@given(st.lists(_event, max_size=6), st.data(), st.booleans(), st.booleans())
def test_any_events_any_line_endings_any_split(
    events: list[dict[str, Any]], data: st.DataObject, bom: bool, as_text: bool
) -> None:
    text, expected = serialise(events, lambda options: data.draw(st.sampled_from(options)), bom)
    encoded = text.encode("utf-8")
    source: Any = text if as_text else encoded
    cuts = data.draw(st.lists(st.integers(0, len(source)), max_size=12).map(sorted))
    chunks = [source[a:b] for a, b in zip([0, *cuts], [*cuts, len(source)])]
    decoder = SSEDecoder()
    decoded: list[SSEEvent] = []
    for chunk in chunks:
        decoded += decoder.feed(chunk)
    decoded += decoder.close()
    assert decoded == expected
    assert not decoder.discarded
