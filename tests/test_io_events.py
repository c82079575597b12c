"""The I/O events the server notes at DEBUG (what ``bench/overhead.py`` times it by)."""

from __future__ import annotations

import asyncio
import re

from tests.conftest import TEST_KEY
from tests.fake_upstream import FakeUpstream, Reply
from tests.raw_lsp import raw_session

_EVENT = re.compile(rb"qwen_lsp\.io: (.+) at (\d+\.\d+) cpu \d+\.\d+$", re.MULTILINE)


async def test_every_io_event_is_logged_in_order_even_right_before_exit(
    upstream: FakeUpstream,
) -> None:
    """The lines are written a moment after the events: the last ones, at exit."""
    upstream.default = Reply.text("1\n")
    env = {
        "QWEN_LSP_API_KEY": TEST_KEY,
        "QWEN_LSP_BASE_URL": upstream.base_url,
        "QWEN_LSP_LOG_LEVEL": "debug",
    }
    async with raw_session(env) as server:
        document = {"uri": "file:///p/a.py", "languageId": "python", "version": 1, "text": "x = \n"}
        server.notify("textDocument/didOpen", {"textDocument": document})
        server.request(2, "textDocument/inlineCompletion", {
            "textDocument": {"uri": "file:///p/a.py"}, "position": {"line": 0, "character": 4},
            "context": {"triggerKind": 1}})  # fmt: skip
        assert (await server.answer(2))["result"]["items"]
        server.request(3, "shutdown", None)
        await server.answer(3)
        server.notify("exit", None)
        assert await asyncio.wait_for(server.process.wait(), 30) == 0

    events = _EVENT.findall(server.stderr)
    names = [name for name, _ in events]
    times = [float(at) for _, at in events]
    assert times == sorted(times)
    # initialize, initialized, didOpen, the completion, shutdown and exit
    assert names.count(b"message read") == 6
    asked = names.index(b"request written")
    answered = names.index(b"message written", asked)
    assert b"response read" in names[asked:answered]
