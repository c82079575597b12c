"""The file's indentation style: what the editor says, else what the file itself shows."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from qwen_lsp.engine.values import IndentStyle

_SAMPLE_CHARS = 8_000  # enough to decide; bounded so a huge file costs little per keystroke
_LEAD = re.compile(r"^([ \t]*)\S", re.MULTILINE)  # leading whitespace of non-blank lines


def indent_style(
    text: str, given: IndentStyle | None = None, cursor: int | None = None
) -> IndentStyle | None:
    """``given`` (the editor's formatting options) if any, else the style detected in ``text``
    without the line ``cursor`` is on: typing on that line must not change the prompt."""
    if given is not None:
        return given
    return detect_indent(text) if cursor is None else detect_indent(_without_line(text, cursor))


def detect_indent(text: str) -> IndentStyle | None:
    """Tabs or N spaces, from how indentation grows between lines; None if the file has none."""
    return _detect(text[:_SAMPLE_CHARS])


def _without_line(text: str, offset: int) -> str:
    """The first ``_SAMPLE_CHARS`` of ``text`` once the line holding ``offset`` is taken out.

    The sample then stays the same while characters are typed on that line: its end does not
    shift with them, and a half-typed line (``"    "`` then ``"    re"``) never counts.
    """
    start = text.rfind("\n", 0, offset) + 1
    if start >= _SAMPLE_CHARS:
        return text[:_SAMPLE_CHARS]
    end = text.find("\n", offset)
    if end < 0:
        return text[:start]
    return text[:start] + text[end + 1 : end + 1 + _SAMPLE_CHARS - start]


@lru_cache(maxsize=64)  # a keystroke past the sample leaves it as it was: one answer per file
def _detect(sample: str) -> IndentStyle | None:
    tabs = spaces = 0
    steps: Counter[int] = Counter()
    previous = 0
    for lead in _LEAD.findall(sample):
        if lead.startswith("\t"):
            tabs += 1
            previous = 0
            continue
        if lead:
            spaces += 1
            if len(lead) > previous:
                steps[len(lead) - previous] += 1
        previous = len(lead)
    if tabs == spaces == 0:
        return None
    if tabs > spaces:
        return IndentStyle(use_tabs=True)
    # Alignment lines (continuations, docstrings) add odd steps; the most common step wins.
    width = max(steps.items(), key=lambda item: (item[1], -item[0]))[0] if steps else 4
    return IndentStyle(use_tabs=False, width=width if 1 < width <= 8 else 4)
