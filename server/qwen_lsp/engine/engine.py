"""The pipeline in one place: exclude → context → scheduler → dialect → stream → post-process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import aclosing

from qwen_lsp.engine.context import Prompt, build_prompt
from qwen_lsp.engine.dialects import dialect_for
from qwen_lsp.engine.exclude import is_excluded
from qwen_lsp.engine.model import Completion, CompletionTask, Status
from qwen_lsp.engine.policy import Policy, policy_for
from qwen_lsp.engine.postprocess import Cursor, clean, complete_lines, is_finished
from qwen_lsp.engine.scheduler import Progress, Scheduler
from qwen_lsp.engine.upstream import StreamStats, Upstream, UpstreamError
from qwen_lsp.settings import Settings

log = logging.getLogger(__name__)

StatusListener = Callable[[Status], None]


class Engine:
    """Turns completion tasks into completions; one instance per server."""

    def __init__(self, settings: Settings, on_status: StatusListener | None = None) -> None:
        self._settings = settings
        self._on_status = on_status or (lambda status: None)
        self._scheduler = Scheduler(self._generate, _policy(settings))
        self._upstream: Upstream | None = None

    @property
    def settings(self) -> Settings:
        return self._settings

    def configure(self, settings: Settings) -> None:
        """Use new settings from the next request on (a new client if the endpoint changed)."""
        self._settings = settings
        self._upstream = None
        self._scheduler.policy = _policy(settings)
        self._on_status(Status("ready") if self.can_complete else Status("disabled"))

    @property
    def can_complete(self) -> bool:
        return self._settings.enable and self._settings.has_credentials

    async def complete(self, task: CompletionTask) -> Completion | None:
        """The completion for ``task``, or None (disabled, excluded, superseded, failed)."""
        settings = self._settings
        if not self.can_complete or is_excluded(task.path, settings.exclude):
            return None
        prompt = build_prompt(task, settings.prefix_tokens, settings.suffix_tokens)
        return await self._scheduler.complete(task.uri, prompt, task.invoked)

    def document_changed(self, uri: str) -> None:
        """The editor changed a document: the debounce learns typing speed from this."""
        self._scheduler.edited(uri)

    async def _generate(self, prompt: Prompt, progress: Progress) -> Completion | None:
        cursor = Cursor(prompt.prefix, prompt.suffix, prompt.language_id, prompt.indent)
        stats = StreamStats()
        self._on_status(Status("busy"))
        try:
            async with aclosing(
                self._client().stream(dialect_for(self._settings).build(prompt), stats)
            ) as chunks:
                async for piece in chunks:
                    progress.add(piece)
                    if is_finished(progress.text, cursor):
                        break  # closing the stream stops generation and billing
        except UpstreamError as exc:
            log.warning("upstream error (%s): %s", exc.kind, exc.message)
            self._on_status(Status("error", exc.kind, exc.message))
            return None
        except asyncio.CancelledError:
            self._on_status(Status("ready"))
            raise
        self._on_status(Status("ready"))
        raw = progress.text
        if stats.finish_reason == "length":
            raw = complete_lines(raw)  # never show a half line
        return clean(raw, cursor)

    def _client(self) -> Upstream:
        if self._upstream is None:
            self._upstream = Upstream(self._settings)
        return self._upstream


def _policy(settings: Settings) -> Policy:
    return policy_for(settings.request_policy, settings.debounce_ms)
