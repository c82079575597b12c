"""Serving LSP on stdin/stdout: framed by ``framing.py``, dispatched by pygls.

pygls' ``start_io`` cannot be told how to frame messages, and its framing stops answering after
one malformed frame (``framing.py``); it also exits with status 0 whatever ``exit`` said. So the
input is read here: by a thread, in chunks, which works the same for pipes and files on every
system, and handed to the event loop with back-pressure, so a flood is never queued in memory.

What pygls would leave unanswered is answered here, as JSON-RPC says: a body that is not JSON
gets a parse error and a message that is not JSON-RPC an invalid-request error (id null when it
has no usable id), a request whose params do not fit its method an invalid-params error. Each
problem is one line in the log; a traceback, when there is one, is written only at DEBUG.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

import cattrs
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter

from qwen_lsp.logs import io_event
from qwen_lsp.lsp import framing
from qwen_lsp.lsp.pygls_fixes import INVALID_REQUEST, send_error

if TYPE_CHECKING:
    from pygls.protocol import LanguageServerProtocol

    from qwen_lsp.lsp.language_server import QwenLanguageServer

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
_CHUNK = 1 << 16  # bytes a read of stdin asks for
_QUEUED = 16  # chunks read ahead of the loop at most
_MB = 1 << 20


class NotingWriter(StdoutWriter):
    """pygls' stdout writer, noting each message it writes (see :func:`io_event`)."""

    def write(self, data: bytes) -> None:
        super().write(data)
        io_event("message written")


def serve(server: QwenLanguageServer, stdin: BinaryIO | None = None) -> int:
    """Serve ``server`` on stdin/stdout until the client exits or the pipe closes; the exit
    status (1 for an ``exit`` without ``shutdown``, or for input that is not LSP)."""
    server.protocol.set_writer(NotingWriter(sys.stdout.buffer))
    status = 0
    try:
        status = asyncio.run(_serve(server, stdin or sys.stdin.buffer))
    except BrokenPipeError:
        log.error("the client's pipe closed")
    except SystemExit as exit:  # pygls' exit handler: 0 after shutdown, else 1
        status = exit.code if isinstance(exit.code, int) else 1
    except KeyboardInterrupt:
        pass
    server.shutdown()
    return status


async def _serve(server: QwenLanguageServer, stdin: BinaryIO) -> int:
    chunks: asyncio.Queue[bytes] = asyncio.Queue(_QUEUED)
    _read_in_thread(stdin, chunks)
    framer = framing.Framer(server.engine.settings.max_message_mb * _MB)
    while chunk := await chunks.get():
        framer.limit = server.engine.settings.max_message_mb * _MB
        for event in framer.feed(chunk):
            if isinstance(event, framing.Hopeless):
                log.error(
                    "%d bytes without a Content-Length header: this is not LSP; exiting",
                    event.size,
                )
                return 1
            handle(server.protocol, event)
    return 0


def _read_in_thread(stdin: BinaryIO, chunks: asyncio.Queue[bytes]) -> None:
    """Put what ``stdin`` gives into ``chunks`` (waiting while it is full), then b"" at its end."""
    loop = asyncio.get_running_loop()
    read = _reader(stdin)

    def put(chunk: bytes) -> None:
        asyncio.run_coroutine_threadsafe(chunks.put(chunk), loop).result()

    def pump() -> None:
        # The loop closed, or cancelled the put as it did: nobody reads any more.
        with contextlib.suppress(RuntimeError, concurrent.futures.CancelledError):
            try:
                while chunk := read(_CHUNK):
                    put(chunk)
            except (OSError, ValueError):
                pass  # stdin broke or was closed under us: that is its end too
            put(b"")

    threading.Thread(target=pump, name="stdin", daemon=True).start()


def _reader(stdin: BinaryIO) -> Callable[[int], bytes]:
    """Reads of at most n bytes that return what is there. On the file descriptor when there
    is one: a thread blocked in a buffered reader holds its lock, and at exit the interpreter
    aborts waiting for it."""
    try:
        descriptor = stdin.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return getattr(stdin, "read1", stdin.read)
    return lambda size: os.read(descriptor, size)


def handle(protocol: LanguageServerProtocol, event: framing.Event) -> None:
    """Act on one thing the framer read."""
    if isinstance(event, framing.Message):
        io_event("message read")
        dispatch(protocol, event.value)
    elif isinstance(event, framing.NotJson):
        log.warning("a message that is not JSON (%s): answered with a parse error", event.reason)
        send_error(protocol, None, PARSE_ERROR, f"Parse error: {event.reason}")
    elif isinstance(event, framing.Overlong):
        log.warning("a Content-Length %d bytes too long: read them as the next message", event.size)
    elif isinstance(event, framing.Skipped):
        log.warning("skipped %d bytes to the next Content-Length: %s", event.size, event.reason)
    elif isinstance(event, framing.Refused):
        log.warning("a message of %d bytes, over maxMessageMb: skipped", event.size)


def dispatch(protocol: LanguageServerProtocol, value: Any) -> None:
    """Hand one JSON value to pygls, answering what pygls would leave unanswered."""
    problem = _invalid(value)
    if problem is not None:
        log.warning("not a JSON-RPC message (%s): answered with an error", problem)
        send_error(protocol, _id_of(value), INVALID_REQUEST, f"Invalid request: {problem}")
        return
    method = value.get("method", "response")
    try:
        message = protocol.structure_message(value)
    except JsonRpcException as error:
        why = _why(error)
        if "id" in value and "method" in value:
            log.warning("%s request with invalid params (%s): answered with an error", method, why)
            send_error(protocol, value["id"], error.code, f"{error.message}: {why}")
        else:
            log.warning("%s message with invalid params (%s): ignored", method, why)
        return
    try:
        protocol.handle_message(message)
    except Exception as error:  # pygls handles its handlers' errors; this is for its own
        log.warning("%s message could not be handled: %r", method, error)
        log.debug("the traceback", exc_info=True)


def _invalid(value: Any) -> str | None:
    """Why ``value`` is not a JSON-RPC 2.0 message, or None if it is one."""
    if not isinstance(value, dict):
        return "not an object"
    if value.get("jsonrpc") != "2.0":
        return 'no "jsonrpc": "2.0"'
    if "method" in value:
        if not isinstance(value["method"], str):
            return "a method that is not a string"
        if "id" in value and _id_of(value) is None:
            return "an id that is neither an integer nor a string"
        return None
    if "id" in value and ("result" in value or "error" in value):
        return None  # a response
    return "neither a request, a notification nor a response"


def _id_of(value: Any) -> int | str | None:
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, (int, str)) and not isinstance(found, bool) else None


def _why(error: JsonRpcException) -> str:
    """What was wrong in the params, in a line (field paths, not their values)."""
    cause = error.__cause__
    if isinstance(cause, cattrs.ClassValidationError):
        return "; ".join(cattrs.transform_error(cause)[:3])
    return type(cause).__name__ if cause is not None else str(error)
