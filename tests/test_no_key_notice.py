"""The no-key notice tells the user how to set a key in their editor: the editor's own way when
it says what that is (VS Code's "qwen-lsp: Set API Key" command), the environment otherwise."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import StartServer

VSCODE_HELP = "Run “qwen-lsp: Set API Key” from the Command Palette."


async def warnings(lsp: LanguageClient) -> list[str]:
    for _ in range(500):
        if lsp.messages:
            break
        await asyncio.sleep(0.02)
    return [m.message for m in lsp.messages if m.type == types.MessageType.Warning]


async def test_the_editor_names_its_own_way_to_set_a_key(start_server: StartServer) -> None:
    lsp = await start_server(options={"apiKey": "", "apiKeyHelp": f"  {VSCODE_HELP}\n"})

    (message,) = await warnings(lsp)

    assert message == f"qwen-lsp has no API key, so it offers no completions. {VSCODE_HELP}"
    assert "restart" not in message and "QWEN_LSP_API_KEY" not in message


@pytest.mark.parametrize("help_text", [None, "", "   ", 42, ["Run this"], "x" * 5000])
async def test_without_usable_help_the_environment_is_named(
    start_server: StartServer, help_text: object
) -> None:
    options: dict[str, object] = {"apiKey": ""}
    if help_text is not None:
        options["apiKeyHelp"] = help_text
    lsp = await start_server(options=options)

    (message,) = await warnings(lsp)

    if isinstance(help_text, str) and help_text.strip():
        assert len(message) < 400  # bounded, whatever the client sends
    else:
        assert "QWEN_LSP_API_KEY" in message and "restart" in message
