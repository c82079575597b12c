"""Connections opened ahead: a completion's request never waits for a TCP or TLS handshake; and
what is read off them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import h11
import httpx2
import pytest
from lsprotocol import types

from qwen_lsp.engine.upstream import connections
from qwen_lsp.engine.upstream.client import StreamStats, Upstream
from qwen_lsp.engine.upstream.connections import SpareTransport, origin_of, split_lines, uses_proxy
from qwen_lsp.engine.upstream.dialects import ChatRequest
from qwen_lsp.settings import Settings
from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document, settled
from tests.test_e2e_lifecycle import edit, round_trip

URI = "file:///work/project/calc.py"


def held() -> Reply:
    """A reply that sends nothing until the client hangs up: a stale request's."""
    return Reply.text("turn total\n", hold_after=0, gate=threading.Event())


async def until(upstream: FakeUpstream, predicate: object) -> bool:
    return await asyncio.to_thread(upstream.wait_until, predicate)  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_the_next_completion_goes_out_on_a_connection_opened_ahead(
    start_server: StartServer, tls: tuple[ssl.SSLContext, Path], scheme: str
) -> None:
    context, certificate = tls
    secure = scheme == "https"
    with FakeUpstream(Reply.text("eturn 0\n"), tls=context if secure else None) as upstream:
        upstream.script(held())
        env = {"SSL_CERT_FILE": str(certificate)} if secure else {}
        lsp = await start_server(options={"baseUrl": upstream.base_url}, env=env)
        open_document(lsp, URI, "def f(total):\n    re\n")
        stale = asyncio.ensure_future(inline(lsp, URI, types.Position(1, 6)))
        assert await until(upstream, lambda: len(upstream.requests) == 1)
        # The spare is open before the next completion is even asked for ...
        assert await until(upstream, lambda: len(upstream.idle) == 1)

        asked = time.monotonic()
        at = edit(lsp, URI, 2, types.Position(1, 6), "", gone=1)  # a newer request: the old
        fresh = await inline(lsp, URI, at)  # one's stream is closed, its connection with it

        assert await stale == []
        assert [item.insert_text for item in fresh] == ["eturn 0"]
        # The close (a TLS close_notify, over https) reaches the fake's thread on its own time.
        assert await until(upstream, lambda: upstream.requests[0].disconnected_at is not None)
        # ... and the newer request came over it.
        assert upstream.requests[1].connected_at < asked


async def test_a_connection_is_open_before_the_first_completion_and_after_a_hang_up(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await start_server(options={"baseUrl": upstream.base_url})
    assert await until(upstream, lambda: len(upstream.idle) == 1)  # opened at start-up
    open_document(lsp, URI, "def f(total):\n    re\n")
    asked = time.monotonic()
    assert await inline(lsp, URI, types.Position(1, 6)) != []
    assert upstream.requests[0].connected_at < asked

    assert await until(upstream, lambda: len(upstream.idle) == 1)  # the next request's spare
    upstream.drop_idle()  # as an idle server or a load balancer would
    assert await until(upstream, lambda: not upstream.idle and upstream.ended == 2)
    await round_trip(lsp)  # the server has seen the hang-up
    edit(lsp, URI, 2, types.Position(1, 6), "t")  # typing resumes: a new one opens
    assert await until(upstream, lambda: len(upstream.idle) == 1)
    assert len(upstream.requests) == 1


async def test_new_settings_close_the_old_spare_and_open_another(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await start_server(options={"baseUrl": upstream.base_url})
    assert await until(upstream, lambda: len(upstream.idle) == 1)  # opened at start-up

    settings = {"qwenLsp": {"baseUrl": upstream.base_url, "model": "qwen3-coder-plus"}}
    lsp.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))

    assert await until(upstream, lambda: upstream.ended == 1 and len(upstream.connections) == 2)
    assert await until(upstream, lambda: len(upstream.idle) == 1)


async def test_a_spare_left_unused_is_closed_after_its_lifetime(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(connections, "SPARE_LIFETIME", 0.05)
    with FakeUpstream(Reply.text("1\n")) as upstream:
        transport = SpareTransport(connect_timeout=3.0)
        async with httpx2.AsyncClient(transport=transport) as client:
            response = await client.post(f"{upstream.base_url}/chat/completions", json={})
            assert response.status_code == 200  # the fake closes each connection after a reply
            assert await until(upstream, lambda: len(upstream.connections) == 2)

            assert await until(upstream, lambda: upstream.ended == 2)  # and the spare expired


async def test_a_spare_the_server_hung_up_on_is_not_used() -> None:
    with FakeUpstream(Reply.text("1\n")) as upstream:
        url = f"{upstream.base_url}/chat/completions"
        async with httpx2.AsyncClient(transport=SpareTransport(connect_timeout=3.0)) as client:
            assert (await client.post(url, json={})).status_code == 200
            assert await until(upstream, lambda: len(upstream.connections) == 2)
            assert upstream.drop_idle() == 1  # the spare, as an idle server would
            assert await until(upstream, lambda: upstream.ended == 2)
            await asyncio.sleep(0.05)  # the loop sees the hang-up

            assert (await client.post(url, json={})).status_code == 200
            assert upstream.requests[1].connected_at == upstream.connections[2]


@pytest.mark.parametrize(
    ("environment", "url", "proxied"),
    [
        ({}, "https://dashscope.aliyuncs.com/v1", False),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "https://dashscope.aliyuncs.com/v1", True),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "http://127.0.0.1:8000/v1", False),
        ({"ALL_PROXY": "http://proxy:3128"}, "http://localhost:8000/v1", True),
        (
            {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "aliyuncs.com"},
            "https://dashscope.aliyuncs.com/v1",
            False,
        ),
    ],
)
def test_a_proxied_endpoint_keeps_httpx_transport(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], url: str, proxied: bool
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert uses_proxy(url) is proxied


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


async def test_a_provider_that_cannot_be_reached_is_not_tried_on_every_keystroke() -> None:
    with FakeUpstream(Reply.text("1\n")) as upstream:  # plain HTTP: every TLS handshake fails
        url = httpx2.URL(upstream.base_url.replace("http://", "https://"))
        transport = SpareTransport(connect_timeout=3.0)
        for _ in range(20):  # keystrokes, each asking for a spare
            transport.warm(origin_of(url))
            await asyncio.sleep(0.01)
        await transport.aclose()

        assert len(upstream.connections) == 1  # then it waits (0.5 s, doubling) before a retry


async def test_a_request_that_gets_through_ends_the_back_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A spare that failed to open is not tried again for a while, but a request that connects
    on its own shows the provider is back: the next spare opens at once."""
    monkeypatch.setattr(connections, "SPARE_RETRY", 60.0)  # no retry by the clock in this test
    with FakeUpstream(Reply.text("1\n")) as upstream:
        with socket.create_server(("127.0.0.1", 0)) as unused:
            port = unused.getsockname()[1]  # closed again: connecting is refused
        url = httpx2.URL(f"http://127.0.0.1:{port}/v1/chat/completions")
        transport = SpareTransport(connect_timeout=3.0)
        transport.warm(origin_of(url))
        await asyncio.sleep(0.1)  # the spare's connect is refused: the back-off starts
        relay = GateProxy(httpx2.URL(upstream.base_url).port or 80, listen=port)
        relay.gate.set()
        request = httpx2.Request(
            "POST", url, content=b"{}", extensions={"timeout": {"connect": 3, "read": 3}}
        )
        response = await transport.handle_async_request(request)
        await response.aread()
        await response.aclose()
        for _ in range(100):  # the spare, opened in the background
            if relay.accepted == 2:
                break
            await asyncio.sleep(0.02)
        await transport.aclose()
        relay.close()

    assert relay.accepted == 2  # the request's connection, then the spare's


class GateProxy(Listener):
    """A TCP relay to ``port`` that holds every connection until ``gate`` opens: a handshake
    that stays under way for as long as a test wants."""

    def __init__(self, port: int, listen: int = 0) -> None:
        self.gate = threading.Event()
        self._target = port
        super().__init__(listen)

    def serve(self, client: socket.socket) -> None:
        self.gate.wait()
        server = socket.create_connection(("127.0.0.1", self._target))
        for source, sink in ((client, server), (server, client)):
            threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        self.gate.set()
        super().close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


async def test_a_request_while_the_spare_is_still_opening_waits_for_it(
    monkeypatch: pytest.MonkeyPatch, tls: tuple[ssl.SSLContext, Path]
) -> None:
    context, certificate = tls
    monkeypatch.setattr(connections, "_tls", ssl.create_default_context(cafile=certificate))
    with FakeUpstream(Reply.text("1\n"), tls=context) as upstream:
        proxy = GateProxy(int(upstream.base_url.rsplit(":", 1)[1].split("/")[0]))
        url = f"https://127.0.0.1:{proxy.port}/v1/chat/completions"
        transport = SpareTransport(connect_timeout=3.0)
        try:
            async with httpx2.AsyncClient(transport=transport) as client:
                transport.warm(origin_of(httpx2.URL(url)))  # its TLS handshake is held at the proxy
                asking = asyncio.ensure_future(client.post(url, json={}))
                await asyncio.sleep(0.3)  # time enough for a second connection, were one opened

                assert proxy.accepted == 1
                proxy.gate.set()
                assert (await asking).status_code == 200
                assert upstream.requests[0].connected_at == upstream.connections[0]
                # The next spare's handshake ends before the fake stops (it shakes hands as it
                # accepts, and would wait for this loop forever).
                assert await until(upstream, lambda: len(upstream.connections) == 2)
        finally:
            proxy.close()


async def chunked(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.mark.parametrize(
    ("parts", "batches"),
    [
        ((b"data: 1\n\ndata: 2\n\n",), [["data: 1", "", "data: 2", ""]]),  # a batch a read
        ((b"da", b"ta: 1\n", b"\n"), [["data: 1"], [""]]),  # an event over three reads
        ((b"data: 1\r\n\r\ndata: 2\r\n",), [["data: 1", "", "data: 2"]]),
        ((b"data: 1\r", b"\ndata: 2\n"), [["data: 1"], ["", "data: 2"]]),  # CR LF cut: a blank
        ((b"data: 1\rdata: 2\r",), [["data: 1", "data: 2"]]),  # CR alone ends a line too
        (("é\u2028\x85→".encode()[:3], "é\u2028\x85→\n".encode()[3:]), [["é\u2028\x85→"]]),
        ((b"data: [DONE]",), [["data: [DONE]"]]),  # the last line needs no end
        ((b"\xff\n",), [["\ufffd"]]),  # not UTF-8: replaced, as httpx does
        ((), []),
    ],
)
async def test_sse_lines_end_only_where_sse_says(
    parts: tuple[bytes, ...], batches: list[list[str]]
) -> None:
    assert [batch async for batch in split_lines(chunked(*parts))] == batches


@pytest.mark.parametrize(
    ("raised", "seen"),
    [
        (asyncio.TimeoutError(), httpx2.ReadTimeout),
        (ConnectionResetError("reset by peer"), httpx2.ReadError),
        (ssl.SSLError("bad record"), httpx2.ReadError),
        (h11.RemoteProtocolError("bad chunk"), httpx2.RemoteProtocolError),
        (ValueError("ours"), ValueError),  # anything else is left as it is
    ],
)
def test_network_failures_are_raised_as_the_httpx_errors_they_are(
    raised: BaseException, seen: type[BaseException]
) -> None:
    with pytest.raises(seen) as caught, connections._READING:
        raise raised
    assert caught.value is raised or caught.value.__cause__ is raised


async def test_the_events_of_one_read_are_one_piece(upstream: FakeUpstream) -> None:
    """The stop rule then runs once a read, and not at all on a last piece the finish came with
    (before, each event was a piece of its own: ["a", "b", ""])."""
    events = [
        {"choices": [{"delta": {"content": "a"}}]},
        {"choices": [{"delta": {"content": "b\n"}}]},
        {"choices": [{"delta": {}, "finish_reason": "stop"}]},
    ]
    raw = b"".join(b"data: %s\n\n" % json.dumps(event).encode() for event in events)
    upstream.default = Reply(raw=raw + b"data: [DONE]\n\n")  # one write, so one read
    client = Upstream(Settings(api_key="k", base_url=upstream.base_url))
    stats = StreamStats()
    try:
        pieces = [piece async for piece in client.stream(ChatRequest(messages=[]), stats)]
    finally:
        await client.aclose()
    assert pieces == ["ab\n"]
    assert stats.finish_reason == "stop"


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


def h11_wrote(request: httpx2.Request, body: bytes) -> bytes:
    """What the transport wrote before it prepared heads: h11 writing httpx's request."""
    parser = h11.Connection(h11.CLIENT)
    head = h11.Request(
        method=request.method, target=request.url.raw_path, headers=list(request.headers.raw)
    )
    return parser.send(head) + parser.send(h11.Data(data=body)) + parser.send(h11.EndOfMessage())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/v1/chat/completions",
        "https://dashscope.example.com/compatible-mode/v1/chat/completions",  # default port
        "https://example.com:8443/api/generate?x=1",
    ],
)
@pytest.mark.parametrize("body", [b"{}", '{"a":"ç🙂"}'.encode(), b"x" * 70_000])
def test_a_prepared_post_is_the_request_httpx_and_h11_would_write(url: str, body: bytes) -> None:
    headers = httpx2.AsyncClient(headers={"authorization": "Bearer k", "x-a": "b"}).headers
    parsed = httpx2.URL(url)
    expected = h11_wrote(httpx2.Request("POST", parsed, headers=headers, content=body), body)
    assert connections.post_bytes(connections.post_head(parsed, headers), body) == expected


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
