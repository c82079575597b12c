"""JSON-RPC edge cases pygls leaves unanswered: a request whose params cannot be read.

pygls drops such a request after logging it, so the client waits for an answer forever. Here it
gets a JSON-RPC error response instead, and the problem goes to the log, not into a popup.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcException

from qwen_lsp.logs import mask
from qwen_lsp.lsp.edits import SplicingProtocol

if TYPE_CHECKING:
    from pygls.server import ServerErrors

log = logging.getLogger(__name__)


class Protocol(SplicingProtocol):
    """The LSP protocol, answering malformed requests with an error instead of silence."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:
                self._send_response(data["id"], error=exc.to_response_error())
            raise


def report_error(error: Exception, source: ServerErrors) -> None:
    """Instead of pygls' ``showMessage`` per internal error: one line in the log."""
    log.warning("%s: %s", getattr(source, "__name__", source), mask(str(error)))
