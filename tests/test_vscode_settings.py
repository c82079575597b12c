"""The VS Code extension's contributed settings are the server's settings, with the same defaults.

``settings.Settings`` is the one source of truth: a field added there without its
``qwenLsp.<camelCase>`` twin in ``editors/vscode/package.json`` (or a default changed on one side
only) fails here, in the suite every change runs, rather than in an editor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qwen_lsp.providers import DIALECTS, PRESETS, THINKING_OFF
from qwen_lsp.settings import Settings, setting_fields

MANIFEST = Path(__file__).parent.parent / "editors" / "vscode" / "package.json"
# Not settings: the key lives in VS Code's SecretStorage and reaches the server in its environment.
NOT_CONTRIBUTED = {"api_key"}
# Settings of the extension itself, never sent to the server.
CLIENT_ONLY = {"qwenLsp.server.path", "qwenLsp.trace.server"}
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", tuple: "array"}


def _contributed() -> dict[str, dict[str, Any]]:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    properties: dict[str, dict[str, Any]] = manifest["contributes"]["configuration"]["properties"]
    return properties


def _server_fields() -> dict[str, str]:
    """``qwenLsp.<camelCase>`` → ``Settings`` field name, for every editor setting."""
    return {
        f"qwenLsp.{key}": name
        for key, name in setting_fields().items()
        if name not in NOT_CONTRIBUTED
    }


def test_every_server_setting_is_contributed_and_nothing_else() -> None:
    contributed = set(_contributed()) - CLIENT_ONLY
    expected = set(_server_fields())
    missing = sorted(expected - contributed)
    assert not missing, (
        f"add to editors/vscode/package.json with scope, markdownDescription, default: {missing}"
    )
    assert contributed == expected, f"not server settings: {sorted(contributed - expected)}"


def test_defaults_and_types_match_the_server() -> None:
    contributed = _contributed()
    defaults = Settings()
    for name, field_name in _server_fields().items():
        default = getattr(defaults, field_name)
        expected = list(default) if isinstance(default, tuple) else default
        assert contributed[name]["default"] == expected, name
        assert contributed[name]["type"] == JSON_TYPES[type(default)], name


def test_choices_match_the_server() -> None:
    contributed = _contributed()
    assert contributed["qwenLsp.provider"]["enum"] == list(PRESETS)
    assert contributed["qwenLsp.dialect"]["enum"] == list(DIALECTS)
    assert contributed["qwenLsp.thinkingOff"]["enum"] == list(THINKING_OFF)
