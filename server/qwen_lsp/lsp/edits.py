"""Incremental edits applied by splicing the text at the two offsets of each change."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import Workspace

from qwen_lsp.lsp.documents import encoding_of, open_document
from qwen_lsp.positions import (
    Encoding,
    PositionError,
    line_start,
    remember_line_start,
    to_offset,
)


def splice(text: str, change: types.TextDocumentContentChangeEvent, encoding: Encoding) -> str:
    """``text`` after one change; PositionError for a range that is not in it."""
    if not isinstance(change, types.TextDocumentContentChangePartial):
        return change.text
    start, end = change.range.start, change.range.end
    first = to_offset(text, start.line, start.character, encoding)
    last = to_offset(text, end.line, end.character, encoding)
    spliced = "".join((text[:first], change.text, text[max(first, last) :]))
    # The edit leaves the lines before it where they were: the next lookup starts from there.
    remember_line_start(spliced, start.line, line_start(text, start.line))
    return spliced


def apply_changes(workspace: Workspace, params: types.DidChangeTextDocumentParams) -> bool:
    """Apply a ``didChange`` to the open document; False (nothing changed) if the document is
    not open or a range is not in it."""
    document = open_document(workspace, params.text_document.uri)
    if document is None:
        return False
    text, encoding = document.source, encoding_of(workspace)
    try:
        for change in params.content_changes:
            text = splice(text, change, encoding)
    except PositionError:
        return False
    item = types.TextDocumentItem(
        uri=document.uri,
        language_id=document.language_id or "",
        version=params.text_document.version,
        text=text,
    )
    workspace.put_text_document(item)
    return True
