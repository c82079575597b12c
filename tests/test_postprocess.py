"""Table-driven tests for each filter, in cursor-marker notation: ``║`` is the cursor."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.postprocess import Cursor, clean, is_finished
from qwen_lsp.engine.postprocess.scope import block_scope, single_line
from qwen_lsp.engine.postprocess.strip_echo import strip_echo
from qwen_lsp.engine.postprocess.strip_fences import strip_fences
from qwen_lsp.engine.postprocess.strip_think import strip_think
from qwen_lsp.engine.postprocess.suffix_overlap import drop_line_overlap, drop_suffix_lines
from qwen_lsp.engine.postprocess.trim import trim_end


def at(marked: str, language: str = "python") -> Cursor:
    before, after = marked.split("║")
    return Cursor(before, after, language)


FILTER_CASES = [
    # (filter, document with cursor, model output, expected)
    (strip_think, "x = ║", "<think>hmm</think>\n42", "42"),
    (strip_think, "x = ║", "<think>still going", ""),
    (strip_think, "x = ║", "42", "42"),
    (strip_fences, "x = ║", "```python\n42\n```\n", "42\n"),
    (strip_fences, "x = ║", "```", ""),
    (strip_fences, "x = ║", "42", "42"),
    (strip_fences, "# Title\n║", "```python\nx\n```", "```python\nx\n```"),  # markdown keeps fences
    (strip_echo, "def f():\n    ║", "def f():\n    return 1", "return 1"),
    (strip_echo, "a = 1\nb = ║", "a = 1\nb = 2", "2"),
    (strip_echo, "b = ║", "b = 2", "b = 2"),  # one line is too little evidence
    (single_line, "print(║)", "x)\ny", "x)"),
    (single_line, "x = ║", "1\ny = 2", "1\ny = 2"),
    (block_scope, "def f():║", "\n    return 1\n\nx = 2", "\n    return 1\n"),
    (block_scope, "def f():\n    ║", "a = 1\n    return a\ndef g():", "a = 1\n    return a"),
    (block_scope, "function f() {║", "\n  return 1;\n}\n\nfunction g() {", "\n  return 1;\n}"),
    (block_scope, "if x:\n    y = 1║", "\n    z = 2\nelse:", "\n    z = 2"),
    (block_scope, "x = 1║", "\ny = 2\nz = 3", "\ny = 2\nz = 3"),
    (drop_line_overlap, "print(║)", "x, y)", "x, y"),
    (drop_line_overlap, "foo(║)", "bar()", "bar()"),  # its own ) closes bar(
    (drop_line_overlap, "d = {'a': ║}", "1}", "1"),
    (drop_line_overlap, "x = ║  # note", "1  # note", "1"),
    (drop_line_overlap, "x = ║", "1", "1"),
    (drop_suffix_lines, "function f() {║\n}", "\n  return 1;\n}", "\n  return 1;"),
    (drop_suffix_lines, "def f():\n    ║\n    return x", "y = 1\n    return x", "y = 1"),
    (trim_end, "x = ║", "1  \n\n", "1"),
    (trim_end, "x = ║", " \n ", ""),
]


@pytest.mark.parametrize(
    ("step", "marked", "output", "expected"),
    FILTER_CASES,
    ids=[f"{c[0].__name__}:{c[1]!r}:{c[2]!r}" for c in FILTER_CASES],
)
def test_filter(step, marked: str, output: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    language = "markdown" if marked.startswith("#") else "python"
    assert step(output, at(marked, language)) == expected


PIPELINE_CASES = [
    ("print(║)", "x, y)\nprint('again')", "x, y"),
    ("def add(a, b):\n    ║\n", "```python\nreturn a + b\n```", "return a + b"),
    ("def add(a, b):║\n\nprint(1)", "\n    return a + b\n\ndef sub(a, b):\n", "\n    return a + b"),
    ("x = ║", "   \n", None),
    ("x = ║", "<think>x</think>", None),
]


@pytest.mark.parametrize(("marked", "output", "expected"), PIPELINE_CASES)
def test_pipeline(marked: str, output: str, expected: str | None) -> None:
    result = clean(output, at(marked))
    assert (result.text if result else None) == expected


@pytest.mark.parametrize(
    ("marked", "streamed", "finished"),
    [
        ("print(║)", "x, y)", False),  # the line may still go on
        ("print(║)", "x, y)\n", True),
        ("def f():║", "\n    return 1\n", False),
        ("def f():║", "\n    return 1\n\ndef g():\n", True),
        ("def f():║", "<think>\n", False),
    ],
)
def test_stream_stop_rule(marked: str, streamed: str, finished: bool) -> None:
    assert is_finished(streamed, at(marked)) is finished
