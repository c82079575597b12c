"""Bracket depth line by line for brace languages, skipping strings and comments.

A lexer just good enough to find where a block's ``{`` is closed in JavaScript, TypeScript, Go
and Rust: ``//`` and ``/* */`` comments, quoted strings, template and raw strings, Rust's char
literals and lifetimes, JavaScript's regular expressions (after an operator or an opening
bracket). The samplers check its answers against the indentation, so a rare slip drops a
cursor point rather than making a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPENERS, _CLOSERS = "([{", ")]}"
_TOKEN = re.compile(r"//|/\*|[\"'`(\[{)\]}/\n]|\br#*\"")
_REGEX_AFTER = (*"(,=:[!&|?{};+-*%<>~^", "return", "typeof", "case")
_RUST_RAW = re.compile(r"r(#*)\"")


@dataclass(frozen=True)
class Depths:
    """Per line: bracket depth at its start, the lowest within it, and at its end."""

    start: list[int]
    low: list[int]
    end: list[int]


def bracket_depths(text: str, suffix: str) -> Depths:
    rust, javascript = suffix == ".rs", suffix in (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx")
    start, low, end = [0], [0], []
    depth = 0
    at = 0
    while (found := _TOKEN.search(text, at)) is not None:
        token, at = found.group(), found.end()
        if token == "\n":
            end.append(depth)
            start.append(depth)
            low.append(depth)
        elif token in _OPENERS:
            depth += 1
        elif token in _CLOSERS:
            depth -= 1
            low[-1] = min(low[-1], depth)
        elif token == "//":
            at = _line_end(text, at)
        elif token == "/*":
            at = _past(text, "*/", at)
        elif token.startswith("r"):
            hashes = _RUST_RAW.match(token)
            at = _past(text, '"' + hashes.group(1), at) if rust and hashes else found.start() + 1
        elif token == "/":
            if javascript and _regex_can_start(text, found.start()):
                at = _regex_end(text, at)
        elif token == "'" and rust:
            at = _rust_quote(text, at)
        elif token in "\"'`":
            at = _string_end(text, at, token, multiline=token == "`" or (rust and token == '"'))
        start, low, end, at = _count_lines(text, found.start(), at, start, low, end, depth)
    end.append(depth)
    return Depths(start, low, end)


def _count_lines(
    text: str, begin: int, at: int, start: list[int], low: list[int], end: list[int], depth: int
) -> tuple[list[int], list[int], list[int], int]:
    """Lines a skipped string or comment spans start and end at the depth around it."""
    if at > begin + 1:
        for _ in range(text.count("\n", begin + 1, at)):
            end.append(depth)
            start.append(depth)
            low.append(depth)
    return start, low, end, at


def _line_end(text: str, at: int) -> int:
    found = text.find("\n", at)
    return len(text) if found < 0 else found


def _past(text: str, closer: str, at: int) -> int:
    found = text.find(closer, at)
    return len(text) if found < 0 else found + len(closer)


def _string_end(text: str, at: int, quote: str, multiline: bool) -> int:
    while at < len(text):
        ch = text[at]
        if ch == "\\":
            at += 2
            continue
        if ch == quote:
            return at + 1
        if ch == "\n" and not multiline:
            return at  # an unclosed string ends with its line; the line break still counts
        at += 1
    return at


def _rust_quote(text: str, at: int) -> int:
    """After a Rust ``'``: past a char literal, or just the quote of a lifetime."""
    if text[at : at + 1] == "\\":
        return _string_end(text, at, "'", multiline=False)
    return at + 2 if text[at + 1 : at + 2] == "'" else at


def _regex_can_start(text: str, slash: int) -> bool:
    before = text[max(0, slash - 10) : slash].rstrip()
    return not before or before.endswith(_REGEX_AFTER)


def _regex_end(text: str, at: int) -> int:
    in_class = False
    while at < len(text) and text[at] != "\n":
        ch = text[at]
        if ch == "\\":
            at += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            return at + 1
        at += 1
    return at
