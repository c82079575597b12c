"""Recent completions per document, found again when the user types through or returns to them.

A completion is stored with the prompt it answered. A later prompt that differs only by text typed
at the cursor gets the rest of the completion when the typed text is its start (typing along the
ghost text costs nothing); the same prompt again (undo, redo, cursor back) gets it whole. Typed as
editors type: the closers they insert after the cursor, and type over, are allowed for
(:func:`typed_since`), and the rest's range covers the closers it writes again.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from typing import Literal, NamedTuple

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.values import Completion


class _Miss(enum.Enum):
    MISS = 0


MISS: Literal[_Miss.MISS] = _Miss.MISS
MAX_CHARS = 1_000_000  # all entries together: about 1 MB of prompts (50-200 completions)
Lookup = Completion | None | Literal[_Miss.MISS]


class Typed(NamedTuple):
    """What happened at the cursor between two prompts."""

    text: str  # typed before the cursor
    # What the editor put after the cursor as it went: the closer of an auto-closed pair, the
    # closer's own line after Enter between brackets.
    inserted: str = ""
    typed_over: int = 0  # closers after the cursor that typing moved over


AUTO_INSERTED = frozenset(")]}\"'` \t\n")
TYPED_OVER = frozenset(")]}\"'`")


def typed_since(earlier: Prompt, later: Prompt) -> Typed | None:
    """The text typed at the cursor between two prompts, or None if they differ otherwise.

    Editors type pairs: an opening bracket or quote brings its closer after the cursor, and
    typing the closer then moves over the one inserted. So the suffix may differ by such
    closers (and the line break Enter puts before a closer) when something was typed.
    """
    if not later.prefix.startswith(earlier.prefix):
        return None
    if earlier.surroundings != later.surroundings:
        return None
    typed = later.prefix[len(earlier.prefix) :]
    after, before = later.suffix, earlier.suffix
    grown = len(after) - len(before)
    if grown == 0:
        return Typed(typed) if after == before else None
    if not typed or not (after.endswith(before) if grown > 0 else before.endswith(after)):
        return None
    if grown > 0:
        inserted = after[:grown]
        return Typed(typed, inserted) if AUTO_INSERTED.issuperset(inserted) else None
    gone = before[:-grown]
    if not typed.endswith(gone) or not TYPED_OVER.issuperset(gone):
        return None
    return Typed(typed, "", len(gone))


def remainder(completion: Completion, typed: Typed) -> Completion | None:
    """What is left of ``completion`` after ``typed``, or None if it diverged.

    Its range covers what the editor inserted after the cursor, when the rest writes those
    closers itself (else the editor's are the only ones, and stay); closers typed over were
    part of the range, and leave it.
    """
    text = typed.text
    if not (text and completion.text.startswith(text) and len(text) < len(completion.text)):
        return None
    rest = completion.text[len(text) :]
    replaced = completion.replace_length + len(typed.inserted) - typed.typed_over
    if replaced < 0 or not _writes(rest, typed.inserted):
        return None
    return Completion(rest, replaced)


def _writes(text: str, inserted: str) -> bool:
    """``text`` holds what was inserted in its order (its closers and line breaks)."""
    position = 0
    for char in inserted:
        if char not in " \t" and (position := text.find(char, position) + 1) == 0:
            return False
    return True


def typed_through(earlier: Prompt, completion: Completion, later: Prompt) -> Completion | None:
    """The rest of ``completion`` if ``later`` is ``earlier`` with the completion's start typed.

    ``remainder(completion, typed_since(earlier, later))``, checked cheapest first: the typed text
    against the completion before the prompts' long texts, so that a miss over a full cache
    costs little, not a comparison of every entry's prefix and context.
    """
    typed = len(later.prefix) - len(earlier.prefix)
    if not 0 < typed < len(completion.text) or not later.prefix.endswith(completion.text[:typed]):
        return None
    since = typed_since(earlier, later)
    return None if since is None else remainder(completion, since)


class CompletionCache:
    """A bounded LRU of completions per document, in a bounded number of documents.

    Each entry keeps its whole prompt (the prefix, suffix and other files' snippets: 5-20 KB), so
    entries alone are no bound on memory: 64 in each of 32 documents could hold 40 MB, and at a
    completion a second take half an hour to fill. ``max_chars`` bounds the text all entries hold
    together (about that many bytes of ASCII code); past it the least recently used document's
    oldest entries go first.
    """

    def __init__(
        self, per_document: int = 64, documents: int = 32, max_chars: int = MAX_CHARS
    ) -> None:
        self._per_document = per_document
        self._documents = documents
        self._max_chars = max_chars
        # Per document a plain dict, oldest first: an OrderedDict hashes every key again while
        # iterating, and a miss iterates all of a document's entries.
        self._entries: OrderedDict[str, dict[Prompt, _Entry]] = OrderedDict()
        self._chars = 0
        self.hits = 0

    @property
    def chars(self) -> int:
        """The characters the entries hold, as counted against ``max_chars``."""
        return self._chars

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._entries.values())

    def store(self, uri: str, prompt: Prompt, completion: Completion | None) -> None:
        entries = self._entries.get(uri)
        if entries is None:
            entries = self._entries[uri] = {}
            while len(self._entries) > self._documents:
                self._drop_document(next(iter(self._entries)))
        self._entries.move_to_end(uri)
        if prompt in entries:
            self._chars -= size_of(prompt, entries.pop(prompt).completion)
        entries[prompt] = _entry(prompt, completion)  # the newest, last
        self._chars += size_of(prompt, completion)
        while len(entries) > self._per_document:
            self._drop_oldest(uri)
        while self._chars > self._max_chars and len(self) > 1:  # the last one is this entry
            self._drop_oldest(next(iter(self._entries)))  # least recently used document first

    def lookup(self, uri: str, prompt: Prompt, count: bool = True) -> Lookup:
        """The completion for ``prompt`` from memory, or MISS (``count``: as a hit if found)."""
        entries = self._entries.get(uri)
        if not entries:
            return MISS
        if prompt in entries:
            entry = entries[prompt] = entries.pop(prompt)  # now the newest
            self.hits += count
            return entry.completion
        prefix = prompt.prefix
        for earlier, (found, cursor, first) in reversed(entries.items()):
            # The character typed first must be the completion's first: a miss over a full
            # cache reads one character of each entry, not every entry's prompt.
            if not first or found is None or prefix[cursor : cursor + 1] != first:
                continue
            if rest := typed_through(earlier, found, prompt):
                self.hits += count
                return rest
        return MISS

    def clear(self) -> None:
        self._entries.clear()
        self._chars = 0

    def forget(self, uri: str) -> None:
        """Drop a document's entries (it was closed: its completions cannot be asked for)."""
        if uri in self._entries:
            self._drop_document(uri)

    def _drop_oldest(self, uri: str) -> None:
        entries = self._entries[uri]
        prompt = next(iter(entries))
        self._chars -= size_of(prompt, entries.pop(prompt).completion)
        if not entries:
            del self._entries[uri]

    def _drop_document(self, uri: str) -> None:
        for prompt, entry in self._entries.pop(uri).items():
            self._chars -= size_of(prompt, entry.completion)


class _Entry(NamedTuple):
    completion: Completion | None
    cursor: int  # where the prompt's prefix ends
    first: str  # the completion's first character ("" for none: nothing to type through)


def _entry(prompt: Prompt, completion: Completion | None) -> _Entry:
    first = completion.text[:1] if completion is not None else ""
    return _Entry(completion, len(prompt.prefix), first)


def size_of(prompt: Prompt, completion: Completion | None) -> int:
    """The characters one entry holds, plus a fixed allowance for the objects around them."""
    snippets = sum(len(snippet.path) + len(snippet.text) for snippet in prompt.snippets)
    text = len(completion.text) if completion is not None else 0
    return len(prompt.prefix) + len(prompt.suffix) + len(prompt.path) + snippets + text + 256
