"""The server process driven with hand-made frames: broken JSON-RPC, and every byte it writes."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.conftest import server_env
from tests.fake_upstream import FakeUpstream


class RawServer:
    """Writes frames to the server's stdin; reads its answers and keeps every byte it wrote."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stdout = b""
        self.stderr = b""
        self.initialize_result: dict[str, Any] = {}

    def send(self, body: bytes) -> None:
        self.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def write(self, data: bytes) -> None:
        """Bytes as they are, framed or not."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)

    def notify(self, method: str, params: Any) -> None:
        self.send(json.dumps({"jsonrpc": "2.0", "method": method, "params": params}).encode())

    def request(self, id_: int, method: str, params: Any) -> None:
        message = {"jsonrpc": "2.0", "id": id_, "method": method, "params": params}
        self.send(json.dumps(message).encode())

    async def answer(self, id_: int) -> dict[str, Any]:
        """The response to request ``id_`` (notifications in between are skipped)."""
        assert self.process.stdout is not None
        while True:
            header = await asyncio.wait_for(self.process.stdout.readuntil(b"\r\n\r\n"), 30)
            length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
            body = await self.process.stdout.readexactly(length)
            self.stdout += header + body
            message = json.loads(body)
            if message.get("id") == id_ and "method" not in message:
                return dict(message)


@asynccontextmanager
async def raw_session(
    env: dict[str, str],
    options: dict[str, Any] | None = None,
    args: tuple[str, ...] = (),
    capabilities: dict[str, Any] | None = None,
) -> AsyncIterator[RawServer]:
    """An initialized server, sent ``capabilities`` exactly as given; stderr is captured into
    ``server.stderr`` after it exits."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "qwen_lsp", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=server_env(**env),
    )  # fmt: skip
    server = RawServer(process)
    assert process.stdout is not None and process.stderr is not None
    stderr = asyncio.ensure_future(process.stderr.read())  # drained, or a full pipe blocks it
    # One suggestion per invoked request, as in conftest: tests count upstream requests.
    options = {"invokedSuggestions": 1, **(options or {})}
    init = {"capabilities": capabilities or {}, "initializationOptions": options}
    server.request(1, "initialize", init)
    server.initialize_result = (await server.answer(1))["result"]
    server.notify("initialized", {})
    try:
        yield server
    finally:
        if process.returncode is None:
            process.kill()
        server.stdout += await process.stdout.read()
        server.stderr = await stderr
        await process.wait()


def open_text(server: RawServer, uri: str, text: str) -> None:
    document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
    server.notify("textDocument/didOpen", {"textDocument": document})


def append(server: RawServer, uri: str, version: int, line: int, text: str) -> None:
    """A ``didChange`` inserting ``text`` at the start of ``line``."""
    point = {"line": line, "character": 0}
    change = {"range": {"start": point, "end": point}, "text": text}
    params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
    server.notify("textDocument/didChange", params)


async def server_text(
    server: RawServer, upstream: FakeUpstream, uri: str, lines: int, id_: int
) -> str:
    """The document as the server has it, if it has ``lines`` line breaks: the code before a
    cursor at its end, as the server sends it upstream."""
    before = len(upstream.requests)
    server.request(id_, "textDocument/inlineCompletion", {
        "textDocument": {"uri": uri}, "position": {"line": lines, "character": 0},
        "context": {"triggerKind": 1}})  # fmt: skip
    await server.answer(id_)
    assert len(upstream.requests) == before + 1
    content: str = upstream.requests[-1].messages[-1]["content"]
    return content
