"""Serving LSP over stdin/stdout with stdin read on the event loop.

pygls reads stdin in a worker thread, one hop per header line and body: a keystroke (``didChange``
and a completion request) costs eight thread switches, and the reader thread asks for the GIL while
the loop is busy. Reading the pipe with asyncio costs neither. Stdin that cannot be watched by the
loop (a regular file), and Windows, whose event loop cannot read an anonymous pipe, are read by a
thread of ours in large chunks. Either way messages are framed here (:func:`read_messages`), a
header in one read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import threading
from typing import BinaryIO

from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.server import JsonRPCServer

from qwen_lsp.jsonio import loads
from qwen_lsp.logs import io_event

log = logging.getLogger(__name__)

_LIMIT = 1 << 20  # longest header; bodies are read by length, whatever their size
_CHUNK = 1 << 16  # bytes a read of stdin by a thread asks for
_CONTENT_LENGTH = re.compile(rb"^content-length: *(\d+) *\r?$", re.IGNORECASE | re.MULTILINE)


async def read_messages(stream: asyncio.StreamReader, server: JsonRPCServer) -> None:
    """Hand each message on ``stream`` to ``server``'s protocol, until the stream ends.

    A message's header is read in one go: pygls' loop reads it a line at a time, three awaits
    and a regular expression per message. As in the LSP spec's base protocol, the header's
    field names are matched in any case and ``Content-Type`` is ignored.
    """
    protocol = server.protocol
    while True:
        try:
            head = await stream.readuntil(b"\r\n\r\n")
            length = _CONTENT_LENGTH.search(head)
            body = await stream.readexactly(int(length.group(1))) if length else None
        except asyncio.IncompleteReadError:
            return  # the client went away, maybe inside a message: nothing more to handle
        except asyncio.LimitOverrunError:
            log.error("a message header over %d bytes: closing the connection", _LIMIT)
            return
        if body is None:
            log.warning("a message without a Content-Length header: skipped")
            continue
        io_event("message read")
        try:
            # Structured once, as a whole: as an object hook it ran for every object inside.
            data = loads(body)
            message = protocol.structure_message(data) if isinstance(data, dict) else data
            protocol.handle_message(message)
        except Exception as error:  # as pygls' own loop treats them
            log.exception("Unable to handle message")
            server.report_server_error(error, JsonRpcException)


class NotingWriter(StdoutWriter):
    """pygls' stdout writer, noting each message it writes (see :func:`io_event`)."""

    def write(self, data: bytes) -> None:
        super().write(data)
        io_event("message written")


def serve(server: JsonRPCServer, stdin: BinaryIO | None = None) -> None:
    """Serve ``server`` on stdin/stdout until the client exits or the pipe closes."""
    server.protocol.set_writer(NotingWriter(sys.stdout.buffer))
    try:
        asyncio.run(_serve(server, stdin or sys.stdin.buffer))
    except BrokenPipeError:
        log.error("the client's pipe closed")
    except (KeyboardInterrupt, SystemExit):
        pass
    server.shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated


async def _serve(server: JsonRPCServer, stdin: BinaryIO) -> None:
    stream = asyncio.StreamReader(limit=_LIMIT)
    if sys.platform == "win32" or not await _watched(stream, stdin):
        _read_in_thread(stream, stdin)
    with contextlib.suppress(asyncio.CancelledError):
        await read_messages(stream, server)


async def _watched(stream: asyncio.StreamReader, stdin: BinaryIO) -> bool:
    """Feed ``stream`` from ``stdin`` on the loop; False if the loop cannot watch it."""
    loop = asyncio.get_running_loop()
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), stdin)
    except (OSError, ValueError):
        return False  # a regular file, say
    return True


def _read_in_thread(stream: asyncio.StreamReader, stdin: BinaryIO) -> None:
    """Feed ``stream`` from ``stdin`` by a thread's blocking reads, to its end."""
    loop = asyncio.get_running_loop()
    read = getattr(stdin, "read1", stdin.read)

    def pump() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody reads any more
            try:
                while chunk := read(_CHUNK):
                    loop.call_soon_threadsafe(stream.feed_data, chunk)
            except (OSError, ValueError):
                pass  # stdin broke or was closed under us: that is its end too
            loop.call_soon_threadsafe(stream.feed_eof)

    threading.Thread(target=pump, name="stdin", daemon=True).start()
