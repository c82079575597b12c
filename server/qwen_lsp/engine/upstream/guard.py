"""Everything around one upstream call: may it go, what did it cost, what do we tell the user."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing

from qwen_lsp.engine.context.tokens import estimate_tokens
from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.lifecycle.stats import Stats
from qwen_lsp.engine.upstream.budget import Budget, limits_for
from qwen_lsp.engine.upstream.client import StreamStats
from qwen_lsp.engine.upstream.errors import UpstreamError
from qwen_lsp.engine.upstream.resilience import Backoff, Breaker
from qwen_lsp.engine.values import Status
from qwen_lsp.settings import Settings

log = logging.getLogger(__name__)

# Made once: a status is a value, and one made per request costs it 30 µs (cold).
BUSY, READY = Status("busy"), Status("ready")


# Published when a pause ends by itself (a rate limit, an open breaker's back-off): requests go
# again and the next one probes the provider. Not "ready": the problem is not known to be over
# until an answer comes, so the status keeps the failure that caused the pause.
def retrying(paused_by: Status) -> Status:
    """The status once the pause ``paused_by`` started is over."""
    return Status("retrying", paused_by.kind, paused_by.message)


class Paused(Exception):
    """The guard did not let a request go upstream; the status it published says why."""


class Guard:
    """Admission (breaker, budget), accounting (stats, budget) and status for upstream calls."""

    def __init__(self, settings: Settings, on_status: Callable[[Status], None]) -> None:
        self.stats = Stats()
        self._on_status = on_status
        self._budget = Budget(limits_for(settings))
        self._breaker = _breaker_for(settings)
        self._model = settings.model
        self._resume: asyncio.TimerHandle | None = None  # publishes ``retrying`` when a pause ends

    def configure(self, settings: Settings) -> None:
        """New settings may fix what failed (key, model, URL): forget failures, keep spending."""
        self._budget.limits = limits_for(settings)
        self._breaker = _breaker_for(settings)
        self._model = settings.model
        self._cancel_resume()  # the engine publishes the state for the new settings

    def admit(self) -> bool:
        """True if a request may go upstream now; otherwise the status says why not."""
        blocked = self._breaker.admit()
        if blocked is None and (blocked := self._budget.admit()) is not None:
            self._breaker.abandoned()  # the probe the breaker just allowed does not happen
        if blocked is None:
            return True
        self.stats.skipped += 1
        if not self._breaker.probing:  # while a probe runs, its answer is the news
            self._report(blocked)
        return False

    async def call(
        self, work: Awaitable[None], usage: StreamStats, prompt: Prompt, output: Callable[[], str]
    ) -> bool:
        """Await ``work`` (reading one stream into ``usage``); False if the provider failed."""
        started = self._started()
        try:
            await work
        except UpstreamError as exc:
            self._failed(exc, usage, prompt, output())
            return False
        except asyncio.CancelledError:
            self._abandoned(usage, prompt, output())
            raise
        self._succeeded(started, usage, prompt, output())
        return True

    async def stream(
        self, chunks: AsyncGenerator[str, None], usage: StreamStats, prompt: Prompt
    ) -> AsyncGenerator[str, None]:
        """``chunks`` (one upstream stream) piece by piece, on the same terms as ``call``.

        Admitted first (else :class:`Paused`), then accounted; a provider failure is recorded
        and raised again. A reader that stops early has what it needed: that is a success.
        """
        if not self.admit():
            raise Paused
        started, output = self._started(), ""
        try:
            async with aclosing(chunks):
                async for piece in chunks:
                    output += piece
                    yield piece
        except UpstreamError as exc:
            self._failed(exc, usage, prompt, output)
            raise
        except asyncio.CancelledError:
            self._abandoned(usage, prompt, output)
            raise
        except GeneratorExit:
            self._succeeded(started, usage, prompt, output)
            raise
        self._succeeded(started, usage, prompt, output)

    def _started(self) -> float:
        self.stats.requests += 1
        self._budget.started()
        self._report(BUSY)
        return time.monotonic()

    def _failed(self, exc: UpstreamError, usage: StreamStats, prompt: Prompt, output: str) -> None:
        log.warning("upstream error (%s): %s", exc.kind, exc.message)
        self.stats.failures += 1
        self._account(usage, prompt, output)
        self._report(self._breaker.failed(exc))

    def _abandoned(self, usage: StreamStats, prompt: Prompt, output: str) -> None:
        self.stats.aborted_streams += 1
        self._account(usage, prompt, output)
        self._breaker.abandoned()
        self._report(READY)

    def _succeeded(self, started: float, usage: StreamStats, prompt: Prompt, output: str) -> None:
        self.stats.latencies_ms.append((time.monotonic() - started) * 1000)
        self._account(usage, prompt, output)
        if self._breaker.succeeded():
            log.info("the provider answers again")
        self._report(READY)

    def _report(self, status: Status) -> None:
        """Publish ``status``; if it opens a pause that ends by itself, announce the end then."""
        self._cancel_resume()  # superseded: whatever comes now is newer news
        self._on_status(status)
        if status.retry_in_ms is not None:
            self._plan_resume(status)

    def _plan_resume(self, paused_by: Status) -> None:
        wait = self._pause_left()
        if not wait:  # None: only an answer or the user ends it; 0: nothing is paused
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop, so no one to tell either
            return
        self._resume = loop.call_later(wait, self._resumed, paused_by)

    def _resumed(self, paused_by: Status) -> None:
        self._resume = None
        wait = self._pause_left()
        if wait == 0:
            self._report(retrying(paused_by))
        elif wait is not None:
            self._plan_resume(paused_by)  # woke a little early, or the budget needs a moment

    def _pause_left(self) -> float | None:
        """Seconds until both the breaker and the budget admit again; None if waiting won't do."""
        wait = self._breaker.pause_left()
        blocked = self._budget.admit()
        if wait is None or blocked is None:
            return wait
        return None if blocked.retry_in_ms is None else max(wait, blocked.retry_in_ms / 1000)

    def _cancel_resume(self) -> None:
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None

    def _account(self, usage: StreamStats, prompt: Prompt, output: str) -> None:
        # Streams closed early never get the provider's usage report: estimate those.
        tokens_in = usage.prompt_tokens or estimate_tokens(prompt.prefix + prompt.suffix)
        tokens_out = usage.completion_tokens or estimate_tokens(output)
        self.stats.used(self._model, tokens_in, tokens_out)
        self._budget.spent(tokens_in + tokens_out)


def _breaker_for(settings: Settings) -> Breaker:
    return Breaker(Backoff(settings.backoff_ms / 1000, settings.backoff_max_ms / 1000))
