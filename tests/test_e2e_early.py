"""End to end: what a stream has decided is shown early, and the rest served from it."""

from __future__ import annotations

import threading

from pytest_lsp import LanguageClient

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import accept, inline, open_document, position_of, replace_text
from tests.test_e2e_lifecycle import AUTO, URI, texts, until

TEXT = "def total(values):\n    \n"
CURSOR = len("def total(values):\n    ")
FIRST = "total = sum(values)"
BLOCK = [FIRST + "\n", "    count = len(values)\n", "    return total / count\n"]
REST = "\n    count = len(values)\n    return total / count"


async def accepted_early(lsp: LanguageClient, upstream: FakeUpstream, gate: threading.Event) -> str:
    """The first line, shown while the stream is held, accepted: the document after it."""
    upstream.script(Reply(chunks=BLOCK, hold_after=1, gate=gate))
    open_document(lsp, URI, TEXT)
    (item,) = await inline(lsp, URI, position_of(TEXT, CURSOR))  # the stream is held meanwhile
    assert item.insert_text == FIRST
    assert upstream.requests[0].chunks_sent == 1
    accepted = accept(TEXT, item)
    replace_text(lsp, URI, accepted, 2)
    return accepted


async def test_a_block_not_decided_in_time_shows_its_first_line_and_runs_on(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    lsp = await start_server()
    accepted = await accepted_early(lsp, upstream, gate)
    gate.set()

    assert await until(upstream, lambda: upstream.requests[0].finished_at is not None)
    after = position_of(accepted, CURSOR + len(FIRST))
    assert texts(await inline(lsp, URI, after, AUTO)) == [REST]  # asked again after the accept
    assert len(upstream.requests) == 1
    assert upstream.requests[0].disconnected_at is None  # it ran on to the model's finish


async def test_after_an_accept_the_next_lines_come_from_the_running_stream(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    lsp = await start_server()
    accepted = await accepted_early(lsp, upstream, gate)

    asking = inline(lsp, URI, position_of(accepted, CURSOR + len(FIRST)), AUTO)
    gate.set()
    (rest,) = texts(await asking)

    assert rest.startswith("\n    count = len(values)") and REST.startswith(rest)
    assert len(upstream.requests) == 1


async def test_a_block_decided_in_time_arrives_whole(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply(chunks=BLOCK))
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    shown = await inline(lsp, URI, position_of(TEXT, CURSOR))
    assert texts(shown) == [FIRST + REST]
