"""End to end: the next suggestion is asked for right after an accept, before the editor asks."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import accept, inline, open_document, plain, position_of, replace_text
from tests.test_e2e_lifecycle import AUTO, URI, round_trip, texts, until

TEXT = "def mean(values):\n    \n"
CURSOR = len("def mean(values):\n    ")
FIRST = "total = sum(values)"
NEXT = "\n    return total / len(values)"


async def stats(lsp: LanguageClient) -> dict[str, Any]:
    command = types.ExecuteCommandParams(command="qwen-lsp.stats")
    return dict(plain(await lsp.workspace_execute_command_async(command)))


async def accepted_first(lsp: LanguageClient) -> str:
    """Show the first suggestion and accept it as VS Code does: the edit, then the command."""
    (item,) = await inline(lsp, URI, position_of(TEXT, CURSOR))
    after = accept(TEXT, item)
    replace_text(lsp, URI, after, 2)
    assert item.command is not None
    await lsp.workspace_execute_command_async(
        types.ExecuteCommandParams(command=item.command.command, arguments=item.command.arguments)
    )
    return after


async def test_after_an_accept_the_next_suggestion_is_asked_for_before_the_editor_asks(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text(FIRST + "\n"), Reply.text(NEXT + "\n"))
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    after = await accepted_first(lsp)

    assert await until(upstream, lambda: len(upstream.requests) == 2)  # nobody asked yet
    assert upstream.requests[1].messages[-1]["content"].endswith("    " + FIRST)
    shown = await inline(lsp, URI, position_of(after, CURSOR + len(FIRST)), AUTO)

    assert texts(shown) == [NEXT]
    assert len(upstream.requests) == 2
    assert (await stats(lsp))["speculativeRequests"] == 1  # the edit and the command: one


async def test_partial_accepts_ask_ahead_once_the_suggestion_is_used_up(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    """Word by word: the rest of the suggestion is known, nothing goes upstream, until the
    last word is accepted."""
    upstream.script(Reply.text(FIRST + "\n"), Reply.text(NEXT + "\n"))
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    await inline(lsp, URI, position_of(TEXT, CURSOR))
    partly = TEXT[:CURSOR] + "total" + TEXT[CURSOR:]
    replace_text(lsp, URI, partly, 2)
    lsp.protocol.notify("textDocument/didPartiallyAcceptCompletion", {"acceptedLength": 5})
    shown = await inline(lsp, URI, position_of(partly, CURSOR + 5), AUTO)
    assert texts(shown) == [" = sum(values)"]
    assert len(upstream.requests) == 1

    after = TEXT[:CURSOR] + FIRST + TEXT[CURSOR:]
    replace_text(lsp, URI, after, 3)
    lsp.protocol.notify("textDocument/didPartiallyAcceptCompletion", {"acceptedLength": 14})

    assert await until(upstream, lambda: len(upstream.requests) == 2)
    shown = await inline(lsp, URI, position_of(after, CURSOR + len(FIRST)), AUTO)
    assert texts(shown) == [NEXT]
    assert len(upstream.requests) == 2


async def test_an_edit_going_another_way_closes_the_request_sent_ahead(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    upstream.script(
        Reply.text(FIRST + "\n"), Reply(chunks=["\n    ret", "urn"], hold_after=1, gate=gate)
    )
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    after = await accepted_first(lsp)
    assert await until(upstream, lambda: upstream.requests[1:] and upstream.requests[1].chunks_sent)

    replace_text(
        lsp, URI, after[: CURSOR + len(FIRST)] + "  # sum" + after[CURSOR + len(FIRST) :], 3
    )

    assert await until(upstream, lambda: upstream.requests[1].disconnected_at is not None)
    assert (await stats(lsp))["speculativeClosed"] == 1
    gate.set()


@pytest.mark.parametrize("options", [{"speculate": False}], ids=["speculate off"])
async def test_a_setting_turns_it_off(
    start_server: StartServer, upstream: FakeUpstream, options: dict[str, Any]
) -> None:
    upstream.script(Reply.text(FIRST + "\n"), Reply.text(NEXT + "\n"))
    lsp = await start_server(options=options)
    open_document(lsp, URI, TEXT)
    after = await accepted_first(lsp)
    await round_trip(lsp)

    assert len(upstream.requests) == 1
    shown = await inline(lsp, URI, position_of(after, CURSOR + len(FIRST)), AUTO)
    assert texts(shown) == [NEXT]
    assert (await stats(lsp))["speculativeRequests"] == 0
