"""Indent the completion the way the document does.

Models sometimes indent with spaces in a file that uses tabs (or the reverse), or repeat the
indentation the cursor already sits after — which is a syntax error in Python.
"""

from __future__ import annotations

import re
from functools import reduce
from math import gcd

from qwen_lsp.engine.postprocess.cursor import Cursor, leading
from qwen_lsp.engine.values import IndentStyle

# Lines indented the other way in the document itself: then it mixes styles and we leave it be.
_TAB_LINE = re.compile(r"^\t", re.MULTILINE)
_SPACE_LINE = re.compile(r"^  +\S", re.MULTILINE)


def normalise_indentation(text: str, cursor: Cursor) -> str:
    lines = text.split("\n")
    style = cursor.indent
    if cursor.line_before and not cursor.line_before.strip() and lines[0].strip():
        lines[0] = _drop_repeated_indent(lines[0], cursor.line_before, style)
    if style is None or len(lines) < 2:
        return "\n".join(lines)
    wrong = "  " if style.use_tabs else "\t"
    rest = lines[1:]
    if any(leading(line).startswith(wrong) for line in rest) and not _mixed(cursor, style):
        rest = _to_tabs(rest, style) if style.use_tabs else _to_spaces(rest, style)
    return "\n".join(lines[:1] + rest)


def _mixed(cursor: Cursor, style: IndentStyle) -> bool:
    other = _SPACE_LINE if style.use_tabs else _TAB_LINE
    return any(other.search(part) for part in (cursor.before, cursor.after))


def _drop_repeated_indent(first: str, indent: str, style: IndentStyle | None) -> str:
    """``    ║`` + ``    return x`` → ``return x``: the model wrote the indentation again."""
    lead = leading(first)
    tab = " " * (style.width if style else 4)
    same = lead == indent or lead.replace("\t", tab) == indent.replace("\t", tab)
    return first[len(lead) :] if same else first


def _to_tabs(lines: list[str], style: IndentStyle) -> list[str]:
    widths = [len(leading(line)) for line in lines if leading(line).strip(" ") == ""]
    unit = reduce(gcd, [width for width in widths if width], 0)
    unit = unit if unit >= 2 else style.width
    out = []
    for line in lines:
        lead = leading(line)
        if lead and not lead.strip(" "):
            line = "\t" * (len(lead) // unit) + " " * (len(lead) % unit) + line[len(lead) :]
        out.append(line)
    return out


def _to_spaces(lines: list[str], style: IndentStyle) -> list[str]:
    tab = " " * style.width
    return [
        line.replace("\t", tab, len(leading(line))) if not leading(line).strip("\t") else line
        for line in lines
    ]
