"""HTTP/1.1 for completion streams: connections opened ahead, and little work per streamed event.

httpx's default transport (httpcore over anyio) costs the user's wait twice:

- Closing a response before its end (how a stale completion stops the provider generating and
  billing) also closes its connection, so every completion would first pay a TCP and a TLS
  handshake: two or three round trips to the provider before the request is even sent. Here one
  spare connection per origin is opened in the background as soon as the last one is taken. A
  spare that waits longer than ``SPARE_LIFETIME`` is closed: idle servers and load balancers drop
  connections after about a minute anyway.
- Its layers of cancel scopes and locks cost 1.7 ms before a request's first byte and about
  0.3 ms per streamed event (``python -m bench.lifecycle``, the overhead table). Here h11, the
  HTTP/1.1 parser httpcore itself uses, runs directly on asyncio streams: one write per request,
  one read per network packet.

httpx stays in charge of everything above the wire (the request, headers, redirects, content
decoding, its error types, which this transport raises too). Only a completion request skips
building an httpx ``Request`` and having h11 write it, 0.3 ms of its way out (cold): its head is
written by both once per URL (:func:`post_head`), then only the length and the body change.

The first connection need not wait either: ``warm`` opens the spare before any request (at start,
and when typing resumes after a spare expired), and the TLS context, whose CA bundle takes 60 to
100 ms to load, is built once per process in a thread. A spare that fails to open is tried again
only after a back-off (``SPARE_RETRY``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from typing import TypeVar

import h11
import httpx2

from qwen_lsp.logs import io_event

SPARE_LIFETIME = 30.0  # seconds
# After a spare fails to open, the next try waits this long, doubling up to the maximum: with
# the provider down or its name not resolving, typing does not cost a connect or a DNS lookup
# per keystroke. A request still connects on its own (and reports what fails).
SPARE_RETRY = 0.5
SPARE_RETRY_MAX = 30.0
_READ_SIZE = 1 << 16
_ALPN = ["http/1.1"]  # what we speak; a server that offers only h2 fails the handshake clearly

T = TypeVar("T")
Origin = tuple[str, str, int]  # scheme, host, port
Timeouts = Mapping[str, float | None]  # httpx's, by phase: connect, read, write, pool

# h11 reads the reply; what it is told was sent, at the start, stands for the request written as
# bytes. Only the method shapes how a reply is read (a HEAD's has no body), and every request
# here is a POST, or after a redirect maybe a GET, whose reply is read the same way.
_SENT = h11.Request(method="POST", target="/", headers=[("host", "-")])
_LENGTH = b"Content-Length: "


class Connection:
    """One HTTP/1.1 connection for one request.

    A connection is not reused: a spare is already open by the time a reply ends (it opens in a
    round trip, a reply takes hundreds of milliseconds), and a stream closed early cannot be.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.opened = time.monotonic()
        self.parser = h11.Connection(h11.CLIENT)
        self.parser.send(_SENT)
        self.parser.send(h11.EndOfMessage())

    def usable(self) -> bool:
        """Young enough, and not closed by either side while it waited."""
        fresh = time.monotonic() - self.opened < SPARE_LIFETIME
        return fresh and not self.writer.is_closing() and not self.reader.at_eof()

    async def send(self, data: bytes, timeout: float | None) -> None:
        """Write a whole request, as bytes."""
        self.writer.write(data)
        io_event("request written")
        await _within(timeout, self.writer.drain())

    async def next_event(self, timeout: float | None) -> object:
        """The next h11 event, reading as much as it takes (h11 raises on a cut-off message)."""
        while True:
            event = self.parser.next_event()
            if event is not h11.NEED_DATA:
                return event
            self.parser.receive_data(await _within(timeout, self.reader.read(_READ_SIZE)))
            io_event("response read")

    def close(self) -> None:
        self.writer.close()


class Body(httpx2.AsyncByteStream):
    """A response body read off its connection; ``done`` is called once, when it is closed."""

    def __init__(self, connection: Connection, timeout: float | None, done: Callable[[], None]):
        self._connection, self._timeout, self._done = connection, timeout, done
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while not self._closed:
            with _READING:
                event = await self._connection.next_event(self._timeout)
            if not isinstance(event, h11.Data):
                return  # EndOfMessage: h11 raises on a body cut short
            yield bytes(event.data)

    def lines(self) -> AsyncIterator[list[str]]:
        """The body's lines, a batch per read (see :func:`split_lines`): for an SSE stream,
        instead of ``Response.aiter_lines`` and its four layers of generators for every event."""
        return split_lines(self)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._done()


async def split_lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[list[str]]:
    """The lines of a stream of bytes, ended by LF, CR LF or CR as SSE lines are: in batches,
    the lines each chunk completes, so that a reader can judge a read's events together.

    ``aiter_lines`` splits as ``str.splitlines``, also at U+2028, U+0085 and the like, which JSON
    strings may hold unescaped: an event with one came in two unreadable halves. A CR LF that
    arrives cut in two gives an extra empty line, which SSE readers skip. Bytes that are no
    UTF-8 are replaced, as httpx decodes them.
    """
    pending = b""
    async for data in chunks:
        lines = (pending + data).splitlines(keepends=True)
        pending = b"" if not lines or lines[-1].endswith((b"\n", b"\r")) else lines.pop()
        if lines:
            yield [line.rstrip(b"\r\n").decode(errors="replace") for line in lines]
    if pending:
        yield [pending.decode(errors="replace")]


_tls: ssl.SSLContext | None = None  # one for the process: loading the CA bundle is slow


async def tls_context() -> ssl.SSLContext:
    """httpx's default context (it honours SSL_CERT_FILE), built in a thread the first time."""
    global _tls
    if _tls is None:
        context = await asyncio.to_thread(httpx2.create_ssl_context)
        context.set_alpn_protocols(_ALPN)
        _tls = context
    return _tls


class SpareTransport(httpx2.AsyncBaseTransport):
    """Requests over connections opened ahead, one spare per origin."""

    def __init__(self, connect_timeout: float) -> None:
        self._connect_timeout = connect_timeout
        self._spares: dict[Origin, Connection] = {}
        self._opening: dict[Origin, asyncio.Task[None]] = {}
        self._busy: set[Connection] = set()
        self._failed: dict[Origin, tuple[int, float]] = {}  # failures in a row, next try at
        self._retired = False

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        data = written(request, await request.aread())
        timeouts = request.extensions.get("timeout", {})
        return await self._exchange(origin_of(request.url), data, timeouts)

    async def post(
        self, origin: Origin, head: bytes, content: bytes, timeouts: Timeouts
    ) -> httpx2.Response:
        """POST ``content`` to a URL at ``origin``; ``head`` is :func:`post_head`'s for it."""
        return await self._exchange(origin, post_bytes(head, content), timeouts)

    async def _exchange(self, origin: Origin, data: bytes, timeouts: Timeouts) -> httpx2.Response:
        """Send a request written as ``data``; the response, once its head is read."""
        connection = await self._connection(origin, timeouts.get("connect"))
        self._busy.add(connection)
        try:
            with _WRITING:
                await connection.send(data, timeouts.get("write"))
            self._open_spare(origin)  # once the request is on its way, not before
            with _READING:
                head = await _response_head(connection, timeouts.get("read"))
        except BaseException:
            self._finished(connection)
            raise
        body = Body(connection, timeouts.get("read"), lambda: self._finished(connection))
        return httpx2.Response(
            head.status_code,
            headers=head.headers,
            stream=body,
            extensions={"http_version": b"HTTP/" + head.http_version, "reason_phrase": head.reason},
        )

    async def aclose(self) -> None:
        self.retire()
        for connection in self._busy:
            connection.close()
        self._busy.clear()

    def retire(self) -> None:
        """Open no more spares and close those waiting; requests under way run to their end."""
        self._retired = True
        for task in self._opening.values():
            task.cancel()
        for spare in self._spares.values():
            spare.close()
        self._spares.clear()

    def warm(self, origin: Origin) -> None:
        """Have a spare open for ``origin`` (in the background; a failure is silent)."""
        if (spare := self._take(origin)) is not None:
            self._spares[origin] = spare  # still good: it stays (its expiry still holds)
        self._open_spare(origin)

    async def _connection(self, origin: Origin, timeout: float | None) -> Connection:
        """The spare; else the one being opened (its handshake is under way, nearer its end than
        a new one's); else a new connection."""
        if (spare := self._take(origin)) is None and (opening := self._opening.get(origin)):
            await asyncio.wait({opening}, timeout=timeout)  # not cancelled if we are
            spare = self._take(origin)
        if spare is not None:
            return spare
        with _CONNECTING:
            connection = await self._connect(origin, timeout)
        self._failed.pop(origin, None)  # reachable again: spares may open at once
        return connection

    def _take(self, origin: Origin) -> Connection | None:
        """The origin's spare, if it is still usable (an unusable one is closed)."""
        spare = self._spares.pop(origin, None)
        if spare is not None and not spare.usable():
            spare.close()
            return None
        return spare

    def _finished(self, connection: Connection) -> None:
        self._busy.discard(connection)
        connection.close()

    def _open_spare(self, origin: Origin) -> None:
        if self._retired or origin in self._spares or origin in self._opening:
            return
        if origin in self._failed and time.monotonic() < self._failed[origin][1]:
            return  # the last try failed a moment ago
        task = asyncio.get_running_loop().create_task(self._open(origin))
        self._opening[origin] = task
        task.add_done_callback(lambda _: self._opening.pop(origin, None))

    async def _open(self, origin: Origin) -> None:
        try:
            connection = await self._connect(origin, self._connect_timeout)
        except (OSError, asyncio.TimeoutError):
            failures = self._failed.get(origin, (0, 0.0))[0] + 1
            wait = min(SPARE_RETRY_MAX, SPARE_RETRY * 2 ** (failures - 1))
            self._failed[origin] = failures, time.monotonic() + wait
            return  # the next request connects on its own, and reports what fails
        self._failed.pop(origin, None)
        self._spares[origin] = connection
        loop = asyncio.get_running_loop()
        loop.call_at(connection.opened + SPARE_LIFETIME, self._expire, origin, connection)

    def _expire(self, origin: Origin, connection: Connection) -> None:
        if self._spares.get(origin) is connection:
            del self._spares[origin]
            connection.close()

    async def _connect(self, origin: Origin, timeout: float | None) -> Connection:
        scheme, host, port = origin
        if scheme != "https":
            return Connection(*await _within(timeout, asyncio.open_connection(host, port)))
        context = await tls_context()
        opening = asyncio.open_connection(host, port, ssl=context, server_hostname=host)
        return Connection(*await _within(timeout, opening))


def written(request: httpx2.Request, body: bytes) -> bytes:
    """``request`` as h11 writes it, and checks it: a header h11 refuses (a line break in it,
    say) is ours to fix, not the provider's, and its value stays out of the error."""
    parser = h11.Connection(h11.CLIENT)
    try:
        head = h11.Request(
            method=request.method, target=request.url.raw_path, headers=list(request.headers.raw)
        )
    except h11.LocalProtocolError:
        raise httpx2.LocalProtocolError("a request header is not valid HTTP") from None
    data = parser.send(head) + (parser.send(h11.Data(data=body)) if body else b"")
    return data + parser.send(h11.EndOfMessage())


def post_head(url: httpx2.URL, headers: httpx2.Headers) -> bytes:
    """The head of a POST to ``url`` with ``headers`` up to its Content-Length's value: the
    header lines httpx sends, written by h11 (see :func:`written`)."""
    data = written(httpx2.Request("POST", url, headers=headers, content=b"\0"), b"\0")
    end = data.rindex(_LENGTH + b"1\r\n\r\n")  # httpx puts the length last
    return data[: end + len(_LENGTH)]


def post_bytes(head: bytes, content: bytes) -> bytes:
    """A whole POST: :func:`post_head`'s ``head``, the length of ``content``, and ``content``."""
    return b"%s%d\r\n\r\n%s" % (head, len(content), content)


async def _response_head(connection: Connection, timeout: float | None) -> h11.Response:
    while True:
        event = await connection.next_event(timeout)
        if isinstance(event, h11.Response):
            return event
        if not isinstance(event, h11.InformationalResponse):  # 100 Continue and the like
            raise httpx2.RemoteProtocolError("the server closed the connection before answering")


def origin_of(url: httpx2.URL) -> Origin:
    """Where connections for ``url`` go (worth keeping: httpx's URL parts cost 28 µs cold)."""
    default = 443 if url.scheme == "https" else 80
    return url.scheme, url.host, url.port or default


async def _within(seconds: float | None, work: Awaitable[T]) -> T:
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await work
    return await asyncio.wait_for(work, seconds)  # pragma: no cover  # Python 3.10


# Per phase: what a timeout and what any other failure become (httpx's own exception types, so
# httpx and our error messages treat them as they treat httpx's).
class _Mapped:
    """Failures of the network and of h11, raised as the httpx errors they are.

    A class, used as it is: a generator-based context manager costs a generator and two more
    calls, and one wraps every read of a stream.
    """

    def __init__(self, timeout: type[httpx2.TransportError], failure: type[httpx2.TransportError]):
        self._timeout, self._failure = timeout, failure

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, trace: object) -> None:
        if isinstance(exc, asyncio.TimeoutError):
            raise self._timeout(str(exc) or "timed out") from exc
        if isinstance(exc, h11.ProtocolError):
            raise httpx2.RemoteProtocolError(str(exc)) from exc
        if isinstance(exc, OSError):  # refused, reset, DNS (gaierror), TLS (SSLError)
            raise self._failure(str(exc) or type(exc).__name__) from exc


_CONNECTING = _Mapped(httpx2.ConnectTimeout, httpx2.ConnectError)
_WRITING = _Mapped(httpx2.WriteTimeout, httpx2.WriteError)
_READING = _Mapped(httpx2.ReadTimeout, httpx2.ReadError)


def uses_proxy(url: str) -> bool:
    """Whether the environment sends requests to ``url`` through a proxy (httpx honours it; a
    transport of our own would not, so then we keep httpx's)."""
    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    if not any(proxies.get(key) for key in (parts.scheme, "all")):
        return False
    with contextlib.suppress(OSError):  # macOS and Windows read system settings for this
        return not urllib.request.proxy_bypass(parts.hostname or "")
    return True
