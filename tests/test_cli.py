"""The command line: --version, --help, and `complete` against the fake upstream."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from qwen_lsp import __version__
from tests.conftest import TEST_KEY, server_env
from tests.fake_upstream import FakeUpstream, Reply


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qwen_lsp", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=server_env(**(env or {})),
    )


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"qwen-lsp {__version__}"
    help_text = run("--help").stdout
    for name in (
        "complete",
        "QWEN_LSP_API_KEY",
        "QWEN_LSP_BASE_URL",
        "QWEN_LSP_MODEL",
        "QWEN_LSP_DEBOUNCE_MS",
    ):
        assert name in help_text


def test_complete_prints_the_continuation(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.script(Reply.text("return a + b\n\n\ndef other():\n    pass\n"))
    source = tmp_path / "calc.py"
    source.write_text("def add(a, b):\n    \n")

    result = run(
        "complete",
        f"{source}:2:5",
        env={"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "return a + b\n"
    assert upstream.requests[0].messages[-1]["content"] == "def add(a, b):\n    "


def test_complete_reports_upstream_failure_without_the_key(
    tmp_path: Path, upstream: FakeUpstream
) -> None:
    upstream.script(Reply(status=401, error={"message": f"bad key {TEST_KEY}"}))
    source = tmp_path / "a.py"
    source.write_text("x = \n")

    result = run(
        "complete",
        f"{source}:1:5",
        env={"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url},
    )

    assert result.returncode == 1
    assert "API key" in result.stderr and TEST_KEY not in result.stderr + result.stdout


def test_complete_rejects_a_bad_spot(tmp_path: Path) -> None:
    result = run("complete", f"{tmp_path}/missing.py:1:1", env={"QWEN_LSP_API_KEY": TEST_KEY})
    assert result.returncode == 2
    assert "qwen-lsp complete:" in result.stderr
