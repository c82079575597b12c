"""Mid-line, a completion is one line.

When the rest of the line is only auto-closed brackets, the completion may go on to more lines
once its first line has closed them itself (``if (║) {`` → ``x) {⏎ …``).
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.brackets import completes_line
from qwen_lsp.engine.postprocess.cursor import Cursor


def single_line(text: str, cursor: Cursor) -> str:
    one_line = cursor.mid_line or (cursor.closers_after and not completes_line(text, cursor))
    newline = text.find("\n")
    return text if not one_line or newline < 0 else text[:newline]
