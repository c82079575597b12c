"""The pipeline in one place: exclude → context → scheduler → dialect → stream → post-process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path

from qwen_lsp.engine.alternatives import Alternatives, OnPrompt, sampled
from qwen_lsp.engine.context.exclude import Exclusion
from qwen_lsp.engine.context.gitignore import GitIgnored
from qwen_lsp.engine.context.open_files import OpenFiles
from qwen_lsp.engine.context.related import RelatedCode
from qwen_lsp.engine.context.tokens import estimate_tokens
from qwen_lsp.engine.context.window import Prompt, build_prompt
from qwen_lsp.engine.lifecycle import typing_memory
from qwen_lsp.engine.lifecycle.policy import Policy, policy_for
from qwen_lsp.engine.lifecycle.scheduler import Progress, Scheduler
from qwen_lsp.engine.lifecycle.speculation import Shown, Speculation
from qwen_lsp.engine.lifecycle.stats import Stats
from qwen_lsp.engine.postprocess import Cursor, clean, complete_lines, is_finished, prepare
from qwen_lsp.engine.upstream import long_outputs
from qwen_lsp.engine.upstream.client import StreamStats, Upstream, UpstreamError
from qwen_lsp.engine.upstream.dialects import Dialect, dialect_for
from qwen_lsp.engine.upstream.guard import Guard, Paused
from qwen_lsp.engine.upstream.long_outputs import BlockResult
from qwen_lsp.engine.values import Completion, CompletionTask, Status
from qwen_lsp.settings import Settings

log = logging.getLogger(__name__)

StatusListener = Callable[[Status], None]


@dataclass
class Usage:
    """Token totals over the engine's life (read by ``qwen-lsp eval``).

    A stream we close early never gets the provider's usage report; those requests are counted
    with the offline estimate instead, and counted in ``estimated``.
    """

    requests: int = 0
    estimated: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, stats: StreamStats, prompt: Prompt, output: str) -> None:
        self.requests += 1
        self.estimated += not stats.prompt_tokens
        self.prompt_tokens += stats.prompt_tokens or estimate_tokens(prompt.prefix + prompt.suffix)
        self.completion_tokens += stats.completion_tokens or estimate_tokens(output)


class Engine:
    """Turns completion tasks into completions; one instance per server."""

    def __init__(
        self,
        settings: Settings,
        on_status: StatusListener | None = None,
        typing_file: Path | None = None,
    ) -> None:
        """``typing_file``: where the debounce's typing gaps are kept between sessions."""
        self._settings = settings
        self._on_status = on_status or (lambda status: None)
        self._scheduler = Scheduler(self._generate, _policy(settings))
        self._upstream: Upstream | None = None
        self._built_dialect: Dialect | None = None
        self.usage = Usage()
        self.open_files = OpenFiles()  # kept up to date by the LSP layer
        self._related = RelatedCode(self.open_files)
        self._guard = Guard(settings, self._on_status)
        self._alternatives = Alternatives(self._generate, self._guard.stats)
        self._git_ignored = GitIgnored()
        self._exclusion = Exclusion.of(settings, self._git_ignored)
        self._typing_file = typing_file
        self._recalled = False
        self._saved_learnt = 0
        self._shown: Shown | None = None
        self._speculation: Speculation | None = None
        self._speculating: asyncio.Task[None] | None = None

    @property
    def stats(self) -> Stats:
        stats = self._guard.stats
        stats.cache_hits = self._scheduler.cache.hits
        return stats

    @property
    def settings(self) -> Settings:
        return self._settings

    def configure(self, settings: Settings) -> None:
        """Use new settings from the next request on (a new client if the endpoint changed)."""
        self._settings = settings
        if self._upstream is not None:
            self._upstream.retire()
        self._upstream = None
        self._built_dialect = None
        self._scheduler.policy = _policy(settings)
        self._guard.configure(settings)
        self._exclusion = Exclusion.of(settings, self._git_ignored)
        self._on_status(self._idle_status())
        self._warm()

    @property
    def can_complete(self) -> bool:
        settings = self._settings
        return settings.enable and settings.has_credentials and settings.refusal is None

    def _idle_status(self) -> Status:
        if refusal := self._settings.refusal:
            return Status("error", refusal.kind, refusal.message, True)
        return Status("ready") if self.can_complete else Status("disabled")

    async def complete(
        self, task: CompletionTask, on_prompt: OnPrompt | None = None
    ) -> Completion | None:
        """The completion for ``task``, or None (disabled, excluded, superseded, failed).

        ``on_prompt`` is told the prompt once it is built, before anything is sent."""
        self._guard.stats.completions += 1

        async def prepare() -> Prompt | None:
            prompt = await self._prompt(task) if await self._may_send(task) else None
            if prompt is not None and on_prompt is not None:
                on_prompt(prompt)
            return prompt

        return await self._scheduler.complete(task.uri, prepare, task.invoked)

    async def complete_alternatives(self, task: CompletionTask, count: int) -> list[Completion]:
        """Up to ``count`` distinct completions: :meth:`complete`'s first, then extras sampled
        alongside it (see :mod:`qwen_lsp.engine.alternatives`); empty when there is no first."""
        temperature = self._settings.temperature
        return await self._alternatives.complete(task, count, temperature, self.complete)

    async def _prompt(self, task: CompletionTask) -> Prompt:
        """The clipped text around the cursor plus other files' snippets, within the budgets."""
        settings = self._settings
        snippets = await self._related.snippets(task, settings.context_tokens, self._exclusion)
        return build_prompt(task, settings.prefix_tokens, settings.suffix_tokens, snippets)

    def document_changed(self, uri: str, text: str | None = None) -> None:
        """The editor changed a document (now ``text``): the debounce learns typing speed from
        this, and a request may follow, so the provider's client had better be built.
        An edit going another way than the request sent ahead closes it; one that completes
        the suggestion shown sends it."""
        self._scheduler.edited()
        self._alternatives.edited(uri)
        self._warm()
        if text is None:
            return
        spoken = self._speculation
        if spoken and spoken.task.uri == uri and spoken.running and spoken.contradicted_by(text):
            spoken.close()
            self._guard.stats.speculative_closed += 1
        shown = self._shown
        if shown is not None and shown.task.uri == uri and (task := shown.reached_end(text)):
            self._speculate(task)

    def suggested(self, task: CompletionTask, start: int, text: str) -> None:
        """The editor was answered ``text``, to insert at offset ``start`` of ``task``'s text."""
        self._shown = Shown(task, start, text)

    def accepted(self, utf16_units: int | None = None) -> None:
        """The user accepted the suggestion last answered: all of it, or its first
        ``utf16_units`` (a word, a line). The next one is asked for at once."""
        shown = self._shown
        if shown is None or (file := self.open_files.get(shown.task.uri)) is None:
            return
        length = None if utf16_units is None else shown.chars(utf16_units)
        if (task := shown.accepted(file.text, length)) is not None:
            self._speculate(task)

    def _speculate(self, task: CompletionTask) -> None:
        if self._settings.speculate and self.can_complete:
            self._speculating = asyncio.ensure_future(self._ask_ahead(task))

    async def _ask_ahead(self, task: CompletionTask) -> None:
        """Ask for ``task`` before the editor does; at most one such request runs."""
        if await self._exclusion.excludes(task.path, task.text):
            return
        stream = self._scheduler.speculate(task.uri, await self._prompt(task))
        if stream is None:
            return  # the cache or the running stream has it already
        if self._speculation is not None and self._speculation.running:
            self._speculation.close()
        self._speculation = Speculation(task, stream)
        self._guard.stats.speculative += 1

    def document_closed(self, uri: str) -> None:
        """The editor closed a document: forget it, its completions and its recent edits."""
        self.open_files.close(uri)
        self._scheduler.cache.forget(uri)

    async def _generate(
        self, prompt: Prompt, progress: Progress, temperature: float | None = None
    ) -> Completion | None:
        """One upstream request for ``prompt`` (at ``temperature``, else the settings')."""
        if not self._guard.admit():
            progress.failed = True
            return None  # breaker open, rate-limited or over budget: answer empty at once
        cursor = Cursor(prompt.prefix, prompt.suffix, prompt.language_id, prompt.indent)
        progress.preview = lambda lines: clean(lines, cursor)
        stats = StreamStats()
        reading = self._read(prompt, cursor, progress, stats, temperature)
        if not await self._guard.call(reading, stats, prompt, lambda: progress.text):
            progress.failed = True
            return None
        self.usage.add(stats, prompt, progress.text)
        return progress.completion

    async def _read(
        self,
        prompt: Prompt,
        cursor: Cursor,
        progress: Progress,
        stats: StreamStats,
        temperature: float | None,
    ) -> None:
        """Read the stream until the completion is decided, hand it on, then tidy up: what is
        left of the stream is read (the usage report, once the model finished) or closed."""
        request = sampled(self._dialect().build(prompt), self._settings, temperature)
        async with aclosing(self._client().stream(request, stats)) as chunks:
            async for piece in chunks:
                if progress.first_at is None:
                    prepare(cursor)  # while the model writes the rest
                progress.add(piece)
                # is_finished judges complete lines: only a line break can change its verdict.
                if stats.finish_reason or ("\n" in piece and is_finished(progress.text, cursor)):
                    break
            progress.decide(_completion(progress.text, stats, cursor))
            await asyncio.sleep(0)  # the requests waiting for it answer before the tidying up
            if stats.finish_reason:
                with contextlib.suppress(UpstreamError):  # it had what we needed
                    async for _ in chunks:
                        pass
        # Leaving closes the stream: stopped early, the provider stops generating and billing.

    async def complete_block(self, task: CompletionTask) -> BlockResult | None:
        """The whole block from the cursor on, asking again while replies are cut off by length.

        Every round goes through the guard as an inline request does (admission, accounting,
        breaker): None when a round is refused or fails; the status says which.
        """
        if not await self._may_send(task):
            return None
        prompt = await self._prompt(task)
        cursor = Cursor(prompt.prefix, prompt.suffix, task.language_id, prompt.indent)
        dialect, client, guard = self._dialect(), self._client(), self._guard
        try:
            return await long_outputs.complete_block(
                lambda p, stats: guard.stream(client.stream(dialect.build(p), stats), stats, p),
                prompt,
                cursor,
                self._settings.max_tokens,
            )
        except (UpstreamError, Paused):
            return None

    async def _may_send(self, task: CompletionTask) -> bool:
        """Completion is on, and the file is not a secret, excluded, too big or git-ignored."""
        return self.can_complete and not await self._exclusion.excludes(task.path, task.text)

    def warm_up(self) -> None:
        """Do the one-time work the first request would otherwise wait for."""
        self._dialect()  # imports the dialect's module
        self._exclusion.by_name("warm-up")  # compiles the exclusion patterns
        self._recall_typing()

    def _recall_typing(self) -> None:
        """Start the debounce from the last session's typing gaps (once, if they are wanted)."""
        if self._typing_file is None or self._recalled or not self._settings.remember_typing:
            return
        self._recalled = True
        if (rhythm := typing_memory.load(self._typing_file)) is not None:
            self._scheduler.debouncer.recall(rhythm)

    def save_typing(self) -> None:
        """Keep the debounce's typing gaps for the next session; nothing new, nothing written."""
        debouncer = self._scheduler.debouncer
        if self._typing_file is None or not self._settings.remember_typing:
            return
        if debouncer.learnt == self._saved_learnt:
            return
        self._recall_typing()  # if it was turned on since: keep the older gaps too
        if typing_memory.save(self._typing_file, debouncer.rhythm()):
            self._saved_learnt = debouncer.learnt

    def _warm(self) -> None:
        """Have the provider's client built (the SDK imported, the CA bundle loaded) before the
        next request needs it; nothing is sent."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # configured outside the server's loop (tests): nothing to build it on
        if self.can_complete:
            self._client().warm()

    def _dialect(self) -> Dialect:
        """The settings' dialect, made once: making it imports its module and builds a table."""
        if self._built_dialect is None:
            self._built_dialect = dialect_for(self._settings)
        return self._built_dialect

    def _client(self) -> Upstream:
        if self._upstream is None:
            self._upstream = Upstream(self._settings)
        return self._upstream


def _completion(raw: str, stats: StreamStats, cursor: Cursor) -> Completion | None:
    if stats.finish_reason == "length":
        raw = complete_lines(raw)  # never show a half line
    return clean(raw, cursor)


def _policy(settings: Settings) -> Policy:
    return policy_for(settings.request_policy, settings.debounce_ms)
