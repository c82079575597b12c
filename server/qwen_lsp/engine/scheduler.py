"""Per-document request ordering: a newer request makes the older one stale at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class Ticket:
    """One request's claim on its document; ``stale`` is set when a newer request arrives."""

    def __init__(self) -> None:
        self.stale = asyncio.Event()

    async def wait_quiet(self, seconds: float) -> bool:
        """Sleep ``seconds`` (the debounce); False if the ticket went stale meanwhile."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.stale.wait(), seconds)
        return not self.stale.is_set()

    async def run(self, work: Awaitable[T]) -> T | None:
        """Run ``work`` until it finishes or the ticket goes stale; stale work is cancelled."""
        job = asyncio.ensure_future(work)
        watcher = asyncio.ensure_future(self.stale.wait())
        try:
            await asyncio.wait({job, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watcher.cancel()
            if not job.done():
                job.cancel()  # closes the upstream stream in the generator's finally
                with contextlib.suppress(asyncio.CancelledError):
                    await job
        return job.result() if not job.cancelled() else None


class Scheduler:
    """Keeps the newest ticket per document; claiming a new one marks the previous stale."""

    def __init__(self) -> None:
        self._current: dict[str, Ticket] = {}

    def claim(self, key: str) -> Ticket:
        previous = self._current.get(key)
        if previous is not None:
            previous.stale.set()
        ticket = self._current[key] = Ticket()
        return ticket

    def release(self, key: str, ticket: Ticket) -> None:
        if self._current.get(key) is ticket:
            del self._current[key]
