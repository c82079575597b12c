"""Shared fixtures: the fake upstream and a real qwen-lsp process driven over stdio."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import ssl
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.fake_upstream import FakeUpstream, self_signed

TEST_KEY = "sk-test-0123456789abcdef"

StartServer = Callable[..., Awaitable[LanguageClient]]
# Each server remembers typing gaps in a directory of its own: one test's typing must not set
# another's debounce.
_STATE_ROOT = tempfile.mkdtemp(prefix="qwen-lsp-tests-state-")
atexit.register(shutil.rmtree, _STATE_ROOT, True)


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake:
        yield fake


def capabilities(client: str) -> types.ClientCapabilities:
    """Capabilities of a VS Code-like client (with inline completion) or Neovim 0.11 (without)."""
    if client == "neovim":
        return client_capabilities("neovim@v0.11.0")
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None
    caps.text_document.inline_completion = types.InlineCompletionClientCapabilities()
    # As VS Code 1.139 announces it (pytest-lsp's recorded capabilities predate notebooks).
    caps.notebook_document = caps.notebook_document or types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities(dynamic_registration=True)
    )
    return caps


def server_env(**extra: str) -> dict[str, str]:
    """A clean environment: nothing from the developer's shell leaks into the server."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    # Nor the developer's own ~/.config/qwen-lsp/config.toml.
    nowhere = os.path.join(tempfile.gettempdir(), "qwen-lsp-tests-no-config")
    state = tempfile.mkdtemp(dir=_STATE_ROOT)
    isolated = {
        "XDG_CONFIG_HOME": nowhere,
        "APPDATA": nowhere,
        "XDG_STATE_HOME": state,
        "LOCALAPPDATA": state,
    }
    return {**keep, "PYTHONUNBUFFERED": "1", **isolated, **extra}


@pytest.fixture
async def start_server(upstream: FakeUpstream) -> AsyncIterator[StartServer]:
    """``await start_server(options=..., client="vscode")`` → an initialized LSP client."""
    clients: list[LanguageClient] = []

    async def start(
        options: dict[str, Any] | None = None,
        client: str = "vscode",
        env: dict[str, str] | None = None,
        encodings: list[types.PositionEncodingKind] | None = None,
        root: Path | None = None,
    ) -> LanguageClient:
        config = ClientServerConfig(
            server_command=[sys.executable, "-m", "qwen_lsp"],
            server_env=server_env(**(env or {})),
        )
        lsp = await config.start()
        clients.append(lsp)
        statuses: list[Any] = []
        lsp.statuses = statuses  # type: ignore[attr-defined]
        lsp.feature("$/qwenLsp/status")(lambda *args: statuses.append(args[-1]))
        caps = capabilities(client)
        if encodings is not None:
            caps.general = types.GeneralClientCapabilities(position_encodings=encodings)
        # One suggestion per request unless a test asks for more: each further one is a request
        # of its own, and most tests count the requests the fake receives.
        init: dict[str, Any] = {
            "apiKey": TEST_KEY,
            "baseUrl": upstream.base_url,
            "debounceMs": 0,
            "invokedSuggestions": 1,
        }
        lsp.init_result = await lsp.initialize_session(  # type: ignore[attr-defined]
            types.InitializeParams(
                capabilities=caps,
                initialization_options={**init, **(options or {})},
                root_uri=root.as_uri() if root else None,
            )
        )
        return lsp

    yield start
    for lsp in clients:
        await lsp.shutdown_session()


@pytest.fixture
def tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context with a self-signed certificate, and the certificate's file."""
    return self_signed(tmp_path)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


RunCli = Callable[..., CliResult]


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> RunCli:
    """``run_cli("doctor", env={...})``: ``qwen-lsp ARGS`` in this process, in an environment
    of ``env`` only (a fresh interpreter per case is slow)."""
    from qwen_lsp.cli import main

    def run(*args: str, env: dict[str, str], cwd: Path | None = None) -> CliResult:
        for name in list(os.environ):
            monkeypatch.delenv(name)
        for name, value in server_env(**env).items():
            monkeypatch.setenv(name, value)
        if cwd is not None:
            monkeypatch.chdir(cwd)
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        try:
            code = main(list(args))
        except SystemExit as exit:  # argparse's usage errors
            code = int(exit.code or 0)
        finally:
            root.handlers[:], root.level = handlers, level
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


_PROCESS_FIXTURES = frozenset({"upstream", "start_server"})
# Names a test module imports when its tests start a server, an editor or a subprocess.
_PROCESS_NAMES = ("subprocess", "pynvim", "ClientServerConfig", "server_env", "raw_session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark as ``unit`` every test that starts no process: ``pytest -m unit`` runs in seconds."""
    for item in items:
        names = vars(getattr(item, "module", None) or object())
        spawns = any(name in names for name in _PROCESS_NAMES)
        if not spawns and not _PROCESS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.unit)
