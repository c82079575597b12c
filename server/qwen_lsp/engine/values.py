"""Small frozen values that cross the boundary between the LSP layer and the engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndentStyle:
    """One indentation level: a tab, or ``width`` spaces."""

    use_tabs: bool
    width: int = 4

    def describe(self) -> str:
        return "tabs" if self.use_tabs else f"{self.width} spaces"


@dataclass(frozen=True)
class Snippet:
    """Code from another file that the model may need: a definition, an edit, a similar chunk."""

    path: str
    text: str
    kind: str  # "import", "edit" or "similar": why it was chosen


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
    indent: IndentStyle | None = None  # the editor's formatting options, when it sent them
    line: int = -1  # the cursor's line when the caller knows it (LSP positions do)
    # Code that belongs before and after the document (a notebook's other code cells): part of
    # the prompt, never of the document the answer's offsets refer to.
    before: str = ""
    after: str = ""

    @property
    def cursor_line(self) -> int:
        """The cursor's line: the caller's when it knows it, else counted."""
        return self.line if self.line >= 0 else self.text.count("\n", 0, self.offset)

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
    """What the engine is doing, for status bars: ready, busy, rate_limited, error, retrying or
    disabled.

    ``alert`` marks problems that last until something changes, worth one message to the user;
    ``retry_in_ms`` says when requests resume after a pause.
    """

    state: str
    kind: str = ""
    message: str = ""
    alert: bool = False
    retry_in_ms: int | None = None

    @property
    def failing(self) -> bool:
        """Requests are failing or refused for now: no completion comes of them."""
        return self.state in ("error", "rate_limited", "retrying")
