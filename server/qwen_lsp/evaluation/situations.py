"""Cursor points for each situation of the scope table, the truth read off the code's structure.

The hidden code ends where the code's structure says, not where the rules under test would cut:
Python's own parser gives Python's statements and blocks; for brace languages a lexer that skips
strings and comments matches the brackets, and a block counts only when its closing brace starts
a line at its opener's indentation. Kinds:

- ``body``: a line holding only indentation, at a statement of a block's body; hidden: the rest of
  the body, which holds a blank line or a nested block.
- ``body+clauses``: the same, with a clause chain inside (``else:``, ``except``, ``} else {``).
- ``after-block``: the end of the last line of a nested block; hidden: what closes the block and
  the next statement of the body around it.
- ``opener``: the end of a line opening a block; hidden: the block and its clauses.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

from qwen_lsp.evaluation.sampling import MAX_HIDDEN_LINES, Sample, read_code
from qwen_lsp.evaluation.structure import Depths, bracket_depths

SITUATIONS = ("body", "body+clauses", "after-block", "opener")
MAX_HIDDEN_CHARS = 800  # the reply of 256 tokens must hold it
Spots = dict[str, list[tuple[int, int]]]
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_INCOMPLETE = tuple("=+-*/%&|<>?:.([{")  # a line ending so goes on below
_CLAUSE_LINE = re.compile(r"\}\s*[a-z]")  # `} else {`, `} catch (e) {`
# What the grammars make a definition: a keyword's, a lambda's, or a method's (which in JavaScript
# is the only thing `name(a) {` can start); a block inside a class's body is a member.
_DEFINES = re.compile(
    r".*\b(?:fn|func|function|class|impl|trait|struct|enum|interface|mod|namespace)\b|.*=>\s*\{$"
    r"|\s*(?:(?:static|async|get|set|public|private|protected|readonly|override|abstract)\s+)*"
    r"(?!(?:if|for|while|switch|catch|with)\b)\*?[\w$#]+\s*(?:<.*>)?\(.*\)\s*(?::.*)?\{$"
)
_MEMBERS = re.compile(r".*\b(?:class|impl|trait|interface)\b")


def sample_situations(files: list[Path], count: int, seed: int) -> list[Sample]:
    """``count`` samples of each situation (fewer if the files have too few), the same per seed."""
    rng = random.Random(seed)
    found: dict[Path, tuple[str, Spots]] = {}
    samples: list[Sample] = []
    for kind in SITUATIONS:
        taken: set[tuple[Path, int]] = set()
        for _ in range(40 * count):
            if len(taken) >= count or not files:
                break
            path = rng.choice(files)
            if path not in found:
                found[path] = _spots_of(path)
            text, spots = found[path]
            if spots.get(kind):
                offset, end = rng.choice(spots[kind])
                if (path, offset) not in taken:
                    taken.add((path, offset))
                    samples.append(Sample(str(path), text, offset, end, kind))
    return samples


def spots(text: str, suffix: str) -> Spots:
    """(cursor, end) offsets of every usable cursor point of each kind in one file."""
    found = python_spots(text) if suffix in (".py", ".pyi") else brace_spots(text, suffix)
    return {kind: [s for s in places if _fits(text, *s)] for kind, places in found.items()}


def _spots_of(path: Path) -> tuple[str, Spots]:
    text = read_code(path)
    return (text, spots(text, path.suffix)) if text else ("", {})


def _fits(text: str, offset: int, end: int) -> bool:
    hidden = text[offset:end]
    lines = hidden.count("\n")
    return bool(hidden.strip()) and lines < MAX_HIDDEN_LINES and len(hidden) <= MAX_HIDDEN_CHARS


class _Lines:
    """Offsets of a text's lines (numbered from 0)."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def code_start(self, number: int) -> int:
        line = self.lines[number]
        return self.starts[number] + len(line) - len(line.lstrip(" \t"))

    def end(self, number: int) -> int:
        return self.starts[number] + len(self.lines[number].rstrip())

    def indent(self, number: int) -> int:
        line = self.lines[number]
        return len(line) - len(line.lstrip(" \t"))


# Python: statements and blocks from the ast.


def python_spots(text: str) -> Spots:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    at = _Lines(text)
    found: Spots = {kind: [] for kind in SITUATIONS}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and _own_lines(node, at):
            found["opener"].extend(_python_opener(node, at))
        for block in _blocks(node):
            if block[0].col_offset > 0:
                _python_body(block, text, at, found)
                found["after-block"].extend(_python_after_block(block, at))
    return found


def _blocks(node: ast.AST) -> Iterator[list[ast.stmt]]:
    for field in ("body", "orelse", "finalbody"):
        block = getattr(node, field, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block


def _first_line(statement: ast.stmt) -> int:
    """Line (from 0) where a statement starts, its decorators included."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(d.lineno for d in decorators)]) - 1


def _own_lines(statement: ast.stmt, at: _Lines) -> bool:
    """The statement starts its line (nothing but indentation before it)."""
    return not at.lines[_first_line(statement)][: statement.col_offset].strip()


def _python_body(block: list[ast.stmt], text: str, at: _Lines, found: Spots) -> None:
    end = at.end(block[-1].end_lineno - 1 if block[-1].end_lineno else 0)
    for index, statement in enumerate(block):
        if not _own_lines(statement, at):
            continue
        rest = block[index:]
        nodes = [
            n for s in rest for n in ast.walk(s) if isinstance(n, ast.stmt | ast.excepthandler)
        ]
        clauses = any(getattr(n, "orelse", None) or getattr(n, "handlers", None) for n in nodes)
        nested = any(list(_blocks(s)) for s in rest)
        start = at.code_start(_first_line(statement))
        if clauses:
            found["body+clauses"].append((start, end))
        elif nested or _has_blank_line(text[start:end]):
            found["body"].append((start, end))


def _python_opener(node: ast.stmt, at: _Lines) -> list[tuple[int, int]]:
    blocks = list(_blocks(node))
    if not blocks or node.end_lineno is None:
        return []
    header = _first_line(blocks[0][0]) - 1
    while header > node.lineno - 1 and at.lines[header].strip()[:1] in ("", "#"):
        header -= 1
    if header < node.lineno - 1 or not at.lines[header].rstrip().endswith(":"):
        return []
    return [(at.end(header), at.end(node.end_lineno - 1))]


def _python_after_block(block: list[ast.stmt], at: _Lines) -> list[tuple[int, int]]:
    found = []
    for nested, following in pairwise(block):
        if isinstance(nested, _DEFINITIONS) or not list(_blocks(nested)):
            continue
        last = (nested.end_lineno or 0) - 1
        if last < nested.lineno or at.indent(last) <= nested.col_offset:
            continue  # a one-line block: the next statement is no dedent
        if any(isinstance(s, _DEFINITIONS) for s in _last_statements(nested)):
            continue  # the cursor ends a definition inside the block: nothing after it is ours
        if not at.lines[last].rstrip().endswith(_INCOMPLETE) and following.end_lineno:
            found.append((at.end(last), at.end(following.end_lineno - 1)))
    return found


def _last_statements(statement: ast.stmt) -> Iterator[ast.stmt]:
    """The statement, the last statement of its last block, and so on down."""
    while True:
        yield statement
        blocks = list(_blocks(statement))
        if not blocks:
            return
        statement = blocks[-1][-1]


def _has_blank_line(text: str) -> bool:
    return any(not line.strip() for line in text.split("\n"))


# Brace languages: blocks from the bracket depths, checked against the indentation.


def brace_spots(text: str, suffix: str) -> Spots:
    at = _Lines(text)
    depths = bracket_depths(text, suffix)
    if len(depths.start) != len(at.lines):
        return {}
    chains = {line: chain for line in range(len(at.lines)) if (chain := _chain(line, at, depths))}
    found: Spots = {kind: [] for kind in SITUATIONS}
    for opener, chain in chains.items():
        found["opener"].append((at.end(opener), at.end(chain[-1])))
        for head, close in pairwise(chain):
            _brace_body(head, close, text, at, depths, found)
            found["after-block"].extend(_brace_after_block(head, close, at, depths, chains))
    return found


def _chain(opener: int, at: _Lines, depths: Depths) -> list[int] | None:
    """The opener's line, then the line closing each block of its chain (``} else {``, ``}``)."""
    chain = [opener]
    while at.lines[chain[-1]].rstrip().endswith("{"):
        head = chain[-1]
        inside = depths.end[head]
        close = next((n for n in range(head + 1, len(at.lines)) if depths.low[n] < inside), None)
        if (
            close is None
            or close == head + 1
            or not at.lines[close].lstrip().startswith("}")
            or depths.start[close] != inside
            or at.indent(close) != at.indent(head)
        ):
            return None
        chain.append(close)
        if depths.end[close] != inside:
            break
    return chain if len(chain) > 1 else None


def _brace_body(head: int, close: int, text: str, at: _Lines, depths: Depths, found: Spots) -> None:
    inside = depths.end[head]
    lines = [n for n in range(head + 1, close) if at.lines[n].strip()]
    if not lines:
        return
    indent, last = at.indent(lines[0]), lines[-1]
    for line in lines:
        stripped = at.lines[line].lstrip()
        if at.indent(line) != indent or depths.start[line] != inside or stripped[:1] in "})].":
            continue
        rest = range(line + 1, last + 1)
        start, end = at.code_start(line), at.end(last)
        if any(_CLAUSE_LINE.match(at.lines[n].lstrip()) for n in rest):
            found["body+clauses"].append((start, end))
        elif any(depths.start[n] > inside for n in rest) or _has_blank_line(text[start:end]):
            found["body"].append((start, end))


def _brace_after_block(
    head: int, close: int, at: _Lines, depths: Depths, chains: dict[int, list[int]]
) -> list[tuple[int, int]]:
    inside = depths.end[head]
    found: list[tuple[int, int]] = []
    if _MEMBERS.match(at.lines[head]):
        return found  # the blocks in a class's body are its members' definitions
    for nested in range(head + 1, close):
        chain = chains.get(nested)
        if chain is None or depths.start[nested] != inside or depths.end[chain[-1]] != inside:
            continue
        if _DEFINES.match(at.lines[nested]):
            continue  # the end of a definition: nothing of the body around it is ours
        last_head, end = chain[-2], chain[-1]
        last = max((n for n in range(last_head + 1, end) if at.lines[n].strip()), default=end)
        code = at.lines[last].strip()
        deeper = depths.end[last_head]
        if last == end or depths.start[last] != deeper or depths.end[last] != deeper:
            continue
        if code.endswith(_INCOMPLETE) or code.startswith(("//", "/*", "*")):
            continue
        following = next((n for n in range(end + 1, close) if at.lines[n].strip()), None)
        if following is None or at.lines[following].lstrip()[:1] in "})]":
            continue
        statement_end = next((n for n in range(following, close) if depths.end[n] == inside), None)
        if statement_end is not None:
            found.append((at.end(last), at.end(statement_end)))
    return found
