"""The scope evaluation's cursor points: the truth read off the code's structure, and the engine
reproducing it against the oracle on our own source."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from qwen_lsp.engine import Engine
from qwen_lsp.evaluation.report import evaluate
from qwen_lsp.evaluation.sampling import source_files
from qwen_lsp.evaluation.situations import SITUATIONS, sample_situations, spots
from qwen_lsp.evaluation.structure import bracket_depths
from qwen_lsp.settings import Settings
from tests.fake_upstream import FakeUpstream
from tests.oracle import Oracle

SOURCE = Path(__file__).parent.parent / "server" / "qwen_lsp"

PYTHON = """\
def f(x):
    if x:
        y = 1
    else:
        y = 2

    return y
"""
JAVASCRIPT = """\
function f(items) {
  items.forEach((item) => {
    if (item) {
      go(item);
    }
    done(`}${item}`); // }
  });
}
"""
GO = """\
func f() {
\tif a {
\t\tb()
\t} else {
\t\tc()
\t}
\td()
}
"""
RUST = """\
fn f<'a>(x: &'a str) -> &'a str {
    let c = '{';
    if x.is_empty() {
        return r#"}"#;
    }
    x
}
"""


def hidden(text: str, suffix: str) -> dict[str, list[str]]:
    return {kind: [text[a:b] for a, b in places] for kind, places in spots(text, suffix).items()}


def test_python_truth_comes_from_its_parser() -> None:
    found = hidden(PYTHON, ".py")
    assert "if x:\n        y = 1\n    else:\n        y = 2\n\n    return y" in found["body+clauses"]
    assert "\n        y = 1\n    else:\n        y = 2" in found["opener"]
    assert found["after-block"] == ["\n\n    return y"]


@pytest.mark.parametrize(
    ("text", "suffix", "kind", "expected"),
    [
        (JAVASCRIPT, ".js", "after-block", "\n    }\n    done(`}${item}`); // }"),
        (JAVASCRIPT, ".js", "opener", "\n      go(item);\n    }"),
        (GO, ".go", "body+clauses", "if a {\n\t\tb()\n\t} else {\n\t\tc()\n\t}\n\td()"),
        (GO, ".go", "after-block", "\n\t}\n\td()"),
        (RUST, ".rs", "opener", '\n        return r#"}"#;\n    }'),
        (RUST, ".rs", "after-block", "\n    }\n    x"),
    ],
)
def test_brace_truth_comes_from_matched_brackets(
    text: str, suffix: str, kind: str, expected: str
) -> None:
    assert expected in hidden(text, suffix)[kind]


def test_the_lexer_skips_strings_comments_and_lifetimes() -> None:
    assert bracket_depths(JAVASCRIPT, ".js").end == [1, 3, 4, 4, 3, 3, 1, 0, 0]
    assert bracket_depths(RUST, ".rs").end == [1, 1, 2, 2, 1, 1, 0, 0]
    regex = bracket_depths("x = s.replace(/[{(]/g, '');\n", ".js")
    assert regex.end == [0, 0]


def test_a_block_whose_closer_is_not_at_its_indentation_is_not_used() -> None:
    assert not any(spots("function f() {\n  go();\n  }\n", ".js").values())


def test_sampling_is_deterministic() -> None:
    files = source_files(SOURCE)
    first, again = sample_situations(files, 5, 3), sample_situations(files, 5, 3)
    assert [(s.path, s.offset, s.end) for s in first] == [(s.path, s.offset, s.end) for s in again]
    assert [s.kind for s in first] == [k for k in SITUATIONS for _ in range(5)]


def test_the_engine_ends_completions_where_our_own_code_does() -> None:
    """Every situation of the scope table, on our source, against the over-generating oracle."""
    samples = sample_situations(source_files(SOURCE), 12, seed=5)
    with FakeUpstream(Oracle({s.path: s.text for s in samples})) as fake:
        settings = Settings(api_key="oracle", base_url=fake.base_url, request_policy="fixed")
        outcomes = asyncio.run(evaluate(Engine(settings), samples))
    missed = [(o.sample.kind, o.sample.path, o.want, o.got) for o in outcomes if not o.exact]
    assert len(samples) == 12 * len(SITUATIONS)
    assert missed == []
