"""Where we depart from pygls: each fix for a bug of pygls 2.1 (checked against 2.1.1; the
dependency is pinned to 2.1.x, so a new pygls is re-checked here before it is taken).

Private pygls members used, here and nowhere else: ``_execute_handler``, ``_request_futures``,
``_shutdown``, ``_send_data`` and ``_send_response``; the built-in ``didChange`` handler
(``lsp_text_document__did_change``) is replaced.

1. pygls files the future of every async, threaded or generator handler in ``_request_futures``
   so that ``$/cancelRequest`` can find it, but only a response takes it out again: every
   notification (each ``didChange``: a built-in generator handler yielding to ours) leaves its
   future there for good. Here each future leaves the map once its handler is done.
2. pygls applies an incremental change by splitting the whole document into lines and writing
   every line back: per keystroke, time in proportion to the file. The change is spliced into
   the text instead (``edits.py``), which copies the string once.
3. pygls drops a request that comes after ``shutdown`` without an answer; LSP wants an
   InvalidRequest error.
4. pygls logs a client's malformed message with its traceback at ERROR (several tracebacks for
   one bad request). Our reader and error report write one line each; the tracebacks are only
   written at DEBUG.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import MsgId, RPCRequest
from pygls.protocol.language_server import lsp_method

from qwen_lsp.lsp.edits import apply_changes

INVALID_REQUEST = -32600


class Protocol(LanguageServerProtocol):
    """pygls' LSP protocol with the fixes above."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        for name in _PYGLS_LOGGERS:
            logging.getLogger(name).addFilter(_tracebacks_at_debug)

    def _execute_handler(
        self,
        msg_id: MsgId,
        handler: Callable[..., Any],
        callback: Callable[[Any], None],
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        def forget_then_call(future: Any) -> None:
            if self._request_futures.get(msg_id) is future:  # not a newer request's
                del self._request_futures[msg_id]
            callback(future)

        super()._execute_handler(msg_id, handler, forget_then_call, args, kwargs)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        if not apply_changes(self.workspace, params):  # pygls' way for what we cannot splice
            for change in params.content_changes:
                self.workspace.update_text_document(params.text_document, change)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    def handle_message(self, message: Any) -> None:
        exiting = getattr(message, "method", None) == types.EXIT
        if self._shutdown and not exiting and isinstance(message, RPCRequest):
            logging.getLogger(__name__).warning(
                "a %s request after shutdown: refused", message.method
            )
            send_error(self, message.id, INVALID_REQUEST, "the server is shutting down")
            return
        super().handle_message(message)


def send_error(
    protocol: LanguageServerProtocol, msg_id: MsgId | None, code: int, text: str
) -> None:
    """Answer request ``msg_id`` (None: a request whose id could not be read) with an error."""
    if msg_id is not None:
        error = types.ResponseError(code=code, message=text)
        protocol._send_response(msg_id, error=error)
    else:  # lsprotocol's converter leaves a None id out; JSON-RPC wants "id": null
        message = {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": text}}
        protocol._send_data(message)


_PYGLS_LOGGERS = ("pygls.protocol.json_rpc", "pygls.protocol.language_server", "pygls.server")


def _tracebacks_at_debug(record: logging.LogRecord) -> bool:
    """pygls' records with a traceback are written only at DEBUG, and then as DEBUG."""
    if record.exc_info is None and "Traceback" not in record.getMessage():
        return True
    record.levelno, record.levelname = logging.DEBUG, "DEBUG"
    return logging.getLogger().isEnabledFor(logging.DEBUG)
