"""Stop at a closing bracket that the code after the cursor already has.

``foo(⏎    a,║⏎)`` + ``⏎    b)`` keeps ``⏎    b``: ``foo(`` is the only open bracket and the
``)`` below closes it. The completion may close brackets the code before it opened only as far as
the closers waiting after the cursor leave some unclosed.
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.brackets import (
    CLOSERS,
    QUOTES,
    expected_closers,
    replaced_length,
    scan,
)
from qwen_lsp.engine.postprocess.cursor import Cursor, indent_of


def bracket_balance(text: str, cursor: Cursor) -> str:
    if cursor.mid_line:
        return text  # one line; what the line already has is the line-overlap filter's job
    after = cursor.after[replaced_length(text, cursor) :]
    waiting = len(expected_closers(cursor.before).lstrip(QUOTES))
    provided = len(_leading_closers(after))
    closes = [index for index, ch in scan(text, cursor).outer if ch in CLOSERS]
    allowed = max(0, waiting - provided)
    if not provided:
        return text  # without closers after the cursor an unmatched one is the model's (or prose)
    for index in closes[allowed:]:
        if not _closes_inner_block(text, index, cursor):
            return text[:index].rstrip()
    return text


def _closes_inner_block(text: str, index: int, cursor: Cursor) -> bool:
    """The closer starts a line indented deeper than the closing line below the cursor, so it
    closes a block inside the one that line closes: an opener further up than the count of
    waiting closers reads (its last lines) was missed."""
    start = text.rfind("\n", 0, index) + 1
    if not start or text[start:index].strip(CLOSERS + " \t"):
        return False
    closing = next((line for line in cursor.below[:1] if line.lstrip()[:1] in CLOSERS), None)
    return closing is not None and indent_of(text[start:index]) > indent_of(closing)


def _leading_closers(text: str) -> str:
    """The closing brackets the text starts with, across whitespace and line breaks."""
    stripped = text.lstrip()
    found = ""
    while stripped[:1] in tuple(CLOSERS):
        found += stripped[0]
        stripped = stripped[1:].lstrip()
    return found
