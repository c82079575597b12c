"""The server's commands as editors call them: ``workspace/executeCommand`` over LSP."""

from __future__ import annotations

from lsprotocol import types

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import open_document, position_of, split_cursor

URI = "file:///work/project/calc.py"


async def test_complete_block_over_lsp(start_server: StartServer, upstream: FakeUpstream) -> None:
    upstream.script(Reply.text("return a + b\n"))
    lsp = await start_server()
    text, offset = split_cursor("def add(a, b):\n    ║\n")
    open_document(lsp, URI, text)
    where = {"textDocument": {"uri": URI}, "position": position_of(text, offset)}

    result = await lsp.workspace_execute_command_async(
        types.ExecuteCommandParams(command="qwen-lsp.completeBlock", arguments=[where])
    )

    assert result["insertText"] == "return a + b"
    assert result["range"]["start"] == {"line": 1, "character": 4}
