"""Telling the user things once: deduplicated messages and status notifications.

A status goes out ``STATUS_DELAY`` after it changes, and only if it still differs from the last
one sent. A status bar cannot show a change faster than that anyway, and sent at once each would
be written to the editor in the middle of a keystroke's work: ``busy`` just before the request
leaves, ``ready`` just before the answer, each a pipe write that also wakes the editor, which on
a busy machine takes the server's core during the user's wait. Answers faster than the delay
show no ``busy`` at all: no flicker.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from qwen_lsp.engine import Status
from qwen_lsp.logs import mask

STATUS_METHOD = "$/qwenLsp/status"
STATUS_DELAY = 0.05  # seconds


class Notices:
    """One showMessage per distinct problem, and a status notification per change of state."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._shown: set[str] = set()
        self._status: Status | None = None
        self._sent: Status | None = None
        self._flush: asyncio.TimerHandle | None = None
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
        """Notify of each change of state that lasts; one message per lasting problem until it
        clears.

        A change is a new (state, kind): the same failure on every keystroke, with whatever
        detail the provider adds each time, is one notification. The details go to the log.
        """
        if status.alert:
            severity = (
                types.MessageType.Error if status.state == "error" else types.MessageType.Warning
            )
            self.show_once(f"alert:{status.kind}", f"qwen-lsp: {status.message}", severity)
        current = self._status
        if current is not None and _key(status) == _key(current):
            return
        if status.state == "busy" and current is not None and current.failing:
            return  # a retry is not news: keep showing the failure until an answer clears it
        self._status = status
        if not self._held:
            self._schedule()
        if status.state == "ready":
            # An answer (or new settings) cleared the problem. The end of a pause (retrying)
            # does not: a probe that fails again is not worth a second message.
            self.forget("alert:")

    def release(self) -> None:
        """Send status from now on (the client is initialized), starting with the current one."""
        self._held = False
        self._publish()

    def _schedule(self) -> None:
        if self._flush is None:  # statuses change only in the server's handlers, on its loop
            self._flush = asyncio.get_running_loop().call_later(STATUS_DELAY, self._publish)

    def _publish(self) -> None:
        self._flush = None
        status = self._status
        if status is None or (self._sent is not None and _key(status) == _key(self._sent)):
            return  # back where the editor last saw it: nothing happened, as far as it knows
        self._sent = status
        self._notify(status)

    def _notify(self, status: Status) -> None:
        params: dict[str, Any] = {"state": status.state}
        if status.kind:
            params["kind"] = status.kind
        if status.message:
            params["message"] = mask(status.message)
        if status.retry_in_ms is not None:
            params["retryInMs"] = status.retry_in_ms
        self._server.protocol.notify(STATUS_METHOD, params)


def _key(status: Status) -> tuple[str, str]:
    return status.state, status.kind
