"""Keeps the engine's index of open documents and recent edits in step with the editor.

pygls updates its copy of the document before each of these handlers is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import Workspace

from qwen_lsp.engine.context.open_files import OpenFile
from qwen_lsp.lsp.documents import open_document

if TYPE_CHECKING:
    from qwen_lsp.lsp.language_server import QwenLanguageServer


def did_open(ls: QwenLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    files = ls.engine.open_files
    files.roots = workspace_roots(ls.workspace)
    document = open_document(ls.workspace, params.text_document.uri)
    if document is not None:
        path = document.path or params.text_document.uri
        files.open(OpenFile(document.uri, path, document.language_id or "", document.source))


def did_change(ls: QwenLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    document = open_document(ls.workspace, params.text_document.uri)
    text = document.source if document is not None else None
    ls.engine.document_changed(params.text_document.uri, text)  # the debounce learns from it
    if document is not None:
        ls.engine.open_files.change(
            document.uri, document.source, edited_lines(params.content_changes)
        )


def did_close(ls: QwenLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.engine.document_closed(params.text_document.uri)


def edited_lines(changes: Sequence[types.TextDocumentContentChangeEvent]) -> list[int]:
    """The first line each incremental change touched (whole-document changes say nothing)."""
    return [
        change.range.start.line
        for change in changes
        if isinstance(change, types.TextDocumentContentChangePartial)
    ]


def workspace_roots(workspace: Workspace) -> tuple[str, ...]:
    """Local paths of the workspace folders (or the root), longest first."""
    uris = [folder.uri for folder in workspace.folders.values()] or [workspace.root_uri or ""]
    paths = {to_fs_path(uri) for uri in uris if uri.startswith("file:")}
    return tuple(sorted((p.rstrip("/") for p in paths if p), key=len, reverse=True))
