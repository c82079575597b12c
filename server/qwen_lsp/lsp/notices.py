"""Telling the user things once: deduplicated messages and status notifications."""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from qwen_lsp.engine import Status
from qwen_lsp.logs import mask

STATUS_METHOD = "$/qwenLsp/status"


class Notices:
    """One showMessage per distinct problem, and a status notification per change of state."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._shown: set[str] = set()
        self._status: Status | None = None
        # LSP allows no custom notification before the initialize response (clients drop it).
        self._held = True

    def show_once(self, key: str, message: str, kind: types.MessageType) -> None:
        if key in self._shown:
            return
        self._shown.add(key)
        params = types.ShowMessageParams(type=kind, message=mask(message))
        self._server.window_show_message(params)

    def forget(self, prefix: str) -> None:
        """Allow messages whose key starts with ``prefix`` again (the problem went away)."""
        self._shown = {key for key in self._shown if not key.startswith(prefix)}

    def status(self, status: Status) -> None:
        if status == self._status:
            return
        self._status = status
        if not self._held:
            self._notify(status)
        if status.state == "error":
            self.show_once(
                f"error:{status.kind}", f"qwen-lsp: {status.message}", types.MessageType.Error
            )
        elif status.state == "ready":
            self.forget("error:")

    def release(self) -> None:
        """Send status from now on (the client is initialized), starting with the current one."""
        self._held = False
        if self._status is not None:
            self._notify(self._status)

    def _notify(self, status: Status) -> None:
        params: dict[str, Any] = {"state": status.state}
        if status.kind:
            params["kind"] = status.kind
        if status.message:
            params["message"] = mask(status.message)
        self._server.protocol.notify(STATUS_METHOD, params)
