"""What we send: the prefix and suffix around the cursor, clipped to a budget.

Clip points sit on line boundaries and move in whole chunks, so while the user types the prompt
keeps an identical start from one request to the next — providers cache that start and bill it at
a fraction of the input price.
"""

from __future__ import annotations

from dataclasses import dataclass

from qwen_lsp.engine.model import CompletionTask

PREFIX_BUDGET_CHARS = 12_000
SUFFIX_BUDGET_CHARS = 4_000
CHUNK_CHARS = 2_000


@dataclass(frozen=True)
class Prompt:
    """The clipped text around the cursor and what the model needs to know about the file."""

    prefix: str
    suffix: str
    path: str
    language_id: str


def build_prompt(
    task: CompletionTask,
    prefix_budget: int = PREFIX_BUDGET_CHARS,
    suffix_budget: int = SUFFIX_BUDGET_CHARS,
) -> Prompt:
    """Clip the document around the cursor into a :class:`Prompt`."""
    start = stable_prefix_start(task.text, task.offset, prefix_budget)
    suffix = task.text[task.offset : task.offset + suffix_budget]
    if task.offset + suffix_budget < len(task.text):
        # The suffix starts at the cursor, so cutting it at a line end relative to the cursor
        # keeps it identical while the user types on the current line.
        cut = suffix.rfind("\n")
        suffix = suffix[: cut + 1] if cut > 0 else suffix
    return Prompt(task.text[start : task.offset], suffix, task.path, task.language_id)


def stable_prefix_start(text: str, offset: int, budget: int, chunk: int = CHUNK_CHARS) -> int:
    """Start of the prefix: a line start at or after a chunk-aligned point ``budget`` back."""
    if offset <= budget:
        return 0
    aligned = -(-(offset - budget) // chunk) * chunk  # round up to a chunk boundary
    newline = text.find("\n", aligned, offset)
    return aligned if newline < 0 else newline + 1
