"""A small, language-agnostic bracket and quote scanner shared by several filters.

It knows strings only roughly (quotes end at a line end, except backticks), which is enough to
tell which closers in a completion close something opened *before* the cursor.
"""

from __future__ import annotations

from dataclasses import dataclass

from qwen_lsp.engine.postprocess.cursor import Cursor

PAIRS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = ")]}"
QUOTES = "\"'`"
CLOSING = CLOSERS + QUOTES


@dataclass(frozen=True)
class Scan:
    """``outer``: (index, char) of each closer that closes what the prefix opened, in order."""

    outer: list[tuple[int, str]]
    unclosed: int  # brackets the text opens and leaves open


def scan(text: str, cursor: Cursor) -> Scan:
    stack: list[str] = []
    outer: list[tuple[int, str]] = []
    quote = open_quote(cursor.line_before)
    in_prefix_string = bool(quote)
    escaped = False
    for index, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote or (ch == "\n" and quote != "`"):
                if in_prefix_string and ch == quote:
                    outer.append((index, ch))
                quote, in_prefix_string = "", False
        elif ch in QUOTES:
            quote = ch
        elif ch in PAIRS:
            stack.append(PAIRS[ch])
        elif ch in CLOSERS and stack and stack[-1] == ch:
            stack.pop()
        elif ch in CLOSERS and not stack:
            outer.append((index, ch))
    return Scan(outer, len(stack))


def open_quote(line: str) -> str:
    """The quote a line leaves open at its end (so the cursor is inside a string), or ""."""
    quote, escaped = "", False
    for ch in line:
        if escaped:
            escaped = False
        elif quote and ch == "\\":
            escaped = True
        elif quote and ch == quote:
            quote = ""
        elif not quote and ch in QUOTES:
            quote = ch
    return quote


def replaced_length(text: str, cursor: Cursor) -> int:
    """How many characters of the rest of the line the completion's first line rewrites.

    Only when that rest is auto-closed text such as ``)`` or ``"]);``: the completion may close
    those brackets itself, and then its range must cover them or the editor shows ``))``.
    """
    rest = cursor.line_after
    if not cursor.closers_after:
        return 0
    line = text.split("\n", 1)[0]
    pending = [(index, ch) for index, ch in enumerate(rest) if ch in CLOSING]
    done, end = 0, 0
    for _, ch in scan(line, cursor).outer:
        if done == len(pending) or pending[done][1] != ch:
            break
        end = pending[done][0] + 1
        done += 1
    if done < len(pending):
        return end
    tail = rest[end:].strip()  # a trailing `:` or `;` the completion may also have written
    return len(rest) if not tail or line.rstrip().endswith(tail) else end


def completes_line(text: str, cursor: Cursor) -> bool:
    """The completion's first line rewrites all of the auto-closed rest of the line."""
    return cursor.closers_after and replaced_length(text, cursor) == len(cursor.line_after)
