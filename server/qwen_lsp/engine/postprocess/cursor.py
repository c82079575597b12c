"""What the filters know about the place the completion goes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from qwen_lsp.engine.values import IndentStyle

# How comment lines start, in the languages we know (`*` inside a block comment); `#[` and `#!`
# start Rust attributes.
_COMMENT = re.compile(r"\s*(?:#(?![\[!])|//|/\*|\*|--)")
# The rest of a line an editor auto-closed: brackets and quotes, maybe one `:`, `;`, `,` or `{`.
_CLOSERS_ONLY = re.compile(r"[)\]}\"'`\s]+[:;,{]?")


@dataclass(frozen=True)
class Cursor:
    """The text sent before the cursor and the text after it."""

    before: str
    after: str
    language_id: str = ""
    indent: IndentStyle | None = None  # the document's style, when known

    @cached_property
    def line_before(self) -> str:
        return self.before[self.before.rfind("\n") + 1 :]

    @cached_property
    def line_after(self) -> str:
        end = self.after.find("\n")
        return self.after if end < 0 else self.after[:end]

    @cached_property
    def closers_after(self) -> bool:
        """The rest of the line is only what an editor auto-closes, e.g. ``)`` or ``")``."""
        return _CLOSERS_ONLY.fullmatch(self.line_after.strip()) is not None

    @property
    def lifetimes(self) -> bool:
        """Its language writes lifetimes with a quote (``&'a str``): not every ``'`` opens one."""
        return self.language_id == "rust"

    @property
    def mid_line(self) -> bool:
        """Code follows the cursor on its line, so the completion must fit on that line."""
        return bool(self.line_after.strip()) and not self.closers_after

    @cached_property
    def below(self) -> list[str]:
        """The non-blank lines after the cursor's line, without trailing whitespace (the first few
        are enough)."""
        lines = self.after.split("\n", 40)[1:40]
        return [line.rstrip() for line in lines if line.strip()]


def is_comment(line: str) -> bool:
    """The line starts with a comment (after its indentation)."""
    return _COMMENT.match(line) is not None


def indent_of(line: str) -> int:
    """Width of a line's leading whitespace (a tab counts as one column, as both sides use it)."""
    return len(line) - len(line.lstrip(" \t"))


def leading(line: str) -> str:
    return line[: indent_of(line)]
