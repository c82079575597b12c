"""The sample configurations for other editors parse and pass only settings the server knows."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from qwen_lsp.settings import setting_fields

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

EDITORS = Path(__file__).resolve().parents[1] / "editors"


def _json(path: str) -> Any:
    return json.loads((EDITORS / path).read_text(encoding="utf-8"))


def _helix() -> tuple[list[str], dict[str, Any]]:
    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text(encoding="utf-8"))
    server = config["language-server"]["qwen-lsp"]
    for language in config["language"]:
        names = [s if isinstance(s, str) else s["name"] for s in language["language-servers"]]
        assert "qwen-lsp" in names and len(names) > 1, language  # added next to the usual one
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
    manifest = tomllib.loads((EDITORS / "zed" / "extension.toml").read_text(encoding="utf-8"))
    assert "Python" in manifest["language_servers"]["qwen-lsp"]["languages"]
    assert settings["languages"]["Python"]["language_servers"] == ["...", "qwen-lsp"]
    return ["qwen-lsp"], settings["lsp"]["qwen-lsp"]["initialization_options"]


def _emacs(name: str) -> tuple[list[str], dict[str, Any]]:
    source = (EDITORS / "emacs" / name).read_text(encoding="utf-8")
    assert source.count("(") == source.count(")")
    (command,) = re.findall(r'\("(qwen-lsp)"', source)
    (plist,) = re.findall(r"(?::initializationOptions|\(list) \(?(:\w+ [^)]*)\)", source)
    keys = re.findall(r":(\w+)", plist)
    return [command], dict.fromkeys(keys, "")


@pytest.mark.parametrize(
    "read",
    [
        _helix,
        _sublime,
        _kate,
        _zed,
        lambda: _emacs("qwen-lsp-eglot.el"),
        lambda: _emacs("qwen-lsp-lsp-mode.el"),
    ],
    ids=["helix", "sublime", "kate", "zed", "eglot", "lsp-mode"],
)
def test_config_starts_qwen_lsp_with_known_settings(read: Any) -> None:
    command, options = read()
    assert command == ["qwen-lsp"]
    assert options and set(options) <= set(setting_fields()), options


def test_every_editor_folder_has_a_readme() -> None:
    folders = [p for p in EDITORS.iterdir() if p.is_dir()]
    assert {p.name for p in folders} >= {"nvim", "helix", "emacs", "zed", "sublime", "kate"}
    for folder in folders:
        assert (folder / "README.md").is_file(), folder
