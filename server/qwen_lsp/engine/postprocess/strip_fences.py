"""Unwrap a completion that a chat model wrapped in a Markdown code fence.

Only a real opening fence counts: three backticks and at most a language name on their line.
``_FENCE = "║`` + ``` ```" ``` is code, and in a comment (`` * ║`` in a doc comment) a fence is
the documentation's own.
"""

from __future__ import annotations

import re

from qwen_lsp.engine.postprocess.cursor import Cursor, is_comment

_FENCE = "```"
_OPENING = re.compile(r"\s*```[\w.+#-]*[ \t]*(\n|$)")


def strip_fences(text: str, cursor: Cursor) -> str:
    opening = _OPENING.match(text)
    in_comment = is_comment(cursor.line_before)
    if cursor.language_id == "markdown" or opening is None or in_comment:
        return text
    body = text[opening.end() :]
    if not opening.group(1) or body.startswith(_FENCE):
        return ""  # only the opening fence so far, or nothing inside
    closing = body.find("\n" + _FENCE)
    return body if closing < 0 else body[: closing + 1]
