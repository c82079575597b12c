"""``workspace/executeCommand`` ``qwen-lsp.completeBlock``: the whole block at a position.

Arguments ``[{"textDocument": {"uri": ...}, "position": {"line": ..., "character": ...}}]``;
the answer is ``{"insertText": str, "range": Range}``, or null when there is nothing to insert
(or the arguments make no sense: an editor command should never crash the server).
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from qwen_lsp.lsp.documents import lsp_range, make_task
from qwen_lsp.lsp.language_server import QwenLanguageServer  # pygls reads the hints at run time

COMPLETE_BLOCK_COMMAND = "qwen-lsp.completeBlock"


async def complete_block(ls: QwenLanguageServer, *args: Any) -> dict[str, Any] | None:
    where = _where(args)
    if where is None:
        return None
    uri, position = where
    task = make_task(ls.workspace, uri, position, invoked=True)
    if task is None:
        return None
    ls.warn_if_unusable()
    result = await ls.engine.complete_block(task)
    if result is None or result.completion is None:
        return None
    found = result.completion
    span = lsp_range(ls.workspace, task.text, task.offset, task.offset + found.replace_length)
    edit_range = {"start": _point(span.start), "end": _point(span.end)}
    return {"insertText": found.text, "range": edit_range}


def _point(position: types.Position) -> dict[str, int]:
    return {"line": position.line, "character": position.character}


def _where(args: tuple[Any, ...]) -> tuple[str, types.Position] | None:
    """The document and position from the command's first argument, if it has that shape."""
    first: Any = args[0] if args else None
    try:
        uri = first["textDocument"]["uri"]
        line, character = first["position"]["line"], first["position"]["character"]
    except (TypeError, KeyError, IndexError):
        return None
    valid = isinstance(uri, str) and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (line, character)
    )
    return (uri, types.Position(line, character)) if valid else None
