"""The enclosing definition of the cursor, read off the indentation of the code before it.

Walking up from the cursor's line, each line indented less than everything below it (up to the
cursor) heads a block around the cursor. The first that defines something (``def``, ``class``,
``fn``, ``func``, ``function``, ``impl``, an arrow function's ``=> {``, a method's
``name(a, b) {`` …) is the enclosing definition; without one, the outermost block stands in for
it. Comment lines are read over: commented-out code heads nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from qwen_lsp.engine.postprocess.brackets import open_brackets
from qwen_lsp.engine.postprocess.cursor import indent_of, is_comment

_MODIFIERS = (
    r"(?:(?:pub(?:\([^)]*\))?|async|export|default|static|public|private|protected|abstract"
    r'|override|unsafe|extern(?:\s+"\w+")?|const|declare|final|open|internal|readonly|get|set)\s+)*'
)
_CONTROL = r"(?:if|for|while|switch|catch|with|match|return|else|do|try|loop|select|await|new)\b"
_DEFINITION = re.compile(
    rf"\s*{_MODIFIERS}(?:def|class|fn|func|function\*?|impl|trait|mod|struct|enum|interface"
    r"|namespace|module)\b|.*\b(?:function|func)\b|.*=>\s*\{\s*$"
    # A method: `name(params) {` (JavaScript, TypeScript, Java, C#…), not `if (x) {`.
    rf"|\s*{_MODIFIERS}(?!{_CONTROL})\*?[\w$#]+\s*(?:<.*>)?\(.*\)\s*(?::[^{{]*)?\{{\s*$"
)


@lru_cache(maxsize=8)  # called for every stream chunk with the same prefix
def statement_indent(before: str, lifetimes: bool = False) -> int:
    """Indentation of the statement the cursor's line belongs to: a line inside a ``(`` or ``[``
    opened further up (``def f(a,⏎      b):``) goes on with the statement of the opener's line."""
    _, stack = open_brackets(before[: before.rfind("\n") + 1], lifetimes)
    line = before[before.rfind("\n") + 1 :]
    for closer, opened_on in reversed(stack):
        if closer == "}":
            break
        line = opened_on
    return indent_of(line)


@lru_cache(maxsize=8)
def definition_body(before: str, lifetimes: bool = False) -> int:
    """Indentation of the body of the definition around the end of ``before`` (0: top level)."""
    lines = before.split("\n")
    level = statement_indent(before, lifetimes)
    for line in reversed(lines[:-1]):
        stripped = line.strip()
        if not stripped or indent_of(line) >= level or is_comment(stripped):
            continue
        if indent_of(line) == 0 or _DEFINITION.match(line):
            return level
        level = indent_of(line)
    return level
