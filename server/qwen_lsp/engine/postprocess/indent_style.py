"""How a document indents: tabs or spaces, and how many spaces make one level."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

_SAMPLE_LINES = 400  # near the cursor is enough, and keeps this cheap on every stream chunk


@dataclass(frozen=True)
class IndentStyle:
    """``tabs`` is None when the document mixes both or does not indent at all."""

    tabs: bool | None = None
    width: int = 4


def detect_style(before: str, after: str) -> IndentStyle:
    lines = before.split("\n")[-_SAMPLE_LINES:] + after.split("\n")[:_SAMPLE_LINES]
    tab_lines = space_lines = 0
    steps: Counter[int] = Counter()
    previous = 0
    for line in lines:
        if not line.strip():
            continue
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        if lead.startswith("\t"):
            tab_lines += 1
        elif lead:
            space_lines += 1
            if " " in lead and len(lead) > previous:
                steps[len(lead) - previous] += 1
        previous = len(lead) if "\t" not in lead else previous
    if bool(tab_lines) == bool(space_lines):
        return IndentStyle()
    width = next((step for step, _ in steps.most_common() if 2 <= step <= 8), 4)
    return IndentStyle(tabs=bool(tab_lines), width=width)
