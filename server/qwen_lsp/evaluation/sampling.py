"""Deterministic cursor points in real files, each hiding the code up to a natural end.

Two kinds, alternating:

- ``mid-line``: the cursor inside a bracket pair on one line; hidden up to the closing bracket
  (``print(a, ║b)`` hides ``b``), so code follows the cursor on its line.
- ``end-of-line``: the cursor somewhere in a line's code; hidden to the end of the line and, when
  the line opens a block (the next code line is indented deeper), the whole block with its
  continuation clauses (``else:``, ``} catch (e) {``) and a closing line such as ``}`` at the
  line's own indentation.

Hidden text never ends in whitespace: a completion is compared without its trailing whitespace.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from qwen_lsp.engine.context.exclude import is_excluded

CODE_SUFFIXES = frozenset(
    {
        ".py",
        ".pyi",
        ".js",
        ".jsx",
        ".mjs",
        ".ts",
        ".tsx",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".hpp",
        ".cs",
        ".rb",
        ".php",
        ".lua",
        ".swift",
        ".scala",
        ".sh",
        ".zig",
        ".dart",
        ".ex",
        ".exs",
        ".hs",
        ".ml",
        ".r",
        ".jl",
        ".vue",
        ".svelte",
    }
)
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", "site-packages"}
)
MAX_FILE_CHARS = 200_000
MAX_HIDDEN_LINES = 15  # longer blocks are not what a completion of a few hundred tokens can hold
KINDS = ("mid-line", "end-of-line")
_BLOCK_CLOSERS = ("}", ")", "]", "end", "fi", "done", "esac", "</")
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_CLAUSE = re.compile(r"[})\]]*\s*(?:else|elif|except|catch|finally)\b")


@dataclass(frozen=True)
class Sample:
    """A cursor at ``offset`` in ``text`` with ``text[offset:end]`` hidden from the model."""

    path: str
    text: str
    offset: int
    end: int
    kind: str

    @property
    def hidden(self) -> str:
        return self.text[self.offset : self.end]

    @property
    def document(self) -> str:
        """What the model sees: the file without the hidden code."""
        return self.text[: self.offset] + self.text[self.end :]


def source_files(root: Path, excludes: tuple[str, ...] = ()) -> list[Path]:
    """Code files under ``root`` (or ``root`` itself), sorted, never secrets or vendored trees."""
    if root.is_file():
        return [root]
    found = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.suffix not in CODE_SUFFIXES or SKIP_DIRS.intersection(parts):
            continue
        if path.is_file() and not is_excluded(str(path), excludes):
            found.append(path)
    return found


def sample_points(files: list[Path], count: int, seed: int) -> list[Sample]:
    """``count`` samples (fewer if the files have too few places), the same for the same seed."""
    rng = random.Random(seed)
    texts: dict[Path, str | None] = {}
    samples: list[Sample] = []
    attempts = 0
    while files and len(samples) < count and attempts < 50 * count:
        attempts += 1
        path = rng.choice(files)
        if path not in texts:
            texts[path] = read_code(path)
        text = texts[path]
        if not text:
            continue
        lines = text.split("\n")
        line = rng.randrange(len(lines))
        picker = mid_line if KINDS[len(samples) % 2] == "mid-line" else end_of_line
        spot = picker(lines, line, rng)
        if spot is not None:
            start = sum(len(row) + 1 for row in lines[:line])
            samples.append(
                Sample(str(path), text, start + spot[0], start + spot[1], KINDS[len(samples) % 2])
            )
    return samples


def mid_line(lines: list[str], index: int, rng: random.Random) -> tuple[int, int] | None:
    """(cursor, end) as columns of ``lines[index]``: inside a bracket pair, up to its closer."""
    line = lines[index]
    pairs = [(o, c) for o, c in bracket_pairs(line) if line[o + 1 : c].strip()]
    if not pairs:
        return None
    opener, closer = rng.choice(pairs)
    cursor = rng.randrange(opener + 1, closer)
    hidden = line[cursor:closer]
    if not hidden.strip() or hidden != hidden.rstrip():
        return None
    return cursor, closer


def end_of_line(lines: list[str], index: int, rng: random.Random) -> tuple[int, int] | None:
    """(cursor, end) relative to the start of ``lines[index]``: to the line's or block's end."""
    line = lines[index]
    code_end = len(line.rstrip())
    indent = len(line) - len(line.lstrip(" \t"))
    if code_end == 0:
        return None
    cursor = rng.randint(indent, code_end)
    last = block_end(lines, index)
    if last - index >= MAX_HIDDEN_LINES:
        return None
    end = sum(len(row) + 1 for row in lines[index:last]) + len(lines[last].rstrip())
    if not line[cursor:].strip() and last == index:
        return None  # nothing hidden
    return cursor, end


def block_end(lines: list[str], index: int) -> int:
    """Index of the last line of the block ``lines[index]`` opens (``index`` if none)."""
    base = _indent(lines[index])
    last = index
    for number in range(index + 1, len(lines)):
        line = lines[number]
        if not line.strip():
            continue
        if _indent(line) > base:
            last = number
            continue
        back_at_base = last > index and _indent(line) == base
        if back_at_base and _CLAUSE.match(line.lstrip()):
            last = number  # `else:`, `} catch (e) {`: the block goes on
            continue
        # `}` closes the block if the line opened it; after `case x:` it is the switch's.
        if back_at_base and line.lstrip().startswith(_BLOCK_CLOSERS) and _opens(lines[index]):
            last = number
        break
    return last


def bracket_pairs(line: str) -> list[tuple[int, int]]:
    """(opener, closer) columns of the bracket pairs within one line, skipping string literals."""
    return _brackets(line)[0]


def _opens(line: str) -> bool:
    """The line leaves a bracket open: ``if (x) {``, ``foo(``."""
    return bool(_brackets(line)[1])


def _brackets(line: str) -> tuple[list[tuple[int, int]], list[tuple[int, str]]]:
    """The line's bracket pairs, and the brackets it leaves open."""
    pairs, stack = [], []
    quote = ""
    for column, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote and line[column - 1] != "\\" else quote
        elif ch in "\"'`":
            quote = ch
        elif ch in _PAIRS:
            stack.append((column, _PAIRS[ch]))
        elif stack and ch == stack[-1][1]:
            pairs.append((stack.pop()[0], column))
    return pairs, stack


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def read_code(path: Path) -> str | None:
    """The file's text, or None for what is no code to sample: unreadable, binary, huge."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return text if len(text) <= MAX_FILE_CHARS and "\x00" not in text else None
