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
    for index in range(first, len(lines)):
        ahead = [line.strip() for line in lines[index:] if line.strip()][: len(below)]
        if lines[index].strip() and ahead == below[: len(ahead)]:
            return "\n".join(lines[:index])
    return text
