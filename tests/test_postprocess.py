"""Table-driven tests for each filter, in cursor-marker notation: ``║`` is the cursor."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from qwen_lsp.engine.context.indent_style import detect_indent
from qwen_lsp.engine.postprocess import Cursor
from qwen_lsp.engine.postprocess.bracket_balance import bracket_balance
from qwen_lsp.engine.postprocess.brackets import replaced_length
from qwen_lsp.engine.postprocess.line_overlap import drop_line_overlap
from qwen_lsp.engine.postprocess.min_length import min_length
from qwen_lsp.engine.postprocess.reindent import normalise_indentation
from qwen_lsp.engine.postprocess.repetition import drop_repetition
from qwen_lsp.engine.postprocess.scope import block_scope
from qwen_lsp.engine.postprocess.single_line import single_line
from qwen_lsp.engine.postprocess.strip_echo import strip_echo
from qwen_lsp.engine.postprocess.strip_fences import strip_fences
from qwen_lsp.engine.postprocess.strip_think import strip_think
from qwen_lsp.engine.postprocess.suffix_lines import drop_suffix_lines
from qwen_lsp.engine.postprocess.trim import trim_end


def at(marked: str, language: str = "python") -> Cursor:
    before, after = marked.split("║")
    return Cursor(before, after, language, detect_indent(before + after))


# filter → [(document with cursor, model output, expected)]
TABLES: dict[Callable[[str, Cursor], str], list[tuple[str, str, str]]] = {
    strip_think: [
        ("x = ║", "<think>hmm</think>\n42", "42"),
        ("x = ║", "<think>still going", ""),
        ("x = ║", "42", "42"),
        ("p = ║", 're.compile("<think>.*</think>")', 're.compile("<think>.*</think>")'),
    ],
    strip_fences: [
        ("x = ║", "```python\n42\n```\n", "42\n"),
        ("x = ║", "```", ""),
        ("x = ║", "```js\n", ""),
        ('FENCE = "║', '```"\nx = 1', '```"\nx = 1'),  # backticks in code are no fence
        ("/**\n * ║", "```ts\n * f()\n * ```", "```ts\n * f()\n * ```"),  # the doc's own fence
        ("x = ║", "42", "42"),
    ],
    strip_echo: [
        ("def f():\n    ║", "def f():\n    return 1", "return 1"),
        ("a = 1\nb = ║", "a = 1\nb = 2", "2"),
        ("b = ║", "b = 2", "b = 2"),  # one line is too little evidence
    ],
    normalise_indentation: [
        ("def f():\n    ║", "    return 1", "return 1"),  # the model re-indented
        ("def f():\n\t║", "\treturn 1", "return 1"),
        ("def f():\n    ║", "  return 1", "  return 1"),  # not a repeat of the cursor's indent
        ("def f():\n\tx = 1║", "\n    if x:\n        y()", "\n\tif x:\n\t\ty()"),
        ("def f():\n\tx = 1║", "\n  if x:\n    y()", "\n\tif x:\n\t\ty()"),
        ("def f():\n  x = 1║", "\n\tif x:\n\t\ty()", "\n  if x:\n    y()"),
        ("def f():\n    x = 1║", "\n    y = 2", "\n    y = 2"),
        ("x = 1║", "\n\ty = 2", "\n\ty = 2"),  # a file without indentation: no style to follow
        ("if x:\n\ta = 1\nif y:\n  b = 1\n║", "c\n    d", "c\n    d"),  # mixed: leave it
    ],
    single_line: [
        ("print(║)", "x\ny", "x"),  # the first line does not close `print(`
        ("print(║)", "x)\ny", "x)"),  # it does, but opens no block: a line is enough
        ("def f(║):", "a):\n    return a", "a):\n    return a"),
        ("if (║) {", "x) {\n  go();\n}", "x) {\n  go();\n}"),  # it does: the rest may follow
        ("x = ║ + 1", "2\ny = 2", "2"),
        ("x = ║", "1\ny = 2", "1\ny = 2"),
    ],
    bracket_balance: [
        ("foo(\n    a,║\n)", "\n    b)", "\n    b"),
        ("foo(\n    a,║\n)", "\n    b,\n)", "\n    b,"),
        ("foo(\n    a,║\nx = 1", "\n    b)", "\n    b)"),  # nothing closes it yet: keep
        ("x = [f(║)]", "a)]\nprint(x)", "a)]\nprint(x)"),  # rewrites the rest of the line
        ("x = [\n    f(║),\n]", "a),\n    g(b),\n]", "a),\n    g(b),"),
        ("s = '(║'", "x'", "x'"),
        ("with f(\n    g(h(a║\n) as x:", "), b)", "), b)"),  # the `)` below is for f(
        ("with f(\n    g(h(a║\n) as x:", "), b))", "), b)"),
        ('"""Shows ``))``║\n"""', " twice)", " twice)"),  # prose: nothing waits below
        # the completion's `{` takes the first `}` below; `)` is still its own
        ("class A {\n  constructor(a,\n      b║\n  }\n}", ") {", ") {"),
        # past the code below, what the completion leaves open is no reason to keep going
        ("x = {\n  a: 1,║\n};\nf(b);", "\n};\nf(b", ""),
        # the `{` of f is too far up to count, but `if (x) {` is deeper than the `}` below
        (
            "function f() {\n" + "  a();\n" * 60 + "  if (x) {║\n}",
            "\n    b();\n  }",
            "\n    b();\n  }",
        ),
    ],
    block_scope: [
        ("def f():║", "\n    return 1\n\nx = 2", "\n    return 1\n"),
        ("def f():\n    ║", "a = 1\n    return a\ndef g():", "a = 1\n    return a"),
        ("function f() {║", "\n  return 1;\n}\n\nfunction g() {", "\n  return 1;\n}"),
        ("if x:\n    y = 1║", "\n    z = 2\nelse:", "\n    z = 2"),
        ("x = 1║", "\ny = 2\nz = 3", "\ny = 2\nz = 3"),
        ("║", "import os\nimport sys\n\ndef main():\n    pass", "import os\nimport sys\n"),
        ("x = 1║", "\n\ndef g():\n    return 2\n\ndef h():", "\n\ndef g():\n    return 2\n"),
        ("function f() {║", "\n  return 1;\n\n}", "\n  return 1;\n\n}"),
    ],
    drop_suffix_lines: [
        ("function f() {║\n}", "\n  return 1;\n}", "\n  return 1;"),
        ("def f():\n    ║\n    return x", "y = 1\n    return x", "y = 1"),
        ("def f():\n    ║\n    return x", "return x", ""),  # repeats the line below
        ("if a {║\n}\nb()", "\n  if c {\n  }\n  d()\n}\nb()", "\n  if c {\n  }\n  d()"),
        ("x = 1║\ny = 2", "\nz = 3", "\nz = 3"),
        ("f(║x)\ny = 2", "a\ny = 2", "a\ny = 2"),  # mid-line: another filter's job
        # a stream stopped inside a line: the start of the line below agrees
        ("if a {\n  b()║\n}\nfn g(x: u8) {", "\n  c()\n}\nfn g(x", "\n  c()"),
        ("x = 1║\nreturn x", "\nret", "\nret"),  # but a lone piece of a line is no evidence
        # `  }` closes the inner block, not the function like the `}` below
        (
            "function f() {\n  ║\n}",
            "if (a) {\n    b();\n  }\n  c();\n}",
            "if (a) {\n    b();\n  }\n  c();",
        ),
    ],
    drop_repetition: [
        ("║", "log('a')\nlog('a')\nlog('a')\nlog('a')", "log('a')"),
        ("║", "total = 1\nb = 2\ntotal = 1\nb = 2\n", "total = 1\nb = 2"),
        ("║", "log('a')\nlog('a')", "log('a')\nlog('a')"),  # twice can be deliberate
        ("║", "  }\n  }\n  }\n}", "  }\n  }\n  }\n}"),  # closers are not a loop
        (
            "        ║",
            "else:\n            x = 0\n    else:\n        x = 0",
            "else:\n            x = 0\n    else:\n        x = 0",
        ),  # other levels
    ],
    drop_line_overlap: [
        ("foo(a, ║), c", "b), c", "b"),
        ("foo(║) + 1", "bar()", "bar()"),  # its own ) closes bar(
        ("d = {'a': ║} | e", "1}", "1"),
        ("x = ║  # note", "1  # note", "1"),
        ("x = ║", "1", "1"),
        ("print(║)", "x, y)", "x, y"),
        ("x = [f(║)]", "a)", "a"),
        ("def f(║):", "a) -> int:", "a) -> int:"),  # the range covers `):` instead
    ],
    trim_end: [("x = ║", "1  \n\n", "1"), ("x = ║", " \n ", "")],
    min_length: [
        ("x = ║", "4", "4"),
        ("x = ║", " \n", ""),
        ("x = ║", "", ""),
        ("x = ║", "\u3000\u00a0\t\r\n", ""),  # Unicode spaces are not visible either
        ("x = ║", " é ", " é "),
    ],
}

CASES = [(step, *case) for step, cases in TABLES.items() for case in cases]


@pytest.mark.parametrize(
    ("step", "marked", "output", "expected"),
    CASES,
    ids=[f"{c[0].__name__}:{c[1]!r}:{c[2]!r}" for c in CASES],
)
def test_filter(
    step: Callable[[str, Cursor], str], marked: str, output: str, expected: str
) -> None:
    assert step(output, at(marked)) == expected


def test_fences_stay_in_markdown() -> None:
    fenced = "```python\nx\n```"
    assert strip_fences(fenced, at("# Title\n║", "markdown")) == fenced


@pytest.mark.parametrize(
    ("marked", "completion", "replaced"),
    [
        ("print(║)", "x, y)", 1),
        ("print(║)", "x, y", 0),
        ("f(max(a, ║)", "b)", 0),  # closes max(: the line's `)` is for f(
        ("d = {'k': [f(║)]}", "a)]} | e", 3),  # closes all three, then goes on
        ("x = [f(║)]", "a)]", 2),
        ("x = [f(║)]", "a)", 1),
        ("x = [f(║)]", "a]", 0),  # does not close f( first: not a rewrite of the rest
        ("def f(║):", "a, b) -> int:", 2),
        ("def f(║):", "a, b)", 1),
        ('print("║")', 'hi")', 2),
        ('print("║")', 'a (b")', 2),
        ("if (║) {", "x) {\n  go();\n}", 3),
        ("print(║)  ", "x)", 3),
        ("foo(║) + 1", "bar())", 0),  # not an auto-closed rest
        ("x = ║", "1", 0),
        ('"""\nArgs ``[{"a": {"l║}]``;', 'ine": 1}}]``;', 5),  # quotes confuse: verbatim copy
    ],
)
def test_replaced_length(marked: str, completion: str, replaced: int) -> None:
    assert replaced_length(completion, at(marked)) == replaced
