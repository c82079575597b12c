"""Everything around one upstream call: may it go, what did it cost, what do we tell the user."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from qwen_lsp.engine.budget import Budget, limits_for
from qwen_lsp.engine.context import Prompt
from qwen_lsp.engine.errors import UpstreamError
from qwen_lsp.engine.model import Status
from qwen_lsp.engine.resilience import Backoff, Breaker
from qwen_lsp.engine.stats import Stats
from qwen_lsp.engine.tokens import estimate_tokens
from qwen_lsp.engine.upstream import StreamStats
from qwen_lsp.settings import Settings

log = logging.getLogger(__name__)


class Guard:
    """Admission (breaker, budget), accounting (stats, budget) and status for upstream calls."""

    def __init__(self, settings: Settings, on_status: Callable[[Status], None]) -> None:
        self.stats = Stats()
        self._on_status = on_status
        self._budget = Budget(limits_for(settings))
        self._breaker = _breaker_for(settings)
        self._model = settings.model

    def configure(self, settings: Settings) -> None:
        """New settings may fix what failed (key, model, URL): forget failures, keep spending."""
        self._budget.limits = limits_for(settings)
        self._breaker = _breaker_for(settings)
        self._model = settings.model

    def admit(self) -> bool:
        """True if a request may go upstream now; otherwise the status says why not."""
        blocked = self._breaker.admit() or self._budget.admit()
        if blocked is None:
            return True
        self.stats.skipped += 1
        self._on_status(blocked)
        return False

    async def call(
        self, work: Awaitable[None], usage: StreamStats, prompt: Prompt, output: Callable[[], str]
    ) -> bool:
        """Await ``work`` (reading one stream into ``usage``); False if the provider failed."""
        self.stats.requests += 1
        self._budget.started()
        self._on_status(Status("busy"))
        started = time.monotonic()
        try:
            await work
        except UpstreamError as exc:
            log.warning("upstream error (%s): %s", exc.kind, exc.message)
            self.stats.failures += 1
            self._account(usage, prompt, output())
            self._on_status(self._breaker.failed(exc))
            return False
        except asyncio.CancelledError:
            self.stats.aborted_streams += 1
            self._account(usage, prompt, output())
            self._breaker.abandoned()
            self._on_status(Status("ready"))
            raise
        self.stats.latencies_ms.append((time.monotonic() - started) * 1000)
        self._account(usage, prompt, output())
        if self._breaker.succeeded():
            log.info("the provider answers again")
        self._on_status(Status("ready"))
        return True

    def _account(self, usage: StreamStats, prompt: Prompt, output: str) -> None:
        # Streams closed early never get the provider's usage report: estimate those.
        tokens_in = usage.prompt_tokens or estimate_tokens(prompt.prefix + prompt.suffix)
        tokens_out = usage.completion_tokens or estimate_tokens(output)
        self.stats.used(self._model, tokens_in, tokens_out)
        self._budget.spent(tokens_in + tokens_out)


def _breaker_for(settings: Settings) -> Breaker:
    return Breaker(Backoff(settings.backoff_ms / 1000, settings.backoff_max_ms / 1000))
