"""The VS Code extension's contributed settings are the server's settings, with the same defaults.

``settings.Settings`` is the one source of truth: a field added there without its
``qwenLsp.<camelCase>`` twin in ``editors/vscode/package.json`` (or a default changed on one side
only) fails here, in the suite every change runs, rather than in an editor.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from qwen_lsp.providers import DIALECTS, PRESETS, THINKING_OFF
from qwen_lsp.settings import Settings, setting_fields

ROOT = Path(__file__).parent.parent
MANIFEST = ROOT / "editors" / "vscode" / "package.json"
README = MANIFEST.parent / "README.md"
# Not settings: the key lives in VS Code's SecretStorage and reaches the server in its environment.
NOT_CONTRIBUTED = {"api_key"}
# Settings of the extension itself, never sent to the server.
CLIENT_ONLY = {"qwenLsp.server.path", "qwenLsp.trace.server"}
JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", tuple: "array"}


# What a workspace may only lower, and what an untrusted one may not choose at all.
SPEND_LIMITS = ["maxTokens", "requestsPerMinute", "tokensPerMinute", "tokensPerDay"]
ENDPOINT_AND_COMMAND = ["provider", "baseUrl", "trustedBaseUrls", "model", "server.path"]


def _manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return manifest


def _contributed() -> dict[str, dict[str, Any]]:
    configuration: dict[str, Any] = _manifest()["contributes"]["configuration"]
    properties: dict[str, dict[str, Any]] = configuration["properties"]
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


def test_the_extension_readme_lists_every_setting_in_order() -> None:
    listed = re.findall(r"^\| `(qwenLsp\.[\w.]+)` \|", README.read_text(encoding="utf-8"), re.M)
    assert listed == list(_contributed()), "run `npm run settings-table` in editors/vscode"


def test_untrusted_workspaces_choose_no_endpoint_program_or_limit() -> None:
    trust = _manifest()["capabilities"]["untrustedWorkspaces"]
    assert trust["supported"] == "limited"
    restricted = trust["restrictedConfigurations"]
    for key in ENDPOINT_AND_COMMAND + SPEND_LIMITS:
        assert f"qwenLsp.{key}" in restricted, key
    assert set(restricted) <= set(_contributed())


def test_both_packages_declare_the_license_that_ships() -> None:
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject and 'license-files = ["LICENSE"]' in pyproject
    manifest = _manifest()
    assert manifest["license"] == "MIT" and "--skip-license" not in manifest["scripts"]["package"]
    assert (MANIFEST.parent / manifest["icon"]).read_bytes().startswith(b"\x89PNG")
    assert manifest["repository"]["url"].startswith("https://")
