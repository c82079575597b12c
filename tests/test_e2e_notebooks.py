"""Notebooks end to end: a code cell is completed with the code cells around it."""

from __future__ import annotations

from lsprotocol import types

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import accept, inline, position_of, split_cursor

NOTEBOOK = "file:///work/project/analysis.ipynb"


def cell_uri(number: int) -> str:
    return f"vscode-notebook-cell:/work/project/analysis.ipynb#W{number}sZmlsZQ%3D%3D"


async def test_a_cell_is_completed_with_the_code_cells_above_and_below(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("mean(values)\n\n\nprint('unrelated')\n"))
    lsp = await start_server()
    cells = [
        (
            types.NotebookCellKind.Code,
            "values = [3, 1, 2]\n\ndef mean(xs):\n    return sum(xs) / len(xs)\n",
        ),
        (types.NotebookCellKind.Markup, "# Notes: not code, never sent\n"),
        (types.NotebookCellKind.Code, "average = ║"),
        (types.NotebookCellKind.Code, "print(average)\n"),
    ]
    texts = [split_cursor(text)[0] if "║" in text else text for _, text in cells]
    lsp.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=NOTEBOOK,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(kind=kind, document=cell_uri(n))
                    for n, (kind, _) in enumerate(cells)
                ],
            ),
            cell_text_documents=[
                types.TextDocumentItem(
                    uri=cell_uri(n),
                    language_id="python" if kind == types.NotebookCellKind.Code else "markdown",
                    version=1,
                    text=text,
                )
                for n, ((kind, _), text) in enumerate(zip(cells, texts, strict=True))
            ],
        )
    )
    text, offset = split_cursor(cells[2][1])

    items = await inline(lsp, cell_uri(2), position_of(text, offset))

    assert [accept(text, item) for item in items] == ["average = mean(values)"]
    (request,) = upstream.requests
    sent = request.messages[-1]["content"]
    assert sent.startswith("values = [3, 1, 2]")  # the cell above is code before the cursor
    assert sent.endswith("return sum(xs) / len(xs)\n\naverage = ")
    assert "print(average)" in request.messages[-2]["content"]  # the cell below comes after
    assert "Notes" not in str(request.body)


async def test_the_server_announces_notebook_sync(start_server: StartServer) -> None:
    lsp = await start_server()
    sync = lsp.init_result.capabilities.notebook_document_sync  # type: ignore[attr-defined]
    assert sync is not None and sync.notebook_selector
