"""A VS Code-like client for the benchmark: the real server over stdio, one request a keystroke.

Every step sends ``didChange`` (when it edits) and an automatic ``inlineCompletion`` request, and
never ``$/cancelRequest`` — the server has to supersede on its own.
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
from qwen_lsp.positions import to_position


@dataclass
class Answer:
    """One request as the client saw it."""

    step: int
    uri: str
    prefix: str  # the document's text before the cursor when it was sent
    sent: float
    received: float | None = None
    text: str | None = None  # the ghost text shown, None for an empty answer


class Editor:
    def __init__(self) -> None:
        self.client = LanguageClient("qwen-lsp-bench", "1")
        self.client.feature("$/qwenLsp/status")(lambda params: None)
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.answers: list[Answer] = []
        self.history: dict[str, list[tuple[float, str]]] = {}  # uri → (time, prefix at cursor)
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
        uri, text = step.uri, self.texts[step.uri]
        if step.start >= 0:
            start, end = _position(text, step.start), _position(text, step.end)
            self.texts[uri] = text = text[: step.start] + step.text + text[step.end :]
            self.versions[uri] += 1
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(
                        uri=uri, version=self.versions[uri]
                    ),
                    content_changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(start=start, end=end), text=step.text
                        )
                    ],
                )
            )
        prefix = text[: step.cursor]
        self.history.setdefault(uri, []).append((time.monotonic(), prefix))
        answer = Answer(index, uri, prefix, time.monotonic())
        self.answers.append(answer)
        kind = types.InlineCompletionTriggerKind
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(
                trigger_kind=kind.Invoked if invoked else kind.Automatic
            ),
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=_position(text, step.cursor),
        )
        # Sent now, right behind the didChange, as an editor sends it.
        method = types.TEXT_DOCUMENT_INLINE_COMPLETION
        request = self.client.protocol.send_request_async(method, params)
        self._pending.append(asyncio.ensure_future(self._ask(request, answer)))

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


def _position(text: str, offset: int) -> types.Position:
    line, character = to_position(text, offset, "utf-16")
    return types.Position(line=line, character=character)


# An older server logs no CPU time: its events count with NaN there.
_IO_EVENT = re.compile(r"qwen_lsp\.io: (.+) at (\d+\.\d+)(?: cpu (\d+\.\d+))?$", re.MULTILINE)
