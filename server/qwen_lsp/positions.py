"""Conversion between LSP positions and string offsets — the one helper used everywhere.

LSP counts characters in the negotiated encoding: UTF-16 code units by default, or UTF-8 bytes /
UTF-32 code points when the client offers them. Python strings index code points, so every
position crossing the LSP edge goes through here, in both directions.
"""

from __future__ import annotations

from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]


class PositionError(ValueError):
    """A position that does not exist in the document (line past the end, negative numbers)."""


def width(text: str, encoding: Encoding) -> int:
    """Length of ``text`` in the encoding's units."""
    if encoding == "utf-32" or text.isascii():  # known without a scan: one unit a character
        return len(text)
    if encoding == "utf-16":
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text.encode("utf-8", "surrogatepass"))


# The last line start found, with the text it was found in: requests and edits land near the
# previous one, so walking from it skips splitting a large file at every keystroke.
_hint: tuple[str, int, int] | None = None
_WALK_LINES = 64


def line_start(text: str, line: int) -> int:
    """Offset where 0-based ``line`` starts; raises PositionError past the last line."""
    if line < 0:
        raise PositionError(f"line {line} is negative")
    hint = _hint
    if hint is not None and hint[0] is text and abs(line - hint[1]) <= _WALK_LINES:
        start = _walk(text, hint[2], line - hint[1])
    else:
        start = _split_start(text, line)
    if start < 0:
        raise PositionError(f"line {line} is past the end of the document")
    remember_line_start(text, line, start)
    return start


def remember_line_start(text: str, line: int, start: int) -> None:
    """Note that ``line`` of ``text`` starts at ``start`` (an edit after it keeps it true)."""
    global _hint
    _hint = (text, line, start)


def _walk(text: str, start: int, lines: int) -> int:
    """The start of the line ``lines`` after (or before) the line starting at ``start``; -1 past
    the end."""
    for _ in range(lines):
        start = text.find("\n", start) + 1
        if not start:
            return -1
    for _ in range(-lines):
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def _split_start(text: str, line: int) -> int:
    if line == 0:
        return 0
    # A bounded split runs in C; the last part is the text from the wanted line on.
    parts = text.split("\n", line)
    return len(text) - len(parts[-1]) if len(parts) > line else -1


def to_offset(text: str, line: int, character: int, encoding: Encoding) -> int:
    """String offset of an LSP position.

    A character past the end of the line means the end of the line (as the LSP spec says); a
    character inside a surrogate pair or a multi-byte sequence rounds down to the code point.
    """
    if character < 0:
        raise PositionError(f"character {character} is negative")
    start = line_start(text, line)
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    if end > start and text[end - 1] == "\r":
        end -= 1
    if encoding == "utf-32" or text[start : start + character].isascii():
        return min(start + character, end)  # one unit a code point
    units = 0
    for index in range(start, end):
        units += width(text[index], encoding)
        if units > character:
            return index
    return end


def to_position(text: str, offset: int, encoding: Encoding) -> tuple[int, int]:
    """LSP (line, character) of a string offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return line, width(text[start:offset], encoding)
