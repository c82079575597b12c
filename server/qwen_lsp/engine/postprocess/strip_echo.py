"""Drop a repetition of the code before the cursor at the start of the reply.

Providers should return only the continuation, but some (Mistral) repeat the prefix, and models
sometimes restart the current line.
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor


def strip_echo(text: str, cursor: Cursor) -> str:
    # Two lines or more up to the cursor are specific enough to be an echo, not a coincidence.
    before = cursor.before
    previous_line = before.rfind("\n", 0, max(0, len(before) - len(cursor.line_before) - 1))
    for echo in (before, before[previous_line + 1 :]):
        if "\n" not in echo or not echo.strip():
            continue
        if text.startswith(echo):
            return text[len(echo) :]
        if "\n" in text and echo.startswith(text):
            return ""  # an echo still arriving: nothing of the completion yet
    return text
