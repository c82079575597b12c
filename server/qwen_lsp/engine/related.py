"""Code from other files for the prompt: imported definitions, recent edits, similar code.

Within a token budget, in priority order:

1. definitions the file imports (Python, JS/TS), from open documents or the workspace on disk;
2. regions the user recently edited in other open documents;
3. for any language, chunks of other open documents that share the most identifiers with the
   code around the cursor (Jaccard similarity, as in Copilot's "neighbouring tabs").

The result sits before the assistant prefix, so it must not change while the user types: it is
computed once per (document, 40-line band around the cursor, imports, state of the other files)
and reused until one of those changes. Excluded files never contribute.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qwen_lsp.engine.exclude import is_excluded
from qwen_lsp.engine.imports import Import, definition, family, imports_of, outline
from qwen_lsp.engine.model import CompletionTask, Snippet
from qwen_lsp.engine.open_files import OpenFiles
from qwen_lsp.engine.tokens import estimate_tokens

BAND_LINES = 40
EDIT_BEFORE, EDIT_AFTER = 4, 8
WINDOW_LINES, WINDOW_STEP = 24, 12
MAX_SIMILAR = 3
MIN_SIMILARITY = 0.1
MIN_SNIPPET_TOKENS = 24
MAX_FILE_BYTES = 512_000
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]{2,}")

Reader = Callable[[str], "str | None"]


@dataclass(frozen=True)
class _Candidate:
    path: str
    first: int  # line numbers, to drop overlapping candidates from the same file
    lines: tuple[str, ...]
    kind: str


class RelatedCode:
    """Chooses other files' snippets for a task; remembers the choice to keep prompts stable."""

    def __init__(self, files: OpenFiles, read: Reader | None = None) -> None:
        self._files = files
        self._read = read or read_source
        self._memo: dict[str, tuple[Hashable, tuple[Snippet, ...]]] = {}

    def snippets(
        self, task: CompletionTask, budget: int, exclude: tuple[str, ...] = ()
    ) -> tuple[Snippet, ...]:
        if budget <= 0:
            return ()
        kind = family(task.language_id, task.path)
        imports = imports_of(task.text, kind, task.path, self._files.roots)
        band = task.text.count("\n", 0, task.offset) // BAND_LINES
        key = (band, kind, imports, budget, exclude, self._files.signature(task.uri))
        memo = self._memo.get(task.uri)
        if memo is not None and memo[0] == key:
            return memo[1]
        chosen = self._choose(task, kind, imports, band, budget, exclude)
        if len(self._memo) > 64:
            self._memo.clear()
        self._memo[task.uri] = (key, chosen)
        return chosen

    def _choose(
        self,
        task: CompletionTask,
        kind: str,
        imports: tuple[Import, ...],
        band: int,
        budget: int,
        exclude: tuple[str, ...],
    ) -> tuple[Snippet, ...]:
        def allowed(path: str) -> bool:
            return path != task.path and not is_excluded(path, exclude)

        candidates = [
            *self._imported(kind, imports, allowed),
            *self._edited(task.uri, allowed),
            *self._similar(task, band, allowed),
        ]
        return tuple(self._fit(candidates, budget))

    def _imported(
        self, kind: str, imports: tuple[Import, ...], allowed: Callable[[str], bool]
    ) -> Iterator[_Candidate]:
        for item in imports:
            found = self._first_readable(item.candidates, allowed)
            if found is None:
                continue
            path, text = found
            if not item.names:
                yield _Candidate(path, -1, tuple(outline(text, kind)), "import")
            for name in item.names:
                block = definition(text, kind, name.split(".")[0])
                if block is not None:
                    yield _Candidate(path, block[0], tuple(block[1]), "import")

    def _edited(self, uri: str, allowed: Callable[[str], bool]) -> Iterator[_Candidate]:
        for edit in self._files.edits(uri):
            file = self._files.get(edit.uri)
            if file is None or not allowed(file.path) or len(file.text) > MAX_FILE_BYTES:
                continue  # huge files (data, generated code) never contribute, as for _similar
            lines = file.text.split("\n")
            first = max(0, min(edit.line, len(lines) - 1) - EDIT_BEFORE)
            yield _Candidate(file.path, first, tuple(lines[first : edit.line + EDIT_AFTER]), "edit")

    def _similar(
        self, task: CompletionTask, band: int, allowed: Callable[[str], bool]
    ) -> Iterator[_Candidate]:
        mine = task.text.split("\n")
        around = mine[max(0, (band - 1) * BAND_LINES) : (band + 2) * BAND_LINES]
        query = set(_IDENTIFIER.findall("\n".join(around)))
        if not query:
            return
        scored = []
        for file in self._files.others(task.uri):
            if not allowed(file.path) or len(file.text) > MAX_FILE_BYTES:
                continue
            other = file.text.split("\n")
            for first in range(0, max(1, len(other) - WINDOW_STEP), WINDOW_STEP):
                window = other[first : first + WINDOW_LINES]
                words = set(_IDENTIFIER.findall("\n".join(window)))
                score = len(words & query) / len(words | query) if words else 0.0
                if score >= MIN_SIMILARITY:
                    scored.append((-score, file.path, first, tuple(window)))
        for _, path, first, lines in sorted(scored)[:MAX_SIMILAR]:
            yield _Candidate(path, first, lines, "similar")

    def _fit(self, candidates: list[_Candidate], budget: int) -> Iterator[Snippet]:
        """Candidates in order while the budget lasts, cut at line ends; overlaps dropped."""
        taken: list[_Candidate] = []
        for candidate in candidates:
            if budget < MIN_SNIPPET_TOKENS:
                return
            if any(_overlap(candidate, other) for other in taken):
                continue
            overhead = estimate_tokens(candidate.path) + 8  # the tags around it
            lines = list(candidate.lines)
            while lines and estimate_tokens("\n".join(lines)) + overhead > budget:
                lines.pop()
            text = "\n".join(lines).strip("\n")
            if not text.strip():
                continue
            budget -= estimate_tokens(text) + overhead
            taken.append(candidate)
            yield Snippet(self._shown(candidate.path), text, candidate.kind)

    def _shown(self, path: str) -> str:
        """A path relative to its workspace folder: shorter, and the same on every machine."""
        for root in self._files.roots:
            if path.startswith(root.rstrip("/") + "/"):
                return path[len(root.rstrip("/")) + 1 :]
        return path

    def _first_readable(
        self, paths: tuple[str, ...], allowed: Callable[[str], bool]
    ) -> tuple[str, str] | None:
        for path in paths:
            text = self._text(path) if allowed(path) else None
            if text:
                return path, text
        return None

    def _text(self, path: str) -> str | None:
        file = self._files.by_path(path)
        if file is not None:
            return file.text  # the editor's version wins over the disk's
        if not any(path.startswith(root.rstrip("/") + "/") for root in self._files.roots):
            return None  # never read outside the workspace
        return self._read(path)


def _overlap(a: _Candidate, b: _Candidate) -> bool:
    if a.path != b.path:
        return False
    if a.first < 0 or b.first < 0:
        return a.first == b.first
    return a.first < b.first + len(b.lines) and b.first < a.first + len(a.lines)


def read_source(path: str) -> str | None:
    """A workspace file's text, or None (missing, too large, not UTF-8)."""
    file = Path(path)
    try:
        if not file.is_file() or file.stat().st_size > MAX_FILE_BYTES:
            return None
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
