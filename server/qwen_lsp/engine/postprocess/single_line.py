"""Mid-line, a completion is one line.

When the rest of the line is only auto-closed brackets, a completion may go on to more lines if
its first line closes them itself and opens a block (``if (║) {`` → ``x) {⏎  go();⏎}``).
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.brackets import completes_line
from qwen_lsp.engine.postprocess.cursor import Cursor, indent_of


def single_line(text: str, cursor: Cursor) -> str:
    newline = text.find("\n")
    if newline < 0 or not (cursor.mid_line or cursor.closers_after):
        return text
    if cursor.closers_after and completes_line(text, cursor) and _opens_block(text, cursor):
        return text
    return text[:newline]


def _opens_block(text: str, cursor: Cursor) -> bool:
    lines = text.split("\n")
    following = next((line for line in lines[1:] if line.strip()), None)
    return following is not None and indent_of(following) > indent_of(cursor.line_before + lines[0])
