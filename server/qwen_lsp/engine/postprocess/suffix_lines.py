"""Stop where the completion runs into the lines right below the cursor.

A match needs up to three lines in a row to agree, so a common line such as ``}`` or ``return``
inside the completion is not taken for the start of the code below. A line of only closing
brackets must also agree in indentation: ``    }`` closing an inner block is not the ``}`` below.
The last line of a stream stopped early may be cut short: it agrees if the line below starts so.
"""

from __future__ import annotations

import re

from qwen_lsp.engine.postprocess.cursor import Cursor, indent_of

WINDOW = 3
_WORD = re.compile(r"\w")


def drop_suffix_lines(text: str, cursor: Cursor) -> str:
    below = cursor.below[:WINDOW]
    if not below or cursor.mid_line:
        return text
    lines = text.split("\n")
    # The first line only counts when it is a whole line, not the end of the cursor's line.
    first = 0 if not cursor.line_before.strip() else 1
    whole = [cursor.line_before + lines[0], *lines[1:]]
    code = [(index, line) for index, line in enumerate(whole) if line.strip()]
    for position, (index, _) in enumerate(code):
        ahead = [line for _, line in code[position : position + len(below)]]
        if index >= first and all(map(_same, ahead, below)):
            return "\n".join(lines[:index])
        # A stream stopped early may end inside a line: one that starts like the line below
        # agrees too, after a whole line that does.
        last = len(ahead) - 1
        cut_short = index >= first and last and code[position + last][0] == len(lines) - 1
        if cut_short and all(map(_same, ahead[:last], below)) and _starts(ahead[last], below[last]):
            return "\n".join(lines[:index])
    return text


def _same(line: str, below: str) -> bool:
    if line.strip() != below.strip():
        return False
    return indent_of(line) == indent_of(below) or _WORD.search(below) is not None


def _starts(line: str, below: str) -> bool:
    return below.startswith(line.rstrip()) and (indent_of(line) == indent_of(below))
