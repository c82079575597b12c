"""Notebooks (LSP 3.17 notebook sync): a code cell is completed with the code cells around it.

pygls keeps each notebook and its cells' text documents; a cell's completion sees the code cells
above it as code before the cursor and the ones below as code after it. Markdown cells are not
code and are left out. The prompt's budgets clip what is too far away, as in one long file.
"""

from __future__ import annotations

from urllib.parse import unquote

from lsprotocol import types
from pygls.workspace import Workspace

# Every notebook type and every cell language: which cells are code is told by their kind.
SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithNotebook(
            notebook="*", cells=[types.NotebookCellLanguage(language="*")]
        )
    ]
)
_BETWEEN_CELLS = "\n\n"


def cells_around(workspace: Workspace, cell_uri: str) -> tuple[str, str]:
    """The code of the code cells before and after ``cell_uri`` in its notebook; two empty
    strings for a document that is not a notebook cell."""
    notebook = workspace.get_notebook_document(cell_uri=cell_uri)
    if notebook is None:
        return "", ""
    uris = [cell.document for cell in notebook.cells if cell.kind == types.NotebookCellKind.Code]
    if cell_uri not in uris:
        return "", ""
    here = uris.index(cell_uri)
    above = [_code(workspace, uri) for uri in uris[:here]]
    below = [_code(workspace, uri) for uri in uris[here + 1 :]]
    before = "".join(code + _BETWEEN_CELLS for code in above if code)
    after = "".join(_BETWEEN_CELLS + code for code in below if code)
    return before, after


def _code(workspace: Workspace, uri: str) -> str:
    document = workspace.text_documents.get(unquote(uri))  # as pygls keys them
    return document.source.strip("\n") if document is not None else ""
