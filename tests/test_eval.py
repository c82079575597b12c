"""`qwen-lsp eval`: sampling, scores, and the oracle run on the project's own source."""

from __future__ import annotations

import io
import os
import random
import re
from pathlib import Path

import pytest

from qwen_lsp.cli import main
from qwen_lsp.evaluation.metrics import edit_similarity, first_line, percentile
from qwen_lsp.evaluation.report import run
from qwen_lsp.evaluation.sampling import (
    block_end,
    bracket_pairs,
    end_of_line,
    mid_line,
    sample_points,
    source_files,
)
from qwen_lsp.settings import Settings
from tests.conftest import TEST_KEY
from tests.fake_upstream import FakeUpstream, Reply
from tests.oracle import oracle_for

SOURCE = Path(__file__).parent.parent / "server" / "qwen_lsp"


def eval_cli(
    *args: str, base_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """``qwen-lsp eval ARGS`` in this process (a subprocess would spend seconds importing)."""
    for name in [n for n in os.environ if n.startswith(("QWEN_LSP_", "DASHSCOPE_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("QWEN_LSP_API_KEY", TEST_KEY)
    monkeypatch.setenv("QWEN_LSP_BASE_URL", base_url)
    code = main(["eval", *args])
    return code, capsys.readouterr().out


def exact_rate(report: str, row: str = "all") -> float:
    found = re.search(rf"^{row}\s+\d+\s+([\d.]+)%", report, re.MULTILINE)
    assert found, report
    return float(found.group(1))


def test_oracle_reproduces_the_hidden_code_of_our_own_source(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An over-generating perfect model: the pipeline must cut its reply to exactly the truth."""
    with FakeUpstream(oracle_for(SOURCE)) as fake:
        code, out = eval_cli(
            str(SOURCE),
            *("--samples", "60", "--seed", "7", "--misses", "3"),
            base_url=fake.base_url,
            monkeypatch=monkeypatch,
            capsys=capsys,
        )
    assert code == 0, out
    assert "60 samples" in out
    for row in ("mid-line", "end-of-line", "all"):
        assert exact_rate(out, row) == 100.0, out
    assert "latency ms" in out and "tokens" in out


async def test_a_wrong_model_scores_low_and_its_misses_are_shown(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    (tmp_path / "calc.py").write_text(
        "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return max(a - b, 0)\n"
    )
    upstream.default = Reply.text("pass\n")
    out = io.StringIO()
    code = await run(Settings(api_key=TEST_KEY, base_url=upstream.base_url), tmp_path, 6, 0, out, 2)
    assert code == 0
    assert exact_rate(out.getvalue()) == 0.0
    assert out.getvalue().count("\nwant ") == 2


@pytest.mark.parametrize(
    ("path", "samples", "key", "message"),
    [
        ("/nonexistent/dir", 5, TEST_KEY, "does not exist"),
        (".", 0, TEST_KEY, "at least 1"),
        (".", 5, None, "no API key"),
        ("tests/data", 5, TEST_KEY, "no code to sample"),
    ],
)
async def test_bad_input_gets_a_clear_answer(
    path: str, samples: int, key: str | None, message: str
) -> None:
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(api_key=key, base_url="http://127.0.0.1:9/v1")
    assert await run(settings, Path(path), samples, 0, out, err=err) == 2
    assert message in err.getvalue() and out.getvalue() == ""


def test_sampling_is_deterministic_and_alternates_kinds() -> None:
    files = source_files(SOURCE)
    first, again = sample_points(files, 20, seed=3), sample_points(files, 20, seed=3)
    other = sample_points(files, 20, seed=4)
    assert [(s.path, s.offset, s.end) for s in first] == [(s.path, s.offset, s.end) for s in again]
    assert [(s.path, s.offset) for s in first] != [(s.path, s.offset) for s in other]
    assert [s.kind for s in first[:4]] == ["mid-line", "end-of-line"] * 2
    for sample in first:
        assert sample.hidden.strip() and sample.hidden == sample.hidden.rstrip()
        assert sample.document == sample.text[: sample.offset] + sample.text[sample.end :]


def test_source_files_skip_vendored_trees_and_secrets(tmp_path: Path) -> None:
    for name in ("a.py", "b.txt", ".venv/lib/c.py", "node_modules/d.js", "secrets.py", "e.ts"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    assert [p.name for p in source_files(tmp_path)] == ["a.py", "e.ts"]


@pytest.mark.parametrize(
    ("lines", "index", "last"),
    [
        (["def f():", "    a = 1", "", "    return a", "x = 2"], 0, 3),
        (["function f() {", "  go();", "}", "f();"], 0, 2),
        (["x = 1", "y = 2"], 0, 0),
        (["if a:", "    b()", "else:", "    c()"], 0, 1),
        (["call(", "    a,", ")"], 0, 2),
    ],
)
def test_block_end(lines: list[str], index: int, last: int) -> None:
    assert block_end(lines, index) == last


def test_natural_ends() -> None:
    rng = random.Random(1)
    for _ in range(50):
        cursor, end = mid_line(["print(max(a, b), c)"], 0, rng) or (0, 0)
        assert "print(max(a, b), c)"[end] == ")" and cursor < end
        spot = end_of_line(["def f():", "    return 1", "x = 2"], 0, rng)
        assert spot is not None and spot[1] == len("def f():\n    return 1")
    assert bracket_pairs("f(')', [1])") == [(7, 9), (1, 10)]


@pytest.mark.parametrize(
    ("got", "want", "similarity"),
    [
        ("abc", "abc", 1.0),
        ("", "", 1.0),
        ("abc", "abd", 2 / 3),
        ("", "abcd", 0.0),
        ("ab", "b", 0.5),
    ],
)
def test_edit_similarity(got: str, want: str, similarity: float) -> None:
    assert edit_similarity(got, want) == pytest.approx(similarity)


def test_first_line_and_percentiles() -> None:
    assert first_line("\n    return x\n    y") == "    return x"
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile([float(n) for n in range(1, 101)], 90) == 90.0
