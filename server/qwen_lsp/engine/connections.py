"""Connections opened before they are needed: a stream closed early cannot go back to the pool.

Closing an HTTP/1.1 response before its end (how a stale completion stops the provider generating
and billing) also closes its connection, so every completion would first pay a TCP and a TLS
handshake: two or three round trips to the provider before the request is even sent. This pool
keeps one spare connection per origin, opened in the background as soon as the last one is taken,
so a completion's request goes out at once. A spare that waits longer than ``SPARE_LIFETIME`` is
closed: idle servers and load balancers drop connections after about a minute anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import urllib.parse
import urllib.request
from typing import Any

import httpcore2
import httpx2

SPARE_LIFETIME = 30.0  # seconds
Spare = httpcore2.AsyncHTTP11Connection
Key = tuple[bytes, bytes, int]  # an origin's scheme, host and port (origins are not hashable)


class SparePool(httpcore2.AsyncConnectionPool):
    """httpcore's pool, handing out a connection opened ahead whenever it needs a new one."""

    def __init__(self, ssl_context: ssl.SSLContext, connect_timeout: float, **options: Any) -> None:
        super().__init__(ssl_context=ssl_context, **options)
        self._ssl = ssl_context
        self._connect_timeout = connect_timeout
        self._keepalive = options.get("keepalive_expiry")
        self._backend = httpcore2.AnyIOBackend()  # what httpcore picks on asyncio
        self._spares: dict[Key, tuple[float, Spare]] = {}  # opened at, connection
        self._opening: dict[Key, asyncio.Task[None]] = {}

    def create_connection(self, origin: httpcore2.Origin) -> httpcore2.AsyncConnectionInterface:
        found = self._spares.pop(_key(origin), None)
        self._open_spare(origin)
        if found is not None:
            born, connection = found
            if time.monotonic() - born < SPARE_LIFETIME and not connection.has_expired():
                return connection
            self._close_later(connection)
        return super().create_connection(origin)

    async def aclose(self) -> None:
        for task in self._opening.values():
            task.cancel()
        for _, connection in self._spares.values():
            await connection.aclose()
        self._spares.clear()
        await super().aclose()

    def _open_spare(self, origin: httpcore2.Origin) -> None:
        key = _key(origin)
        if key not in self._opening:
            task = asyncio.get_running_loop().create_task(self._connect(origin))
            self._opening[key] = task
            task.add_done_callback(lambda _: self._opening.pop(key, None))

    async def _connect(self, origin: httpcore2.Origin) -> None:
        host = origin.host.decode("ascii")
        try:
            stream = await self._backend.connect_tcp(host, origin.port, self._connect_timeout)
            if origin.scheme == b"https":
                self._ssl.set_alpn_protocols(["http/1.1"])  # what the pool itself asks for
                stream = await stream.start_tls(self._ssl, host, self._connect_timeout)
        except (httpcore2.ConnectError, httpcore2.ConnectTimeout, OSError):
            return  # the next request connects on its own, and reports what fails
        connection = httpcore2.AsyncHTTP11Connection(origin, stream, self._keepalive)
        key = _key(origin)
        self._spares[key] = (time.monotonic(), connection)
        asyncio.get_running_loop().call_later(SPARE_LIFETIME, self._expire, key, connection)

    def _expire(self, key: Key, connection: Spare) -> None:
        if self._spares.get(key, (0.0, None))[1] is connection:
            del self._spares[key]
            self._close_later(connection)

    def _close_later(self, connection: httpcore2.AsyncConnectionInterface) -> None:
        task = asyncio.get_running_loop().create_task(connection.aclose())
        task.add_done_callback(_ignore_failure)  # a socket the server already dropped


def _key(origin: httpcore2.Origin) -> Key:
    return origin.scheme, origin.host, origin.port


def _ignore_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()


class SpareTransport(httpx2.AsyncHTTPTransport):
    """httpx's transport over a :class:`SparePool`."""

    def __init__(self, limits: httpx2.Limits, connect_timeout: float) -> None:
        ssl_context = httpx2.create_ssl_context()  # httpx's defaults (honours SSL_CERT_FILE)
        super().__init__(verify=ssl_context, limits=limits)
        # httpx builds its pool in __init__ with no hook to choose another; this replaces it
        # (the parent's requests and ``aclose`` go through ``_pool``).
        self._pool = SparePool(
            ssl_context,
            connect_timeout,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
        )


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
