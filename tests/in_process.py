"""The server driven in-process: messages handed to it as its stdin reader hands them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from qwen_lsp.lsp.language_server import QwenLanguageServer
from qwen_lsp.lsp.stdio import dispatch


class Sink:
    """A writer that keeps the server's output."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.frames.append(data)

    def close(self) -> None:
        pass

    def answers(self) -> dict[Any, dict[str, Any]]:
        """The responses written, by id."""
        messages = [json.loads(frame) for frame in self.frames]
        return {m.get("id"): m for m in messages if "method" not in m}


def feed(server: QwenLanguageServer, message: dict[str, Any]) -> None:
    """One message, as the reader passes it on (JSON values, not Python objects)."""
    dispatch(server.protocol, json.loads(json.dumps({"jsonrpc": "2.0", **message})))


def open_document(server: QwenLanguageServer, uri: str, text: str, version: int = 1) -> None:
    document = {"uri": uri, "languageId": "python", "version": version, "text": text}
    feed(server, {"method": "textDocument/didOpen", "params": {"textDocument": document}})


def initialize(server: QwenLanguageServer) -> Sink:
    """Initialize ``server``, writing to the returned sink."""
    sink = Sink()
    server.protocol.set_writer(sink, include_headers=False)
    feed(server, {"id": 0, "method": "initialize", "params": {"capabilities": {}}})
    feed(server, {"method": "initialized", "params": {}})
    return sink


async def settle() -> None:
    """Let every handler the messages started run to its end."""
    for _ in range(50):
        pending = asyncio.all_tasks() - {asyncio.current_task()}
        if not pending:
            return
        await asyncio.wait(pending, timeout=5)
