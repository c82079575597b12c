"""A fake OpenAI-compatible provider: a real HTTP server on 127.0.0.1 that streams SSE.

Tests and benchmarks script its replies (text, delays, HTTP errors, dropped streams) and read back
what it received: every request body and header, and when the client hung up. Replies take the
shape of the endpoint asked: chat chunks (``/chat/completions``, Mistral ``/fim/completions``),
text-completion chunks (``/completions``), llama.cpp ``/infill`` events, Ollama ``/api/generate``
newline-delimited JSON.

Run it alone for trying the server by hand::

    python -m tests.fake_upstream --port 8787 --text "return a + b"
"""

from __future__ import annotations

import argparse
import contextlib
import json
import select
import socket
import ssl
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings


@dataclass
class Reply:
    """What the fake sends for one request."""

    chunks: list[str] = field(default_factory=lambda: ["pass"])
    status: int = 200
    error: dict[str, Any] | str | None = None  # body of a non-200 reply
    headers: dict[str, str] = field(default_factory=dict)
    ttft: float = 0.0  # seconds before the first chunk
    chunk_delay: float = 0.0  # seconds between chunks
    finish_reason: str = "stop"
    drop_after: int | None = None  # hang up after this many chunks
    hang: bool = False  # accept and never answer
    # After this many chunks, wait until ``gate`` is set; after all of them: once the finish
    # event is sent, before the usage report.
    hold_after: int | None = None
    gate: threading.Event | None = None
    raw: bytes | None = None  # send exactly this as the SSE body (malformed or empty streams)

    @classmethod
    def text(cls, text: str, size: int = 4, **options: Any) -> Reply:
        """A reply streaming ``text`` in pieces of ``size`` characters (roughly tokens)."""
        chunks = [text[i : i + size] for i in range(0, len(text), size)] or [""]
        return cls(chunks=chunks, **options)


@dataclass
class Received:
    """One request as the fake saw it."""

    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]
    started: float
    connected_at: float = 0.0  # when the connection the request came on was accepted
    chunks_sent: int = 0
    disconnected_at: float | None = None  # the client closed the connection before the end
    chunk_times: list[float] = field(default_factory=list)  # when each chunk went out
    finished_at: float | None = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))


Responder = Callable[[dict[str, Any]], Reply]


class FakeUpstream:
    """Start with ``with FakeUpstream() as fake:``; ``fake.base_url`` is the OpenAI base URL."""

    def __init__(
        self,
        reply: Reply | Responder | None = None,
        port: int = 0,
        tls: ssl.SSLContext | None = None,  # serve https:// with this context's certificate
        keep_alive: bool = False,  # HTTP/1.1 streams end with the body, not the connection
        http2: bool = False,  # over TLS, offer HTTP/2 (the context's ALPN is set to say so)
    ) -> None:
        self.default: Reply | Responder = reply or Reply.text("pass")
        self.queue: deque[Reply] = deque()
        self.requests: list[Received] = []
        self.connections: list[float] = []  # when each connection was accepted
        self.ended = 0  # connections closed (by either side)
        self.idle: set[socket.socket] = set()  # connections that have not sent a request yet
        self.resets = 0  # HTTP/2 streams the client reset (a connection closed counts none)
        self.keep_alive = keep_alive
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._scheme = "http"
        if tls is not None:
            tls.set_alpn_protocols(["h2", "http/1.1"] if http2 else ["http/1.1"])
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeUpstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests (then ``default`` again)."""
        self.queue.extend(replies)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        if self.queue:
            return self.queue.popleft()
        return self.default if isinstance(self.default, Reply) else self.default(body)

    def record(self, received: Received) -> None:
        with self._changed:
            self.requests.append(received)
            self._changed.notify_all()

    def touch(self, change: Callable[[], object] = lambda: None) -> None:
        """Make ``change`` (under the lock) and wake whoever waits for a condition."""
        with self._changed:
            change()
            self._changed.notify_all()

    def accepted(self, at: float, connection: socket.socket) -> None:
        self.connections.append(at)
        self.idle.add(connection)

    def count_end(self, connection: socket.socket) -> None:
        self.ended += 1
        self.idle.discard(connection)

    def drop_idle(self) -> int:
        """Hang up on every connection waiting for its first request, as an idle server does."""
        with self._changed:
            idle, self.idle = self.idle, set()
        for connection in idle:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        return len(idle)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until ``predicate()`` holds (re-checked on every request event)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True


def self_signed(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context with a new self-signed certificate for 127.0.0.1, and the certificate's
    file (clients trust it only when told to: ``SSL_CERT_FILE``)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context, cert


class _Player:
    """Plays a :class:`Reply` to one request, over whatever carries it (HTTP/1.1 or an HTTP/2
    stream): subclasses say how bytes are sent, and how a hang-up is noticed while waiting."""

    fake: FakeUpstream

    def _begin(self, status: int, headers: dict[str, str]) -> None:
        raise NotImplementedError

    def _send_raw(self, received: Received, data: bytes) -> bool:
        """Send ``data``; False (and the hang-up noted) if the client is gone."""
        raise NotImplementedError

    def _end(self) -> None:
        """The reply is complete."""

    def _wait(self, received: Received, seconds: float) -> bool:
        """Sleep, but notice at once when the client hangs up."""
        raise NotImplementedError

    def _drop(self) -> None:
        """Hang up in mid-reply."""
        raise NotImplementedError

    def _play(self, received: Received) -> None:
        fake = self.fake
        fake.record(received)
        reply = fake.next_reply(received.body)
        if reply.hang:
            self._wait(received, 3600)
        elif reply.status != 200:
            self._error(reply)
        else:
            self._stream(reply, received)
        received.finished_at = received.finished_at or time.monotonic()
        fake.touch()

    def _error(self, reply: Reply) -> None:
        error = reply.error if reply.error is not None else {"message": "fake error"}
        payload = (json.dumps({"error": error}) if isinstance(error, dict) else error).encode()
        headers = {"content-type": "application/json", **reply.headers}
        self._begin(reply.status, {**headers, "content-length": str(len(payload))})
        self._send_raw(Received("", {}, {}, 0.0), payload)
        self._end()

    def _stream(self, reply: Reply, received: Received) -> None:
        wire = _wire(received.path)
        kind = "application/x-ndjson" if wire == "ollama" else "text/event-stream"
        self._begin(200, {"content-type": kind, "cache-control": "no-cache"})
        model = received.body.get("model", "fake")
        if not self._wait(received, reply.ttft):
            return
        if reply.raw is not None:
            if self._send_raw(received, reply.raw):
                self._end()
            return
        for index, piece in enumerate(reply.chunks):
            if reply.drop_after is not None and index >= reply.drop_after:
                self._drop()
                return
            if index and not self._wait(received, reply.chunk_delay):
                return
            if index == reply.hold_after and not self._hold(received, reply.gate):
                return
            if not self._send(received, _event(wire, model, piece, None)):
                return
            received.chunks_sent += 1
            received.chunk_times.append(time.monotonic())
            self.fake.touch()
        self._send(received, _event(wire, model, "", reply.finish_reason))
        if reply.hold_after == len(reply.chunks) and not self._hold(received, reply.gate):
            return
        if wire == "chat":
            usage = {
                "prompt_tokens": len(json.dumps(received.body.get("messages", ""))) // 4,
                "completion_tokens": received.chunks_sent,
                "total_tokens": 0,
            }
            self._send(received, {**_chunk(model, {}, None), "choices": [], "usage": usage})
        if wire == "ollama" or self._send_raw(received, b"data: [DONE]\n\n"):
            self._end()

    def _send(self, received: Received, event: dict[str, Any]) -> bool:
        if _wire(received.path) == "ollama":
            return self._send_raw(received, f"{json.dumps(event)}\n".encode())
        return self._send_raw(received, f"data: {json.dumps(event)}\n\n".encode())

    def _hold(self, received: Received, gate: threading.Event | None) -> bool:
        """Wait for the test to open ``gate``; False if the client hung up meanwhile."""
        while gate is not None and not gate.is_set():
            if not self._wait(received, 0.02):
                return False
        return True

    def _hung_up(self, received: Received) -> None:
        if received.disconnected_at is None:
            received.disconnected_at = time.monotonic()
        self.fake.touch()


def _handler_for(fake: FakeUpstream) -> type[BaseHTTPRequestHandler]:
    class Handler(_Player, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def setup(self) -> None:
            self.fake = fake
            super().setup()
            self.connected_at = time.monotonic()
            fake.touch(lambda: fake.accepted(self.connected_at, self.request))

        def finish(self) -> None:
            super().finish()
            fake.touch(lambda: fake.count_end(self.request))

        def handle(self) -> None:
            sock = self.request
            if isinstance(sock, ssl.SSLSocket) and sock.selected_alpn_protocol() == "h2":
                _H2Connection(fake, sock, self.connected_at).run()
            else:
                with contextlib.suppress(ConnectionError):  # a hang-up between two requests
                    super().handle()

        def do_POST(self) -> None:
            fake.touch(lambda: fake.idle.discard(self.request))
            length = int(self.headers.get("content-length", 0))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                body = {}
            headers = {name.lower(): value for name, value in self.headers.items()}
            self._chunked = False
            self._play(Received(self.path, headers, body, time.monotonic(), self.connected_at))

        def _begin(self, status: int, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "content-length" not in headers:
                # Kept alive, a stream needs chunked framing to end; else the hang-up ends it.
                self._chunked = fake.keep_alive
                if self._chunked:
                    self.send_header("transfer-encoding", "chunked")
                else:
                    self.send_header("connection", "close")
                    self.close_connection = True
            self.end_headers()

        def _send_raw(self, received: Received, data: bytes) -> bool:
            if self._chunked:
                data = b"%x\r\n%s\r\n" % (len(data), data)
            return self._write(received, data)

        def _write(self, received: Received, data: bytes) -> bool:
            try:
                self.wfile.write(data)
                self.wfile.flush()
                return True
            except OSError:
                self._hung_up(received)
                return False

        def _end(self) -> None:
            if self._chunked:
                self._write(Received("", {}, {}, 0.0), b"0\r\n\r\n")

        def _drop(self) -> None:
            self.close_connection = True

        def _wait(self, received: Received, seconds: float) -> bool:
            deadline = time.monotonic() + seconds
            sock: socket.socket = self.connection
            while (left := deadline - time.monotonic()) > 0:
                readable, _, _ = select.select([sock], [], [], min(left, 0.05))
                if readable:
                    try:  # TLS cannot peek; a client sends nothing more while it waits anyway
                        peek = 0 if isinstance(sock, ssl.SSLSocket) else socket.MSG_PEEK
                        closed = sock.recv(1, peek) == b""
                    except OSError:
                        closed = True
                    if closed:
                        self._hung_up(received)
                        self.close_connection = True
                        return False
            return True

    return Handler


WINDOW = 1 << 24  # bytes


class _H2Connection:
    """One HTTP/2 connection: this thread reads frames; each request's reply plays in a thread
    of its own, on its stream."""

    def __init__(self, fake: FakeUpstream, sock: ssl.SSLSocket, connected_at: float) -> None:
        self.fake, self.sock, self.connected_at = fake, sock, connected_at
        self.h2 = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        )
        self.changed = threading.Condition()  # guards ``h2``; notified on every frame read
        self.requests: dict[int, tuple[dict[str, str], bytearray]] = {}
        self.gone: set[int] = set()  # streams reset by the client, or all once it hung up
        self.closed = False

    def run(self) -> None:
        with self.changed:
            # Windows as large as providers' front ends give: no request waits for this thread
            # to acknowledge what it read.
            self.h2.local_settings = h2.settings.Settings(
                client=False, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: WINDOW}
            )
            self.h2.initiate_connection()
            self.h2.increment_flow_control_window(WINDOW)
            self.flush()
        with contextlib.suppress(OSError):
            while data := self.sock.recv(65536):
                with self.changed:
                    for event in self.h2.receive_data(data):
                        self._on(event)
                    self.flush()
                    self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def _on(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.RequestReceived):
            self.requests[event.stream_id] = (dict(event.headers or []), bytearray())  # type: ignore[arg-type]
        elif isinstance(event, h2.events.DataReceived):
            self.requests[event.stream_id][1].extend(event.data or b"")
            self.h2.acknowledge_received_data(event.flow_controlled_length or 0, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded) and event.stream_id is not None:
            self.fake.touch(lambda: self.fake.idle.discard(self.sock))
            stream = _H2Stream(self, event.stream_id)
            threading.Thread(target=stream.play, daemon=True).start()
        elif isinstance(event, h2.events.StreamReset) and event.stream_id is not None:
            self.gone.add(event.stream_id)
            self.fake.touch(lambda: setattr(self.fake, "resets", self.fake.resets + 1))

    def flush(self) -> None:
        if data := self.h2.data_to_send():
            self.sock.sendall(data)

    def is_gone(self, stream_id: int) -> bool:
        return self.closed or stream_id in self.gone


class _H2Stream(_Player):
    def __init__(self, connection: _H2Connection, stream_id: int) -> None:
        self.fake, self.connection, self.stream_id = connection.fake, connection, stream_id

    def play(self) -> None:
        headers, content = self.connection.requests.pop(self.stream_id)
        try:
            body = json.loads(bytes(content) or b"{}")
        except json.JSONDecodeError:
            body = {}
        started = time.monotonic()
        self._play(Received(headers[":path"], headers, body, started, self.connection.connected_at))

    def _h2(self, send: Callable[[h2.connection.H2Connection], object]) -> bool:
        """Do ``send`` on the connection unless the stream is gone; False if it is."""
        connection = self.connection
        with connection.changed:
            if connection.is_gone(self.stream_id):
                return False
            with contextlib.suppress(OSError, h2.exceptions.ProtocolError):
                send(connection.h2)
                connection.flush()
                return True
            return False

    def _begin(self, status: int, headers: dict[str, str]) -> None:
        fields = [(":status", str(status)), *headers.items()]
        self._h2(lambda h2c: h2c.send_headers(self.stream_id, fields))

    def _send_raw(self, received: Received, data: bytes) -> bool:
        connection = self.connection
        with connection.changed:  # within the flow-control window the client gives
            while not connection.is_gone(self.stream_id):
                if connection.h2.local_flow_control_window(self.stream_id) >= len(data):
                    break
                connection.changed.wait(0.05)
        if self._h2(lambda h2c: h2c.send_data(self.stream_id, data)):
            return True
        self._hung_up(received)
        return False

    def _end(self) -> None:
        self._h2(lambda h2c: h2c.end_stream(self.stream_id))

    def _drop(self) -> None:
        self._h2(lambda h2c: h2c.reset_stream(self.stream_id))

    def _wait(self, received: Received, seconds: float) -> bool:
        connection, deadline = self.connection, time.monotonic() + seconds
        with connection.changed:
            while (left := deadline - time.monotonic()) > 0:
                if connection.is_gone(self.stream_id):
                    break
                connection.changed.wait(min(left, 0.05))
            gone = connection.is_gone(self.stream_id)
        if gone:
            self._hung_up(received)
        return not gone


def _wire(path: str) -> str:
    """Which reply shape the endpoint at ``path`` speaks."""
    if path.endswith("/infill"):
        return "infill"
    if path.endswith("/api/generate"):
        return "ollama"
    if path.endswith("/completions") and not path.endswith(
        ("/chat/completions", "/fim/completions")
    ):
        return "text"
    return "chat"


def _event(wire: str, model: str, text: str, finish: str | None) -> dict[str, Any]:
    """One streamed event carrying ``text``, or the last one when ``finish`` is given."""
    if wire == "infill":
        stop_type = {"length": "limit", "stop": "eos"}.get(finish or "", "none")
        return {"content": text, "stop": finish is not None, "stop_type": stop_type}
    if wire == "ollama":
        return {"model": model, "response": text, "done": finish is not None, "done_reason": finish}
    if wire == "text":
        choice = {"index": 0, "text": text, "finish_reason": finish}
        return {"id": "cmpl-fake", "object": "text_completion", "model": model, "choices": [choice]}
    return _chunk(model, {"content": text} if finish is None else {}, finish)


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--text", default="pass")
    args = parser.parse_args()
    with FakeUpstream(Reply.text(args.text), port=args.port) as fake:
        print(f"fake upstream at {fake.base_url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
