"""The words around the code: the system rules and the user message that carries the suffix.

Everything here precedes the assistant prefix, so it is built only from things that stay put
while the user types (snippets from other files, the file's name and style, the code after the
cursor): consecutive requests then share their start and hit the provider's prompt cache.
"""

from __future__ import annotations

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.values import Snippet

SYSTEM_RULES = (
    "You are a code completion engine inside a code editor. The assistant message is the file's "
    "text up to the cursor. Continue it from exactly where it stops with the code most likely to "
    "come next. Output only code: no explanations, no prose, no Markdown fences, no repetition of "
    "the code before the cursor. Stop where the code after the cursor takes over; never repeat "
    "it. Match the file's indentation style exactly. Code from other files is reference only: "
    "use its names and signatures, never copy it into the answer."
)

_REASONS = {"import": "imported", "edit": "recently edited", "similar": "open in the editor"}


def user_message(prompt: Prompt) -> str:
    """Other files' snippets, then file name, language, style and the code after the cursor."""
    where = prompt.path or "untitled"
    language = f" ({prompt.language_id})" if prompt.language_id else ""
    style = f" Indentation: {prompt.indent.describe()}." if prompt.indent else ""
    header = f"File: {where}{language}.{style}"
    if not prompt.suffix.strip():
        body = f"{header} The cursor is at the end of the file."
    else:
        body = (
            f"{header} The code after the cursor is:\n"
            f"<code_after_cursor>\n{prompt.suffix}\n</code_after_cursor>"
        )
    if not prompt.snippets:
        return body
    return f"{snippet_block(prompt.snippets)}\n\n{body}"


def snippet_block(snippets: tuple[Snippet, ...]) -> str:
    """Snippets as tagged blocks, in the order given (the order is part of the cache key)."""
    blocks = [
        f'<file path="{s.path}" reason="{_REASONS.get(s.kind, s.kind)}">\n'
        f"{s.text.rstrip()}\n</file>"
        for s in snippets
    ]
    return "Code from other files of the project, for reference:\n" + "\n".join(blocks)
