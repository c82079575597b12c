"""The sample configurations for other editors: they parse, keep the editor's own servers, and
what they pass reaches the real server as valid settings that it uses.

Each editor's real run is in its own test where the editor installs here (``test_emacs.py``,
``test_kate.py``); these checks cover every sample, Helix, Sublime Text and Zed included.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from qwen_lsp.settings import setting_fields
from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import open_document

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

EDITORS = Path(__file__).resolve().parents[1] / "editors"

# Helix's own servers for the languages the sample configures (`languages.toml` of Helix 25.07.1,
# the current release). The sample's list replaces Helix's, so it must repeat them, in order:
# the first server is the one Helix asks first.
HELIX_DEFAULT_SERVERS = {
    "python": ["ty", "ruff", "jedi", "pylsp"],
    "rust": ["rust-analyzer"],
    "go": ["gopls", "golangci-lint-lsp"],
    "javascript": ["typescript-language-server"],
    "typescript": ["typescript-language-server"],
}


def _json(path: str) -> Any:
    return json.loads((EDITORS / path).read_text(encoding="utf-8"))


def _toml(path: str) -> dict[str, Any]:
    return tomllib.loads((EDITORS / path).read_text(encoding="utf-8"))


def _helix() -> tuple[list[str], dict[str, Any]]:
    server = _toml("helix/languages.toml")["language-server"]["qwen-lsp"]
    return [server["command"]], server["config"]


def _sublime() -> tuple[list[str], dict[str, Any]]:
    client = _json("sublime/LSP.sublime-settings")["clients"]["qwen-lsp"]
    assert client["enabled"] is True and client["selector"]
    return client["command"], client["initializationOptions"]


def _kate() -> tuple[list[str], dict[str, Any]]:
    server = _json("kate/settings.json")["servers"]["python"]
    assert server["highlightingModeRegex"] == "^Python$"
    return server["command"], server["initializationOptions"]


def _zed() -> tuple[list[str], dict[str, Any]]:
    settings = _json("zed/settings.json")
    manifest = _toml("zed/extension.toml")
    assert "Python" in manifest["language_servers"]["qwen-lsp"]["languages"]
    assert settings["languages"]["Python"]["language_servers"] == ["...", "qwen-lsp"]
    return ["qwen-lsp"], settings["lsp"]["qwen-lsp"]["initialization_options"]


def _emacs(name: str) -> tuple[list[str], dict[str, Any]]:
    """The command and the initialization options' plist (strings and numbers) of a config."""
    source = (EDITORS / "emacs" / name).read_text(encoding="utf-8")
    (command,) = re.findall(r'\("(qwen-lsp)"', source)
    (plist,) = re.findall(r"(?::initializationOptions|\(list) \(?(:\w+ [^)]*)\)", source)
    pairs = re.findall(r':(\w+)\s+("(?:[^"\\]|\\.)*"|-?[\d.]+)', plist)
    return [command], {key: json.loads(value) for key, value in pairs}


SAMPLES = {
    "helix": _helix,
    "sublime": _sublime,
    "kate": _kate,
    "zed": _zed,
    "eglot": lambda: _emacs("qwen-lsp-eglot.el"),
    "lsp-mode": lambda: _emacs("qwen-lsp-lsp-mode.el"),
}


@pytest.mark.parametrize("editor", SAMPLES)
def test_config_starts_qwen_lsp_with_known_settings(editor: str) -> None:
    command, options = SAMPLES[editor]()
    assert command == ["qwen-lsp"]
    assert options and set(options) <= set(setting_fields()), options


@pytest.mark.parametrize("editor", SAMPLES)
async def test_config_options_are_valid_and_used(
    editor: str, start_server: StartServer, upstream: FakeUpstream
) -> None:
    """The sample's options start the real server without a settings warning, and the request
    it then sends the provider carries them."""
    _, options = SAMPLES[editor]()
    lsp = await start_server(options=options, client="neovim")  # no inline completion

    body = await _completion_request(lsp, upstream)

    assert [m.message for m in lsp.messages] == []
    assert body["model"] == options["model"]
    if "maxTokens" in options:
        assert body["max_tokens"] == options["maxTokens"]


async def test_zed_settings_reach_the_server_as_workspace_configuration(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    """The extension returns `lsp.qwen-lsp.settings` as the workspace configuration, which Zed
    sends as `workspace/didChangeConfiguration` after start-up and on every change."""
    sample = _json("zed/settings.json")["lsp"]["qwen-lsp"]
    assert set(sample["settings"]) <= set(setting_fields())
    lsp = await start_server(options=sample["initialization_options"], client="neovim")
    lsp.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=sample["settings"])
    )

    body = await _completion_request(lsp, upstream)

    assert [m.message for m in lsp.messages] == []
    assert body["max_tokens"] == sample["settings"]["maxTokens"]
    assert body["model"] == sample["initialization_options"]["model"]


def test_helix_sample_adds_qwen_lsp_beside_the_default_servers() -> None:
    languages = _toml("helix/languages.toml")["language"]
    assert {language["name"] for language in languages} <= set(HELIX_DEFAULT_SERVERS)
    for language in languages:
        *servers, ours = language["language-servers"]
        assert servers == HELIX_DEFAULT_SERVERS[language["name"]], language["name"]
        assert ours == {"name": "qwen-lsp", "only-features": ["completion"]}


def test_zed_extension_pins_the_current_api() -> None:
    manifest = _toml("zed/Cargo.toml")
    assert manifest["dependencies"]["zed_extension_api"] == "0.7.0"  # crates.io's latest


def test_every_editor_folder_has_a_readme() -> None:
    folders = [p for p in EDITORS.iterdir() if p.is_dir()]
    assert {p.name for p in folders} >= {"nvim", "helix", "emacs", "zed", "sublime", "kate"}
    for folder in folders:
        assert (folder / "README.md").is_file(), folder


async def _completion_request(lsp: Any, upstream: FakeUpstream) -> dict[str, Any]:
    """The body of the upstream request behind one completion-list request."""
    upstream.script(Reply.text("urn a + b"))
    uri = "file:///work/project/add.py"
    open_document(lsp, uri, "def add(a, b):\n    ret\n")
    await lsp.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 7)
        )
    )
    (request,) = upstream.requests
    body: dict[str, Any] = request.body
    return body
