"""Cross-file context: which snippets are chosen, in what order, within what budget, how stably."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from qwen_lsp.engine.context.exclude import Exclusion
from qwen_lsp.engine.context.gitignore import GitIgnored
from qwen_lsp.engine.context.imports import IMPORT_HEAD, definition, importing_part, imports_of
from qwen_lsp.engine.context.open_files import Edit, OpenFile, OpenFiles
from qwen_lsp.engine.context.related import RelatedCode
from qwen_lsp.engine.context.tokens import estimate_tokens
from qwen_lsp.engine.values import CompletionTask, Snippet

ROOT = "/w/proj"
SHAPES = """import math


class Circle:
    def __init__(self, radius: float) -> None:
        self.radius = radius

    def area(self) -> float:
        return math.pi * self.radius**2


def unrelated() -> None:
    pass
"""
APP = "from .shapes import Circle\n\n\ndef total_area(circles):\n    return sum(c.║)\n"


def task_for(
    marked: str, path: str = f"{ROOT}/pkg/app.py", language: str = "python"
) -> CompletionTask:
    offset = marked.index("║")
    return CompletionTask(
        uri="file://" + path,
        text=marked.replace("║", ""),
        offset=offset,
        language_id=language,
        path=path,
    )


def index(*files: tuple[str, str], roots: tuple[str, ...] = (ROOT,)) -> OpenFiles:
    opened = OpenFiles()
    opened.roots = roots
    for path, text in files:
        opened.open(OpenFile("file://" + path, path, "", text))
    return opened


async def test_python_imported_definition_comes_from_the_open_document() -> None:
    files = index((f"{ROOT}/pkg/shapes.py", SHAPES))

    snippets = await RelatedCode(files).snippets(task_for(APP), 1000)

    (snippet,) = snippets
    assert snippet.kind == "import" and snippet.path == "pkg/shapes.py"
    assert snippet.text.startswith("class Circle:") and "def area" in snippet.text
    assert "unrelated" not in snippet.text


async def test_python_imported_definition_is_read_from_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "util.py").write_text("def slug(text: str) -> str:\n    return text.lower()\n")
    outside = tmp_path.parent / "elsewhere.py"
    files = index(roots=(str(tmp_path / "sub"),))
    app = task_for("from util import slug\nslug(║)\n", path=str(tmp_path / "app.py"))

    assert (
        await RelatedCode(files).snippets(app, 1000) == ()
    )  # util.py is outside the workspace root
    files.roots = (str(tmp_path),)
    assert await RelatedCode(files).snippets(app, 1000) == (
        Snippet("util.py", "def slug(text: str) -> str:\n    return text.lower()", "import"),
    )
    assert not outside.exists()


async def test_typescript_named_imports_and_whole_module_outline() -> None:
    api = "export interface Client {\n  get(url: string): string;\n}\nconst hidden = 1;\n"
    util = "export function pad(s: string) {\n  return s;\n}\nexport const VERSION = 2;\n"
    files = index((f"{ROOT}/src/api.ts", api), (f"{ROOT}/lib/util.js", util))
    app = task_for(
        "import { Client } from './api';\nimport * as util from '../lib/util.js';\nconst c: ║\n",
        path=f"{ROOT}/src/app.ts",
        language="typescript",
    )

    snippets = await RelatedCode(files).snippets(app, 1000)

    assert [(s.path, s.text) for s in snippets] == [
        ("src/api.ts", "export interface Client {\n  get(url: string): string;\n}"),
        ("lib/util.js", "export function pad(s: string) {\nexport const VERSION = 2;"),
    ]


@pytest.mark.parametrize("exclude", [(), ("private/*",)])
async def test_excluded_files_never_contribute(exclude: tuple[str, ...]) -> None:
    secret_path = f"{ROOT}/secrets.py" if not exclude else f"{ROOT}/private/keys.py"
    secret = "TOKEN = 'sk-live-123'\ndef total_area(circles):\n    return sum(c.radius)\n"
    files = index((secret_path, secret))
    files.change("file://" + secret_path, secret + "\n", lines=[1])
    module = "secrets" if not exclude else "private.keys"
    app = task_for(f"from {module} import TOKEN\n" + APP.split("\n", 1)[1])

    snippets = await RelatedCode(files).snippets(app, 2000, Exclusion(globs=exclude))

    assert snippets == ()


async def test_an_imported_file_excluded_by_name_is_never_read_from_disk() -> None:
    read: list[str] = []

    def reader(path: str, max_chars: int) -> str | None:
        read.append(path)
        return None

    app = task_for("from secrets import TOKEN\n" + APP)

    await RelatedCode(index(), read=reader).snippets(app, 2000)

    assert f"{ROOT}/pkg/shapes.py" in read  # other candidates are read ...
    assert not [path for path in read if path.endswith("/secrets.py")]  # ... a secret is not


async def test_edits_in_oversized_open_files_never_contribute() -> None:
    huge = "".join(f"row_{n} = {n}\n" for n in range(60_000))
    files = index((f"{ROOT}/data.py", huge))
    files.change(f"file://{ROOT}/data.py", huge.replace("row_50 = 50", "row_50 = 'x'"), [50])

    snippets = await RelatedCode(files).snippets(task_for(APP), 2000)

    assert all(s.path != "data.py" for s in snippets)


SIMILAR = "def total_area(circles):\n    return sum(c.area() for c in circles)\n"


def sources(tmp_path: Path) -> tuple[OpenFiles, CompletionTask]:
    """Every kind of source for ``app.py``: an import read from disk, an edit, similar code."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "shapes.py").write_text(SHAPES)
    notes = "".join(f"note_{n} = {n}\n" for n in range(80))
    files = index((f"{tmp_path}/notes.py", notes), roots=(str(tmp_path),))
    files.change(f"file://{tmp_path}/notes.py", notes.replace("note_50 = 50", "note_5 = 'x'"), [50])
    files.open(OpenFile(f"file://{tmp_path}/geometry.py", f"{tmp_path}/geometry.py", "", SIMILAR))
    return files, task_for(APP, path=f"{tmp_path}/pkg/app.py")


async def test_every_source_obeys_the_max_file_size_of_the_file_being_completed(
    tmp_path: Path,
) -> None:
    files, app = sources(tmp_path)
    big_enough = Exclusion(max_chars=10_000)
    too_small = Exclusion(max_chars=len(SIMILAR) - 1)  # notes.py and shapes.py are bigger still

    found = await RelatedCode(files).snippets(app, 2000, big_enough)
    assert [(s.kind, s.path) for s in found] == [
        ("import", "pkg/shapes.py"), ("edit", "notes.py"), ("similar", "geometry.py"),
    ]  # fmt: skip
    assert await RelatedCode(files).snippets(app, 2000, too_small) == ()


async def test_git_ignored_files_never_contribute_when_that_rule_is_on(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("pkg/shapes.py\nnotes.py\ngeometry.py\n")
    files, app = sources(tmp_path)
    (tmp_path / "notes.py").write_text("")  # git checks files that exist
    (tmp_path / "geometry.py").write_text("")

    everything = await RelatedCode(files).snippets(app, 2000, Exclusion())
    tracked_only = await RelatedCode(files).snippets(app, 2000, Exclusion(git_ignored=GitIgnored()))

    assert len(everything) == 3
    assert tracked_only == ()


async def test_recent_edits_then_similar_code_in_priority_order() -> None:
    notes = "".join(f"note_{n} = {n}\n" for n in range(80))
    similar = "def total_area(circles):\n    return sum(c.area() for c in circles)\n"
    files = index((f"{ROOT}/pkg/shapes.py", SHAPES), (f"{ROOT}/notes.py", notes))
    files.open(OpenFile(f"file://{ROOT}/geometry.py", f"{ROOT}/geometry.py", "", similar))
    files.change(f"file://{ROOT}/notes.py", notes.replace("note_50 = 50", "note_50 = 'x'"), [50])

    snippets = await RelatedCode(files).snippets(task_for(APP), 2000)

    assert [(s.kind, s.path) for s in snippets] == [
        ("import", "pkg/shapes.py"),
        ("edit", "notes.py"),
        ("similar", "geometry.py"),
    ]
    assert "note_50 = 'x'" in snippets[1].text and "note_46" in snippets[1].text


async def test_similar_code_is_the_fallback_for_any_language() -> None:
    related = "func TotalArea(circles []Circle) float64 {\n\tsum := 0.0\n\treturn sum\n}\n"
    files = index((f"{ROOT}/geo.go", related), (f"{ROOT}/misc.go", "package misc\nvar x = 1\n"))
    app = task_for(
        "package geo\n\nfunc Report(circles []Circle) float64 {\n\treturn TotalArea(║)\n}\n",
        path=f"{ROOT}/report.go",
        language="go",
    )

    snippets = await RelatedCode(files).snippets(app, 1000)

    assert [(s.kind, s.path) for s in snippets] == [("similar", "geo.go")]


async def test_snippets_fit_the_budget_and_are_cut_at_line_ends() -> None:
    big = "".join(f"    value_{n} = compute_{n}(radius)\n" for n in range(400))
    files = index((f"{ROOT}/pkg/shapes.py", SHAPES + "\nclass Huge:\n" + big))
    app = task_for("from .shapes import Huge, Circle\nHuge(║)\n")

    for budget in (60, 200, 800):
        snippets = await RelatedCode(files).snippets(app, budget)
        used = sum(estimate_tokens(s.text) + estimate_tokens(s.path) + 8 for s in snippets)
        assert used <= budget
        assert all(not s.text.endswith(" ") and "\n" not in s.text[-1:] for s in snippets)
    assert await RelatedCode(files).snippets(app, 0) == ()


async def test_snippets_stay_identical_while_the_user_types() -> None:
    other = "def total_area(circles):\n    return 0\n"
    files = index((f"{ROOT}/pkg/shapes.py", SHAPES), (f"{ROOT}/other.py", other))
    related = RelatedCode(files)
    first = await related.snippets(task_for(APP), 1000)
    text = APP.replace("║", "")
    cursor = APP.index("║")

    for typed in ("r", "ra", "rad", "radius) + unrelated_words + other_names"):
        typing = CompletionTask(
            uri=f"file://{ROOT}/pkg/app.py",
            text=text[:cursor] + typed + text[cursor:],
            offset=cursor + len(typed),
            language_id="python",
            path=f"{ROOT}/pkg/app.py",
        )
        assert await related.snippets(typing, 1000) is first
        files.change(typing.uri, typing.text, [4])  # the current file's own edits don't count

    files.change(f"file://{ROOT}/other.py", other + "x = 1\n", [2])
    assert await related.snippets(typing, 1000) is not first


def test_the_edit_ring_keeps_other_files_while_one_file_is_typed_in() -> None:
    files = OpenFiles(kept=4, per_file=2)
    for name in ("a", "b", "c"):
        files.open(OpenFile(name, name, "", "x\n" * 200))
        files.change(name, "x\n" * 200, [10])
    for line in range(0, 200, 20):  # many separate regions in "c"
        files.change("c", "x\n" * 200, [line])

    assert files.edits("c") == [Edit("b", 10), Edit("a", 10)]
    assert len([e for e in files.edits("z") if e.uri == "c"]) == 2
    files.change("a", "x\n" * 200, [14])  # near line 10: the same region, moved to the front
    assert files.edits("c") == [Edit("a", 14), Edit("b", 10)]
    files.close("a")
    assert files.edits("c") == [Edit("b", 10)]


def test_import_parsing_and_definitions() -> None:
    text = "import os, json as j\nfrom ..util.text import (\n    slug,\n    wrap as w,\n)\n"
    found = imports_of(text, "python", "/w/proj/app/views.py", ("/w/proj",))
    assert ("/w/proj/util/text.py", ("slug", "wrap")) in [(i.candidates[0], i.names) for i in found]
    assert found[0].candidates[0] == "/w/proj/app/os.py"
    decorated = "@dataclass\nclass User:\n    name: str\n\nx = 1\n"
    assert definition(decorated, "python", "User") == (
        0,
        ["@dataclass", "class User:", "    name: str"],
    )
    long_class = "class Big:\n" + "".join(f"    def m{n}(self):\n        pass\n" for n in range(40))
    _, lines = definition(long_class, "python", "Big") or (0, [])
    assert lines[0] == "class Big:" and lines[-1] == "    ..." and len(lines) <= 40
    assert all(line.startswith("    def m") for line in lines[1:-1])


def test_imports_are_looked_for_at_the_top_and_around_the_cursor_of_a_large_file() -> None:
    filler = "x = 1\n" * (IMPORT_HEAD // 6)
    text = f"import top\n{filler}import far\n{filler}{filler}def f():\n    import near\n    "
    part = importing_part(text, len(text))

    assert len(part) < len(text) // 2
    names = [i.candidates[0] for i in imports_of(part, "python", "/w/a.py", ("/w",))]
    assert names == ["/w/top.py", "/w/near.py"]  # not "far": neither at the top nor near
    assert importing_part("import a\n", 9) == "import a\n"
