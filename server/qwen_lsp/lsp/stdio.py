"""Serving LSP over stdin/stdout with stdin read on the event loop.

pygls reads stdin in a worker thread, one hop per header line and body: a keystroke (``didChange``
and a completion request) costs eight thread switches, and the reader thread asks for the GIL while
the loop is busy. Reading the pipe with asyncio costs neither. Stdin that cannot be watched by the
loop (a regular file), and Windows, whose event loop cannot read an anonymous pipe, are served the
pygls way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from typing import BinaryIO

from pygls.io_ import StdoutWriter, run_async
from pygls.server import JsonRPCServer

from qwen_lsp.logs import io_event

log = logging.getLogger(__name__)

_LIMIT = 1 << 20  # longest header line; bodies are read by length, whatever their size


class PipeReader:
    """pygls' reader interface over an :class:`asyncio.StreamReader`; ``b""`` at the end."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._stream = stream

    async def readline(self) -> bytes:
        try:
            return await self._stream.readline()
        except ValueError:  # a header line longer than the limit: not a client we can talk to
            log.error("a header line over %d bytes: closing the connection", _LIMIT)
            return b""

    async def readexactly(self, n: int) -> bytes:
        try:
            body = await self._stream.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""  # the client went away inside a message: nothing to handle
        io_event("message read")
        return body


class NotingWriter(StdoutWriter):
    """pygls' stdout writer, noting each message it writes (see :func:`io_event`)."""

    def write(self, data: bytes) -> None:
        super().write(data)
        io_event("message written")


def serve(server: JsonRPCServer, stdin: BinaryIO | None = None) -> None:
    """Serve ``server`` on stdin/stdout until the client exits or the pipe closes."""
    stdin = stdin or sys.stdin.buffer
    if sys.platform == "win32":
        server.start_io(stdin)
        return
    stop = threading.Event()
    server.protocol.set_writer(NotingWriter(sys.stdout.buffer))
    try:
        asyncio.run(_serve(server, stdin, stop))
    except _Unwatchable:
        server.start_io(stdin)
        return
    except BrokenPipeError:
        log.error("the client's pipe closed")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stop.set()
    server.shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated


class _Unwatchable(Exception):
    """Stdin is not a pipe, socket or terminal the event loop can watch."""


async def _serve(server: JsonRPCServer, stdin: BinaryIO, stop: threading.Event) -> None:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(limit=_LIMIT)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), stdin)
    except (OSError, ValueError) as exc:
        raise _Unwatchable from exc
    with contextlib.suppress(asyncio.CancelledError):
        await run_async(stop, PipeReader(stream), server.protocol, log, server.report_server_error)
