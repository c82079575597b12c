"""Indent the completion the way the document does.

Models sometimes indent with spaces in a file that uses tabs (or the reverse), use another width,
or repeat the indentation the cursor already sits after — which is a syntax error in Python.
"""

from __future__ import annotations

from functools import reduce
from math import gcd

from qwen_lsp.engine.postprocess.cursor import Cursor, indent_of, leading
from qwen_lsp.engine.postprocess.indent_style import IndentStyle


def normalise_indentation(text: str, cursor: Cursor) -> str:
    lines = text.split("\n")
    if cursor.line_before and not cursor.line_before.strip() and lines[0].strip():
        lines[0] = _drop_repeated_indent(lines[0], cursor.line_before, cursor.style)
    style = cursor.style
    if style.tabs is None or len(lines) < 2:
        return "\n".join(lines)
    rest = lines[1:]
    rest = _to_tabs(rest, style) if style.tabs else _to_spaces(rest, style)
    return "\n".join(lines[:1] + rest)


def _drop_repeated_indent(first: str, indent: str, style: IndentStyle) -> str:
    """``    ║`` + ``    return x`` → ``return x``: the model wrote the indentation again."""
    lead = leading(first)
    tab = "\t" if style.tabs else " " * style.width
    same = lead == indent or lead.replace("\t", tab) == indent.replace("\t", tab)
    return first[len(lead) :] if same else first


def _to_tabs(lines: list[str], style: IndentStyle) -> list[str]:
    spaced = [leading(line) for line in lines if line.strip() and leading(line).strip(" ") == ""]
    widths = [len(lead) for lead in spaced if lead]
    if not widths:
        return lines
    unit = reduce(gcd, widths)
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
        line.replace("\t", tab, indent_of(line)) if leading(line).strip("\t") == "" else line
        for line in lines
    ]
