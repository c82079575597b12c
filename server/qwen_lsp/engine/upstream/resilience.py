"""What happens after an upstream failure: back-off, a circuit breaker and rate-limit pauses.

There are no retries inside a request — the next keystroke is the retry. Instead the breaker
decides whether the next request may reach the provider at all, so a broken key, an outage or a
rate limit costs one request per back-off period instead of one per keystroke:

- ``rate_limited``: pause at once for ``Retry-After`` (at least the back-off delay), then let one
  probe through; each further 429 doubles the back-off.
- provider-wide problems that need the user (bad key, arrears, unknown model, no prefix
  continuation): open at once; probe again after the longest back-off, or when settings change.
- transient failures (5xx, timeouts, connection, DNS, TLS, broken streams): open after
  ``THRESHOLD`` in a row, with exponential back-off between probes.
- per-request problems (context too long, bad request): the next request may differ, so they do
  not trip the breaker.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from qwen_lsp.engine.upstream.errors import UpstreamError
from qwen_lsp.engine.values import Status

THRESHOLD = 3
NEEDS_USER = frozenset({"auth", "quota", "not_found", "prefix_unsupported"})
PER_REQUEST = frozenset({"context_too_long", "bad_request"})

Clock = Callable[[], float]


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with "equal jitter": between half and all of ``base * 2**n``."""

    base: float = 1.0
    cap: float = 60.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** min(attempt, 32))
        return ceiling / 2 + rng.random() * ceiling / 2


class Breaker:
    """Decides whether a request may go upstream, and reports why not."""

    def __init__(
        self, backoff: Backoff, clock: Clock = time.monotonic, rng: random.Random | None = None
    ) -> None:
        self._backoff = backoff
        self._clock = clock
        self._rng = rng or random.Random()
        self._failures = 0  # consecutive transient failures
        self._opened = 0  # consecutive times the breaker opened: the back-off exponent
        self._open_until = 0.0
        self._blocked: Status | None = None  # what we tell the user while open
        self._probing = False
        self._needs_user = False  # open for a problem that waiting alone does not fix

    def admit(self) -> Status | None:
        """None if a request may go upstream now, else the status explaining why not.

        Once an open breaker's pause is over, exactly one request (the probe) goes through; the
        others keep getting the blocked status until the probe succeeds or fails.
        """
        blocked = self._blocked
        if blocked is None:
            return None
        left = self._open_until - self._clock()
        if left > 0 or self._probing:
            return _with_wait(blocked, max(left, 0.0))
        self._probing = True
        return None

    @property
    def probing(self) -> bool:
        """A probe is in flight: its answer decides what happens next."""
        return self._probing

    def pause_left(self) -> float | None:
        """Seconds until ``admit`` lets a request through again (0: it would now).

        None when only something else can end the pause: the answer of a probe in flight, or the
        user (a bad key, arrears, an unknown model — waiting fixes none of these).
        """
        if self._blocked is None:
            return 0.0
        if self._probing or self._needs_user:
            return None
        return max(self._open_until - self._clock(), 0.0)

    def succeeded(self) -> bool:
        """Record a working call; True if this ends a failure state (the provider recovered)."""
        recovered = self._blocked is not None or self._failures > 0
        self._failures = self._opened = 0
        self._blocked = None
        self._probing = self._needs_user = False
        return recovered

    def abandoned(self) -> None:
        """The request was cancelled before we learned anything: let the next one probe."""
        self._probing = False

    def failed(self, error: UpstreamError) -> Status:
        """Record a failure; the status for it (open breakers say when they retry)."""
        self._probing = False
        kind = error.kind
        if kind in PER_REQUEST:
            return Status("error", kind, error.message)
        self._needs_user = kind in NEEDS_USER
        if kind == "rate_limited":
            wait = max(error.retry_after or 0.0, self._next_delay())
            return self._open(Status("rate_limited", kind, error.message), wait)
        if self._needs_user:
            return self._open(Status("error", kind, error.message, alert=True), self._backoff.cap)
        self._failures += 1
        if self._failures < THRESHOLD and self._blocked is None:
            return Status("error", kind, error.message)
        message = f"{error.message} (paused after {self._failures} failures in a row)"
        return self._open(Status("error", kind, message, alert=True), self._next_delay())

    def _next_delay(self) -> float:
        delay = self._backoff.delay(self._opened, self._rng)
        self._opened += 1
        return delay

    def _open(self, status: Status, seconds: float) -> Status:
        self._blocked = status
        self._open_until = self._clock() + seconds
        return _with_wait(status, seconds)


def _with_wait(status: Status, seconds: float) -> Status:
    return Status(status.state, status.kind, status.message, status.alert, round(seconds * 1000))
