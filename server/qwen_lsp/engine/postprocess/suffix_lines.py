"""Stop where the completion runs into the lines right below the cursor.

A match needs up to three lines in a row to agree, so a common line such as ``}`` or ``return``
inside the completion is not taken for the start of the code below.
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor

WINDOW = 3


def drop_suffix_lines(text: str, cursor: Cursor) -> str:
    below = cursor.below[:WINDOW]
    if not below or cursor.mid_line:
        return text
    lines = text.split("\n")
    # The first line only counts when it is a whole line, not the end of the cursor's line.
    first = 0 if not cursor.line_before.strip() else 1
    code = [(index, line.strip()) for index, line in enumerate(lines) if line.strip()]
    for position, (index, stripped) in enumerate(code):
        ahead = [line for _, line in code[position : position + len(below)]]
        if index >= first and stripped == below[0] and ahead == below[: len(ahead)]:
            return "\n".join(lines[:index])
    return text
