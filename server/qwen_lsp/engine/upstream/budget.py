"""Spending limits: upstream requests and tokens per minute, and tokens per day.

Limits the user left at -1 default by endpoint: off for a server on this machine or the local
network (it costs nothing), and generous-but-finite for paid endpoints, so a runaway loop or a
stuck key cannot run up a bill. 0 turns a limit off.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from qwen_lsp.engine.values import Status
from qwen_lsp.settings import Settings

PAID_DEFAULTS = (60, 300_000, 10_000_000)  # requests/min, tokens/min, tokens/day
WINDOW = 60.0
# Seconds between looks at the date: a look is not free (the C library checks the time zone file
# each time), and a day's budget may as well start a minute after midnight.
DAY_CHECK = 60.0


@dataclass(frozen=True)
class Limits:
    requests_per_minute: int = 0
    tokens_per_minute: int = 0
    tokens_per_day: int = 0


def limits_for(settings: Settings) -> Limits:
    """The user's limits, with provider defaults for the ones left unset."""
    defaults = (0, 0, 0) if is_local(settings.base_url) else PAID_DEFAULTS
    chosen = (settings.requests_per_minute, settings.tokens_per_minute, settings.tokens_per_day)
    return Limits(*(d if value < 0 else value for value, d in zip(chosen, defaults, strict=True)))


def is_local(base_url: str) -> bool:
    """True for endpoints on this machine or a private network (Ollama, llama.cpp, vLLM)."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


class Budget:
    """Counts what went upstream and says when the next request would exceed a limit."""

    def __init__(
        self,
        limits: Limits,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._today = today
        self._requests: deque[float] = deque()
        self._tokens: deque[tuple[float, int]] = deque()
        self._minute_tokens = 0  # the sum of ``_tokens``: kept, not added up per request
        self._day = today()
        self._day_checked = clock()
        self._day_tokens = 0

    def admit(self) -> Status | None:
        """None if a request fits the budget, else a ``rate_limited`` status saying which."""
        now = self._clock()
        self._expire(now)
        limits = self.limits
        if limits.tokens_per_day and self._day_tokens >= limits.tokens_per_day:
            return _spent(f"daily budget of {limits.tokens_per_day:,} tokens", None)
        if limits.requests_per_minute and len(self._requests) >= limits.requests_per_minute:
            wait = self._requests[0] + WINDOW - now
            return _spent(f"budget of {limits.requests_per_minute} requests a minute", wait)
        if limits.tokens_per_minute and self._minute_tokens >= limits.tokens_per_minute:
            wait = self._tokens[0][0] + WINDOW - now
            return _spent(f"budget of {limits.tokens_per_minute:,} tokens a minute", wait)
        return None

    def started(self) -> None:
        """A request goes upstream now."""
        self._requests.append(self._clock())

    def spent(self, tokens: int) -> None:
        """A request finished (or was aborted) having used ``tokens`` in and out."""
        self._expire(self._clock())
        self._tokens.append((self._clock(), tokens))
        self._minute_tokens += tokens
        self._day_tokens += tokens

    def _expire(self, now: float) -> None:
        while self._requests and self._requests[0] <= now - WINDOW:
            self._requests.popleft()
        while self._tokens and self._tokens[0][0] <= now - WINDOW:
            self._minute_tokens -= self._tokens.popleft()[1]
        if now - self._day_checked >= DAY_CHECK:
            self._day_checked = now
            if (day := self._today()) != self._day:
                self._day, self._day_tokens = day, 0


def _spent(what: str, wait: float | None) -> Status:
    resume = "tomorrow" if wait is None else f"in {max(wait, 0):.0f} s"
    message = f"{what} reached; completions resume {resume}"
    retry = None if wait is None else round(max(wait, 0) * 1000)
    return Status("rate_limited", "budget", message, alert=True, retry_in_ms=retry)
