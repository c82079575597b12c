"""The provider's connections: over HTTP/2 a stale completion's stream is reset and the next
completion goes out on the same connection; over HTTP/1.1 closing it closes its connection.
Either way the provider stops sending (and billing) what nobody will read."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest
from lsprotocol import types

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document, settled
from tests.test_e2e_lifecycle import edit

URI = "file:///work/project/calc.py"


def held() -> Reply:
    """A reply that sends one piece, then nothing until the client hangs up: a stale one."""
    return Reply.text("turn total\n", hold_after=1, gate=threading.Event())


async def until(upstream: FakeUpstream, predicate: object) -> bool:
    return await asyncio.to_thread(upstream.wait_until, predicate)  # type: ignore[arg-type]


def waiting_for_its_head() -> Reply:
    """A stale reply still in the model's time to first token: not even its head has come."""
    return Reply.text("turn total\n", hang=True)


@pytest.mark.parametrize("stale", [held, waiting_for_its_head], ids=["mid-reply", "before-head"])
@pytest.mark.parametrize("http2", [True, False], ids=["http2", "http1.1"])
async def test_a_stale_completion_stops_the_provider_and_the_next_one_is_answered(
    start_server: StartServer,
    tls: tuple[ssl.SSLContext, Path],
    http2: bool,
    stale: Callable[[], Reply],
) -> None:
    context, certificate = tls
    reply = Reply.text("eturn 0\n")
    with FakeUpstream(reply, tls=context, http2=http2, keep_alive=True) as upstream:
        upstream.script(stale())
        env = {"SSL_CERT_FILE": str(certificate)}  # the custom CA setting users have
        lsp = await start_server(options={"baseUrl": upstream.base_url}, env=env)
        open_document(lsp, URI, "def f(total):\n    re\n")
        asked = asyncio.ensure_future(inline(lsp, URI, types.Position(1, 6)))
        first = stale is held
        assert await until(
            upstream, lambda: upstream.requests and (upstream.requests[0].chunks_sent or not first)
        )

        at = edit(lsp, URI, 2, types.Position(1, 6), "", gone=1)  # a newer request
        fresh = await inline(lsp, URI, at)

        assert await asked == []
        assert [item.insert_text for item in fresh] == ["eturn 0"]
        assert await until(upstream, lambda: upstream.requests[0].disconnected_at is not None)
        assert upstream.requests[0].chunks_sent == first  # nothing more was generated for it
        if http2:  # one stream reset, one connection for both
            assert upstream.resets == 1
            assert len(upstream.connections) == 1
            assert upstream.requests[1].connected_at == upstream.requests[0].connected_at


async def test_over_http2_the_connection_stays_open_for_the_next_completions(
    start_server: StartServer, tls: tuple[ssl.SSLContext, Path]
) -> None:
    context, certificate = tls
    with FakeUpstream(Reply.text("eturn 0\n"), tls=context, http2=True) as upstream:
        env = {"SSL_CERT_FILE": str(certificate)}
        lsp = await start_server(options={"baseUrl": upstream.base_url}, env=env)
        for n in range(4):
            uri = f"file:///work/project/calc{n}.py"
            open_document(lsp, uri, "def f(total):\n    re\n")
            assert [item.insert_text for item in await inline(lsp, uri, types.Position(1, 6))] == [
                "eturn 0"
            ]

        assert len(upstream.requests) == 4
        assert len(upstream.connections) == 1 and upstream.ended == 0


async def test_no_key_no_authorization_and_no_openai_account_headers(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    """A local server that takes no key is sent none; and the OpenAI account the environment
    names is no business of the chosen provider."""
    upstream.default = Reply.text("return total\n")
    env = {"OPENAI_API_KEY": "sk-openai", "OPENAI_ORG_ID": "org-1", "OPENAI_PROJECT_ID": "p-1"}
    options = {"provider": "vllm", "apiKey": "", "baseUrl": upstream.base_url}
    lsp = await start_server(options=options, env=env)
    open_document(lsp, URI, "def f(total):\n    ")
    assert await inline(lsp, URI, types.Position(1, 4)) != []

    headers = upstream.requests[0].headers
    assert "authorization" not in headers
    assert not {"openai-organization", "openai-project"} & set(headers)
    assert "sk-openai" not in str(headers)


class Listener:
    """A TCP server on 127.0.0.1 (on ``listen``, or any free port) that hands each connection,
    in a thread of its own, to ``serve``; ``accepted`` counts them."""

    def __init__(self, listen: int = 0) -> None:
        self.accepted = 0
        self._listener = socket.create_server(("127.0.0.1", listen))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self._listener.accept()
                self.accepted += 1
                threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def serve(self, client: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._listener.close()


class ForwardProxy(Listener):
    """An HTTP forward proxy: each request, sent with an absolute URI, goes on to the origin in
    it, and the reply comes back until the origin closes."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}"

    def serve(self, client: socket.socket) -> None:
        with client, contextlib.suppress(OSError):
            reader = client.makefile("rb")
            method, target, version = reader.readline().split()
            head = b"".join(iter(reader.readline, b"\r\n"))
            length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), b"0"))  # fmt: skip
            body = reader.read(length)
            origin = urllib.parse.urlsplit(target.decode())
            self.targets.append(target.decode())
            with socket.create_connection((origin.hostname, origin.port)) as server:
                line = b" ".join((method, origin.path.encode(), version))
                server.sendall(line + b"\r\n" + head + b"\r\n" + body)
                while data := server.recv(65536):
                    client.sendall(data)


async def test_behind_a_proxy_completions_go_through_it(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    proxy = ForwardProxy()
    upstream.default = Reply.text("return total\n")
    lsp = await start_server(env={"HTTP_PROXY": proxy.url, "http_proxy": proxy.url})
    open_document(lsp, URI, "def f(total):\n    ")
    (item,) = await inline(lsp, URI, types.Position(1, 4))
    proxy.close()

    assert item.insert_text == "return total"
    assert proxy.targets == [f"{upstream.base_url}/chat/completions"]  # one request, proxied
    assert len(upstream.requests) == 1


async def test_a_line_separator_inside_an_event_keeps_the_event_whole(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    """JSON strings may hold U+2028 and U+0085 unescaped; split there, the event was lost."""
    event = {"choices": [{"delta": {"content": "x = 1  # a\u2028b\x85c"}}]}
    finish = {"choices": [{"delta": {}, "finish_reason": "stop"}]}
    raw = b"".join(
        f"data: {json.dumps(e, ensure_ascii=False)}\n\n".encode() for e in (event, finish)
    )
    upstream.default = Reply(raw=raw + b"data: [DONE]\n\n")
    lsp = await start_server()
    open_document(lsp, URI, "")
    (item,) = await inline(lsp, URI, types.Position(0, 0))
    assert "b\x85c" in str(item.insert_text)


async def test_a_key_with_a_line_break_is_never_sent(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    """A header cannot be smuggled into the request: h11 checks the prepared head."""
    lsp = await start_server(options={"apiKey": "key\r\nx-smuggled: 1"})
    open_document(lsp, URI, "def f(total):\n    re\n")

    assert await inline(lsp, URI, types.Position(1, 6)) == []
    stats = await lsp.workspace_execute_command_async(
        types.ExecuteCommandParams(command="qwen-lsp.stats")
    )
    assert stats["failures"] == 1
    assert upstream.requests == []
    failed = await settled(lsp, "error", kind="auth")
    assert "line break" in failed[-1]["message"] and "smuggled" not in str(failed)
