"""End to end: typing through a suggestion as editors type (auto-indent, auto-closed pairs).

Each edit is sent as VS Code sends it: Enter with its indentation in one change, an opening
bracket or quote with its auto-inserted closer, a closer typed over the auto-inserted one as a
replacement of it. While the typing agrees with the suggestion, nothing goes upstream again.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import accept, inline, open_document, position_of
from tests.test_e2e_lifecycle import later, round_trip, texts, until

URI = "file:///work/project/calc.py"
AUTO = types.InlineCompletionTriggerKind.Automatic


class Typing:
    """A document typed into the way VS Code types, with the text kept in step."""

    def __init__(self, lsp: LanguageClient, text: str, cursor: int) -> None:
        self.lsp, self.text, self.cursor, self.version = lsp, text, cursor, 1
        open_document(lsp, URI, text)

    def change(self, start: int, end: int, new: str, cursor: int) -> None:
        """Replace ``text[start:end]`` with ``new``; the cursor ends at offset ``cursor``."""
        self.version += 1
        edit_range = types.Range(position_of(self.text, start), position_of(self.text, end))
        self.lsp.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=self.version),
                content_changes=[types.TextDocumentContentChangePartial(edit_range, new)],
            )
        )
        self.text = self.text[:start] + new + self.text[end:]
        self.cursor = cursor

    def type(self, char: str) -> None:
        """One keystroke with VS Code's defaults: pairs auto-close, closers are typed over."""
        at = self.cursor
        if char in CLOSING and self.text[at : at + 1] == char:
            self.change(at, at + 1, char, at + 1)  # typed over the auto-inserted closer
        elif char in PAIRS:
            self.change(at, at, char + PAIRS[char], at + 1)
        else:
            self.change(at, at, char, at + 1)

    def enter(self, indent: str) -> None:
        """Enter with auto-indent; between a bracket pair the closer goes to a line of its own."""
        at = self.cursor
        line = self.text[self.text.rfind("\n", 0, at) + 1 : at]
        outer = line[: len(line) - len(line.lstrip(" "))]
        between = self.text[at - 1 : at] in PAIRS and self.text[at : at + 1] in CLOSING
        new = "\n" + indent + ("\n" + outer if between else "")
        self.change(at, at, new, at + 1 + len(indent))

    @property
    def position(self) -> types.Position:
        return position_of(self.text, self.cursor)

    async def shown(self) -> list[str]:
        """The ghost text VS Code would show now (it asks after every keystroke)."""
        items = await inline(self.lsp, URI, self.position, AUTO)
        return [accepted_line(self.text, self.cursor, item) for item in items]


PAIRS = {"(": ")", "[": "]", "{": "}", '"': '"', "'": "'", "`": "`"}
CLOSING = ")]}\"'`"


def accepted_line(text: str, cursor: int, item: types.InlineCompletionItem) -> str:
    """The line the cursor is on once ``item`` is accepted (what the user would end up with)."""
    after = accept(text, item)
    start = text.rfind("\n", 0, cursor) + 1
    end = after.find("\n", cursor)
    return after[start : len(after) if end < 0 else end]


async def test_typing_the_first_line_of_a_new_body_follows_the_cached_suggestion(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    """The indentation style is read without the cursor's line: ``"    "`` and ``"    re"``
    give the same prompt, so the typed-through suggestion is found again."""
    upstream.script(Reply.text("return a + b\n"))
    lsp = await start_server()
    doc = Typing(lsp, "def add(a, b):", len("def add(a, b):"))
    doc.enter("    ")
    assert texts(await inline(lsp, URI, doc.position)) == ["return a + b"]

    shown = []
    for char in "re":
        doc.type(char)
        shown += texts(await inline(lsp, URI, doc.position, AUTO))

    assert shown == ["eturn a + b", "turn a + b"]
    assert len(upstream.requests) == 1


async def test_typing_the_first_line_of_a_new_body_follows_the_running_stream(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    upstream.script(Reply(chunks=["ret", "urn a + b\n"], hold_after=1, gate=gate))
    lsp = await start_server()
    doc = Typing(lsp, "def add(a, b):", len("def add(a, b):"))
    doc.enter("    ")
    first = later(lsp, URI, doc.position)
    assert await until(upstream, lambda: upstream.requests and upstream.requests[0].chunks_sent)

    for char in "re":
        doc.type(char)
    second = later(lsp, URI, doc.position, AUTO)
    await round_trip(lsp)  # the second request has attached (or not) by now
    gate.set()

    assert texts(await second) == ["turn a + b"]
    assert await first == []
    assert len(upstream.requests) == 1
    assert upstream.requests[0].chunks_sent == 2  # followed, not closed


BODY = "def spread(values):\n    "
NEXT = "\n    return hi - lo\n"


@pytest.mark.parametrize(
    "line",
    [
        "lo, hi = min(values), max(values)",
        'print("total:", sum(values))',
        "doubled = [v * 2 for v in values if v]",
        "counts = {'a': len(values)}",
    ],
)
async def test_typing_through_with_pairs_auto_closed_needs_no_new_request(
    start_server: StartServer, upstream: FakeUpstream, line: str
) -> None:
    upstream.script(Reply.text(line + NEXT))
    lsp = await start_server()
    doc = Typing(lsp, BODY + "\n", len(BODY))
    assert texts(await inline(lsp, URI, doc.position)) == [line + NEXT.rstrip("\n")]

    accepted = []
    for char in line:
        doc.type(char)
        accepted += await doc.shown()

    assert accepted == ["    " + line] * len(line)  # accepting at any point: nothing doubled
    assert doc.text == BODY + line + "\n"  # every closer was typed over, none left behind
    assert len(upstream.requests) == 1


async def test_enter_between_auto_closed_brackets_follows_the_suggestion(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    """Enter between ``[]`` puts the closer on a line of its own below the cursor's: the
    suggestion's range covers that line break and closer, which its rest writes again."""
    block = "values = [\n    1,\n    2,\n]"
    upstream.script(Reply.text(block + "\n"))
    lsp = await start_server()
    doc = Typing(lsp, "", 0)
    assert texts(await inline(lsp, URI, doc.position)) == [block]

    for char in "values = [":
        doc.type(char)
    doc.enter("    ")
    (item,) = await inline(lsp, URI, doc.position, AUTO)

    assert doc.text == "values = [\n    \n]"
    assert accept(doc.text, item) == block
    assert len(upstream.requests) == 1


async def test_typing_into_an_auto_closed_pair_follows_the_running_stream(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    gate = threading.Event()
    line = "lo, hi = min(values), max(values)"
    upstream.script(
        Reply(chunks=["lo, hi = min(", "values), max(values)\n"], hold_after=1, gate=gate)
    )
    lsp = await start_server()
    doc = Typing(lsp, BODY + "\n", len(BODY))
    first = later(lsp, URI, doc.position)
    assert await until(upstream, lambda: upstream.requests and upstream.requests[0].chunks_sent)

    for char in "lo, hi = min(":
        doc.type(char)
    second = asyncio.ensure_future(doc.shown())
    await round_trip(lsp)
    gate.set()

    assert await second == ["    " + line]
    assert await first == []
    assert len(upstream.requests) == 1
    assert upstream.requests[0].chunks_sent == 2
