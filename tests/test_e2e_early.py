"""End to end: what a stream has decided is shown early, and the rest served from it."""

from __future__ import annotations

import threading

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import accept, inline, open_document, position_of
from tests.test_e2e_lifecycle import AUTO, URI, texts, until

TEXT = "def total(values):\n    \n"
BLOCK = ["total = sum(values)\n", "    count = len(values)\n", "    return total / count\n"]
REST = "\n    count = len(values)\n    return total / count"


async def test_a_block_not_decided_in_time_shows_its_first_line_and_runs_on(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    upstream.script(Reply(chunks=BLOCK, hold_after=1, gate=gate))
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    cursor = len("def total(values):\n    ")

    (item,) = await inline(lsp, URI, position_of(TEXT, cursor))  # the stream is held meanwhile

    assert item.insert_text == "total = sum(values)"
    assert upstream.requests[0].chunks_sent == 1
    accepted = accept(TEXT, item)
    await apply_accept(lsp, TEXT, accepted)
    gate.set()
    assert await until(upstream, lambda: upstream.requests[0].finished_at is not None)
    after = position_of(accepted, cursor + len("total = sum(values)"))
    assert texts(await inline(lsp, URI, after, AUTO)) == [REST]  # asked again after the accept
    assert len(upstream.requests) == 1
    assert upstream.requests[0].disconnected_at is None  # it ran on to the model's finish


async def test_after_an_accept_the_next_lines_come_from_the_running_stream(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    upstream.script(Reply(chunks=BLOCK, hold_after=1, gate=gate))
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    cursor = len("def total(values):\n    ")
    (item,) = await inline(lsp, URI, position_of(TEXT, cursor))
    accepted = accept(TEXT, item)
    await apply_accept(lsp, TEXT, accepted)

    asking = inline(lsp, URI, position_of(accepted, cursor + len("total = sum(values)")), AUTO)
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
    shown = await inline(lsp, URI, position_of(TEXT, len("def total(values):\n    ")))
    assert texts(shown) == ["total = sum(values)" + REST]


async def apply_accept(lsp: LanguageClient, before: str, after: str) -> None:
    """Send the document as it is after the accept (as one whole-text change)."""
    lsp.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=after)],
        )
    )
