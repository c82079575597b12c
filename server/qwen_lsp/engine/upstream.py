"""The one HTTP client: a streaming chat completion through the openai SDK.

The SDK's defaults (600 s timeout, two silent retries) suit batch jobs, not keystrokes: we use a
short timeout and no retries, and close the stream the moment its output stops being useful so the
provider stops generating — and billing.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import cast

import openai
from openai.types.chat import ChatCompletionMessageParam

from qwen_lsp.engine.dialects import ChatRequest
from qwen_lsp.settings import Settings


class UpstreamError(Exception):
    """A failed upstream call, sorted into a kind the user can act on."""

    def __init__(self, kind: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after


@dataclass
class StreamStats:
    """Filled in while a stream is read."""

    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Upstream:
    """A reusable client (one connection pool) bound to one set of settings."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        timeout = settings.timeout_ms / 1000
        self._client = openai.AsyncOpenAI(
            api_key=settings.api_key or "missing",
            base_url=settings.base_url,
            timeout=openai.Timeout(timeout, connect=min(timeout, 3.0)),
            max_retries=0,
        )

    async def stream(self, request: ChatRequest, stats: StreamStats) -> AsyncGenerator[str, None]:
        """Yield the reply text as it arrives; closing the generator closes the HTTP stream."""
        settings = self._settings
        try:
            response = await self._client.chat.completions.create(
                model=settings.model,
                messages=cast("list[ChatCompletionMessageParam]", request.messages),
                max_tokens=settings.max_tokens,
                temperature=settings.temperature,
                stream=True,
                stream_options={"include_usage": True},
                extra_body=request.extra_body or None,
            )
        except openai.APIError as exc:
            raise translate(exc, settings.api_key) from None
        try:
            async for chunk in response:
                if chunk.usage is not None:
                    stats.prompt_tokens = chunk.usage.prompt_tokens
                    stats.completion_tokens = chunk.usage.completion_tokens
                for choice in chunk.choices:
                    if choice.finish_reason:
                        stats.finish_reason = choice.finish_reason
                    if choice.delta.content:
                        yield choice.delta.content
        except openai.APIError as exc:
            raise translate(exc, settings.api_key) from None
        finally:
            await response.close()

    async def aclose(self) -> None:
        await self._client.close()


def translate(exc: openai.APIError, api_key: str | None) -> UpstreamError:
    """An UpstreamError with a kind and a message that never contains the key."""
    if isinstance(exc, openai.APITimeoutError):
        return UpstreamError("timeout", "the model did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return UpstreamError("offline", "cannot reach the provider")
    status = getattr(exc, "status_code", None)
    detail = redact(str(getattr(exc, "message", exc)), api_key)
    if status in (401, 403):
        return UpstreamError("auth", f"the provider rejected the API key ({status}): {detail}")
    if status == 429:
        return UpstreamError("rate_limited", f"rate limited: {detail}", _retry_after(exc))
    if status == 404:
        return UpstreamError("not_found", f"unknown model or endpoint: {detail}")
    if status is not None and status >= 500:
        return UpstreamError("server", f"the provider failed ({status}): {detail}")
    return UpstreamError("bad_request", f"the provider refused the request ({status}): {detail}")


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` masked."""
    return text.replace(secret, "***") if secret else text


def _retry_after(exc: openai.APIError) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value else None
    except ValueError:
        return None
