"""The command line: --version, --help, and `complete` against the fake upstream."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from qwen_lsp import __version__
from qwen_lsp.lsp import stdio
from tests.conftest import TEST_KEY, RunCli, server_env
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


def frames(*messages: dict[str, object]) -> bytes:
    bodies = [json.dumps(message).encode() for message in messages]
    return b"".join(b"Content-Length: %d\r\n\r\n" % len(body) + body for body in bodies)


SESSION = (
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
    {"jsonrpc": "2.0", "method": "initialized", "params": {}},
    {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None},
    {"jsonrpc": "2.0", "method": "exit", "params": None},
)


def serve_from(stdin: bytes | Path) -> subprocess.CompletedProcess[bytes]:
    """The server with ``stdin`` as its input: bytes through a pipe, or a regular file."""
    command = [sys.executable, "-m", "qwen_lsp"]
    options: dict[str, Any] = {"capture_output": True, "timeout": 60, "env": server_env()}
    if isinstance(stdin, Path):
        with stdin.open("rb") as file:
            return subprocess.run(command, stdin=file, **options)
    return subprocess.run(command, input=stdin, **options)


@pytest.mark.parametrize("header", [b"Content-Length: ", b"content-length:"])
def test_a_session_over_a_pipe_and_from_a_regular_file_is_answered(
    tmp_path: Path, header: bytes
) -> None:
    """A pipe and a regular file are read and framed the same way (pygls' reader took only
    ``Content-Length: ``)."""
    script = tmp_path / "session.lsp"
    script.write_bytes(frames(*SESSION).replace(b"Content-Length: ", header))
    for stdin in (script.read_bytes(), script):
        done = serve_from(stdin)
        assert b'"id": 1' in done.stdout and b'"capabilities"' in done.stdout
        assert b'"id": 2' in done.stdout
        assert done.returncode == 0


def test_input_that_ends_inside_a_message_ends_the_server_cleanly() -> None:
    started = frames(SESSION[0])
    done = serve_from(started + b'Content-Length: 500\r\n\r\n{"jsonrpc"')
    assert b'"capabilities"' in done.stdout
    assert done.returncode == 0
    assert b"Traceback" not in done.stderr


class BreakingInput(io.BytesIO):
    """Stdin that gives one chunk, then fails as a broken pipe does."""

    def read1(self, size: int = -1) -> bytes:
        if self.tell():
            raise OSError("broken pipe")
        return super().read1(size)


async def test_stdin_that_breaks_ends_the_stream_instead_of_hanging() -> None:
    """A failed read is the input's end, so the server stops rather than wait forever for
    messages that cannot come."""
    chunks: asyncio.Queue[bytes] = asyncio.Queue()
    stdio._read_in_thread(BreakingInput(b"Content-Length: 2\r\n\r\n{}"), chunks)
    assert await asyncio.wait_for(chunks.get(), 10) == b"Content-Length: 2\r\n\r\n{}"
    assert await asyncio.wait_for(chunks.get(), 10) == b""


@pytest.mark.parametrize(
    "spot",
    ["calc.py:2", "calc.py", "calc.py:two:5", "calc.py:0:1", "calc.py:2:0", "calc.py:-1:3"],
)
def test_a_malformed_spot_is_a_usage_error(run_cli: RunCli, tmp_path: Path, spot: str) -> None:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    \n")

    result = run_cli("complete", spot, env={"QWEN_LSP_API_KEY": TEST_KEY}, cwd=tmp_path)

    assert result.returncode == 2 and result.stdout == ""
    assert "usage: qwen-lsp complete" in result.stderr
    assert "expected FILE:LINE:COL with LINE and COL counted from 1" in result.stderr
    assert "Traceback" not in result.stderr and "unpack" not in result.stderr


@pytest.mark.parametrize(
    ("content", "spot", "message"),
    [
        (b"a\nb\nc\n", "9:1", "calc.py: line 9 is past the end of the file (its last line is 4)"),
        (b"a\nbc\n", "2:4", "calc.py: column 4 is past the end of line 2 (the last column is 3)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "1:1", "calc.py: not a text file"),
        (b"caf\xe9 = 1\n", "1:1", "calc.py: not a text file"),
        (None, "1:1", "calc.py: No such file or directory"),
    ],
)
def test_a_file_or_position_that_cannot_be_completed_is_named_in_1_based_terms(
    run_cli: RunCli, upstream: FakeUpstream, tmp_path: Path, content: bytes | None, spot: str,
    message: str,
) -> None:  # fmt: skip
    source = tmp_path / "calc.py"
    if content is not None:
        source.write_bytes(content)
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url}

    result = run_cli("complete", f"{source}:{spot}", env=env)

    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr
    assert upstream.requests == []


@pytest.mark.parametrize(
    ("name", "size", "env", "reason"),
    [
        (".env", 10, {}, "its name matches a secret's or an `exclude` pattern"),
        ("query.sql", 10, {"QWEN_LSP_EXCLUDE": "*.sql"}, "an `exclude` pattern"),
        ("big.py", 3000, {"QWEN_LSP_MAX_FILE_KB": "2"}, "larger than maxFileKb (2 KB)"),
    ],
)
def test_a_file_that_is_never_sent_says_why_and_fails(
    run_cli: RunCli, upstream: FakeUpstream, tmp_path: Path, name: str, size: int,
    env: dict[str, str], reason: str,
) -> None:  # fmt: skip
    source = tmp_path / name
    source.write_text("x = 1\n" * (size // 6))
    env = {**env, "QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url}

    result = run_cli("complete", f"{source}:1:1", env=env)

    assert result.returncode == 2 and result.stdout == ""
    assert f"{source} is never sent: " in result.stderr and reason in result.stderr
    assert upstream.requests == []


@pytest.mark.parametrize("command", ["complete", "eval"])
@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "no API key for DashScope: set QWEN_LSP_API_KEY or DASHSCOPE_API_KEY"),
        ({"QWEN_LSP_BASE_URL": "http://127.0.0.1:9/v1"},
         "no API key for the server at 127.0.0.1:9: set QWEN_LSP_API_KEY or DASHSCOPE_API_KEY"),
        ({"QWEN_LSP_PROVIDER": "moonshot"},
         "no API key for Moonshot: set QWEN_LSP_API_KEY or MOONSHOT_API_KEY"),
    ],
)  # fmt: skip
def test_no_key_names_the_provider_and_its_variables_on_stderr(
    run_cli: RunCli, tmp_path: Path, command: str, env: dict[str, str], says: str
) -> None:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    \n")
    args = {"complete": [f"{tmp_path / 'calc.py'}:2:5"], "eval": [str(tmp_path)]}[command]

    result = run_cli(command, *args, env=env)

    assert result.returncode == 2 and result.stdout == ""
    assert f"qwen-lsp {command}: {says}" in result.stderr


def test_provider_failures_name_the_endpoint_in_use_not_the_default_provider(
    run_cli: RunCli, upstream: FakeUpstream, tmp_path: Path
) -> None:
    upstream.default = Reply(status=401, error={"message": "invalid key"})
    (tmp_path / "calc.py").write_text("def add(a, b):\n    \n")
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url}

    result = run_cli("complete", f"{tmp_path / 'calc.py'}:2:5", env=env)

    host = upstream.base_url.split("/")[2]
    assert result.returncode == 1
    assert f"qwen-lsp complete: the server at {host} rejected the API key" in result.stderr
    assert "DashScope" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/dir"], "qwen-lsp eval: /nonexistent/dir does not exist"),
        (["tests/data", "--samples", "0"], "qwen-lsp eval: --samples must be at least 1"),
    ],
)
def test_eval_writes_its_errors_to_stderr(run_cli: RunCli, args: list[str], message: str) -> None:
    result = run_cli("eval", *args, env={"QWEN_LSP_API_KEY": TEST_KEY})

    assert result.returncode == 2 and result.stdout == ""
    assert message in result.stderr


def test_eval_reports_provider_failures_on_stderr(
    run_cli: RunCli, upstream: FakeUpstream, tmp_path: Path
) -> None:
    upstream.default = Reply(status=500, error="down")
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url}

    result = run_cli("eval", str(tmp_path), "--samples", "2", env=env)

    assert result.returncode == 1
    assert "provider errors 2, last: " in result.stderr and "provider errors" not in result.stdout
