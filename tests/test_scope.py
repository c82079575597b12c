"""The scope table (engine/postprocess/scope.py), row by row, in cursor-marker notation."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.postprocess import clean, is_finished
from qwen_lsp.engine.postprocess.brackets import open_brackets
from qwen_lsp.engine.postprocess.enclosing import definition_body, statement_indent
from qwen_lsp.engine.postprocess.scope import block_scope
from tests.test_postprocess import at

# (situation, document with cursor, model output, completion kept)
TABLE = [
    # A line holding only indentation: the rest of the enclosing body.
    ("body", "def f(x):\n    ║", "if x:\n        x += 1\n    return x\ndef g():",
     "if x:\n        x += 1\n    return x"),
    ("body", "def f():\n    ║", "try:\n        a()\n    except E:\n        b()\n\n    c()\nx = 1",
     "try:\n        a()\n    except E:\n        b()\n\n    c()"),
    ("body", "function f() {\n  ║",
     "if (a) {\n    b();\n  } else if (c) {\n    d();\n  } else {\n    e();\n  }\n  return 1;\n}",
     "if (a) {\n    b();\n  } else if (c) {\n    d();\n  } else {\n    e();\n  }\n  return 1;"),
    ("body", "function f(items) {\n  ║",
     "items.forEach((item) => {\n    go(item);\n  });\n  done();\n}\nf();",
     "items.forEach((item) => {\n    go(item);\n  });\n  done();"),
    ("body", "function f() {\n  ║", "return (\n    a ||\n    b\n  );\n}",
     "return (\n    a ||\n    b\n  );"),
    ("body", "def f():\n    ║", "a()\n# a note about b\n    b()\n# the next one\ndef g():",
     "a()\n# a note about b\n    b()"),
    ("body", "func f() {\n\tswitch x {\n\t║", "case 1:\n\t\ta()\n\t}\n\treturn",
     "case 1:\n\t\ta()"),
    ("body", "func f() {\n\t║", "s := `\nline one\n`\n\treturn s\n}",
     "s := `\nline one\n`\n\treturn s"),
    ("body", "def f():\n    ║", "x = g(\n1)\n    return x\ndef h():", "x = g(\n1)\n    return x"),
    ("body", "impl A {\n    ║", "fn f(&'a self) -> &'a str {\n        \"a\"\n    }\n}",
     "fn f(&'a self) -> &'a str {\n        \"a\"\n    }"),
    ("body", "fn f() {\n    ║", "if g(\"a\") {\n        h('b');\n    }\n    i();\n}",
     "if g(\"a\") {\n        h('b');\n    }\n    i();"),
    # The end of a line opening a block: that block and its clauses.
    ("opener", "if x:║", "\n    a()\nelif y:\n    b()\nelse:\n    c()\nd()",
     "\n    a()\nelif y:\n    b()\nelse:\n    c()"),
    ("opener", "try {║", "\n  a();\n} catch (e) {\n  b();\n} finally {\n  c();\n}\nd();",
     "\n  a();\n} catch (e) {\n  b();\n} finally {\n  c();\n}"),
    ("opener", "def f(a,\n      b):║", "\n    return a\n\ndef g():", "\n    return a\n"),
    ("opener", "fn f<F>(f: F)\nwhere\n    F: FnOnce(&'static str),\n{║",
     "\n    f(\"a\")\n}\nfn g()", "\n    f(\"a\")\n}"),
    ("opener", "const names: {║", "\n  [k: string]: string;\n} = {\n  a: \"A\",\n};\nf();",
     "\n  [k: string]: string;\n} = {\n  a: \"A\",\n};"),
    ("opener", "def f():║", "\n    a()\n##    b()\n    c()\n# next\nd()",
     "\n    a()\n##    b()\n    c()"),
    # The end of a complete statement: the next statements, to the end of the definition.
    ("statement", "def f(x):\n    for a in x:\n        if a:\n            g(a)║",
     "\n        h(a)\n    return x\n\ndef k():", "\n        h(a)\n    return x\n"),
    ("statement", "function f() {\n  if (a) {\n    go();║", "\n  }\n  done();\n}\n\nfunction g() {",
     "\n  }\n  done();"),
    ("statement", "class A {\n  m() {\n    if (a) {\n      go();║",
     "\n    }\n    done();\n  }\n  n() {", "\n    }\n    done();"),
    ("statement", "def f():\n    if a:\n        def g():\n            return 1║", "\n    h()", ""),
    ("statement", "for a in x:\n    if a:\n        g(a)║", "\n    h(a)\nprint(1)", "\n    h(a)"),
    ("statement", "x = 1║", "\nif y:\n    z()\nw = 2\n\nv = 3", "\nif y:\n    z()\nw = 2\n"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("situation", "marked", "output", "expected"), TABLE, ids=[f"{r[0]}:{r[1]!r}" for r in TABLE]
)
def test_scope_table(situation: str, marked: str, output: str, expected: str) -> None:
    assert block_scope(output, at(marked, _language(marked))) == expected


def _language(marked: str) -> str:
    """Rust's lifetimes change what a quote is; the other rows read the same in any language."""
    return "rust" if marked.startswith(("fn ", "impl ")) else "javascript"


@pytest.mark.parametrize(("situation", "marked", "output", "expected"), TABLE)
def test_the_stream_stops_where_the_table_ends_it(
    situation: str, marked: str, output: str, expected: str
) -> None:
    """Stopping the stream at the first point it is finished gives what the whole reply gives."""
    cursor = at(marked, _language(marked))
    stop = next((n for n in range(1, len(output) + 1) if is_finished(output[:n], cursor)), None)
    if stop is not None:
        assert clean(output[:stop], cursor) == clean(output, cursor)


@pytest.mark.parametrize(
    ("before", "indent", "body"),
    [
        ("x = 1", 0, 0),
        ("def f():\n    x = 1", 4, 4),
        ("class A:\n    def f(self):\n        for a in b:\n            g(a)", 12, 8),
        ("if a:\n    if b:\n        c()", 8, 4),  # no definition: the outermost block's body
        ("function f() {\n  items.forEach((item) => {\n    go(item);", 4, 4),
        ("def f(a,\n      b):", 0, 0),
        ("x = [\n    1,\n    2", 0, 0),
        ("fn f() {\n    let x = g(\n        1", 4, 4),
        ("def f():\n# commented out\n    if a:\n        b()", 8, 4),
        ("fn f() {\n    #[cfg(a)] {\n        b()", 8, 4),  # an attribute is no comment
    ],
)
def test_statement_and_definition_indentation(before: str, indent: int, body: int) -> None:
    assert statement_indent(before) == indent
    assert definition_body(before) == body


@pytest.mark.parametrize(
    "line",
    [
        "fn f<'a>(x: &'a str) -> &'a str {",
        '} else if #[cfg(target_env = "uclibc")] {',  # a string right after a letter
        "let c = '{'; let d = '\\n'; let e = '(' ; {",
    ],
)
def test_rust_quotes_are_lifetimes_chars_and_strings(line: str) -> None:
    assert [closer for closer, _ in open_brackets(line + "\n", lifetimes=True)[1]] == ["}"]
