"""Drop a model's loops: the same line or block of lines over and over.

A single line must come three times in a row, a block of two to four lines twice, and either
must carry some code (a run of ``}`` lines is normal).
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor

_MIN_CHARS = 8  # without spaces
_LONGEST_BLOCK = 4


def drop_repetition(text: str, cursor: Cursor) -> str:
    lines = text.split("\n")
    # Indentation counts (code repeats lines at other levels), with the cursor's for the first.
    whole = [(cursor.line_before + lines[0]).rstrip(), *(line.rstrip() for line in lines[1:])]
    ends = [_first_loop(whole, size) for size in range(1, _LONGEST_BLOCK + 1)]
    cut = min((end for end in ends if end is not None), default=None)
    return text if cut is None else "\n".join(lines[:cut])


def _first_loop(lines: list[str], size: int) -> int | None:
    """End of the first block of ``size`` lines that comes again right after itself."""
    needed = size * (2 if size == 1 else 1)  # equal lines in a row: a line thrice, a block twice
    run = 0
    same_as_next = [a == b for a, b in zip(lines, lines[size:], strict=False)]
    for index, same in enumerate(same_as_next):
        run = run + 1 if same else 0
        start = index - needed + 1
        code = "".join(line.strip() for line in lines[start : start + size])
        if run >= needed and len(code) >= _MIN_CHARS:
            return start + size
    return None
