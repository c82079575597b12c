"""At the end of a line, a completion stops where the current block ends.

That is at a line indented less than the cursor's line, back at its level after a block the
completion opened (keeping a closing line such as ``}``), or at a new top-level statement after a
blank line once the completion has written something.
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor, indent_of

_CLOSERS = ("}", ")", "]", "end", "fi", "done", "esac", "</")


def block_scope(text: str, cursor: Cursor) -> str:
    lines = text.split("\n")
    current = cursor.line_before + lines[0]
    base = indent_of(current) if current.strip() else len(cursor.line_before)
    opened = False
    wrote = bool(lines[0].strip())
    for index in range(1, len(lines)):
        line = lines[index]
        if not line.strip():
            continue
        indent = indent_of(line)
        closing = indent == base and line.lstrip().startswith(_CLOSERS)
        opened = opened or indent > base
        new_top_level = indent == 0 and wrote and not lines[index - 1].strip() and not closing
        if indent < base or (opened and indent == base) or new_top_level:
            return "\n".join(lines[: index + 1 if closing else index])
        wrote = True
    return text
