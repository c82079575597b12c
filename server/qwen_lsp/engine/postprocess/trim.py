"""No trailing whitespace at the end of a completion."""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor


def trim_end(text: str, cursor: Cursor) -> str:
    return text.rstrip()
