"""A small, language-agnostic bracket and quote scanner shared by several filters.

It knows strings only roughly (quotes end at a line end, except backticks), which is enough to
tell which closers in a completion close something opened *before* the cursor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qwen_lsp.engine.postprocess.cursor import Cursor

PAIRS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = ")]}"
QUOTES = "\"'`"
CLOSING = CLOSERS + QUOTES
_CONTEXT_LINES = 50
_SIGNIFICANT = re.compile(r"[()\[\]{}\"'`\\\n]")


@dataclass(frozen=True)
class Scan:
    """``outer``: (index, char) of each closer that closes what the prefix opened, in order."""

    outer: list[tuple[int, str]]
    unclosed: int  # brackets the text opens and leaves open
    # Lines (numbered from 0) that start inside a `(`, `[` or multi-line string the text opened:
    # they go on with the line above, whatever their indentation.
    continued: frozenset[int]


def scan(text: str, cursor: Cursor) -> Scan:
    stack: list[str] = []
    outer: list[tuple[int, str]] = []
    continued: set[int] = set()
    quote = open_quote(cursor.line_before)
    in_prefix_string = bool(quote)
    escaped_at, line = -2, 0
    for found in _SIGNIFICANT.finditer(text):  # skipping plain characters keeps this fast
        index, ch = found.start(), found.group()
        if quote and escaped_at == index - 1:
            pass  # an escaped character, a line break too, stays in the string
        elif quote:
            if ch == "\\":
                escaped_at = index
            elif ch == quote or (ch == "\n" and quote != "`"):
                if in_prefix_string and ch == quote:
                    outer.append((index, ch))
                quote, in_prefix_string = "", False
        elif ch in QUOTES:
            string = ch == "`" or _closes_on_its_line(text, index)
            quote = ch if string and not (cursor.lifetimes and lifetime(text, index)) else ""
        elif ch in PAIRS:
            stack.append(PAIRS[ch])
        elif ch in CLOSERS and stack and stack[-1] == ch:
            stack.pop()
        elif ch in CLOSERS and not stack:
            outer.append((index, ch))
        if ch == "\n":
            line += 1
            if quote == "`" or stack[-1:] in ([")"], ["]"]):
                continued.add(line)
    return Scan(outer, len(stack), frozenset(continued))


def lifetime(text: str, index: int) -> bool:
    """The quote at ``index`` starts a Rust lifetime (``'a``), not a char (``'a'``, ``'\\n'``)."""
    after = text[index + 1 : index + 3]
    return text[index] == "'" and after[:1].isidentifier() and after[1:] != "'"


def _closes_on_its_line(text: str, index: int) -> bool:
    """A quote its complete line does not close is no string's: a Rust lifetime (``&'a str``)
    or an apostrophe. The last line may still be coming."""
    end = text.find("\n", index + 1)
    return end < 0 or text.find(text[index], index + 1, end) >= 0


def open_quote(line: str) -> str:
    """The quote a line leaves open at its end (so the cursor is inside a string), or ""."""
    closers = expected_closers(line)
    return closers[0] if closers[:1] in tuple(QUOTES) else ""


@lru_cache(maxsize=8)  # called for every stream chunk with the same prefix
def expected_closers(before: str, lifetimes: bool = False) -> str:
    """The closers the code before the cursor still waits for, innermost first.

    Read from its last lines only: enough for the current statement, cheap, and a stray bracket
    in an old comment cannot skew it much. Strings end at a line end.
    """
    quote, stack = open_brackets(before, lifetimes)
    return quote + "".join(closer for closer, _ in reversed(stack))


@lru_cache(maxsize=8)
def open_brackets(before: str, lifetimes: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """The quote the text leaves open, and for each bracket it leaves open (outermost first) its
    closer and the line that opened it; read as :func:`expected_closers` says.

    A line above the cursor's leaves no string open: a quote it does not close is no string's
    (a Rust lifetime such as ``&'a str``, an apostrophe in a comment) and is read over.
    """
    stack: list[tuple[str, str]] = []
    lines = before.split("\n")[-_CONTEXT_LINES:]
    quote = ""
    for number, line in enumerate(lines):
        kept, skipped = len(stack), set[int]()
        quote, opened_at = _scan_line(line, stack, skipped, lifetimes)
        while quote and number < len(lines) - 1:
            del stack[kept:]
            skipped.add(opened_at)
            quote, opened_at = _scan_line(line, stack, skipped, lifetimes)
    return quote, stack


def _scan_line(
    line: str, stack: list[tuple[str, str]], skipped: set[int], lifetimes: bool
) -> tuple[str, int]:
    """Push and pop the line's brackets; the quote it leaves open and where, or ("", -1)."""
    quote, opened_at, escaped = "", -1, False
    for column, ch in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in QUOTES and column not in skipped and not (lifetimes and lifetime(line, column)):
            quote, opened_at = ch, column
        elif ch in PAIRS:
            stack.append((PAIRS[ch], line))
        elif ch in CLOSERS and stack and stack[-1][0] == ch:
            stack.pop()
    return quote, opened_at


def replaced_length(text: str, cursor: Cursor) -> int:
    """How many characters of the rest of the line the completion's first line rewrites.

    Only when that rest is auto-closed text such as ``)`` or ``"]);``: if the completion closes
    those brackets itself, its range must cover them or the editor shows ``))``. It does when its
    closers and the line's together close more than the code before the cursor opened.
    """
    if not cursor.closers_after:
        return 0
    rest = cursor.line_after
    first_line = text.split("\n", 1)[0]
    written = "".join(ch for _, ch in scan(first_line, cursor).outer)
    pending = [(index, ch) for index, ch in enumerate(rest) if ch in CLOSING]
    expected = expected_closers(cursor.before, cursor.lifetimes)
    for count in range(len(pending) + 1):
        closers = written + "".join(ch for _, ch in pending[count:])
        rewritten = "".join(ch for _, ch in pending[:count])
        if written.endswith(rewritten) and expected.startswith(closers):
            break
    else:
        # No way to make the brackets agree (quotes confuse the count): a verbatim copy of the
        # rest is still a rewrite of it.
        return len(rest) if first_line.rstrip().endswith(rest.strip()) else 0
    if count < len(pending):
        return pending[count - 1][0] + 1 if count else 0
    end = pending[-1][0] + 1 if pending else 0
    tail = rest[end:].strip()  # a trailing `:` or `;` the completion may also have written
    return len(rest) if not tail or first_line.rstrip().endswith(tail) else end


def completes_line(text: str, cursor: Cursor) -> bool:
    """The completion's first line rewrites all of the auto-closed rest of the line."""
    return cursor.closers_after and replaced_length(text, cursor) == len(cursor.line_after)
