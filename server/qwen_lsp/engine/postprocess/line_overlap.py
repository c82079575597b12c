"""Never insert what already follows the cursor on its line.

``foo(a, ║), c`` + ``b), c`` keeps ``b``; ``print(║)`` + ``x)`` keeps ``x``. When the completion
goes on after auto-closed brackets (``def f(║):`` + ``a) -> int:``) it keeps them and its range
covers the line's instead (:func:`~qwen_lsp.engine.postprocess.brackets.replaced_length`).
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.brackets import scan
from qwen_lsp.engine.postprocess.cursor import Cursor


def drop_line_overlap(text: str, cursor: Cursor) -> str:
    """Drop the longest end of the completion that the rest of the line already starts with."""
    rest = cursor.line_after.rstrip()
    if not rest or "\n" in text:
        return text
    for size in range(min(len(rest), len(text)), 0, -1):
        if text.endswith(rest[:size]):
            kept = text[:-size]
            # Only what the kept text does not need: `foo(║) + 1` + `bar()` keeps its `)`.
            if scan(kept, cursor).unclosed == 0:
                return kept
    return text
