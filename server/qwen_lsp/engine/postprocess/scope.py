"""Where a completion ends, decided by where the cursor is: the scope table.

======================================  ===========================================================
the cursor is                           the completion is the rest of ..., ending
======================================  ===========================================================
on a line holding only indentation      the enclosing body: at the first line indented less than
                                        the cursor, or one starting with a bracket the code before
                                        the cursor opened; blank lines, nested blocks and clauses
                                        (``else:``, ``except E:``, ``} else {``, ``} catch (e) {``,
                                        ``})``) inside the body do not end it
at the end of a line opening a block    that block and its continuation clauses: back at the line's
                                        level a clause or a line closing and reopening (``} = {``)
                                        goes on, a closing line (``}``, ``})``) is the last, any
                                        other line ends it
at the end of a complete statement      the next statements, also less indented ones after a nested
                                        block: at the end of the enclosing definition (a line
                                        indented less than its body; see :mod:`enclosing`)
at column 0                             also at a new top-level statement after a blank line, once
                                        something was written
mid-line                                the line (:mod:`single_line`)
======================================  ===========================================================

Only code lines can end a scope: not blank lines, not lines inside a bracket or multi-line string
the completion opened, and a comment goes with the code after it. In every case the completion
also ends where it meets the code below the cursor (:mod:`suffix_lines`) or closes a bracket that
code closes (:mod:`bracket_balance`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from qwen_lsp.engine.postprocess.brackets import scan
from qwen_lsp.engine.postprocess.cursor import Cursor, indent_of, is_comment
from qwen_lsp.engine.postprocess.enclosing import definition_body, statement_indent

_CLOSING = ("}", ")", "]", "end", "fi", "done", "esac", "</")
# A line that goes on with the block before it rather than starting a statement of its own.
_CLAUSE = re.compile(r"[})\]]*\s*\.?(?:else|elif|except|catch|finally|then)\b")


def block_scope(text: str, cursor: Cursor) -> str:
    lines = text.split("\n")
    continued = scan(text, cursor).continued
    if not cursor.line_before.strip():
        end = _body_end(lines, len(cursor.line_before), _closing_line(text, cursor), continued)
    elif _opens_block(lines, base := statement_indent(cursor.before, cursor.lifetimes)):
        end = _block_end(lines, base, continued)
    else:
        end = _body_end(lines, definition_body(cursor.before, cursor.lifetimes), None, continued)
    return "\n".join(lines[:end])


def _opens_block(lines: list[str], base: int) -> bool:
    following = next((line for line in lines[1:] if line.strip()), None)
    return following is not None and indent_of(following) > base


def _block_end(lines: list[str], base: int, continued: frozenset[int]) -> int:
    """End (exclusive line index) of the block the first line opens, with its clauses."""
    for index, start in _code_lines(lines, continued):
        line = lines[index]
        stripped = line.lstrip()
        if indent_of(line) > base or (indent_of(line) == base and _goes_on(stripped)):
            continue
        return index + 1 if indent_of(line) == base and stripped.startswith(_CLOSING) else start
    return len(lines)


def _goes_on(line: str) -> bool:
    """A clause (``else:``, ``} catch (e) {``) or a line that closes and reopens (``} = {``)."""
    return _CLAUSE.match(line) is not None or (line[:1] in ")]}" and line.rstrip()[-1:] in "([{")


def _body_end(lines: list[str], floor: int, closing: int | None, continued: frozenset[int]) -> int:
    """End of the lines indented at least ``floor`` (or before line ``closing``)."""
    wrote = bool(lines[0].strip())
    for index, start in _code_lines(lines, continued):
        line = lines[index]
        indent = indent_of(line)
        top_level = floor == 0 and indent == 0 and wrote and not lines[start - 1].strip()
        if indent < floor or index == closing or (top_level and not line.startswith(_CLOSING)):
            return start
        wrote = True
    return len(lines)


def _code_lines(lines: list[str], continued: frozenset[int]) -> Iterator[tuple[int, int]]:
    """(index, start) of each line after the first that can end a scope; ``start`` is where
    the comment lines right above it begin: a comment goes with the code it comes before,
    whatever its indentation. Blank lines and lines inside brackets or strings cannot."""
    comments: int | None = None
    for index in range(1, len(lines)):
        line = lines[index]
        if not line.strip() or index in continued:
            continue
        if is_comment(line):
            comments = index if comments is None else comments
            continue
        yield index, index if comments is None else comments
        comments = None


def _closing_line(text: str, cursor: Cursor) -> int | None:
    """The line that starts by closing a bracket opened before the cursor (Go's ``}`` after
    ``case`` bodies is no less indented than they are), if any."""
    outer = scan(text, cursor).outer
    if not outer:
        return None
    index = outer[0][0]
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) if not text[line_start:index].strip() else None
