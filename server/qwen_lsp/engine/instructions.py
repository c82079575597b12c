"""The words around the code: the system rules and the user message that carries the suffix."""

from __future__ import annotations

from qwen_lsp.engine.context import Prompt

SYSTEM_RULES = (
    "You are a code completion engine inside a code editor. The assistant message is the file's "
    "text up to the cursor. Continue it from exactly where it stops with the code most likely to "
    "come next. Output only code: no explanations, no Markdown fences, no repetition of the code "
    "before the cursor. Stop where the code after the cursor takes over; never repeat it. Match "
    "the file's indentation style."
)


def user_message(prompt: Prompt) -> str:
    """File name, language and the code after the cursor, in a form that changes rarely."""
    where = prompt.path or "untitled"
    language = f" ({prompt.language_id})" if prompt.language_id else ""
    if not prompt.suffix.strip():
        return f"File: {where}{language}. The cursor is at the end of the file."
    return (
        f"File: {where}{language}. The code after the cursor is:\n"
        f"<code_after_cursor>\n{prompt.suffix}\n</code_after_cursor>"
    )
