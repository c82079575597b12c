"""``$/qwenLsp/status`` reaches editors: never before the initialize response, which LSP forbids
(VS Code's client drops such a notification, so its status bar would never learn the state), and
once per change that lasts."""

from __future__ import annotations

import asyncio
import threading

import pytest
from lsprotocol import types

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document, settled, statuses

STATUS = "$/qwenLsp/status"
URI = "file:///work/project/status.py"
POSITION = types.Position(0, 4)


@pytest.mark.parametrize(("options", "first"), [({}, "ready"), ({"apiKey": ""}, "disabled")])
async def test_first_status_follows_initialized(
    start_server: StartServer, options: dict[str, str], first: str
) -> None:
    lsp = await start_server(options=options)
    # Waiting starts after the initialize response: a status sent during initialize never comes.
    status = await asyncio.wait_for(lsp.wait_for_notification(STATUS), timeout=20)
    assert status.state == first


async def test_a_slow_answer_shows_busy_then_ready_once_each(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("42\n", ttft=0.6)  # far longer than the status delay
    lsp = await start_server()
    open_document(lsp, URI, "x = \n")
    await settled(lsp, "ready")
    lsp.statuses.clear()  # type: ignore[attr-defined]

    items = await inline(lsp, URI, POSITION)

    assert [item.insert_text for item in items] == ["42"]
    assert [s["state"] for s in await settled(lsp, "ready")] == ["busy", "ready"]


async def test_no_status_is_written_between_the_reply_and_the_answer(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    upstream.default = Reply.text("42\n", hold_after=0, gate=gate)
    lsp = await start_server()
    open_document(lsp, URI, "x = \n")
    await settled(lsp, "ready")
    asking = asyncio.ensure_future(inline(lsp, URI, POSITION))
    await settled(lsp, "busy")  # the model is thinking: the status bar says so

    gate.set()
    items = await asking

    # The change to ready came just before the answer; it is written a moment after it.
    assert statuses(lsp)[-1]["state"] == "busy"
    assert [item.insert_text for item in items] == ["42"]
    await settled(lsp, "ready", kind=None)
