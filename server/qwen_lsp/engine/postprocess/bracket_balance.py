"""Stop at a closing bracket that the code after the cursor already has.

``foo(⏎    a,║⏎)`` + ``⏎    b)`` keeps ``⏎    b``: ``foo(`` is the only open bracket and the
``)`` below closes it. The completion may close brackets the code before it opened only as far
as the closers below leave some unclosed. A closer whose opener's line is indented deeper than
the closing line below closes a bracket inside the one that line closes (an opener further up
than the count reads was missed).
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.brackets import CLOSERS, open_brackets, replaced_length, scan
from qwen_lsp.engine.postprocess.cursor import Cursor, indent_of


def bracket_balance(text: str, cursor: Cursor) -> str:
    if cursor.mid_line:
        return text  # one line; what the line already has is the line-overlap filter's job
    after = cursor.after[replaced_length(text, cursor) :]
    provided = len(_leading_closers(after))
    if not provided:
        return text  # without closers after the cursor an unmatched one is the model's (or prose)
    found = scan(text, cursor)
    _, waiting = open_brackets(cursor.before, cursor.lifetimes)  # outermost first
    closes = [index for index, ch in found.outer if ch in CLOSERS]
    # A one-line completion may open a block the closer below then closes (`f(a,⏎  b║⏎}` +
    # `) {`); further down, what a completion leaves open is past the code below anyway.
    unclosed = found.unclosed if "\n" not in text.rstrip() else 0
    allowed = max(0, len(waiting) - max(0, provided - unclosed))
    closing = _closing_indent(cursor)
    for position in range(allowed, len(closes)):
        opener = waiting[-1 - position][1] if position < len(waiting) else None
        if opener is None or closing is None or indent_of(opener) <= closing:
            return text[: closes[position]].rstrip()
    return text


def _closing_indent(cursor: Cursor) -> int | None:
    """Indentation of the line below the cursor that starts with a closer, if it is the next."""
    if cursor.line_after.strip() or not cursor.below:
        return None
    return indent_of(cursor.below[0]) if cursor.below[0].lstrip()[:1] in CLOSERS else None


def _leading_closers(text: str) -> str:
    """The closing brackets the text starts with, across whitespace and line breaks."""
    stripped = text.lstrip()
    found = ""
    while stripped[:1] in tuple(CLOSERS):
        found += stripped[0]
        stripped = stripped[1:].lstrip()
    return found
