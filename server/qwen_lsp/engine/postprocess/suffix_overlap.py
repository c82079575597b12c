"""Never insert what already follows the cursor.

Two cases: the completion ends with the rest of the current line (``print(║)`` + ``x, y)``), or
its lines run into the first line below the cursor.
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor

_OPEN, _CLOSE = "([{", ")]}"


def drop_line_overlap(text: str, cursor: Cursor) -> str:
    """Drop the longest end of the completion that the rest of the line already starts with."""
    rest = cursor.line_after.rstrip()
    if not rest or "\n" in text:
        return text
    for size in range(min(len(rest), len(text)), 0, -1):
        if text.endswith(rest[:size]):
            kept = text[:-size]
            # Only when it mends the line: `foo(║)` + `bar()` keeps its own `)`.
            line = cursor.line_before
            if _imbalance(line + kept + rest) <= _imbalance(line + text + rest):
                return kept
    return text


def drop_suffix_lines(text: str, cursor: Cursor) -> str:
    """Cut the completion where it reaches the first non-blank line below the cursor."""
    below = next((ln.strip() for ln in cursor.after.split("\n")[1:] if ln.strip()), None)
    if below is None or cursor.mid_line:
        return text
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].strip() == below:
            return "\n".join(lines[:index])
    return text


def _imbalance(code: str) -> int:
    depth, worst = 0, 0
    for ch in code:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            worst = min(worst, depth)
    return abs(depth) + abs(worst)
