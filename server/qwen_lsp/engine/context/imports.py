"""What a Python or JS/TS file imports: which files, which names, and their definitions' text.

Regular expressions over the source, not a parser: imports are simple lines, and a missed one
only means one snippet fewer. Other languages get the language-agnostic fallback instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

IMPORT_HEAD = 32_768  # characters at the top of a file where its imports are
IMPORT_NEAR = 8_192  # characters each side of the cursor, for imports inside a function
MAX_DEFINITION_LINES = 40
MAX_OUTLINE_LINES = 30

PYTHON = "python"
SCRIPT = "script"  # JavaScript and TypeScript, with or without JSX
_LANGUAGES = {
    "python": PYTHON,
    "javascript": SCRIPT,
    "typescript": SCRIPT,
    "javascriptreact": SCRIPT,
    "typescriptreact": SCRIPT,
}
_EXTENSIONS = {".py": PYTHON, ".pyi": PYTHON}
_SCRIPT_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs")


@dataclass(frozen=True)
class Import:
    """Candidate files for one import statement and the names it takes from them."""

    candidates: tuple[str, ...]  # paths, most likely first
    names: tuple[str, ...] = ()  # empty: the whole module (an outline is shown)


def family(language_id: str, path: str) -> str:
    """``"python"``, ``"script"`` or ``""`` (no import support) for a document."""
    if language_id in _LANGUAGES:
        return _LANGUAGES[language_id]
    suffix = PurePosixPath(path).suffix
    return _EXTENSIONS.get(suffix) or (SCRIPT if suffix in _SCRIPT_EXTENSIONS else "")


def importing_part(text: str, offset: int) -> str:
    """The parts of ``text`` whose imports count: its head and the code around ``offset``.

    Not the whole file on every keystroke: an import far from both the top and the cursor would
    rarely make a useful snippet anyway.
    """
    if len(text) <= IMPORT_HEAD + 2 * IMPORT_NEAR:
        return text
    near = text[max(IMPORT_HEAD, offset - IMPORT_NEAR) : offset + IMPORT_NEAR]
    return f"{text[:IMPORT_HEAD]}\n{near}"


def imports_of(text: str, kind: str, path: str, roots: tuple[str, ...]) -> tuple[Import, ...]:
    """The imports of ``text`` (a file at ``path``) in order of appearance."""
    if kind == PYTHON:
        return tuple(_python_imports(_import_lines(text, ("import",)), path, roots))
    if kind == SCRIPT:
        return tuple(_script_imports(_import_lines(text, ("import", "export", "require")), path))
    return ()


def _import_lines(text: str, words: tuple[str, ...]) -> str:
    """Only the lines holding one of ``words``, with the rest of a list they open.

    Runs on every keystroke: ``str.find`` skips the bulk of a large file at C speed, so the
    regular expressions only see a few lines.
    """
    kept: dict[int, str] = {}
    for word in words:
        at = text.find(word)
        while at >= 0:
            start, end = text.rfind("\n", 0, at) + 1, _line_end(text, at)
            if start not in kept:
                line = text[start:end]
                if line.count("(") + line.count("{") > line.count(")") + line.count("}"):
                    closers = [i for i in (text.find(")", at), text.find("}", at)) if i >= 0]
                    end = _line_end(text, min(closers, default=len(text)))
                kept[start] = text[start:end]
            at = text.find(word, end)
    return "\n".join(kept[start] for start in sorted(kept))


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def definition(text: str, kind: str, name: str) -> tuple[int, list[str]] | None:
    """First line and lines of the top-level definition of ``name``, shortened if long."""
    pattern = (_PY_DEF if kind == PYTHON else _JS_DEF).format(name=re.escape(name))
    found = re.search(pattern, text, re.MULTILINE)
    if found is None:
        return None
    lines = text.split("\n")
    start = text.count("\n", 0, found.start())
    if kind == PYTHON:
        block = _python_block(lines[start : start + 400])
        while start > 0 and lines[start - 1].startswith("@"):  # decorators belong to it
            start -= 1
            block.insert(0, lines[start])
    else:
        block = _braced_block(lines[start : start + 400])
    return start, _shorten(block, kind)


def outline(text: str, kind: str) -> list[str]:
    """Top-level definition lines of a module: what ``import module`` makes available."""
    header = _PY_HEADER if kind == PYTHON else _JS_EXPORT
    return [line for line in text.split("\n") if header.match(line)][:MAX_OUTLINE_LINES]


# --- Python -----------------------------------------------------------------------------------

_PY_FROM = re.compile(
    r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.MULTILINE
)
_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. \t,]+)", re.MULTILINE)
_PY_DEF = r"^(?:async[ \t]+def|def|class)[ \t]+{name}\b|^{name}[ \t]*(?::[^=\n]*)?="
_PY_HEADER = re.compile(r"^(?:async\s+def|def|class)\s")
_PY_NESTED = re.compile(r"^\s+(?:async\s+def|def|class|@)")


def _python_imports(text: str, path: str, roots: tuple[str, ...]) -> list[Import]:
    found: list[tuple[int, Import]] = []
    bases: dict[int, list[str]] = {}  # by relative level (the number of leading dots)
    for match in _PY_FROM.finditer(text):
        dots, module, listing = match.groups()
        names = tuple(_names(listing.strip("()")))
        here = bases.setdefault(len(dots), _python_bases(path, len(dots), roots))
        found.append((match.start(), Import(_module_files(here, module), names)))
        for name in names:  # ``from package import module`` names a module, not a definition
            submodule = f"{module}.{name}" if module else name
            found.append((match.start(), Import(_module_files(here, submodule))))
    for match in _PY_IMPORT.finditer(text):
        here = bases.setdefault(0, _python_bases(path, 0, roots))
        for module in _names(match.group(1)):
            found.append((match.start(), Import(_module_files(here, module))))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def _names(listing: str) -> list[str]:
    """``a, b as c`` → ``[a, b]``; star imports name nothing in particular."""
    names = []
    for part in listing.replace("\n", " ").split(","):
        name = part.split(" as ")[0].strip().lstrip("{").rstrip("}").strip()
        if name and name != "*" and re.fullmatch(r"[\w.$]+", name):
            names.append(name)
    return names


def _python_bases(path: str, level: int, roots: tuple[str, ...]) -> list[str]:
    here = PurePosixPath(path).parent
    if level:
        return [str(here.parents[level - 2] if level > 1 else here)]
    return [str(here), *roots, *(f"{root}/src" for root in roots)]


def _module_files(bases: list[str], module: str) -> tuple[str, ...]:
    relative = module.replace(".", "/")
    if not relative:
        return tuple(f"{base}/__init__.py" for base in bases)
    return tuple(
        candidate
        for base in bases
        for candidate in (f"{base}/{relative}.py", f"{base}/{relative}/__init__.py")
    )


def _python_block(lines: list[str]) -> list[str]:
    block = [lines[0]]
    for line in lines[1:]:
        if line.strip() and not line[0].isspace() and not line.lstrip().startswith((")", "]")):
            break
        block.append(line)
    while block and not block[-1].strip():
        block.pop()
    return block


# --- JavaScript / TypeScript ------------------------------------------------------------------

_JS_FROM = re.compile(
    r"""^[ \t]*(?:import|export)\b([^;'"]*?)\bfrom[ \t]*['"](\.[^'"]+)['"]""", re.MULTILINE
)
_JS_REQUIRE = re.compile(
    r"""^[ \t]*(?:const|let|var)[ \t]+([^=]+?)[ \t]*=[ \t]*require\(['"](\.[^'"]+)['"]\)""",
    re.MULTILINE,
)
_JS_DEF = (
    r"^(?:export[ \t]+)?(?:default[ \t]+)?(?:declare[ \t]+)?(?:abstract[ \t]+)?(?:async[ \t]+)?"
    r"(?:function\*?|class|interface|type|enum|const|let|var)[ \t]+{name}\b"
)
_JS_EXPORT = re.compile(r"^export\s")


def _script_imports(text: str, path: str) -> list[Import]:
    here = PurePosixPath(path).parent
    found = sorted(
        (match.start(), match.group(1), match.group(2))
        for pattern in (_JS_FROM, _JS_REQUIRE)
        for match in pattern.finditer(text)
    )
    imports = []
    for _, clause, spec in found:
        braces = re.search(r"\{([^}]*)\}", clause)
        target = _normalise(f"{here}/{spec}")
        exact = (target,) if target.endswith(_SCRIPT_EXTENSIONS) else ()
        candidates = (
            *exact,
            *(target + ext for ext in _SCRIPT_EXTENSIONS),
            *(f"{target}/index{ext}" for ext in _SCRIPT_EXTENSIONS),
        )
        imports.append(Import(candidates, tuple(_names(braces.group(1))) if braces else ()))
    return imports


def _normalise(path: str) -> str:
    """Resolve ``..`` segments without touching the disk."""
    parts: list[str] = []
    for part in path.split("/"):
        if part == ".." and parts and parts[-1] not in ("", ".."):
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _braced_block(lines: list[str]) -> list[str]:
    depth, opened, block = 0, False, []
    for line in lines:
        block.append(line)
        depth += sum(line.count(c) for c in "{([") - sum(line.count(c) for c in "})]")
        opened = opened or depth > 0
        if depth <= 0 and (opened or line.rstrip().endswith(";")):
            break
    return block


# --- both -------------------------------------------------------------------------------------


def _shorten(block: list[str], kind: str) -> list[str]:
    """A long definition becomes its header plus its members' headers (an outline)."""
    if len(block) <= MAX_DEFINITION_LINES:
        return block
    nested = _PY_NESTED if kind == PYTHON else _JS_MEMBER
    members = [line for line in block[1:] if nested.match(line)]
    ellipsis = "    ..." if kind == PYTHON else "  // ..."
    return [block[0], *members[: MAX_DEFINITION_LINES - 2], ellipsis]


_JS_MEMBER = re.compile(
    r"^[ \t]+(?:(?:static|async|get|set|public|private|protected|readonly|override)[ \t]+)*"
    r"[\w$#]+[ \t]*(?:<[^>]*>)?\("
)
