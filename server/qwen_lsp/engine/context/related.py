"""Code from other files for the prompt: imported definitions, recent edits, similar code.

Within a token budget, in priority order:

1. definitions the file imports (Python, JS/TS), from open documents or the workspace on disk;
2. regions the user recently edited in other open documents;
3. for any language, chunks of other open documents that share the most identifiers with the
   code around the cursor (Jaccard similarity, as in Copilot's "neighbouring tabs").

The result sits before the assistant prefix, so it must not change while the user types: it is
computed once per (document, 40-line band around the cursor, imports, state of the other files)
and reused until one of those changes. A file contributes only if it could be sent itself: the
same :class:`Exclusion` decides for it as for the file being completed (secrets and the user's
globs, ``maxFileKb``, and git-ignored files when that rule is on).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qwen_lsp.engine.context.exclude import Exclusion
from qwen_lsp.engine.context.imports import (
    Import,
    definition,
    family,
    importing_part,
    imports_of,
    outline,
)
from qwen_lsp.engine.context.open_files import OpenFiles
from qwen_lsp.engine.context.tokens import estimate_tokens
from qwen_lsp.engine.values import CompletionTask, Snippet

BAND_LINES = 40
EDIT_BEFORE, EDIT_AFTER = 4, 8
WINDOW_LINES, WINDOW_STEP = 24, 12
MAX_SIMILAR = 3
MIN_SIMILARITY = 0.1
MIN_SNIPPET_TOKENS = 24
UTF8_MAX = 4  # bytes per character at most: a bigger file on disk cannot fit the limit
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]{2,}")

Reader = Callable[[str, int], "str | None"]  # (path, most characters wanted) -> text
Allowed = Callable[[str, str], Awaitable[bool]]  # (path, text) -> may it contribute?
NO_RULES = Exclusion()  # only the defaults: secrets by name and the default maxFileKb


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

    async def snippets(
        self, task: CompletionTask, budget: int, exclusion: Exclusion = NO_RULES
    ) -> tuple[Snippet, ...]:
        if budget <= 0:
            return ()
        kind = family(task.language_id, task.path)
        roots = self._files.roots
        imports = imports_of(importing_part(task.text, task.offset), kind, task.path, roots)
        band = task.cursor_line // BAND_LINES
        key = (band, kind, imports, budget, exclusion, self._files.signature(task.uri))
        memo = self._memo.get(task.uri)
        if memo is not None and memo[0] == key:
            return memo[1]
        chosen = await self._choose(task, kind, imports, band, budget, exclusion)
        if len(self._memo) > 64:
            self._memo.clear()
        self._memo[task.uri] = (key, chosen)
        return chosen

    async def _choose(
        self,
        task: CompletionTask,
        kind: str,
        imports: tuple[Import, ...],
        band: int,
        budget: int,
        exclusion: Exclusion,
    ) -> tuple[Snippet, ...]:
        async def allowed(path: str, text: str) -> bool:
            return path != task.path and not await exclusion.excludes(path, text)

        candidates = [
            *await self._imported(kind, imports, allowed, exclusion),
            *await self._edited(task.uri, allowed),
            *await self._similar(task, band, allowed),
        ]
        return tuple(self._fit(candidates, budget))

    async def _imported(
        self, kind: str, imports: tuple[Import, ...], allowed: Allowed, exclusion: Exclusion
    ) -> list[_Candidate]:
        found: list[_Candidate] = []
        for item in imports:
            readable = await self._first_readable(item.candidates, allowed, exclusion)
            if readable is None:
                continue
            path, text = readable
            if not item.names:
                found.append(_Candidate(path, -1, tuple(outline(text, kind)), "import"))
            for name in item.names:
                block = definition(text, kind, name.split(".")[0])
                if block is not None:
                    found.append(_Candidate(path, block[0], tuple(block[1]), "import"))
        return found

    async def _edited(self, uri: str, allowed: Allowed) -> list[_Candidate]:
        found: list[_Candidate] = []
        for edit in self._files.edits(uri):
            file = self._files.get(edit.uri)
            if file is None or not await allowed(file.path, file.text):
                continue
            lines = file.text.split("\n")
            first = max(0, min(edit.line, len(lines) - 1) - EDIT_BEFORE)
            lines = lines[first : edit.line + EDIT_AFTER]
            found.append(_Candidate(file.path, first, tuple(lines), "edit"))
        return found

    async def _similar(self, task: CompletionTask, band: int, allowed: Allowed) -> list[_Candidate]:
        mine = task.text.split("\n")
        around = mine[max(0, (band - 1) * BAND_LINES) : (band + 2) * BAND_LINES]
        query = set(_IDENTIFIER.findall("\n".join(around)))
        if not query:
            return []
        scored = []
        for file in self._files.others(task.uri):
            if not await allowed(file.path, file.text):
                continue
            other = file.text.split("\n")
            for first in range(0, max(1, len(other) - WINDOW_STEP), WINDOW_STEP):
                window = other[first : first + WINDOW_LINES]
                words = set(_IDENTIFIER.findall("\n".join(window)))
                score = len(words & query) / len(words | query) if words else 0.0
                if score >= MIN_SIMILARITY:
                    scored.append((-score, file.path, first, tuple(window)))
        best = sorted(scored)[:MAX_SIMILAR]
        return [_Candidate(path, first, lines, "similar") for _, path, first, lines in best]

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

    async def _first_readable(
        self, paths: tuple[str, ...], allowed: Allowed, exclusion: Exclusion
    ) -> tuple[str, str] | None:
        for path in paths:
            if exclusion.by_name(path):
                continue  # a secret is not even read
            text = self._text(path, exclusion.max_chars)
            if text and await allowed(path, text):
                return path, text
        return None

    def _text(self, path: str, max_chars: int) -> str | None:
        file = self._files.by_path(path)
        if file is not None:
            return file.text  # the editor's version wins over the disk's
        if not any(path.startswith(root.rstrip("/") + "/") for root in self._files.roots):
            return None  # never read outside the workspace
        return self._read(path, max_chars)


def _overlap(a: _Candidate, b: _Candidate) -> bool:
    if a.path != b.path:
        return False
    if a.first < 0 or b.first < 0:
        return a.first == b.first
    return a.first < b.first + len(b.lines) and b.first < a.first + len(a.lines)


def read_source(path: str, max_chars: int) -> str | None:
    """A workspace file's text, or None (missing, certainly over ``max_chars``, not UTF-8).

    Whether a file that was read may contribute is for the :class:`Exclusion` to say; this only
    spares reading files too big to pass.
    """
    file = Path(path)
    try:
        if not file.is_file() or file.stat().st_size > max_chars * UTF8_MAX:
            return None
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
