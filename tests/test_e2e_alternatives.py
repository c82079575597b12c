"""End to end: an invoked request returns several suggestions to cycle; automatic ones stay one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import accept, inline, open_document, plain, position_of, split_cursor

URI = "file:///work/project/calc.py"
TEXT, OFFSET = split_cursor("def add(a, b):\n    ║\n")
THREE = {"invokedSuggestions": 3}
AUTO = types.InlineCompletionTriggerKind.Automatic


def by_temperature(replies: dict[float, str], read: Callable[[dict[str, Any]], float]) -> Any:
    """A responder answering each request by the temperature it asked for (requests sent side by
    side reach the fake in any order)."""
    return lambda body: Reply.text(replies[read(body)])


def chat_temperature(body: dict[str, Any]) -> float:
    return float(body["temperature"])


async def served(
    start_server: StartServer, upstream: FakeUpstream, replies: dict[float, str], **options: Any
) -> LanguageClient:
    """A server asking for three suggestions, the fake answering each by its temperature."""
    upstream.default = by_temperature(replies, chat_temperature)
    return await start_server(options={**THREE, **options})


async def ask(lsp: LanguageClient, trigger: Any = types.InlineCompletionTriggerKind.Invoked) -> Any:
    open_document(lsp, URI, TEXT)
    return await inline(lsp, URI, position_of(TEXT, OFFSET), trigger)


async def stats(lsp: LanguageClient) -> dict[str, Any]:
    command = types.ExecuteCommandParams(command="qwen-lsp.stats")
    return plain(await lsp.workspace_execute_command_async(command))  # type: ignore[no-any-return]


async def test_an_invoked_request_returns_three_distinct_suggestions_the_ordinary_one_first(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    replies = {0.2: "return a + b\n", 0.5: "return b + a\n", 0.8: "return sum((a, b))\n"}

    items = await ask(await served(start_server, upstream, replies))

    texts = ["return a + b", "return b + a", "return sum((a, b))"]
    assert [item.insert_text for item in items] == texts
    assert accept(TEXT, items[2]) == "def add(a, b):\n    return sum((a, b))\n"
    accepts = [(item.command.command, list(item.command.arguments)) for item in items]  # type: ignore[union-attr]
    assert accepts == [("qwen-lsp.accept", [len(text)]) for text in texts]
    assert sorted(r.body["temperature"] for r in upstream.requests) == [0.2, 0.5, 0.8]
    assert len({json.dumps(r.messages) for r in upstream.requests}) == 1  # one prompt


async def test_suggestions_equal_after_post_processing_are_shown_once(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    replies = {
        0.2: "return a + b\n",
        0.5: "return a + b\n\n\ndef other():\n    pass\n",  # the same once cut to the function
        0.8: "return b + a\n",
    }

    items = await ask(await served(start_server, upstream, replies))

    assert [item.insert_text for item in items] == ["return a + b", "return b + a"]
    assert len(upstream.requests) == 3


async def test_an_automatic_request_sends_one_request_and_returns_one_suggestion(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("return a + b\n")
    lsp = await start_server(options=THREE)

    items = await ask(lsp, AUTO)

    assert [item.insert_text for item in items] == ["return a + b"]
    assert len(upstream.requests) == 1
    assert (await stats(lsp))["alternatives"] == 0


async def test_stats_count_the_extra_requests_and_their_tokens(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    replies = {0.2: "return a + b\n", 0.5: "return b + a\n", 0.8: "return a+b\n"}
    lsp = await served(start_server, upstream, replies)

    await ask(lsp)

    counted = await stats(lsp)
    assert (counted["completions"], counted["requests"], counted["alternatives"]) == (1, 3, 2)
    # The fake reports a chunk as a token: all three replies are paid for.
    assert counted["tokensOut"] == sum(r.chunks_sent for r in upstream.requests)


async def test_one_suggestion_setting_sends_no_extra_request(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("return a + b\n")
    lsp = await start_server(options={"invokedSuggestions": 1})

    assert len(await ask(lsp)) == 1
    assert len(upstream.requests) == 1


async def test_a_cancelled_request_closes_every_stream(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("slow_value\n", ttft=30)
    lsp = await start_server(options=THREE)
    open_document(lsp, URI, TEXT)
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        position=position_of(TEXT, OFFSET),
        context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Invoked),
    )
    method = types.TEXT_DOCUMENT_INLINE_COMPLETION
    request = asyncio.ensure_future(
        lsp.protocol.send_request_async(method, params, msg_id="alts-1")
    )
    assert await asyncio.to_thread(upstream.wait_until, lambda: len(upstream.requests) == 3)

    lsp.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="alts-1"))

    with pytest.raises(JsonRpcRequestCancelled):
        await request
    closed = lambda: all(r.disconnected_at is not None for r in upstream.requests)  # noqa: E731
    assert await asyncio.to_thread(upstream.wait_until, closed)


async def test_an_edit_closes_the_extra_streams(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("slow_value\n", ttft=30)
    lsp = await start_server(options=THREE)
    answer = asyncio.ensure_future(ask(lsp))
    assert await asyncio.to_thread(upstream.wait_until, lambda: len(upstream.requests) == 3)

    lsp.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=TEXT + "x\n")],
        )
    )

    extras = [r for r in upstream.requests if r.body["temperature"] != 0.2]
    closed = lambda: all(r.disconnected_at is not None for r in extras)  # noqa: E731
    assert await asyncio.to_thread(upstream.wait_until, closed)
    answer.cancel()


async def test_fill_in_the_middle_extras_are_sampled_where_the_server_reads_the_temperature(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    replies = {0.2: "return a + b\n", 0.5: "return b + a\n", 0.8: "return a+b\n"}
    upstream.default = by_temperature(replies, lambda body: body["options"]["temperature"])
    lsp = await start_server(options={**THREE, "provider": "ollama", "dialect": "fim"})

    items = await ask(lsp)

    assert len(items) == 3
    assert {r.path for r in upstream.requests} == {"/api/generate"}
    assert {r.body["options"]["num_predict"] for r in upstream.requests} == {256}
    assert all("temperature" not in r.body for r in upstream.requests)


async def test_under_a_tight_budget_the_ordinary_suggestion_goes_first(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    replies = {0.2: "return a + b\n", 0.5: "return b + a\n", 0.8: "return a+b\n"}
    lsp = await served(start_server, upstream, replies, requestsPerMinute=1)

    items = await ask(lsp)

    assert [item.insert_text for item in items] == ["return a + b"]
    assert [r.body["temperature"] for r in upstream.requests] == [0.2]
    counted = await stats(lsp)
    assert (counted["requests"], counted["alternatives"], counted["skipped"]) == (1, 2, 2)
