"""``$/qwenLsp/status`` reaches editors: never before the initialize response, which LSP forbids
(VS Code's client drops such a notification, so its status bar would never learn the state)."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import StartServer

STATUS = "$/qwenLsp/status"


@pytest.mark.parametrize(("options", "first"), [({}, "ready"), ({"apiKey": ""}, "disabled")])
async def test_first_status_follows_initialized(
    start_server: StartServer, options: dict[str, str], first: str
) -> None:
    lsp = await start_server(options=options)
    # Waiting starts after the initialize response: a status sent during initialize never comes.
    status = await asyncio.wait_for(lsp.wait_for_notification(STATUS), timeout=20)
    assert status.state == first
