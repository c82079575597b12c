"""Drop completions too small to be worth showing: empty and whitespace-only ones.

One visible character is enough: ``1`` or ``)`` can finish a line. A completion that would only
retype what follows the cursor was already emptied by the line-overlap filter.
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor

MIN_VISIBLE_CHARS = 1


def min_length(text: str, cursor: Cursor) -> str:
    visible = len("".join(text.split()))  # split() drops what isspace() is true for, in C
    return text if visible >= MIN_VISIBLE_CHARS else ""
