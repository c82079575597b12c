"""Fuzzing the wire at the byte level: after any badly framed input, written in any pieces, the
next well-formed messages are served and the document is the client's."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bad_frames import bad_frames, frames, split
from tests.conftest import TEST_KEY
from tests.fake_upstream import FakeUpstream, Reply
from tests.raw_lsp import RawServer, raw_session


@dataclass
class Wire:
    """One server for all of a test's examples."""

    server: RawServer
    examples: int = 0


@pytest.fixture
async def wire(upstream: FakeUpstream) -> AsyncIterator[Wire]:
    upstream.default = Reply.text("1\n")
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url}
    async with raw_session(env) as server:
        yield Wire(server)


def body(message: dict[str, object]) -> bytes:
    return json.dumps({"jsonrpc": "2.0", **message}, ensure_ascii=False).encode()


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), bad=st.lists(bad_frames(), min_size=1, max_size=5))
async def test_after_any_bad_input_the_next_request_is_answered_on_the_clients_document(
    wire: Wire, upstream: FakeUpstream, data: st.DataObject, bad: list[bytes]
) -> None:
    wire.examples += 1
    n = wire.examples  # a document of its own: nothing cached for it, nothing in flight
    uri = f"file:///p/fuzz_{n}.py"
    document = {"uri": uri, "languageId": "python", "version": 1, "text": "x = 0\n"}
    opened = body({"method": "textDocument/didOpen", "params": {"textDocument": document}})
    point = {"line": 0, "character": 0}
    changed = body(
        {
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [
                    {"range": {"start": point, "end": point}, "text": f"é{n} = 1\n"}
                ],
            },
        }
    )
    request = body({"id": n, "method": "textDocument/inlineCompletion", "params": {
        "textDocument": {"uri": uri}, "context": {"triggerKind": 1},
        "position": {"line": 2, "character": 0}}})  # fmt: skip
    good = [data.draw(frames(message)) for message in (opened, changed, request)]
    stream = b"".join(bad) + b"".join(good)

    sent = len(upstream.requests)
    assert wire.server.process.stdin is not None
    for piece in split(data.draw, stream):
        wire.server.write(piece)
        await wire.server.process.stdin.drain()
    answer = await wire.server.answer(n)

    assert [item["insertText"] for item in answer["result"]["items"]] == ["1"]
    assert len(upstream.requests) == sent + 1
    assert upstream.requests[-1].messages[-1]["content"] == f"é{n} = 1\nx = 0\n"
    wire.server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
