"""Drop a model's loops: the same line or block of lines over and over.

A single line must come three times in a row, a block of two to four lines twice, and either
must carry some code (a run of ``}`` lines is normal).
"""

from __future__ import annotations

from qwen_lsp.engine.postprocess.cursor import Cursor

_MIN_CHARS = 8
_LONGEST_BLOCK = 4


def drop_repetition(text: str, cursor: Cursor) -> str:
    lines = text.split("\n")
    stripped = [line.strip() for line in lines]  # the first line lacks the cursor's indentation
    for index in range(len(lines)):
        for size in range(1, _LONGEST_BLOCK + 1):
            if _repeats(stripped, index, size):
                return "\n".join(lines[: index + size])
    return text


def _repeats(lines: list[str], index: int, size: int) -> bool:
    block = lines[index : index + size]
    if len(block) < size or len("".join(block).replace(" ", "")) < _MIN_CHARS:
        return False
    times = 3 if size == 1 else 2
    return all(lines[index + n * size : index + (n + 1) * size] == block for n in range(times))
