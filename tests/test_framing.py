"""The base protocol reader, fed bytes directly: it always finds the next well-formed message."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qwen_lsp.lsp.framing import (
    Framer,
    Hopeless,
    Message,
    NotJson,
    Overlong,
    Refused,
    Skipped,
)
from tests.bad_frames import bad_frames, frames, message, split

GOOD = {"jsonrpc": "2.0", "id": 7, "method": "shutdown", "params": None}
BODY = message(GOOD)
FRAME = b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
CAFE = message({"jsonrpc": "2.0", "method": "x", "params": {"text": "café"}})


def read(data: bytes, limit: int = 1 << 20) -> list[object]:
    return Framer(limit).feed(data)


def values(events: list[object]) -> list[object]:
    return [event.value for event in events if isinstance(event, Message)]


@pytest.mark.parametrize(
    "data",
    [
        b"content-length: %d\n\n%s" % (len(BODY), BODY),  # LF alone, any case
        b"Content-Type: x\nCONTENT-LENGTH:%d \r\n\r\n%s" % (len(BODY), BODY),
        b"\r\n" + FRAME,  # a blank line between frames
    ],
)
def test_headers_as_clients_write_them(data: bytes) -> None:
    assert values(read(data)) == [GOOD]


@pytest.mark.parametrize(
    ("bad", "first"),
    [
        (b"Content-Length: %d\r\n\r\n%s" % (len(CAFE.decode()), CAFE), NotJson),  # characters
        (b"Content-Length: %d\r\n\r\n%s" % (len(CAFE) - 3, CAFE), NotJson),
        (b"Content-Length: %d\r\n\r\n%s" % (len(CAFE) + 3, CAFE), Overlong),
        (b"Content-Type: x\r\n\r\n" + CAFE, Skipped),  # no Content-Length
        (CAFE, Skipped),  # no header at all
        (b"Content-Length: x\r\n\r\n", Skipped),
        (b"Content-Length: 5\r\n\r\n", NotJson),  # a header, then no body: the next frame's
    ],
)
def test_after_a_malformed_frame_the_next_one_is_read(bad: bytes, first: type) -> None:
    events = read(bad + FRAME)
    assert isinstance(events[0], first)
    assert values(events)[-1] == GOOD


def test_a_message_over_the_limit_is_dropped_unread() -> None:
    framer = Framer(limit=1000)
    events = framer.feed(b"Content-Length: 5000\r\n\r\n" + b"x" * 4000)
    assert events == [Refused(5000)]
    assert framer.feed(b"y" * 1000 + FRAME) == [Message(GOOD)]


def test_a_header_inside_a_refused_message_ends_it() -> None:
    framer = Framer(limit=1000)
    events = framer.feed(b"Content-Length: 1000000000000\r\n\r\n" + b"x" * 5000 + FRAME)
    assert events == [Refused(1_000_000_000_000), Skipped(5000, events[1].reason), Message(GOOD)]


def test_more_than_the_limit_without_a_header_is_hopeless() -> None:
    framer = Framer(limit=1000)
    assert [type(e) for e in framer.feed(b"x" * 20_000)] == [Hopeless]
    assert framer.feed(FRAME) == []


@settings(max_examples=300, deadline=None)
@given(data=st.data(), bad=st.lists(bad_frames(), max_size=6))
def test_the_well_formed_frame_after_any_bad_ones_is_read(
    data: st.DataObject, bad: list[bytes]
) -> None:
    stream = b"".join(bad) + data.draw(frames(BODY))
    whole = read(stream)
    framer = Framer(1 << 20)
    pieces = [event for piece in split(data.draw, stream) for event in framer.feed(piece)]

    assert values(whole)[-1] == GOOD
    assert values(pieces) == values(whole)  # how the bytes were split changes nothing
    assert not any(isinstance(event, (Refused, Hopeless)) for event in whole)
    json.dumps(values(whole))  # plain JSON values, as the dispatcher expects
