"""The one client of the provider: a streaming chat completion or fill-in-the-middle request.

It is the openai SDK's ``AsyncOpenAI`` on an httpx client that speaks HTTP/2 where the provider
does (ALPN falls back to HTTP/1.1), so that a closed stale stream leaves the connection open for
the next request. A short timeout and no retries (a keystroke cannot wait for either; the guard
backs off itself), and the stream is closed the moment its output stops being useful, so the
provider stops generating — and billing.

Requests go through the client's generic ``post`` with the body the dialect built: the SDK's
key, headers, errors and streams, without ``chat.completions.create`` walking every message
through its typed-parameter transform, which cost more than the rest of a keystroke's server
time together (``python -m bench.overhead``). Chat replies are read as the SDK's typed chunks;
fill-in-the-middle endpoints differ per server (and Ollama's is not SSE), so they are read line
by line.

Importing the SDK and loading the CA bundle take long enough to be felt, so both happen in a
thread (:meth:`Upstream.warm`) before the first request needs them.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx2

from qwen_lsp import __version__
from qwen_lsp.engine.upstream.dialects import ChatRequest, CompletionRequest, Request
from qwen_lsp.engine.upstream.errors import UpstreamError, failure_of, from_response, translate
from qwen_lsp.logs import io_event
from qwen_lsp.settings import Settings

if TYPE_CHECKING:
    from openai import AsyncOpenAI, RequestOptions
    from openai.types.chat import ChatCompletionChunk

__all__ = ["StreamStats", "Upstream", "UpstreamError"]

S = TypeVar("S")  # a reply being read: the SDK's stream or an httpx response


@dataclass
class StreamStats:
    """Filled in while a stream is read."""

    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    echoed: bool = False  # the reply began by repeating the prefix (and that was dropped)


class Upstream:
    """A reusable client (one connection pool) bound to one set of settings."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._building: asyncio.Future[AsyncOpenAI] | None = None
        self._open_streams = 0
        self._retired = False
        self._closing: asyncio.Future[None] | None = None

    def warm(self) -> None:
        """Start building the client in a thread, unless it is built or being built."""
        if self._building is None:
            self._building = asyncio.ensure_future(asyncio.to_thread(build, self._settings))

    def retire(self) -> None:
        """Settings changed: close the client once the streams under way have ended."""
        self._retired = True
        self._close_if_idle()

    def _close_if_idle(self) -> None:
        if self._retired and self._building is not None and not self._open_streams:
            self._closing = asyncio.ensure_future(self.aclose())

    async def aclose(self) -> None:
        building, self._building = self._building, None
        if building is not None and not building.cancelled() and not building.exception():
            await building.result().close()

    async def _client(self) -> AsyncOpenAI:
        self.warm()
        assert self._building is not None
        try:
            return await asyncio.shield(self._building)  # a cancelled request leaves it be
        except Exception as exc:  # an unreadable CA bundle, say: tried again next time
            self._building = None
            raise translate(exc, self._settings, mid_stream=False) from None

    async def stream(self, request: Request, stats: StreamStats) -> AsyncGenerator[str, None]:
        """Yield the continuation as it arrives; closing the generator closes the HTTP stream."""
        if isinstance(request, ChatRequest):
            source = without_echo(self._chat(request, stats), request.echo, stats)
        else:
            source = self._fim(request, stats)
        self._open_streams += 1
        try:
            async with aclosing(source) as pieces:
                async for piece in pieces:
                    yield piece
        finally:
            self._open_streams -= 1
            self._close_if_idle()

    async def _chat(self, request: ChatRequest, stats: StreamStats) -> AsyncGenerator[str, None]:
        from openai import AsyncStream
        from openai.types.chat import ChatCompletionChunk

        settings = self._settings

        def post(client: AsyncOpenAI) -> Awaitable[AsyncStream[ChatCompletionChunk]]:
            return client.post(
                "/chat/completions",
                cast_to=ChatCompletionChunk,
                body=chat_body(request, settings),
                options=_options(settings),
                stream=True,
                stream_cls=AsyncStream[ChatCompletionChunk],
            )

        async def texts(stream: AsyncStream[ChatCompletionChunk]) -> AsyncGenerator[str, None]:
            async for chunk in stream:
                io_event("response read")
                yield _chunk_text(chunk, stats)

        async for text in self._read(post, texts, AsyncStream.close, stats):
            yield text

    async def _fim(
        self, request: CompletionRequest, stats: StreamStats
    ) -> AsyncGenerator[str, None]:
        settings, endpoint = self._settings, request.endpoint
        body = {**endpoint.body(request.prompt, settings), **request.extra_body}
        url = endpoint_url(settings.base_url, endpoint.path)

        def post(client: AsyncOpenAI) -> Awaitable[httpx2.Response]:
            options = _options(settings)
            return client.post(
                url, cast_to=httpx2.Response, body=body, options=options, stream=True
            )

        async def texts(response: httpx2.Response) -> AsyncGenerator[str, None]:
            async for event in _events(response.aiter_lines()):
                io_event("response read")
                yield _event_text(event, endpoint, stats, settings)

        async for text in self._read(post, texts, httpx2.Response.aclose, stats):
            yield text

    async def _read(
        self,
        post: Callable[[AsyncOpenAI], Awaitable[S]],
        texts: Callable[[S], AsyncGenerator[str, None]],
        close: Callable[[S], Awaitable[None]],
        stats: StreamStats,
    ) -> AsyncGenerator[str, None]:
        """The texts of the reply to ``post``, each SDK or httpx failure translated; the reply
        is closed however reading ends."""
        settings = self._settings
        client = await self._client()
        try:
            reply = await post(client)
        except Exception as exc:
            raise translate(exc, settings, mid_stream=False) from None
        try:
            async with aclosing(texts(reply)) as pieces:
                async for text in pieces:
                    if text or stats.finish_reason:
                        yield text  # "" once the model finished: its reader need not wait
        except UpstreamError:
            raise
        except Exception as exc:
            raise translate(exc, settings, mid_stream=True) from None
        finally:
            await close(reply)
        _ended(stats)


def _options(settings: Settings) -> RequestOptions:
    """Per request: the SDK wants a key, but a local server that takes none is sent none."""
    import openai

    return {"headers": {} if settings.api_key else {"Authorization": openai.omit}}


def chat_body(request: ChatRequest, settings: Settings) -> dict[str, Any]:
    """A streamed chat completion: the dialect's messages (their flags, such as ``partial``,
    ride along) and its top-level fields merged in."""
    return {
        "model": settings.model,
        "messages": request.messages,
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
        "stream": True,
        "stream_options": {"include_usage": True},
        **request.extra_body,
    }


def build(settings: Settings) -> AsyncOpenAI:
    """The SDK's client for ``settings`` (slow the first time: run it in a thread)."""
    import openai

    from qwen_lsp.engine.upstream import h2_cancel

    h2_cancel.install()
    # Not the headers the SDK fills in from the environment for OpenAI (organization, project):
    # they are no business of the chosen provider.
    headers: dict[str, Any] = {
        "User-Agent": f"qwen-lsp/{__version__}",
        "OpenAI-Organization": openai.omit,
        "OpenAI-Project": openai.omit,
    }
    timeout = settings.timeout_ms / 1000
    http_client = httpx2.AsyncClient(
        http2=True,
        verify=tls_context(),
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 3.0)),
        follow_redirects=True,
        event_hooks={"request": [_trace_writes]},
    )
    return openai.AsyncOpenAI(
        api_key=settings.api_key or "unused",  # see _options
        base_url=settings.base_url,
        max_retries=0,
        http_client=http_client,
        default_headers=headers,
    )


async def _trace_writes(request: httpx2.Request) -> None:
    """Have httpcore say when the request is on the wire: an I/O event (see ``io_event``)."""
    request.extensions["trace"] = _written


async def _written(event: str, info: Mapping[str, Any]) -> None:
    if event.endswith("send_request_body.complete"):
        io_event("request written")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default context (it honours SSL_CERT_FILE and SSL_CERT_DIR), one per process."""
    return httpx2.create_ssl_context()


def _chunk_text(chunk: ChatCompletionChunk, stats: StreamStats) -> str:
    """The text of one chat chunk, its usage and finish reason noted in ``stats``."""
    text = ""
    if chunk.choices:
        choice = chunk.choices[0]
        text = (choice.delta.content or "") if choice.delta else ""
        stats.finish_reason = choice.finish_reason or stats.finish_reason
    _count_usage(chunk.usage.model_dump() if chunk.usage else None, text, stats)
    return text


def _ended(stats: StreamStats) -> None:
    """Reached only when the stream ended by itself: without a finish, it was cut short."""
    if stats.finish_reason is None:
        raise UpstreamError("stream", "The provider's stream ended before the reply did.")


class Events(Protocol):
    """Where the text and the finish reason are in one streamed event."""

    @property
    def text(self) -> Callable[[Mapping[str, Any]], str]: ...

    @property
    def finish(self) -> Callable[[Mapping[str, Any]], str | None]: ...


def _event_text(
    event: Mapping[str, Any], events: Events, stats: StreamStats, settings: Settings
) -> str:
    """The text of one event, its usage and finish reason noted in ``stats``."""
    if isinstance(event.get("error"), (dict, str)):
        raise from_response(failure_of(0, event, {}), settings)
    text = events.text(event)
    usage = event.get("usage")
    _count_usage(usage if isinstance(usage, dict) else None, text, stats)
    stats.finish_reason = events.finish(event) or stats.finish_reason
    return text


def _count_usage(usage: Mapping[str, Any] | None, text: str, stats: StreamStats) -> None:
    if usage is not None:
        stats.prompt_tokens = int(usage.get("prompt_tokens") or 0)
        stats.completion_tokens = int(usage.get("completion_tokens") or 0)
    elif text:
        stats.completion_tokens += 1  # until (or unless) the server reports usage: pieces


def endpoint_url(base_url: str, path: str) -> str:
    """``path`` under the base URL, or under the server's root when it starts with ``/``."""
    if path.startswith("/"):
        parts = urlsplit(base_url)
        return f"{parts.scheme}://{parts.netloc}{path}"
    return f"{base_url.rstrip('/')}/{path}"


async def without_echo(
    pieces: AsyncGenerator[str, None], echo: str, stats: StreamStats
) -> AsyncGenerator[str, None]:
    """``pieces`` minus a leading repetition of ``echo`` (held back until it is decided)."""
    async with aclosing(pieces):
        held = ""
        async for piece in pieces:
            if not echo:
                yield piece
                continue
            held += piece
            if echo.startswith(held):
                continue  # still possibly the echo
            if held.startswith(echo):
                stats.echoed = True
                held = held[len(echo) :]
            echo = ""
            if held:
                yield held
        if echo and held == echo:
            stats.echoed = True
        elif echo and held:
            yield held  # the reply ended inside what looked like the echo: it was not one


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[Mapping[str, Any]]:
    """JSON objects from SSE ``data:`` lines or from newline-delimited JSON (Ollama); the
    events before a ``[DONE]`` are the last."""
    async for raw in lines:
        line = raw.strip()
        if line.startswith("data:"):
            line = line[5:].strip()
        elif not line.startswith("{"):
            continue  # blank separators, comments, "event:" lines
        if line == "[DONE]":
            return
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict):
            yield event
