"""From an LSP text document position to an engine task, and offsets back to LSP ranges."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import unquote

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from qwen_lsp.engine import CompletionTask
from qwen_lsp.engine.values import IndentStyle
from qwen_lsp.lsp.notebooks import cells_around
from qwen_lsp.positions import (
    Encoding,
    PositionError,
    line_start,
    to_offset,
    to_position,
    width,
)

_ENCODINGS: dict[str, Encoding] = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32"}


# JSON lets a client send half a surrogate pair; it cannot be encoded to send upstream.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encoding_of(workspace: Workspace) -> Encoding:
    """The negotiated position encoding (UTF-16 when the client said nothing)."""
    value = workspace.position_encoding
    return _ENCODINGS.get(str(getattr(value, "value", value)), "utf-16")


def open_document(workspace: Workspace, uri: str) -> TextDocument | None:
    """The document the client opened, or None — never a file read from disk behind its back."""
    document: TextDocument | None = workspace.text_documents.get(unquote(uri))
    return document


def make_task(
    workspace: Workspace,
    uri: str,
    position: types.Position,
    invoked: bool,
    formatting: types.FormattingOptions | None = None,
) -> CompletionTask | None:
    """A task for ``position`` in an open document; None for unknown documents or positions."""
    document = open_document(workspace, uri)
    if document is None:
        return None
    text = document.source
    try:
        offset = to_offset(text, position.line, position.character, encoding_of(workspace))
    except PositionError:
        return None
    before, after = cells_around(workspace, uri)
    return CompletionTask(
        uri=uri,
        text=without_lone_surrogates(text),
        offset=offset,
        language_id=document.language_id or "",
        path=document.path or uri,
        version=document.version,
        invoked=invoked,
        indent=indent_of(formatting),
        line=position.line,
        before=without_lone_surrogates(before),
        after=without_lone_surrogates(after),
    )


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (same length: offsets still hold)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")  # fails only on a lone surrogate, at C speed: no regex scan
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text


def indent_of(options: types.FormattingOptions | None) -> IndentStyle | None:
    """The indentation the editor uses for the file, from its formatting options."""
    if options is None or not 0 < options.tab_size <= 16:
        return None
    return IndentStyle(use_tabs=not options.insert_spaces, width=options.tab_size)


def with_selection(
    workspace: Workspace, task: CompletionTask, selected: types.SelectedCompletionInfo
) -> tuple[CompletionTask, int, int] | None:
    """The task as if the popup's selected item were inserted, and the range it replaces.

    Returns the new task and the item's start and end offsets in the real document; None when the
    range is not a valid span ending at or after the cursor (the item is then ignored).
    """
    encoding = encoding_of(workspace)
    try:
        start = to_offset(
            task.text, selected.range.start.line, selected.range.start.character, encoding
        )
        end = to_offset(task.text, selected.range.end.line, selected.range.end.character, encoding)
    except PositionError:
        return None
    if not start <= task.offset <= end:
        return None
    text = task.text[:start] + selected.text + task.text[end:]
    return dataclasses.replace(task, text=text, offset=start + len(selected.text)), start, end


def lsp_range(
    workspace: Workspace, text: str, start: int, end: int, line: int | None = None
) -> types.Range:
    """The LSP range between two string offsets of ``text`` (``start <= end``); ``line`` is the
    line ``start`` is on when the caller knows it (else the lines before it are counted)."""
    encoding = encoding_of(workspace)
    if line is None:
        line, character = to_position(text, start, encoding)
    else:
        character = width(text[line_start(text, line) : start], encoding)
    if "\n" not in text[start:end]:  # the usual case: lines are counted once, not twice
        end_position = types.Position(line, character + width(text[start:end], encoding))
    else:
        end_position = types.Position(*to_position(text, end, encoding))
    return types.Range(start=types.Position(line, character), end=end_position)
