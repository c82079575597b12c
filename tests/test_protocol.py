"""The wire, end to end: framing that finds its way back, JSON-RPC errors and LSP's lifecycle as
specified (issue 23's probes, each against the real process)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY
from tests.fake_upstream import FakeUpstream, Reply
from tests.raw_lsp import RawServer, append, open_text, raw_session, server_text

URI = "file:///p/wire.py"
TEXT = "x = 1\n"


def env(upstream: FakeUpstream, **extra: str) -> dict[str, str]:
    return {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url, **extra}


@pytest.fixture
async def server(upstream: FakeUpstream) -> AsyncIterator[RawServer]:
    upstream.default = Reply.text("1\n")
    async with raw_session(env(upstream)) as raw:
        open_text(raw, URI, TEXT)
        yield raw


def change_body(text: str) -> bytes:
    point = {"line": 0, "character": 0}
    params = {
        "textDocument": {"uri": URI, "version": 2},
        "contentChanges": [{"range": {"start": point, "end": point}, "text": text}],
    }
    message = {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}
    return json.dumps(message, ensure_ascii=False).encode()


CAFE = change_body("café = 2\n")


@pytest.mark.parametrize(
    ("bad", "applied"),
    [
        # A client that counts characters, not bytes.
        (b"Content-Length: %d\r\n\r\n%s" % (len(CAFE.decode()), CAFE), False),
        (b"Content-Length: %d\r\n\r\n%s" % (len(CAFE) - 3, CAFE), False),  # a few bytes short
        (b"Content-Length: %d\r\n\r\n%s" % (len(CAFE) + 3, CAFE), True),  # a few bytes long
        (b"Content-Type: application/vscode-jsonrpc\r\n\r\n%s" % CAFE, False),  # no length
        (b"content-length: %d\n\n%s" % (len(CAFE), CAFE), True),  # LF-only header lines
    ],
)
async def test_after_a_badly_framed_message_the_next_ones_are_served(
    server: RawServer, upstream: FakeUpstream, bad: bytes, applied: bool
) -> None:
    server.write(bad)
    append(server, URI, 3, 0, "y = 0\n")

    text = await server_text(server, upstream, URI, 3 if applied else 2, 10)

    assert text == ("y = 0\ncafé = 2\n" if applied else "y = 0\n") + TEXT
    server.request(11, "workspace/executeCommand", {"command": "qwen-lsp.stats"})
    assert "result" in await server.answer(11)  # and it keeps answering


async def test_a_huge_length_is_refused_without_buffering_what_follows(
    server: RawServer, upstream: FakeUpstream
) -> None:
    # A first completion: what a server loads once (the provider's SDK) is in the baseline.
    assert await server_text(server, upstream, URI, 1, 9) == TEXT
    rss_before = _rss(server)
    server.write(b"Content-Length: 1000000000000\r\n\r\n")
    for _ in range(40):  # 40 MB that are not a header
        server.write(b"x" * (1 << 20))
        assert server.process.stdin is not None
        await server.process.stdin.drain()
    append(server, URI, 2, 0, "y = 0\n")

    assert await server_text(server, upstream, URI, 2, 10) == "y = 0\n" + TEXT
    if rss_before is not None:
        assert _rss(server) - rss_before < 20 << 20  # bytes
    server.process.kill()
    await server.process.wait()
    assert server.stderr == b""  # read once the session ends


def _rss(server: RawServer) -> int | None:
    """The server process's resident memory in bytes (Linux), else None."""
    status = Path(f"/proc/{server.process.pid}/status")
    if not sys.platform.startswith("linux") or not status.exists():
        return None
    line = next(li for li in status.read_text().splitlines() if li.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


async def test_a_message_over_max_message_mb_is_refused_and_logged(
    upstream: FakeUpstream,
) -> None:
    upstream.default = Reply.text("1\n")
    async with raw_session(env(upstream, QWEN_LSP_MAX_MESSAGE_MB="1")) as server:
        open_text(server, "file:///p/big.py", "z = 0\n" * 300_000)  # 1.8 MB: refused
        open_text(server, URI, TEXT)
        assert await server_text(server, upstream, URI, 1, 10) == TEXT
        server.request(11, "textDocument/inlineCompletion", {
            "textDocument": {"uri": "file:///p/big.py"}, "position": {"line": 1, "character": 0},
            "context": {"triggerKind": 1}})  # fmt: skip
        assert (await server.answer(11))["result"]["items"] == []  # never opened
    assert b"over maxMessageMb" in server.stderr


async def test_megabytes_without_a_header_end_the_server_with_an_error(
    upstream: FakeUpstream,
) -> None:
    async with raw_session(env(upstream, QWEN_LSP_MAX_MESSAGE_MB="1")) as server:
        server.write(b"not LSP at all\n" * 100_000)
        assert await asyncio.wait_for(server.process.wait(), 30) == 1
    assert b"not LSP" in server.stderr
    assert b"Traceback" not in server.stderr


# --- JSON-RPC and the LSP lifecycle ---


async def test_a_request_cut_off_mid_json_gets_a_parse_error(server: RawServer) -> None:
    server.send(b'{"jsonrpc": "2.0", "id": 3, "method": "shutdown", "par')
    answer = await server.answer(None)  # type: ignore[arg-type]  # id null: unknown
    assert answer["error"]["code"] == -32700
    assert "id" in answer and answer["id"] is None


@pytest.mark.parametrize(
    ("frame", "id_"),
    [
        (b"[1, 2, 3]", None),
        (b'{"id": 7, "method": "textDocument/inlineCompletion"}', 7),  # no "jsonrpc"
        (b'{"jsonrpc": "2.0", "id": 8, "method": 5}', 8),
        (b'{"jsonrpc": "2.0", "id": [8], "method": "shutdown"}', None),
    ],
)
async def test_a_message_that_is_not_json_rpc_gets_an_invalid_request_error(
    server: RawServer, frame: bytes, id_: int | None
) -> None:
    server.send(frame)
    assert (await server.answer(id_))["error"]["code"] == -32600  # type: ignore[arg-type]


async def test_a_request_after_shutdown_is_refused_and_exit_then_ends_with_0(
    server: RawServer,
) -> None:
    server.request(2, "shutdown", None)
    assert (await server.answer(2))["result"] is None
    server.request(3, "workspace/executeCommand", {"command": "qwen-lsp.stats"})
    assert (await server.answer(3))["error"]["code"] == -32600
    server.notify("exit", None)
    assert await asyncio.wait_for(server.process.wait(), 30) == 0


async def test_exit_without_shutdown_ends_with_1(server: RawServer) -> None:
    server.notify("exit", None)
    assert await asyncio.wait_for(server.process.wait(), 30) == 1


async def test_each_invalid_request_is_one_log_line_without_a_traceback(
    upstream: FakeUpstream,
) -> None:
    bad_params = [
        ("textDocument/inlineCompletion", {"position": "nowhere"}),
        ("textDocument/inlineCompletion", None),
        ("workspace/executeCommand", {"command": 5}),
        ("textDocument/didOpen", {"textDocument": 1}),
        ("qwen/doesNotExist", {}),
    ]
    async with raw_session(env(upstream)) as server:
        for n, (method, params) in enumerate(bad_params * 4):
            server.request(100 + n, method, params)
            assert "error" in await server.answer(100 + n)
        server.request(2, "shutdown", None)
        await server.answer(2)
        server.notify("exit", None)
        await asyncio.wait_for(server.process.wait(), 30)
    log = server.stderr.decode().splitlines()
    assert not [line for line in log if "Traceback" in line]
    assert len(log) <= len(bad_params) * 4 + 1  # a line each (and the start's warning, if any)


async def test_at_debug_the_traceback_of_an_invalid_request_is_written(
    upstream: FakeUpstream,
) -> None:
    async with raw_session(env(upstream, QWEN_LSP_LOG_LEVEL="debug")) as server:
        server.request(5, "textDocument/inlineCompletion", {"position": "nowhere"})
        assert (await server.answer(5))["error"]["code"] == -32602
    assert b"Traceback" in server.stderr
    assert b"ClassValidationError" in server.stderr
