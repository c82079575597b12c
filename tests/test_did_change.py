"""``didChange`` as LSP defines it, through the server's own dispatch: the document the server
keeps is the one the client has, whatever shape the changes come in."""

from __future__ import annotations

from typing import Any

import pytest

from qwen_lsp.lsp.documents import open_document as server_document
from qwen_lsp.lsp.server import create_server
from qwen_lsp.settings import Settings
from tests.in_process import feed, initialize, open_document

URI = "file:///p/a.py"


def span(start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    return {
        "start": {"line": start[0], "character": start[1]},
        "end": {"line": end[0], "character": end[1]},
    }


@pytest.mark.parametrize(
    ("before", "changes", "after"),
    [
        ("ab\ncd\n", [{"range": span((1, 1), (1, 1)), "text": "X"}], "ab\ncXd\n"),
        ("ab\ncd\n", [{"range": span((0, 1), (1, 1)), "rangeLength": 3, "text": ""}], "ad\n"),
        ("a😀b\n", [{"range": span((0, 3), (0, 4)), "text": "c"}], "a😀c\n"),  # UTF-16 units
        ("ab\n", [{"text": "whole\n"}], "whole\n"),
        (
            "ab\n",  # applied one after the other: each sees the ones before it
            [{"range": span((0, 0), (0, 0)), "text": "x\n"},
             {"range": span((1, 0), (1, 1)), "text": "A"}],
            "x\nAb\n",
        ),
        ("ab\n", [{"range": span((0, 2), (0, 2)), "text": "c", "extra": 1}], "abc\n"),
        ("ab\n", [], "ab\n"),
        # Past the last line: pygls' own rule (appended at the end) applies.
        ("ab\n", [{"range": span((7, 0), (7, 0)), "text": "z"}], "ab\nz"),
    ],
)  # fmt: skip
def test_a_change_leaves_the_clients_text(before: str, changes: list[Any], after: str) -> None:
    server = create_server(Settings(api_key=None), [])
    initialize(server)
    open_document(server, URI, before, version=1)

    feed(server, {
        "method": "textDocument/didChange",
        "params": {"textDocument": {"uri": URI, "version": 2}, "contentChanges": changes},
    })  # fmt: skip

    document = server_document(server.workspace, URI)
    assert document is not None
    assert (document.source, document.version) == (after, 2)
    indexed = server.engine.open_files.get(URI)  # our handler ran after pygls' update
    assert indexed is not None and indexed.text == after


def test_a_change_to_a_document_never_opened_is_survived() -> None:
    server = create_server(Settings(api_key=None), [])
    sink = initialize(server)
    change = {"range": span((0, 0), (0, 0)), "text": "x"}
    feed(server, {
        "method": "textDocument/didChange",
        "params": {"textDocument": {"uri": URI, "version": 2}, "contentChanges": [change]},
    })  # fmt: skip
    feed(server, {"id": 5, "method": "shutdown"})
    assert sink.answers()[5]["result"] is None
