"""The one HTTP client: a streaming chat completion or fill-in-the-middle request.

A short timeout and no retries (a keystroke cannot wait for either), and the stream closed the
moment its output stops being useful, so the provider stops generating — and billing. Replies are
read as SSE or newline-delimited JSON, whichever the server speaks.

This is httpx, not the openai SDK the project started with. All the SDK did here was a generic
``post``: a bearer header, the base URL, and its error types, which were translated to ours at
once. For that it cost 1.2 s of the server's start (importing it), about 1 ms before every
request left, and its typed chunk models four times our client time per reply (``python -m
bench.dialects``, ``python -m bench.lifecycle``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit

import httpx2

from qwen_lsp import __version__
from qwen_lsp.engine.upstream.connections import (
    Body,
    Origin,
    SpareTransport,
    origin_of,
    post_head,
    uses_proxy,
)
from qwen_lsp.engine.upstream.dialects import ChatRequest, Request, choice_finish, delta_text
from qwen_lsp.engine.upstream.errors import UpstreamError, failure_of, from_response, from_transport
from qwen_lsp.settings import Settings

__all__ = ["StreamStats", "Upstream", "UpstreamError"]


@dataclass
class StreamStats:
    """Filled in while a stream is read."""

    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    echoed: bool = False  # the reply began by repeating the prefix (and that was dropped)


class Target(NamedTuple):
    """Where a request goes."""

    path: str  # under the base URL (see :func:`endpoint_url`)
    url: httpx2.URL
    origin: Origin


class Upstream:
    """A reusable client (one connection pool) bound to one set of settings."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        timeout = settings.timeout_ms / 1000
        connect = min(timeout, 3.0)
        self._targets: dict[str, Target] = {}  # path → where it is, worked out once
        # Path → its POST's head, written once. Keyed by the path: hashing a URL writes it out.
        self._heads: dict[str, bytes] = {}
        self._transport = None if uses_proxy(settings.base_url) else SpareTransport(connect)
        timeouts = httpx2.Timeout(timeout, connect=connect)
        self._timeouts = timeouts.as_dict()
        self._client = httpx2.AsyncClient(
            transport=self._transport,  # None: httpx's own, which honours the proxy
            timeout=timeouts,
            follow_redirects=True,
            headers=request_headers(settings),
        )

    def retire(self) -> None:
        """Settings changed: let go of the connections opened for requests that will not come."""
        if self._transport is not None:
            self._transport.retire()

    def warm(self) -> None:
        """Open a connection to the provider for the next request (through a proxy: nothing)."""
        if self._transport is not None:
            self._transport.warm(self._target("").origin)

    async def stream(self, request: Request, stats: StreamStats) -> AsyncGenerator[str, None]:
        """Yield the continuation as it arrives; closing the generator closes the HTTP stream."""
        settings = self._settings
        if isinstance(request, ChatRequest):
            target = self._target("chat/completions")
            source = self._read(target, chat_body(request, settings), CHAT_EVENTS, stats)
            source = without_echo(source, request.echo, stats)
        else:
            endpoint = request.endpoint
            body = {**endpoint.body(request.prompt, settings), **request.extra_body}
            source = self._read(self._target(endpoint.path), body, endpoint, stats)
        async with aclosing(source) as pieces:
            async for piece in pieces:
                yield piece

    def _target(self, path: str) -> Target:
        """``path``'s URL (see :func:`endpoint_url`) and origin, parsed once: it is not free."""
        if (target := self._targets.get(path)) is None:
            url = httpx2.URL(endpoint_url(self._settings.base_url, path))
            target = self._targets[path] = Target(path, url, origin_of(url))
        return target

    async def _read(
        self, target: Target, body: dict[str, Any], events: Events, stats: StreamStats
    ) -> AsyncGenerator[str, None]:
        settings = self._settings
        try:
            response = await self._post(target, body)
        except httpx2.HTTPError as exc:
            raise from_transport(exc, settings, mid_stream=False) from None
        try:
            if response.is_error:
                raise await status_error(response, settings)
            # A read's events are one piece: the stop rule runs once per read, and not at all
            # on the last piece when the finish came with it.
            async for batch in _events(_lines(response)):
                text = "".join([_event_text(event, events, stats, settings) for event in batch])
                if text or stats.finish_reason:
                    yield text  # "" once the model finished: its reader need not wait for more
        except httpx2.HTTPError as exc:
            raise from_transport(exc, settings, mid_stream=True) from None
        except UpstreamError:
            raise
        except Exception as exc:  # a value no provider should send (a count that is no number)
            message = f"The provider's reply could not be read ({type(exc).__name__})."
            raise UpstreamError("stream", message) from None
        finally:
            await response.aclose()
        if stats.finish_reason is None:  # reached only when the stream ended by itself
            raise UpstreamError("stream", "The provider's stream ended before the reply did.")

    async def _post(self, target: Target, body: dict[str, Any]) -> httpx2.Response:
        """The streamed response to POSTing ``body``: on our transport, straight to it.

        The client's cookie jar, auth and redirect steps cost 0.2 ms of every request's way out,
        for nothing a provider uses. Should a redirect come, the client asks again and follows it
        (without the key, to another host).
        """
        client, transport, content = (
            self._client,
            self._transport,
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        )
        if transport is not None:
            if (head := self._heads.get(target.path)) is None:
                head = self._heads[target.path] = post_head(target.url, client.headers)
            response = await transport.post(target.origin, head, content, self._timeouts)
            if not response.has_redirect_location:
                return response
            await response.aclose()
        request = client.build_request("POST", target.url, content=content)
        return await client.send(request, stream=True)

    async def aclose(self) -> None:
        await self._client.aclose()


@dataclass(frozen=True)
class _ChatEvents:
    text: Callable[[Mapping[str, Any]], str] = delta_text
    finish: Callable[[Mapping[str, Any]], str | None] = choice_finish


CHAT_EVENTS = _ChatEvents()


class Events(Protocol):
    """Where the text and the finish reason are in one streamed event."""

    @property
    def text(self) -> Callable[[Mapping[str, Any]], str]: ...

    @property
    def finish(self) -> Callable[[Mapping[str, Any]], str | None]: ...


def chat_body(request: ChatRequest, settings: Settings) -> dict[str, Any]:
    """The JSON of a streamed chat completion, the dialect's top-level fields merged in."""
    return {
        "model": settings.model,
        "messages": request.messages,
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
        "stream": True,
        "stream_options": {"include_usage": True},
        **request.extra_body,
    }


def _event_text(
    event: Mapping[str, Any], events: Events, stats: StreamStats, settings: Settings
) -> str:
    """The text of one event, its usage and finish reason noted in ``stats``."""
    if isinstance(event.get("error"), (dict, str)):
        raise from_response(failure_of(0, event, {}), settings)
    text = events.text(event)
    _count_usage(event, text, stats)
    stats.finish_reason = events.finish(event) or stats.finish_reason
    return text


def _count_usage(event: Mapping[str, Any], text: str, stats: StreamStats) -> None:
    usage = event.get("usage")
    if isinstance(usage, dict):
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


async def _events(
    batches: AsyncIterator[list[str]],
) -> AsyncIterator[list[Mapping[str, Any]]]:
    """JSON objects from SSE ``data:`` lines or from newline-delimited JSON (Ollama), a batch of
    lines at a time; the events before a ``[DONE]`` are the last."""
    async for lines in batches:
        batch: list[Mapping[str, Any]] = []
        done = False
        for raw in lines:
            line = raw.strip()
            if line.startswith("data:"):
                line = line[5:].strip()
            elif not line.startswith("{"):
                continue  # blank separators, comments, "event:" lines
            if done := line == "[DONE]":
                break
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            # A JSON object is a dict: checked against the Mapping ABC, every event paid a
            # Python-level __instancecheck__, four times on its way.
            if isinstance(event, dict):
                batch.append(event)
        if batch:
            yield batch
        if done:
            return


def _lines(response: httpx2.Response) -> AsyncIterator[list[str]]:
    """The response's lines, in batches: straight off our connection (a batch per read) unless
    the body is encoded (a line a batch)."""
    body, encoding = response.stream, response.headers.get("content-encoding", "identity")
    if isinstance(body, Body) and encoding == "identity":
        return body.lines()
    return _one_by_one(response.aiter_lines())


async def _one_by_one(lines: AsyncIterator[str]) -> AsyncIterator[list[str]]:
    async for line in lines:
        yield [line]


def request_headers(settings: Settings) -> dict[str, str]:
    """Who is asking, that the body is JSON, and the key (none for a local server that takes
    none)."""
    headers = {"user-agent": f"qwen-lsp/{__version__}", "content-type": "application/json"}
    if settings.api_key:
        headers["authorization"] = f"Bearer {settings.api_key}"
    return headers


async def status_error(response: httpx2.Response, settings: Settings) -> UpstreamError:
    """The error an HTTP error status stands for, from its body: JSON in any provider's shape,
    or text (a proxy's HTML page)."""
    text = (await response.aread()).decode(errors="replace").strip()
    try:
        body: object = json.loads(text)
    except json.JSONDecodeError:
        body = text
    return from_response(failure_of(response.status_code, body, response.headers), settings)
