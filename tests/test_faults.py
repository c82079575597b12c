"""The upstream fault matrix, end to end: each fault gives one clear status and at most one
message, empty answers without hammering the provider, and completions again once it clears."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import TEST_KEY, StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document, plain, published, settled, statuses

URI = "file:///work/project/faults.py"
POSITION = types.Position(0, 4)
LONG_PAUSE = {"backoffMs": 600_000, "backoffMaxMs": 600_000}  # no probe during a test
THRESHOLD = 3  # transient failures in a row before the breaker opens


@dataclass(frozen=True)
class Fault:
    kind: str
    reply: Reply | None = None  # None: the fault is in the URL, not the reply
    base_url: str | None = None
    calls: int = THRESHOLD  # upstream requests out of five before requests stop
    state: str = "error"
    alert: bool = True  # one showMessage
    options: dict[str, Any] = field(default_factory=dict)


def _error(status: int, message: str, **headers: str) -> Reply:
    return Reply(status=status, error={"message": message, "code": "x"}, headers=headers)


# A reply whose shape is right but a value is not (a count that is no number).
_MALFORMED_USAGE = (
    b'data: {"choices": [{"delta": {"content": "1"}}], "usage": {"prompt_tokens": "many"}}'
)

FAULTS: dict[str, Fault] = {
    "401 bad key": Fault("auth", _error(401, "Incorrect API key provided"), calls=1),
    "403 forbidden": Fault("auth", _error(403, "access denied"), calls=1),
    "arrears": Fault("quota", _error(400, "Arrearage: account in arrears"), calls=1),
    "404 unknown model": Fault("not_found", _error(404, "model not found"), calls=1),
    "400 no prefix continuation": Fault(
        "prefix_unsupported",
        _error(400, "thinking mode does not support prefix continuation"),
        calls=1,
    ),
    "400 context too long": Fault(
        "context_too_long",
        _error(400, "Range of input length should be [1, 129024]"),
        calls=5,
        alert=False,
    ),
    "429 rate limit": Fault(
        "rate_limited",
        _error(429, "Requests rate limit exceeded", **{"retry-after": "600"}),
        calls=1,
        state="rate_limited",
        alert=False,
    ),
    "500": Fault("server", _error(500, "internal error")),
    "502 html": Fault("server", Reply(status=502, error="<html>Bad Gateway</html>")),
    "503": Fault("server", _error(503, "overloaded")),
    "connection refused": Fault("offline", base_url="http://127.0.0.1:9/v1"),
    "dns failure": Fault("dns", base_url="http://qwen-lsp-test.invalid/v1"),
    "tls failure": Fault("tls", base_url="https-on-plain-http"),
    "no answer": Fault("timeout", Reply(hang=True), options={"timeoutMs": 300}),
    "stream stops mid-way": Fault("stream", Reply.text("value = 1 + 2\n", drop_after=2)),
    "malformed SSE": Fault("stream", Reply(raw=b"data: {not json\n\n")),
    "malformed JSON chunk": Fault("stream", Reply(raw=b'data: {"choices": 5}\n\n')),
    "malformed usage": Fault("stream", Reply(raw=_MALFORMED_USAGE + b"\n\n")),
    "empty stream": Fault("stream", Reply(raw=b"")),
}


def base_url_for(fault: Fault, upstream: FakeUpstream) -> str:
    if fault.base_url == "https-on-plain-http":
        return upstream.base_url.replace("http://", "https://")
    return fault.base_url or upstream.base_url


@pytest.mark.parametrize("name", list(FAULTS))
async def test_fault_gives_one_status_empty_answers_and_recovers(
    start_server: StartServer, upstream: FakeUpstream, name: str
) -> None:
    fault = FAULTS[name]
    if fault.reply is not None:
        upstream.default = fault.reply
    url = base_url_for(fault, upstream)
    lsp = await start_server(options={"baseUrl": url, **LONG_PAUSE, **fault.options})
    open_document(lsp, URI, "x = \n")

    answers = [await inline(lsp, URI, POSITION) for _ in range(5)]

    assert answers == [[]] * 5
    if fault.base_url is None:
        assert len(upstream.requests) == fault.calls
    seen = await settled(lsp, fault.state)
    failures = [s for s in seen if s["state"] not in ("busy", "ready")]
    assert [(s["state"], s["kind"]) for s in failures] == [(fault.state, fault.kind)]
    assert TEST_KEY not in str(failures)
    shown = [m.message for m in lsp.messages if m.type <= types.MessageType.Warning]
    assert len(shown) == (1 if fault.alert else 0)

    # The fault clears (the user fixes the setting, or the provider comes back).
    upstream.default = Reply.text("42\n")
    lsp.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"baseUrl": upstream.base_url})
    )
    items = await inline(lsp, URI, POSITION)

    assert [item.insert_text for item in items] == ["42"]
    assert (await settled(lsp, "ready", kind=None))[-1] == {"state": "ready"}


async def until_answered(lsp: LanguageClient, limit: int = 400) -> list[types.InlineCompletionItem]:
    """Ask again and again (as typing would) until a completion comes back."""
    for _ in range(limit):
        items = await inline(lsp, URI, POSITION)
        if items:
            return items
        await asyncio.sleep(0.02)
    raise AssertionError("no completion after the fault cleared")


async def test_breaker_probes_once_and_recovers_without_a_settings_change(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(*[_error(503, "overloaded")] * THRESHOLD)
    upstream.default = Reply.text("42\n")
    lsp = await start_server(options={"backoffMs": 100, "backoffMaxMs": 100})
    open_document(lsp, URI, "x = \n")

    items = await until_answered(lsp)

    assert items[0].insert_text == "42"
    assert len(upstream.requests) == THRESHOLD + 1  # the failures, then one successful probe
    states = [s["state"] for s in await settled(lsp, "ready", kind=None)]
    assert states.count("error") == 1
    assert [m.type for m in lsp.messages] == [types.MessageType.Error]


async def rate_limited_for_a_moment(start_server: StartServer, upstream: FakeUpstream) -> Any:
    """A server whose first request meets a 429 with a 0.3 s Retry-After; answers after it."""
    upstream.script(_error(429, "slow down", **{"retry-after": "0.3"}))
    upstream.default = Reply.text("42\n")
    lsp = await start_server(options={"backoffMs": 10, "backoffMaxMs": 10})
    open_document(lsp, URI, "x = \n")
    return lsp


async def test_rate_limit_honours_retry_after_and_pauses_requests(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await rate_limited_for_a_moment(start_server, upstream)

    items = await until_answered(lsp)

    assert items[0].insert_text == "42"
    assert len(upstream.requests) == 2  # nothing was sent while paused
    seen = await settled(lsp, "ready", kind=None)
    (limited,) = [s for s in seen if s["state"] == "rate_limited"]
    assert limited["kind"] == "rate_limited"
    assert limited["retryInMs"] >= 300
    assert seen[-1] == {"state": "ready"}


async def test_stats_count_requests_tokens_failures_and_feedback(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(_error(500, "boom"), Reply.text("42\n"))
    lsp = await start_server(options={"model": "qwen3-coder-flash", **LONG_PAUSE})
    open_document(lsp, URI, "x = \n")
    assert await inline(lsp, URI, POSITION) == []
    (item,) = await inline(lsp, URI, POSITION)
    assert item.command is not None

    lsp.protocol.notify("textDocument/didShowCompletion", {"item": {"insertText": "42"}})
    lsp.protocol.notify(
        "textDocument/didPartiallyAcceptCompletion",
        {"item": {"insertText": "42"}, "acceptedLength": 1},
    )
    await lsp.workspace_execute_command_async(
        types.ExecuteCommandParams(command=item.command.command, arguments=item.command.arguments)
    )
    stats = plain(
        await lsp.workspace_execute_command_async(
            types.ExecuteCommandParams(command="qwen-lsp.stats")
        )
    )

    assert stats["completions"] == 2
    assert stats["requests"] == 2
    assert stats["failures"] == 1
    assert (stats["shown"], stats["accepted"], stats["partiallyAccepted"]) == (1, 1, 1)
    assert stats["acceptedChars"] == 1 + 2
    assert stats["tokensIn"] > 0 and stats["tokensOut"] > 0
    assert stats["estimatedCost"] > 0 and stats["currency"] == "CNY"
    assert stats["latencyMs"]["samples"] == 1
    assert stats["latencyMs"]["p50"] == stats["latencyMs"]["p95"] > 0
    assert stats["abortedStreams"] == 0 and stats["cacheHits"] == 0


async def in_new_document(lsp: LanguageClient, n: int) -> list[types.InlineCompletionItem]:
    """A completion where nothing is cached yet."""
    uri = f"file:///work/project/new_{n}.py"
    open_document(lsp, uri, "x = \n")
    return await inline(lsp, uri, POSITION)


async def test_request_budget_stops_upstream_calls_and_says_so(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("42\n")
    lsp = await start_server(options={"requestsPerMinute": 2})

    answers = [await in_new_document(lsp, n) for n in range(4)]

    assert [len(a) for a in answers] == [1, 1, 0, 0]
    assert len(upstream.requests) == 2
    (limited,) = [s for s in await settled(lsp, "rate_limited") if s["state"] == "rate_limited"]
    assert limited["kind"] == "budget" and "2 requests a minute" in limited["message"]
    assert [m.type for m in lsp.messages] == [types.MessageType.Warning]


async def test_daily_token_budget(start_server: StartServer, upstream: FakeUpstream) -> None:
    upstream.default = Reply.text("42\n")
    lsp = await start_server(options={"tokensPerDay": 10})

    answers = [await in_new_document(lsp, n) for n in range(3)]

    assert [len(a) for a in answers] == [1, 0, 0]
    (limited,) = [s for s in await settled(lsp, "rate_limited") if s["state"] == "rate_limited"]
    assert "daily budget" in limited["message"] and "tomorrow" in limited["message"]


def retrying(kind: str, message: str) -> dict[str, Any]:
    """The status once a pause ends: not ready, and still naming the failure it retries after."""
    return {"state": "retrying", "kind": kind, "message": message}


async def test_rate_limit_pause_end_is_published_without_a_keystroke(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await rate_limited_for_a_moment(start_server, upstream)
    assert await inline(lsp, URI, POSITION) == []
    limited = (await settled(lsp, "rate_limited"))[-1]

    seen = await published(lsp, retrying("rate_limited", limited["message"]))

    assert [s["state"] for s in seen[-2:]] == ["rate_limited", "retrying"]
    assert len(upstream.requests) == 1  # announcing the end of the pause sends nothing
    (item,) = await inline(lsp, URI, POSITION)  # the next keystroke is the probe
    assert item.insert_text == "42"
    assert (await settled(lsp, "ready", kind=None))[-1] == {"state": "ready"}
    assert len(upstream.requests) == 2


async def test_open_breaker_end_is_published_and_a_failed_probe_adds_no_message(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = _error(503, "overloaded")
    lsp = await start_server(options={"backoffMs": 100, "backoffMaxMs": 100})
    open_document(lsp, URI, "x = \n")
    for _ in range(THRESHOLD):
        assert await inline(lsp, URI, POSITION) == []

    await settled(lsp, "retrying", kind="server")
    assert len(upstream.requests) == THRESHOLD
    lsp.statuses.clear()  # type: ignore[attr-defined]
    assert await inline(lsp, URI, POSITION) == []  # the probe fails: open again
    await settled(lsp, "retrying", kind="server")  # ... and its end is announced again

    assert len(upstream.requests) == THRESHOLD + 1
    # A probe that fails within the status delay shows no busy in between: no flicker.
    assert [s["state"] for s in statuses(lsp) if s["state"] != "busy"] == ["error", "retrying"]
    assert [m.type for m in lsp.messages] == [types.MessageType.Error]  # one message in all


async def test_status_never_says_ready_while_the_provider_is_down(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    """The user types on, with pauses, while the endpoint is gone: the status alternates between
    the failure and "retrying" (each naming the failure), never "ready", until an answer comes."""
    down = {"baseUrl": "http://127.0.0.1:9/v1", "backoffMs": 50, "backoffMaxMs": 100}
    lsp = await start_server(options=down)
    open_document(lsp, URI, "x = \n")
    for _ in range(THRESHOLD + 3):  # a keystroke, then a pause longer than the back-off
        assert await inline(lsp, URI, POSITION) == []
        await asyncio.sleep(0.4)
    seen = [s for s in statuses(lsp) if s["state"] != "busy"]

    upstream.default = Reply.text("42\n")
    lsp.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"baseUrl": upstream.base_url})
    )
    assert [item.insert_text for item in await until_answered(lsp)] == ["42"]

    assert [s["state"] for s in seen[:2]] == ["ready", "error"]  # started, then went down
    failing = seen[1:]
    assert [s["state"] for s in failing] == ["error", "retrying"] * (len(failing) // 2)
    assert len(failing) >= 4
    assert all(s["kind"] == "offline" and s["message"] for s in failing)
    assert (await settled(lsp, "ready", kind=None))[-1] == {"state": "ready"}


async def complete_block(lsp: LanguageClient) -> Any:
    where = {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 4}}
    return await lsp.workspace_execute_command_async(
        types.ExecuteCommandParams(command="qwen-lsp.completeBlock", arguments=[where])
    )


@pytest.mark.parametrize("name", ["401 bad key", "429 rate limit", "503", "400 context too long"])
async def test_complete_block_failures_go_through_the_same_breaker(
    start_server: StartServer, upstream: FakeUpstream, name: str
) -> None:
    fault = FAULTS[name]
    assert fault.reply is not None
    upstream.default = fault.reply
    lsp = await start_server(options={**LONG_PAUSE, **fault.options})
    open_document(lsp, URI, "x = \n")

    answers = [await complete_block(lsp) for _ in range(5)]

    assert answers == [None] * 5
    assert len(upstream.requests) == fault.calls  # as for inline requests: not hammered
    failures = [s for s in await settled(lsp, fault.state) if s["state"] not in ("busy", "ready")]
    assert [(s["state"], s["kind"]) for s in failures] == [(fault.state, fault.kind)]
    shown = [m.message for m in lsp.messages if m.type <= types.MessageType.Warning]
    assert len(shown) == (1 if fault.alert else 0)
    # One breaker for both: inline requests are held back too, and the other way round.
    assert await inline(lsp, URI, POSITION) == []
    assert len(upstream.requests) == fault.calls + (fault.calls == 5)
    stats = plain(
        await lsp.workspace_execute_command_async(
            types.ExecuteCommandParams(command="qwen-lsp.stats")
        )
    )
    assert stats["failures"] == len(upstream.requests)
