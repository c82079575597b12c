"""Keep the completion inside the code it belongs to.

Mid-line, a completion is one line. At the end of a line it may span lines, but stops where the
current block ends (a line indented less than the cursor's line, or back at that level after the
block it opened), keeping a closing line such as ``}`` that ends the block.
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor, indent_of

_CLOSERS = ("}", ")", "]", "end", "fi", "done", "esac", "</")


def single_line(text: str, cursor: Cursor) -> str:
    if not cursor.mid_line:
        return text
    newline = text.find("\n")
    return text if newline < 0 else text[:newline]


def block_scope(text: str, cursor: Cursor) -> str:
    lines = text.split("\n")
    current = cursor.line_before + lines[0]
    base = indent_of(current) if current.strip() else len(cursor.line_before)
    opened = False
    for index in range(1, len(lines)):
        line = lines[index]
        if not line.strip():
            continue
        indent = indent_of(line)
        opened = opened or indent > base
        if indent < base or (opened and indent == base):
            keep = index + 1 if indent == base and line.lstrip().startswith(_CLOSERS) else index
            return "\n".join(lines[:keep])
    return text
