"""What the editor has open and where the user edited lately, as plain values.

The LSP layer feeds this index from ``didOpen`` / ``didChange`` / ``didClose``; the engine reads
it to pick code from other files. Nothing here knows LSP.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class OpenFile:
    """One open document as the editor last sent it."""

    uri: str
    path: str
    language_id: str
    text: str


@dataclass(frozen=True)
class Edit:
    """A recently edited line of a document (0-based, in its text at the time of the edit)."""

    uri: str
    line: int


class OpenFiles:
    """Open documents in opening order, plus a small ring of recently edited regions.

    Edits near one another (within ``near`` lines) count as one region, and each document keeps
    at most ``per_file`` regions, so typing in one file never pushes other files' edits out.
    """

    def __init__(self, kept: int = 16, per_file: int = 3, near: int = 8) -> None:
        self.roots: tuple[str, ...] = ()  # workspace folders, for reading imported files
        self._files: dict[str, OpenFile] = {}
        self._serial: dict[str, int] = {}  # bumped on every change: the cache key of a file
        self._edits: list[Edit] = []  # most recent first
        self._kept, self._per_file, self._near = kept, per_file, near

    def open(self, file: OpenFile) -> None:
        self._files[file.uri] = file
        self._bump(file.uri)

    def change(self, uri: str, text: str, lines: Iterable[int] = ()) -> None:
        """New text for ``uri``; ``lines`` are the lines the change touched."""
        file = self._files.get(uri)
        if file is None:
            return
        self._files[uri] = OpenFile(file.uri, file.path, file.language_id, text)
        self._bump(uri)
        for line in lines:
            self._remember(Edit(uri, line))

    def close(self, uri: str) -> None:
        self._files.pop(uri, None)
        self._serial.pop(uri, None)
        self._edits = [edit for edit in self._edits if edit.uri != uri]

    def get(self, uri: str) -> OpenFile | None:
        return self._files.get(uri)

    def by_path(self, path: str) -> OpenFile | None:
        return next((f for f in self._files.values() if f.path == path), None)

    def others(self, uri: str) -> list[OpenFile]:
        """Every open document but ``uri``, in opening order."""
        return [file for key, file in self._files.items() if key != uri]

    def edits(self, uri: str) -> list[Edit]:
        """Recent edits in documents other than ``uri``, most recent first."""
        return [edit for edit in self._edits if edit.uri != uri]

    def signature(self, uri: str) -> Hashable:
        """A value that changes whenever anything but ``uri`` changes (open, edit, close)."""
        others = tuple(sorted((key, n) for key, n in self._serial.items() if key != uri))
        return others, tuple(self.edits(uri)), self.roots

    def _bump(self, uri: str) -> None:
        self._serial[uri] = self._serial.get(uri, 0) + 1

    def _remember(self, edit: Edit) -> None:
        same_file = [e for e in self._edits if e.uri == edit.uri]
        near = [e for e in same_file if abs(e.line - edit.line) <= self._near]
        drop: Edit | None
        if near:
            drop = near[0]
        elif len(same_file) >= self._per_file:
            drop = same_file[-1]
        else:
            drop = self._edits[-1] if len(self._edits) >= self._kept else None
        self._edits = [edit] + [e for e in self._edits if e is not drop]
