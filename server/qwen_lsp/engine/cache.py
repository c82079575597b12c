"""Recent completions per document, found again when the user types through or returns to them.

A completion is stored with the prompt it answered. A later prompt that differs only by text typed
at the cursor gets the rest of the completion when the typed text is its start (typing along the
ghost text costs nothing); the same prompt again (undo, redo, cursor back) gets it whole.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from typing import Literal

from qwen_lsp.engine.context import Prompt
from qwen_lsp.engine.model import Completion


class _Miss(enum.Enum):
    MISS = 0


MISS: Literal[_Miss.MISS] = _Miss.MISS
Lookup = Completion | None | Literal[_Miss.MISS]


def typed_since(earlier: Prompt, later: Prompt) -> str | None:
    """The text typed at the cursor between two prompts, or None if they differ otherwise."""
    if not later.prefix.startswith(earlier.prefix):
        return None
    if earlier.context != later.context:
        return None
    return later.prefix[len(earlier.prefix) :]


def remainder(completion: Completion, typed: str) -> Completion | None:
    """What is left of ``completion`` after ``typed`` was typed, or None if it diverged."""
    if typed and completion.text.startswith(typed) and len(typed) < len(completion.text):
        return Completion(completion.text[len(typed) :], completion.replace_length)
    return None


class CompletionCache:
    """A bounded LRU of completions per document, and a bounded number of documents."""

    def __init__(self, per_document: int = 64, documents: int = 32) -> None:
        self._per_document = per_document
        self._documents = documents
        self._entries: OrderedDict[str, OrderedDict[Prompt, Completion | None]] = OrderedDict()
        self.hits = 0

    def store(self, uri: str, prompt: Prompt, completion: Completion | None) -> None:
        entries = self._entries.get(uri)
        if entries is None:
            entries = self._entries[uri] = OrderedDict()
            while len(self._entries) > self._documents:
                self._entries.popitem(last=False)
        self._entries.move_to_end(uri)
        entries[prompt] = completion
        entries.move_to_end(prompt)
        while len(entries) > self._per_document:
            entries.popitem(last=False)

    def lookup(self, uri: str, prompt: Prompt) -> Lookup:
        """The completion for ``prompt`` from memory, or MISS."""
        entries = self._entries.get(uri)
        if not entries:
            return MISS
        if prompt in entries:
            entries.move_to_end(prompt)
            self.hits += 1
            return entries[prompt]
        for earlier in reversed(entries):
            found = entries[earlier]
            typed = typed_since(earlier, prompt)
            if found is not None and typed is not None and (rest := remainder(found, typed)):
                self.hits += 1
                return rest
        return MISS

    def clear(self) -> None:
        self._entries.clear()
