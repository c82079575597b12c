"""The next suggestion, asked for before the editor asks: right after an accept.

When the user accepts a suggestion (the item's command, ``didPartiallyAcceptCompletion``, or the
document reaching the suggestion's end as they type it), the engine asks for the completion at
the new cursor at once. The editor's own request follows (VS Code asks again after an accept) and
finds the answer in the cache or in flight. At most one such request runs at a time; an edit
that contradicts what it has produced closes it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from qwen_lsp.engine.lifecycle.scheduler import Stream, consistent
from qwen_lsp.engine.values import CompletionTask

_AUTO_CLOSED = ")]}\"'`"


@dataclass
class Shown:
    """The suggestion last answered: the request it answered, where it goes, its text."""

    task: CompletionTask
    start: int
    text: str
    reached: bool = False  # the document already held all of it once

    def accepted(self, text: str, length: int | None = None) -> CompletionTask | None:
        """The task at the end of the first ``length`` characters of the suggestion (all of
        them: None), if ``text`` (the document now) holds them where it went."""
        count = len(self.text) if length is None else length
        end = self.start + count
        if not 0 < count <= len(self.text) or text[self.start : end] != self.text[:count]:
            return None
        if text[: self.start] != self.task.text[: self.start]:
            return None
        return dataclasses.replace(self.task, text=text, offset=end, invoked=False, line=-1)

    def chars(self, utf16_units: int) -> int:
        """How many characters of the suggestion ``utf16_units`` UTF-16 code units span (the
        unit clients count a partial accept in)."""
        units = 0
        for count, char in enumerate(self.text):
            if units >= utf16_units:
                return count
            units += 2 if ord(char) > 0xFFFF else 1
        return len(self.text)

    def reached_end(self, text: str) -> CompletionTask | None:
        """The task at the suggestion's end the first time ``text`` holds all of it, put there
        by an accept: by more than one character at once. Typed out to its last character, the
        user is typing, and the next keystroke, not an accept, comes next."""
        if self.reached or len(text) - len(self.task.text) < 2:
            return None
        if (task := self.accepted(text)) is None:
            return None
        self.reached = True
        return task


@dataclass
class Speculation:
    """A request sent ahead of the editor's, at ``task``'s cursor."""

    task: CompletionTask
    stream: Stream

    @property
    def running(self) -> bool:
        return not self.stream.job.done()

    def contradicted_by(self, text: str) -> bool:
        """The document became ``text``, and it goes another way than the stream: something
        was deleted before the cursor, or what was typed there differs from what it produced.
        An edit elsewhere (or one this cannot read) is left to the next request to judge."""
        offset, before = self.task.offset, self.task.text
        if text[:offset] != before[:offset]:
            return True
        grown = len(text) - len(before)
        if grown <= 0 or text[offset + grown :] != before[offset:]:
            return False
        typed = text[offset : offset + grown].rstrip(_AUTO_CLOSED)  # an auto-closed pair's closer
        return not consistent(self.stream.progress.text, typed)

    def close(self) -> None:
        self.stream.job.cancel()
