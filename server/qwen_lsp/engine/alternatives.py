"""Several suggestions for one explicitly invoked request, for the editor to cycle through.

The first is the ordinary completion, through the scheduler (cache, in-flight reuse, supersede).
The extras are more requests for the same prompt, sent as soon as the first's prompt is built and
sampled a little hotter so that they differ: parallel requests, because not every provider's
partial mode honours ``n``. Each extra is one upstream request through the guard (admission,
budgets, accounting) and bounded like the first (``maxTokens``, the stream's stop rules).
Duplicates after post-processing are dropped. An edit of the document, a cancelled request or a
first answer that never came (superseded, refused) closes the extras' streams.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.lifecycle.scheduler import Progress
from qwen_lsp.engine.lifecycle.stats import Stats
from qwen_lsp.engine.upstream.dialects import CompletionRequest, Request
from qwen_lsp.engine.values import Completion, CompletionTask
from qwen_lsp.settings import Settings

log = logging.getLogger(__name__)

# After the first suggestion is known, the extras get this long to finish: one slow stream must
# not hold back the answer until the request timeout.
EXTRAS_WAIT = 2.0
TEMPERATURE_STEP = 0.3
HOTTEST = 1.0  # hotter samples of code stray too far from the file to be worth showing

Generate = Callable[[Prompt, Progress, float | None], Awaitable[Completion | None]]
OnPrompt = Callable[[Prompt], None]
First = Callable[[CompletionTask, OnPrompt], Awaitable[Completion | None]]


def temperatures(base: float, extras: int) -> list[float]:
    """The extras' temperatures: each a step hotter than the last, up to :data:`HOTTEST`."""
    ceiling = max(base, HOTTEST)
    return [round(min(ceiling, base + TEMPERATURE_STEP * step), 2) for step in range(1, extras + 1)]


def sampled(request: Request, settings: Settings, temperature: float | None) -> Request:
    """``request`` sampled at ``temperature`` (None: unchanged).

    The clients merge ``extra_body`` over the body they build; a fill-in-the-middle body is
    rebuilt by its endpoint, which knows where its server reads the temperature.
    """
    if temperature is None:
        return request
    if isinstance(request, CompletionRequest):
        hotter = dataclasses.replace(settings, temperature=temperature)
        body = {**request.endpoint.body(request.prompt, hotter), **request.extra_body}
        return dataclasses.replace(request, extra_body=body)
    return dataclasses.replace(
        request, extra_body={**request.extra_body, "temperature": temperature}
    )


class Round:
    """The extras of one invoked request."""

    def __init__(self, generate: Generate, temperatures: list[float], stats: Stats) -> None:
        self._generate = generate
        self._temperatures = temperatures
        self._stats = stats
        self._jobs: list[asyncio.Task[Completion | None]] = []
        self._closed = False

    def start(self, prompt: Prompt) -> None:
        """Send the extras for ``prompt``, the first suggestion's own."""
        if self._closed:
            return  # the document changed while the prompt was built
        for temperature in self._temperatures:
            self._stats.alternatives += 1
            self._jobs.append(asyncio.ensure_future(self._extra(prompt, temperature)))

    async def _extra(self, prompt: Prompt, temperature: float) -> Completion | None:
        # The first suggestion's request starts in this loop turn: let it be admitted first, so
        # that it is the one that goes when the budget has room for one, or the breaker for a probe.
        await asyncio.sleep(0)
        return await self._generate(prompt, Progress(), temperature)

    async def gather(self, first: Completion | None) -> list[Completion]:
        """``first`` and the distinct extras that finished in time; nothing without a first."""
        if first is None:
            return []
        if self._jobs:
            await asyncio.wait(self._jobs, timeout=EXTRAS_WAIT)
        found = [first]
        for extra in map(_result, self._jobs):
            if extra is not None and extra not in found:
                found.append(extra)
        return found

    def close(self) -> None:
        """Close the streams still running: nobody will see what they produce."""
        self._closed = True
        for job in self._jobs:
            job.cancel()


class Alternatives:
    """The rounds in flight, one per document at most."""

    def __init__(self, generate: Generate, stats: Stats) -> None:
        self._generate = generate
        self._stats = stats
        self._rounds: dict[str, Round] = {}

    async def complete(
        self, task: CompletionTask, count: int, temperature: float, first: First
    ) -> list[Completion]:
        """Up to ``count`` distinct completions for ``task``; ``first`` gives the ordinary one
        and calls back with its prompt, which starts the extras."""
        self.edited(task.uri)  # a newer request makes an older round stale
        extras = self._rounds[task.uri] = Round(
            self._generate, temperatures(temperature, count - 1), self._stats
        )
        try:
            return await extras.gather(await first(task, extras.start))
        finally:
            extras.close()
            if self._rounds.get(task.uri) is extras:
                del self._rounds[task.uri]

    def edited(self, uri: str) -> None:
        """Document ``uri`` changed: its extras are stale."""
        if (extras := self._rounds.pop(uri, None)) is not None:
            extras.close()


def _result(job: asyncio.Task[Completion | None]) -> Completion | None:
    if not job.done() or job.cancelled():
        return None
    if (error := job.exception()) is not None:
        log.warning("an alternative suggestion failed: %r", error)
        return None
    return job.result()
