"""Drop completions too small to be worth showing (including empty and whitespace-only ones)."""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor

MIN_VISIBLE_CHARS = 2  # accepting one character is no faster than typing it


def min_length(text: str, cursor: Cursor) -> str:
    visible = sum(1 for ch in text if not ch.isspace())
    return text if visible >= MIN_VISIBLE_CHARS else ""
