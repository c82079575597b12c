"""Stop at a closing bracket that the code after the cursor already has.

``foo(⏎    a,║⏎)`` + ``⏎    b)`` keeps ``⏎    b,``: the ``)`` closes ``foo(`` and is already there.
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.brackets import CLOSERS, CLOSING, replaced_length, scan
from qwen_lsp.engine.postprocess.cursor import Cursor


def bracket_balance(text: str, cursor: Cursor) -> str:
    if cursor.mid_line:
        return text  # one line; what the line already has is the line-overlap filter's job
    after = cursor.after
    outer = scan(text, cursor).outer
    if cursor.closers_after:
        # Closers the completion writes over the rest of the line are not "already there".
        rewritten = sum(
            1 for ch in cursor.line_after[: replaced_length(text, cursor)] if ch in CLOSING
        )
        outer = outer[rewritten:]
        after = after[len(cursor.line_after) :]
    provided = after.lstrip()[:1]
    for index, ch in outer:
        if ch in CLOSERS:
            return text[:index].rstrip() if ch == provided else text
    return text
