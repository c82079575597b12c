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
