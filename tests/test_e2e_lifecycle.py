"""End to end: the request lifecycle (supersede, abort, cache, in-flight reuse, version guard)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document, plain

URI = "file:///work/project/calc.py"
OTHER = "file:///work/project/other.py"
AUTO = types.InlineCompletionTriggerKind.Automatic
TEXT = "def f(total):\n    total += 1\n    \n"
CURSOR = types.Position(2, 4)


def edit(lsp: LanguageClient, uri: str, version: int, at: types.Position, new: str, gone: int = 0):
    """Type ``new`` at ``at`` (after deleting ``gone`` characters before it), as an editor does."""
    start = types.Position(at.line, at.character - gone)
    lsp.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=start, end=at), text=new
                )
            ],
        )
    )
    return types.Position(at.line, start.character + len(new))


def later(lsp: LanguageClient, uri: str, at: types.Position, trigger: Any = None) -> Any:
    """Send an inline request now; await the result later."""
    kind = trigger or types.InlineCompletionTriggerKind.Invoked
    return asyncio.ensure_future(inline(lsp, uri, at, kind))


async def round_trip(lsp: LanguageClient) -> None:
    """A request answered at once: everything sent before it has been handled by the server."""
    assert await inline(lsp, "file:///nowhere/unknown.py", types.Position(0, 0)) == []


def texts(items: list[types.InlineCompletionItem]) -> list[str]:
    return [item.insert_text for item in items]  # type: ignore[misc]


async def until(upstream: FakeUpstream, predicate: Any) -> bool:
    return await asyncio.to_thread(upstream.wait_until, predicate)


async def test_requests_inside_the_debounce_window_are_answered_and_only_the_last_goes_up(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("urn total\n"))
    lsp = await start_server(options={"debounceMs": 5000})
    open_document(lsp, URI, "def f(total):\n    total += 1\n    r\n")
    first = later(lsp, URI, types.Position(2, 5), AUTO)
    at = edit(lsp, URI, 2, types.Position(2, 5), "e")
    second = later(lsp, URI, at, AUTO)
    at = edit(lsp, URI, 3, at, "t")
    last = later(lsp, URI, at)  # invoked: skips the debounce

    assert texts(await last) == ["urn total"]
    assert await first == [] and await second == []  # answered, not left hanging
    assert len(upstream.requests) == 1
    assert upstream.requests[0].messages[-1]["content"].endswith("    ret")


async def test_a_client_cancel_inside_the_debounce_window_sends_nothing_upstream(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("return total\n"))
    lsp = await start_server(options={"debounceMs": 5000})
    open_document(lsp, URI, TEXT)
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        position=CURSOR,
        context=types.InlineCompletionContext(trigger_kind=AUTO),
    )
    # send_request writes at once, so the cancel surely follows the request
    first = asyncio.wrap_future(
        lsp.protocol.send_request(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id="d1")
    )
    lsp.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="d1"))

    with pytest.raises(JsonRpcRequestCancelled):
        await first
    assert texts(await inline(lsp, URI, CURSOR)) == ["return total"]
    assert len(upstream.requests) == 1


async def test_a_newer_request_answers_the_stale_one_and_closes_its_stream(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    upstream.script(Reply.text("turn total\n", hold_after=0, gate=gate), Reply.text("eturn 0\n"))
    lsp = await start_server()
    open_document(lsp, URI, "def f(total):\n    total += 1\n    re\n")
    stale = later(lsp, URI, types.Position(2, 6))
    assert await until(upstream, lambda: len(upstream.requests) == 1)

    at = edit(lsp, URI, 2, types.Position(2, 6), "", gone=1)  # backspace: a different prompt
    fresh = await inline(lsp, URI, at)

    assert await stale == []
    assert texts(fresh) == ["eturn 0"]
    assert await until(upstream, lambda: upstream.requests[0].disconnected_at is not None)
    assert upstream.requests[0].chunks_sent == 0
    gate.set()


async def test_typing_along_a_suggestion_needs_no_new_requests(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("return total * 2\n"))
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    assert texts(await inline(lsp, URI, CURSOR)) == ["return total * 2"]

    at, shown = CURSOR, []
    for version, char in enumerate("return", start=2):
        at = edit(lsp, URI, version, at, char)
        shown += texts(await inline(lsp, URI, at, AUTO))
    at = edit(lsp, URI, 8, at, "", gone=6)  # undo back to where it started
    shown += texts(await inline(lsp, URI, at, AUTO))

    assert shown == [
        "eturn total * 2",
        "turn total * 2",
        "urn total * 2",
        "rn total * 2",
        "n total * 2",
        " total * 2",
        "return total * 2",
    ]
    assert len(upstream.requests) == 1


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("", "return total"), ("re", "turn total")],
    ids=["asked again at the same spot", "typed what the stream produced"],
)
async def test_a_request_that_agrees_with_the_running_stream_attaches_to_it(
    start_server: StartServer, upstream: FakeUpstream, typed: str, shown: str
) -> None:
    gate = threading.Event()
    upstream.script(Reply(chunks=["ret", "urn total\n"], hold_after=1, gate=gate))
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    first = later(lsp, URI, CURSOR)
    assert await until(upstream, lambda: upstream.requests and upstream.requests[0].chunks_sent)

    # No edit: as VS Code asks again after a cursor blink or a cancel.
    at = edit(lsp, URI, 2, CURSOR, typed) if typed else CURSOR
    second = later(lsp, URI, at, AUTO)
    await round_trip(lsp)  # the second request has attached (or not) by now
    gate.set()

    assert texts(await second) == [shown]
    assert await first == []
    assert len(upstream.requests) == 1
    assert upstream.requests[0].chunks_sent == 2  # not closed at the second request


async def test_a_stream_that_goes_another_way_than_the_typing_is_closed_and_asked_again(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    upstream.script(
        Reply(chunks=["pas", "s\n"], hold_after=1, gate=gate), Reply.text("urn total\n")
    )
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    first = later(lsp, URI, CURSOR)
    assert await until(upstream, lambda: upstream.requests and upstream.requests[0].chunks_sent)

    at = edit(lsp, URI, 2, CURSOR, "ret")
    second = await inline(lsp, URI, at, AUTO)

    assert texts(second) == ["urn total"]
    assert await first == []
    assert len(upstream.requests) == 2
    # The close reaches the fake's thread for that request on its own time.
    assert await until(upstream, lambda: upstream.requests[0].disconnected_at is not None)
    assert upstream.requests[1].messages[-1]["content"].endswith("    ret")
    gate.set()


async def test_the_answer_goes_at_the_models_finish_and_its_usage_report_is_read_after(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    """The finish event decides the completion: the client has it while the provider still
    holds back its usage report, which the server then reads and counts (not an estimate)."""
    gate = threading.Event()
    upstream.script(Reply(chunks=["return total"], hold_after=1, gate=gate))
    lsp = await start_server()
    open_document(lsp, URI, TEXT)

    assert texts(await asyncio.wait_for(inline(lsp, URI, CURSOR), 10)) == ["return total"]
    assert upstream.requests[0].finished_at is None  # the usage report is still held
    gate.set()

    async def tokens_out() -> int:
        command = types.ExecuteCommandParams(command="qwen-lsp.stats")
        return int(plain(await lsp.workspace_execute_command_async(command))["tokensOut"])

    for _ in range(200):  # until the server has read the report (the estimate would be 3)
        if (counted := await tokens_out()) == 1:
            break
        await asyncio.sleep(0.05)
    assert counted == 1


async def test_a_stream_that_fails_after_the_models_finish_still_counts_as_answered(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    """The usage report never comes (the read times out): only it is lost. The completion
    stands, the stream is closed, and it is no provider failure."""
    upstream.script(Reply(chunks=["return total"], hold_after=1, gate=threading.Event()))
    lsp = await start_server(options={"timeoutMs": 300})
    open_document(lsp, URI, TEXT)

    assert texts(await inline(lsp, URI, CURSOR)) == ["return total"]
    assert await until(upstream, lambda: upstream.requests[0].disconnected_at is not None)
    command = types.ExecuteCommandParams(command="qwen-lsp.stats")
    stats = plain(await lsp.workspace_execute_command_async(command))
    assert (stats["requests"], stats["failures"]) == (1, 0)


async def test_a_completion_for_an_older_version_is_never_returned(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    upstream.script(Reply.text("return total\n", hold_after=0, gate=gate))
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    pending = later(lsp, URI, CURSOR)
    assert await until(upstream, lambda: len(upstream.requests) == 1)

    edit(lsp, URI, 2, types.Position(0, 0), "# moved on\n")  # no new request follows
    await round_trip(lsp)
    gate.set()

    assert await pending == []
    assert len(upstream.requests) == 1


async def test_work_in_one_document_never_cancels_work_in_another(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    upstream.script(
        Reply.text("return total\n", hold_after=0, gate=gate),
        Reply.text("return total\n", hold_after=0, gate=gate),
    )
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    open_document(lsp, OTHER, TEXT)
    here = later(lsp, URI, CURSOR, AUTO)
    there = later(lsp, OTHER, CURSOR, AUTO)
    assert await until(upstream, lambda: len(upstream.requests) == 2)
    gate.set()

    assert texts(await here) == texts(await there) == ["return total"]
    assert [r.chunks_sent for r in upstream.requests] == [4, 4]


async def test_the_naive_policy_sends_every_request_and_reads_every_stream(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("return total\n")
    lsp = await start_server(options={"requestPolicy": "naive"})
    open_document(lsp, URI, TEXT)
    answers = [later(lsp, URI, CURSOR, AUTO) for _ in range(3)]

    assert [texts(await answer) for answer in answers] == [["return total"]] * 3
    assert len(upstream.requests) == 3


async def test_a_closed_document_leaves_no_completions_behind(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("return total\n")
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    assert texts(await inline(lsp, URI, CURSOR)) == ["return total"]
    assert texts(await inline(lsp, URI, CURSOR)) == ["return total"]  # from memory
    assert len(upstream.requests) == 1

    lsp.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    open_document(lsp, URI, TEXT)

    assert texts(await inline(lsp, URI, CURSOR)) == ["return total"]
    assert len(upstream.requests) == 2  # its entries went with it: asked again
