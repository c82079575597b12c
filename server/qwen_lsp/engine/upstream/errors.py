"""Provider failures sorted into kinds, each with one message that says what to do.

Providers disagree on status codes (DashScope reports arrears as 400, Moonshot as 429, Ark as
403), so the code, type and message of the body decide first and the status code second. The
API key is masked in everything that leaves this module.
"""

from __future__ import annotations

import email.utils
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from qwen_lsp.providers import PRESETS, provider_at
from qwen_lsp.settings import Settings

_QUOTA = (
    "arrear",  # DashScope "Arrearage"
    "insufficient_quota",
    "insufficient balance",
    "insufficient_balance",
    "exceeded_current_quota",  # Moonshot
    "overdue",  # Volcengine Ark "AccountOverdueError"
    "billing",
    "payment required",
)
_CONTEXT = (
    "context length",
    "context_length",
    "context window",
    "maximum context",
    "input length",  # DashScope "Range of input length should be [1, 129024]"
    "too many tokens",
    "prompt is too long",
    "too long",
    "exceeds the context",
)
_PREFIX = ("partial", "prefix", "prefill", "continue_final_message", "continuation")
_NOT_FOUND = ("model_not_found", "does not exist", "not found", "notfound", "unknown model")


class UpstreamError(Exception):
    """A failed upstream call, sorted into a kind the user can act on."""

    def __init__(self, kind: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Failure:
    """What an error response said: status, the body's code/type/message, the wait it asked."""

    status: int
    code: str = ""
    message: str = ""
    retry_after: float | None = None

    @property
    def words(self) -> str:
        return f"{self.code} {self.message}".lower()


def from_response(failure: Failure, settings: Settings) -> UpstreamError:
    """The error for an HTTP error response (or an error event inside a stream)."""
    words, status = failure.words, failure.status
    who = _label(settings)
    detail = _detail(failure, settings.api_key)
    if status == 402 or any(word in words for word in _QUOTA):
        return UpstreamError(
            "quota",
            f"{who} refused the request: the account is out of credit or quota ({detail}). "
            "Top up or check the plan in the provider's console.",
        )
    if status in (401, 403) or "api key" in words or "api_key" in words:
        return UpstreamError("auth", f"{who} rejected the API key ({detail}). {_key_fix(settings)}")
    if status in (400, 413, 422) and any(word in words for word in _CONTEXT):
        return UpstreamError(
            "context_too_long",
            f"The prompt is longer than model '{settings.model}' accepts ({detail}). "
            "Choose a model with a larger context window.",
        )
    if status in (400, 422) and any(word in words for word in _PREFIX):
        return UpstreamError(
            "prefix_unsupported",
            f"Model '{settings.model}' at {who} cannot continue a prefix in the "
            f"'{settings.dialect}' dialect ({detail}). {dialect_advice(settings, words)}",
        )
    if status == 404 or any(word in words for word in _NOT_FOUND):
        preset = PRESETS[settings.provider]
        return UpstreamError(
            "not_found",
            f"{who} does not know model '{settings.model}' at {settings.base_url} ({detail}). "
            f"Check the `model` setting (the {settings.provider} preset uses '{preset.model}') "
            "and `baseUrl`.",
        )
    if status == 429:
        return UpstreamError("rate_limited", _rate_message(who, failure), failure.retry_after)
    if status >= 500:
        return UpstreamError("server", f"{who} failed ({detail}); it usually recovers shortly.")
    return UpstreamError("bad_request", f"{who} refused the request ({detail}).")


def from_transport(exc: BaseException, settings: Settings, mid_stream: bool) -> UpstreamError:
    """The error for a request that got no HTTP answer: DNS, TLS, refused, timed out, dropped."""
    host = urlsplit(settings.base_url).netloc or settings.base_url
    chain = list(_causes(exc))
    names = " ".join(type(e).__name__ for e in chain).lower()
    if "localprotocolerror" in names:  # a request of ours h11 would not write: the key's header
        return UpstreamError(
            "auth",
            "The API key holds a line break or another character an HTTP header cannot carry, "
            f"so nothing was sent. {_key_fix(settings)}",
        )
    text = " ".join(str(e) for e in chain).lower()
    if "timeout" in names or "timed out" in text:
        return UpstreamError(
            "timeout",
            f"{_label(settings)} did not answer within {settings.timeout_ms} ms. Raise "
            "`timeoutMs`, or choose a faster model or a closer endpoint.",
        )
    if any(isinstance(e, socket.gaierror) for e in chain) or _dns_words(text):
        return UpstreamError(
            "dns",
            f"Cannot resolve the host '{urlsplit(settings.base_url).hostname}'. Check `baseUrl` "
            "for typos, and the network's DNS or proxy settings.",
        )
    if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in names or "tls" in text:
        return UpstreamError(
            "tls",
            f"The TLS handshake with {host} failed. Local servers usually speak plain "
            "http://, not https://; behind a corporate proxy, trust its certificate "
            "(SSL_CERT_FILE).",
        )
    if mid_stream:
        return UpstreamError("stream", f"The connection to {host} dropped in mid-reply.")
    return UpstreamError(
        "offline",
        f"Cannot reach {host}. Check the network, a proxy, or that the local server is running.",
    )


def dialect_advice(settings: Settings, words: str = "") -> str:
    """How to fix a refused prefix continuation: thinking off, the endpoint's dialect, or FIM."""
    if "think" in words:
        return (
            "Thinking mode cannot continue a prefix: turn it off with the `thinkingOff` setting, "
            "or choose a non-thinking model."
        )
    provider = provider_at(settings.base_url) or settings.provider
    dialect = PRESETS[provider].dialect
    if dialect != settings.dialect:
        also = f" (or `provider` to '{provider}')" if provider != settings.provider else ""
        return (
            f"{PRESETS[provider].label} continues a prefix in the '{dialect}' dialect: set "
            f"`dialect` to '{dialect}'{also}."
        )
    return (
        "Choose a model that supports it, or another dialect: 'prefill' (a plain trailing "
        "assistant message), 'continue_final_message' (vLLM, SGLang, llama.cpp) or 'fim' (a "
        "fill-in-the-middle completions endpoint)."
    )


def failure_of(status: int, body: object, headers: Mapping[str, str]) -> Failure:
    """The code and message from an error body, in any of the providers' shapes."""
    error = body.get("error", body) if isinstance(body, Mapping) else body
    if isinstance(error, Mapping):
        code = " ".join(str(error.get(k) or "") for k in ("code", "type")).strip()
        message = str(error.get("message") or error.get("msg") or error.get("detail") or "")
    else:
        code, message = "", str(error or "")
    return Failure(status, code, message.strip(), retry_after(headers))


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    try:
        if millis:
            return float(millis) / 1000
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (ValueError, TypeError):
        return None


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` masked."""
    return text.replace(secret, "***") if secret else text


def _rate_message(who: str, failure: Failure) -> str:
    if failure.retry_after is not None:
        return f"{who} is rate limiting requests: wait {failure.retry_after:g} s."
    return (
        f"{who} is rate limiting requests. Type-ahead requests slow down on their own; raise "
        "`debounceMs` or the plan's limit if it keeps happening."
    )


def _key_fix(settings: Settings) -> str:
    preset = PRESETS[settings.provider]
    also = f" or {preset.key_env}" if preset.key_env else ""
    return (
        f"The key in use came from {settings.source('api_key')}; set QWEN_LSP_API_KEY{also} "
        "(or the `apiKey` setting) to a valid key for this provider."
    )


def _label(settings: Settings) -> str:
    return settings.provider_label


def _detail(failure: Failure, api_key: str | None) -> str:
    message = failure.message[:200] or failure.code or "no details"
    status = f"{failure.status}: " if failure.status else ""  # 0: an error event mid-stream
    return redact(status + message, api_key)


def _dns_words(text: str) -> bool:
    return any(
        words in text
        for words in ("name or service not known", "nodename nor servname", "getaddrinfo",
                      "name resolution", "no address associated")
    )  # fmt: skip


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
