"""What the real-editor tests share: the server on PATH as the configs expect, and the edit."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from tests.conftest import TEST_KEY, server_env
from tests.fake_upstream import FakeUpstream, Reply

# The user has typed `ret` in a function body; the model continues it.
BEFORE = "def add(a, b):\n    ret\n"
CONTINUATION = "urn a + b"
AFTER = "def add(a, b):\n    return a + b\n"


def server_on_path(tmp_path: Path) -> Path:
    """The `qwen-lsp` an editor finds first on PATH in :func:`editor_env` (the sample configs
    start `qwen-lsp` from PATH): a script running this checkout's server."""
    return tmp_path / "bin" / "qwen-lsp"


def editor_env(tmp_path: Path, upstream: FakeUpstream, **extra: str) -> dict[str, str]:
    """An editor's environment: its own HOME, our server first on PATH, the fake upstream
    answering every request with the continuation of :data:`BEFORE`."""
    server = server_on_path(tmp_path)
    server.parent.mkdir()
    server.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m qwen_lsp "$@"\n', encoding="utf-8")
    server.chmod(server.stat().st_mode | stat.S_IXUSR)
    upstream.default = Reply.text(CONTINUATION)
    return server_env(
        HOME=str(tmp_path / "home"),
        PATH=f"{server.parent}{os.pathsep}{os.environ['PATH']}",
        QWEN_LSP_API_KEY=TEST_KEY,
        QWEN_LSP_BASE_URL=upstream.base_url,
        **extra,
    )


def source_file(tmp_path: Path) -> Path:
    """``project/add.py`` holding :data:`BEFORE`."""
    source = tmp_path / "project" / "add.py"
    source.parent.mkdir()
    source.write_text(BEFORE, encoding="utf-8")
    return source
