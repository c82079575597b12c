"""HTTP/2: a response closed before its end resets its stream (RST_STREAM with CANCEL).

httpcore2 forgets such a stream without a word to the server, which goes on generating, sending
and billing the rest of a reply nobody reads. What it sends is never acknowledged either, so each
abandoned stream also shrinks the connection's flow-control window for good, until the
connection stalls. Closing a stale completion is what this client does all day, as often while
it waits for the reply's head (the model's time to first token) as while it reads the body.

This is the one place that reaches into httpcore2's internals: ``AsyncHTTP2Connection`` and its
``_response_closed``, ``_h2_state``, ``_events`` and ``_write_outgoing_data``, checked against
httpcore2 2.17, which httpx2 2.17 pins (see pyproject.toml). Over HTTP/1.1 nothing changes:
there httpcore2 closes the connection, and the server sees that.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import h2.errors
import h2.events
import httpcore2
from httpcore2._async.http2 import AsyncHTTP2Connection

_Closed = Callable[[AsyncHTTP2Connection, int], Awaitable[None]]
_original: _Closed | None = None
# What the reset is written for: httpcore2 reads the write timeout from a request's extensions.
_WRITE = httpcore2.Request("POST", "https://localhost/", extensions={"timeout": {"write": 1.0}})


def install() -> None:
    """Make closing an unfinished HTTP/2 response reset its stream (once per process)."""
    global _original
    if _original is None:
        _original = AsyncHTTP2Connection._response_closed
        AsyncHTTP2Connection._response_closed = _reset_then_forget  # type: ignore[method-assign,assignment]


async def _reset_then_forget(connection: AsyncHTTP2Connection, stream_id: int) -> None:
    assert _original is not None
    await _reset(connection, stream_id)
    await _original(connection, stream_id)


async def _reset(connection: Any, stream_id: int) -> None:
    state = connection._h2_state
    stream = state.streams.get(stream_id)
    if stream is None or stream.closed:
        return  # the reply was read to its end (or the server reset it)
    # Data received but not read counts against the connection's window until acknowledged.
    unread = sum(
        event.flow_controlled_length or 0
        for event in connection._events.get(stream_id, [])
        if isinstance(event, h2.events.DataReceived)
    )
    state.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
    if unread:
        state.acknowledge_received_data(unread, stream_id)
    with contextlib.suppress(Exception):  # a connection already broken has nothing to reset
        await connection._write_outgoing_data(_WRITE)
