"""Small frozen values that cross the boundary between the LSP layer and the engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompletionTask:
    """One request for a completion at a cursor, in plain string offsets."""

    uri: str
    text: str
    offset: int
    language_id: str = ""
    path: str = ""
    version: int | None = None
    invoked: bool = False  # explicitly asked for: no debounce

    @property
    def prefix(self) -> str:
        return self.text[: self.offset]

    @property
    def suffix(self) -> str:
        return self.text[self.offset :]


@dataclass(frozen=True)
class Completion:
    """Text to insert at the cursor, replacing ``replace_length`` characters after it."""

    text: str
    replace_length: int = 0


@dataclass(frozen=True)
class Status:
    """What the engine is doing, for status bars: ready, busy, error or disabled."""

    state: str
    kind: str = ""
    message: str = ""
