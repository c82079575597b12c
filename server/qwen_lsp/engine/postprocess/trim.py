"""Final tidying: no trailing whitespace, nothing that is only whitespace."""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor


def trim_end(text: str, cursor: Cursor) -> str:
    return "" if not text.strip() else text.rstrip()
