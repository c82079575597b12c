"""What the filters know about the place the completion goes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Cursor:
    """The text sent before the cursor and the text after it."""

    before: str
    after: str
    language_id: str = ""

    @cached_property
    def line_before(self) -> str:
        return self.before[self.before.rfind("\n") + 1 :]

    @cached_property
    def line_after(self) -> str:
        end = self.after.find("\n")
        return self.after if end < 0 else self.after[:end]

    @property
    def mid_line(self) -> bool:
        """Code follows the cursor on its line, so the completion must fit on that line."""
        return bool(self.line_after.strip())


def indent_of(line: str) -> int:
    """Width of a line's leading whitespace (a tab counts as one column, as both sides use it)."""
    return len(line) - len(line.lstrip(" \t"))
