"""Whether a client gets the completion-list fallback, from its capabilities as sent on the wire.

lsp-mode announces inline completion as ``"inlineCompletion": null`` (its JSON encoder writes an
empty list as null); that is support as much as ``{}`` is, or lsp-mode users would get ghost text
and a menu item for the same keystroke.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.fake_upstream import FakeUpstream
from tests.raw_lsp import raw_session


@pytest.mark.parametrize(
    ("capabilities", "has_list"),
    [
        ({"textDocument": {"inlineCompletion": None}}, False),
        ({"textDocument": {"inlineCompletion": {}}}, False),
        ({"textDocument": {"inlineCompletion": {"dynamicRegistration": True}}}, False),
        ({"textDocument": {"completion": {}}}, True),
        ({"textDocument": None}, True),
        ({}, True),
    ],
    ids=["null", "empty", "filled", "absent", "no-text-document", "no-capabilities"],
)
async def test_any_inline_completion_capability_turns_the_list_off(
    upstream: FakeUpstream, capabilities: dict[str, Any], has_list: bool
) -> None:
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url}
    async with raw_session(env, capabilities=capabilities) as server:
        offered = server.initialize_result["capabilities"]
        assert "inlineCompletionProvider" in offered
        assert ("completionProvider" in offered) is has_list
        if not has_list:
            uri = "file:///p/a.py"
            server.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x"}},
            )
            at = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}
            server.request(2, "textDocument/completion", at)
            assert "error" in await server.answer(2)  # not served, not merely empty
