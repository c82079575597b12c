"""What we send: the prefix and suffix around the cursor, clipped to token budgets.

Budgets are in estimated tokens (:mod:`qwen_lsp.engine.context.tokens`). Clip points sit on line
boundaries, and the prefix's start moves in whole chunks, so while the user types the prompt keeps
an identical start from one request to the next — providers cache that start and bill it at a
fraction of the input price. The suffix is measured from the cursor, so typing (which only moves
the cursor) leaves it unchanged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property

from qwen_lsp.engine.context.indent_style import indent_style
from qwen_lsp.engine.context.tokens import chars_within
from qwen_lsp.engine.values import CompletionTask, IndentStyle, Snippet
from qwen_lsp.settings import Settings

MAX_CHUNK_CHARS = 2000
_HASHED = 64  # characters each side of the cursor that a prompt's hash reads


@dataclass(frozen=True)
class Prompt:
    """The clipped text around the cursor and what the model needs to know about the file."""

    prefix: str
    suffix: str
    path: str
    language_id: str
    snippets: tuple[Snippet, ...] = ()  # other files' code, in a stable order
    indent: IndentStyle | None = None

    @cached_property
    def surroundings(self) -> Prompt:
        """Everything but the text around the cursor: prompts with equal surroundings differ
        only there (kept, as the cache compares it with every entry's on each lookup)."""
        return dataclasses.replace(self, prefix="", suffix="")

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        # Each keystroke's prompt holds new strings, so the generated hash would read all of
        # them on every cache lookup. The text at the cursor and
        # the lengths tell prompts apart as well; equality still compares everything.
        prefix, suffix = self.prefix, self.suffix
        return hash((len(prefix), prefix[-_HASHED:], len(suffix), suffix[:_HASHED], self.path))


def build_prompt(
    task: CompletionTask,
    prefix_tokens: int = Settings.prefix_tokens,
    suffix_tokens: int = Settings.suffix_tokens,
    snippets: tuple[Snippet, ...] = (),
) -> Prompt:
    """Clip the document around the cursor into a :class:`Prompt`."""
    text, offset = task.before + task.text + task.after, len(task.before) + task.offset
    start = stable_prefix_start(text, offset, prefix_tokens)
    return Prompt(
        prefix=text[start:offset],
        suffix=text[offset : suffix_end(text, offset, suffix_tokens)],
        path=task.path,
        language_id=task.language_id,
        snippets=snippets,
        indent=indent_style(text, task.indent, offset),
    )


def stable_prefix_start(text: str, offset: int, budget: int) -> int:
    """Start of the prefix: a line start at or after a chunk-aligned point ``budget`` tokens back.

    The earliest start that fits the budget creeps forward as the user types; rounding it up to a
    chunk boundary (a quarter of the budget, at most :data:`MAX_CHUNK_CHARS`) makes the start
    jump rarely, in whole chunks, instead of sliding on every keystroke.
    """
    earliest = offset - chars_within(text, 0, offset, budget, from_end=True)
    if earliest == 0:
        return 0
    chunk = max(1, min(MAX_CHUNK_CHARS, budget))  # ~budget/4 tokens' worth of characters
    aligned = -(-earliest // chunk) * chunk
    if aligned >= offset:
        return earliest
    newline = text.find("\n", aligned, offset)
    return aligned if newline < 0 else newline + 1


def suffix_end(text: str, offset: int, budget: int) -> int:
    """End of the suffix: the last line end that fits ``budget`` tokens after the cursor."""
    end = offset + chars_within(text, offset, len(text), budget, from_end=False)
    if end >= len(text):
        return len(text)
    cut = text.rfind("\n", offset, end)
    return cut + 1 if cut >= offset else end
