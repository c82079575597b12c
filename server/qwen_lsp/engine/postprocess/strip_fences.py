"""Unwrap a completion that a chat model wrapped in a Markdown code fence."""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor

_FENCE = "```"


def strip_fences(text: str, cursor: Cursor) -> str:
    if cursor.language_id == "markdown" or not text.lstrip().startswith(_FENCE):
        return text
    body = text.lstrip()
    newline = body.find("\n")
    if newline < 0:
        return ""  # only the opening fence so far
    body = body[newline + 1 :]
    closing = body.find("\n" + _FENCE)
    if body.startswith(_FENCE):
        return ""
    return body if closing < 0 else body[: closing + 1]
