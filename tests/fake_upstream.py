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
    ) -> None:
        self.default: Reply | Responder = reply or Reply.text("pass")
        self.queue: deque[Reply] = deque()
        self.requests: list[Received] = []
        self.connections: list[float] = []  # when each connection was accepted
        self.ended = 0  # connections closed (by either side)
        self.idle: set[socket.socket] = set()  # connections that have not sent a request yet
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._scheme = "http"
        if tls is not None:
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


def _handler_for(fake: FakeUpstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def setup(self) -> None:
            super().setup()
            self.connected_at = time.monotonic()
            fake.touch(lambda: fake.accepted(self.connected_at, self.request))

        def finish(self) -> None:
            super().finish()
            fake.touch(lambda: fake.count_end(self.request))

        def do_POST(self) -> None:
            fake.touch(lambda: fake.idle.discard(self.request))
            length = int(self.headers.get("content-length", 0))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                body = {}
            headers = {name.lower(): value for name, value in self.headers.items()}
            received = Received(self.path, headers, body, time.monotonic(), self.connected_at)
            fake.record(received)
            reply = fake.next_reply(body)
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
            self.send_response(reply.status)
            for name, value in {"content-type": "application/json", **reply.headers}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _stream(self, reply: Reply, received: Received) -> None:
            wire = _wire(received.path)
            self.send_response(200)
            self.send_header(
                "content-type", "application/x-ndjson" if wire == "ollama" else "text/event-stream"
            )
            self.send_header("cache-control", "no-cache")
            self.send_header("connection", "close")
            self.end_headers()
            self.close_connection = True
            model = received.body.get("model", "fake")
            if not self._wait(received, reply.ttft):
                return
            if reply.raw is not None:
                self._send_raw(received, reply.raw)
                return
            for index, piece in enumerate(reply.chunks):
                if reply.drop_after is not None and index >= reply.drop_after:
                    return  # hang up mid-stream
                if index and not self._wait(received, reply.chunk_delay):
                    return
                if index == reply.hold_after and not self._hold(received, reply.gate):
                    return
                if not self._send(received, _event(wire, model, piece, None)):
                    return
                received.chunks_sent += 1
                received.chunk_times.append(time.monotonic())
                fake.touch()
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
            if wire != "ollama":
                self._send_raw(received, b"data: [DONE]\n\n")

        def _send(self, received: Received, event: dict[str, Any]) -> bool:
            if _wire(received.path) == "ollama":
                return self._send_raw(received, f"{json.dumps(event)}\n".encode())
            return self._send_raw(received, f"data: {json.dumps(event)}\n\n".encode())

        def _send_raw(self, received: Received, data: bytes) -> bool:
            try:
                self.wfile.write(data)
                self.wfile.flush()
                return True
            except OSError:
                self._hung_up(received)
                return False

        def _wait(self, received: Received, seconds: float) -> bool:
            """Sleep, but notice at once when the client closes the connection."""
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
                        return False
            return True

        def _hold(self, received: Received, gate: threading.Event | None) -> bool:
            """Wait for the test to open ``gate``; False if the client hung up meanwhile."""
            while gate is not None and not gate.is_set():
                if not self._wait(received, 0.02):
                    return False
            return True

        def _hung_up(self, received: Received) -> None:
            if received.disconnected_at is None:
                received.disconnected_at = time.monotonic()
            fake.touch()

    return Handler


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
