"""A VS Code-like client for the benchmark: the real server over stdio, one request a keystroke.

Every step sends ``didChange`` (when it edits) and an automatic ``inlineCompletion`` request, and
never ``$/cancelRequest`` — the server has to supersede on its own. An accept applies the ghost
text shown, runs the item's command and asks again, as VS Code does on Tab.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from bench.traces import Step
from qwen_lsp.positions import to_offset, to_position


@dataclass
class Answer:
    """One request as the client saw it."""

    step: int
    uri: str
    prefix: str  # the document's text before the cursor when it was sent
    sent: float
    received: float | None = None
    text: str | None = None  # the ghost text shown, None for an empty answer
    item: types.InlineCompletionItem | None = None


class Editor:
    def __init__(self) -> None:
        self.client = LanguageClient("qwen-lsp-bench", "1")
        self.client.feature("$/qwenLsp/status")(lambda params: None)
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.answers: list[Answer] = []
        self.history: dict[str, list[tuple[float, str]]] = {}  # uri → (time, prefix at cursor)
        self.cursors: dict[str, int] = {}
        self._pending: list[asyncio.Task[None]] = []
        self._drain: asyncio.Task[None] | None = None
        # (time, event, CPU time of the server's loop thread): the server's I/O at DEBUG
        self.io: list[tuple[float, str, float]] = []

    async def start(self, env: dict[str, str], options: dict[str, Any]) -> None:
        await self.client.start_io(sys.executable, "-m", "qwen_lsp", env=env)
        server = self.client._server
        assert server is not None and server.stderr is not None
        self._drain = asyncio.ensure_future(self._read_log(server.stderr))  # a full pipe blocks
        caps = types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                inline_completion=types.InlineCompletionClientCapabilities()
            )
        )
        # Invoked requests stand for "no debounce" here, not for a user asking for more
        # suggestions: one request each, unless a benchmark asks for more.
        options = {"invokedSuggestions": 1, **options}
        await self.client.initialize_async(
            types.InitializeParams(capabilities=caps, initialization_options=options)
        )
        self.client.initialized(types.InitializedParams())

    async def warm_up(self) -> None:
        """One completion first, so imports and connecting are not charged to the trace."""
        uri = "file:///bench/warm_up.py"
        self.open(uri, "x = \n")
        await self.client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Invoked
                ),
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=0, character=4),
            )
        )

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far, all its threads, to the nanosecond.

        ``schedstat`` rather than ``stat``: the latter counts in clock ticks (10 ms), coarser
        than one request. The server's threads live as long as it does, so none drop out of the
        sum.
        """
        server = self.client._server
        assert server is not None
        total = 0
        for task in Path(f"/proc/{server.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9

    def open(self, uri: str, text: str) -> None:
        self.texts[uri], self.versions[uri] = text, 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text
                )
            )
        )

    def close(self, uri: str) -> None:
        del self.texts[uri], self.versions[uri]
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def step(self, index: int, step: Step, invoked: bool = False) -> None:
        """Apply ``step`` as an editor would and ask for a completion at the cursor."""
        uri = step.uri
        if step.accept:
            self._accept(uri)
        elif step.start >= 0:
            self._change(uri, step.start, step.end, step.text)
        if not step.accept and step.cursor >= 0:
            self.cursors[uri] = step.cursor
        text, cursor = self.texts[uri], self.cursors.get(uri, 0)
        prefix = text[:cursor]
        self.history.setdefault(uri, []).append((time.monotonic(), prefix))
        answer = Answer(index, uri, prefix, time.monotonic())
        self.answers.append(answer)
        kind = types.InlineCompletionTriggerKind
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(
                trigger_kind=kind.Invoked if invoked else kind.Automatic
            ),
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=_position(text, cursor),
        )
        # Sent now, right behind the didChange, as an editor sends it.
        method = types.TEXT_DOCUMENT_INLINE_COMPLETION
        request = self.client.protocol.send_request_async(method, params)
        self._pending.append(asyncio.ensure_future(self._ask(request, answer)))

    def _change(self, uri: str, start: int, end: int, new: str) -> None:
        """Replace ``text[start:end]`` with ``new`` and tell the server."""
        text = self.texts[uri]
        edited = types.Range(start=_position(text, start), end=_position(text, end))
        self.texts[uri] = text[:start] + new + text[end:]
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[types.TextDocumentContentChangePartial(range=edited, text=new)],
            )
        )

    def _accept(self, uri: str) -> None:
        """Apply the ghost text last shown in ``uri`` and run its command (nothing shown:
        nothing happens)."""
        shown = next((a for a in reversed(self.answers) if a.uri == uri), None)
        if shown is None or shown.item is None or shown.item.range is None:
            return
        item, text = shown.item, self.texts[uri]
        insert = item.insert_text if isinstance(item.insert_text, str) else item.insert_text.value
        start = to_offset(text, item.range.start.line, item.range.start.character, "utf-16")
        end = to_offset(text, item.range.end.line, item.range.end.character, "utf-16")
        self._change(uri, start, end, insert)
        self.cursors[uri] = start + len(insert)
        if item.command is not None:
            command = types.ExecuteCommandParams(item.command.command, item.command.arguments)
            self.client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, command)

    async def settle(self) -> None:
        await asyncio.gather(*self._pending)
        self._pending.clear()

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.shutdown_async(None), 5)
            self.client.exit(None)
        await self.client.stop()
        if self._drain is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._drain, 5)  # the log, read to its end

    async def _read_log(self, stream: asyncio.StreamReader) -> None:
        """Drain the server's stderr (a full pipe would block it), keeping its I/O events."""
        rest = ""
        while chunk := await stream.read(65536):
            text = rest + chunk.decode(errors="replace")
            text, _, rest = text.rpartition("\n")
            found = _IO_EVENT.findall(text)
            self.io.extend((float(at), event, float(cpu or "nan")) for event, at, cpu in found)

    async def _ask(self, request: asyncio.Future[Any], answer: Answer) -> None:
        result = await request
        answer.received = time.monotonic()
        items = result.items if isinstance(result, types.InlineCompletionList) else result
        if items:
            insert = items[0].insert_text
            answer.text = insert if isinstance(insert, str) else insert.value
            answer.item = items[0]


def _position(text: str, offset: int) -> types.Position:
    line, character = to_position(text, offset, "utf-16")
    return types.Position(line=line, character=character)


# An older server logs no CPU time: its events count with NaN there.
_IO_EVENT = re.compile(r"qwen_lsp\.io: (.+) at (\d+\.\d+)(?: cpu (\d+\.\d+))?$", re.MULTILINE)
