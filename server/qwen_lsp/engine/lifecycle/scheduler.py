"""The request lifecycle, per document: debounce, supersede, abort, cache, in-flight reuse.

Every request for a document makes the older ones stale: they are answered at once (None) and a
stream nobody waits for any more is closed, not drained. Before anything goes upstream the request
looks in the cache, then for a running stream that has already produced what the user typed since
it started (it attaches instead of opening another), then waits out the debounce.

What is decided is shown early: a stream that has not decided the whole completion within
``Policy.show_after`` of its first token answers with its complete lines so far (as soon as there
is one) and keeps running. The requests that follow an accept or more typing attach to it and get
its next lines the same way, or the whole rest once decided; it is closed only when the typing
goes another way or a request elsewhere supersedes it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.lifecycle.cache import MISS, CompletionCache, remainder, typed_since
from qwen_lsp.engine.lifecycle.debounce import Debouncer, position_kind
from qwen_lsp.engine.lifecycle.policy import Policy
from qwen_lsp.engine.values import Completion

# A stream left without followers by $/cancelRequest lives this long, so that the request the
# client sends next can still attach to it (VS Code cancels before it asks again).
ORPHAN_GRACE = 0.05


class Progress:
    """What a running stream has produced so far; the fetch adds to it, the scheduler watches.

    The fetch ``decide``s the completion as soon as it is known, before it closes the stream and
    does its accounting: the requests waiting for it answer first.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.text = ""
        self.failed = False  # the provider failed: nothing to remember for this prompt
        self.started = clock()
        self.first_at: float | None = None
        self.on_add: Callable[[], None] = lambda: None
        self.completion: Completion | None = None  # once decided
        self.on_decide: Callable[[Completion | None], None] = lambda completion: None
        # What to show for the text so far (its complete lines, cleaned); set by the fetch.
        self.preview: Callable[[str], Completion | None] = lambda text: None
        self._clock = clock
        self._previewed: tuple[int, Completion | None] = (0, None)

    def add(self, piece: str) -> None:
        if self.first_at is None:
            self.first_at = self._clock()
        self.text += piece
        self.on_add()

    def decide(self, completion: Completion | None) -> None:
        self.completion = completion
        self.on_decide(completion)

    def shown(self) -> Completion | None:
        """The completion its complete lines so far make (worked out once per line)."""
        lines = self.text.rfind("\n") + 1
        if lines != self._previewed[0]:
            self._previewed = (lines, self.preview(self.text[:lines]) if lines else None)
        return self._previewed[1]


Fetch = Callable[[Prompt, Progress], Awaitable[Completion | None]]
Prepare = Callable[[], Awaitable[Prompt | None]]


class Ticket:
    """One request's claim on its document; it goes stale when a newer request arrives.

    A request waits in its own task on one future of its own, which whatever it waits for (the
    debounce, a stream's answer) and going stale resolve directly: an answer reaches the client
    in the loop turn after it was decided, with no task or callback in between.
    """

    def __init__(self) -> None:
        self.stale = False
        self._waiting: asyncio.Future[None] | None = None

    def expire(self) -> None:
        self.stale = True
        self.wake()

    def wake(self) -> None:
        """End the current wait, if there is one."""
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result(None)

    async def wait_quiet(self, seconds: float) -> bool:
        """Sleep ``seconds`` (the debounce); False if the ticket went stale meanwhile."""
        timer = asyncio.get_running_loop().call_later(seconds, self.wake)
        try:
            await self._wait()
        finally:
            timer.cancel()
        return not self.stale

    async def pause(self) -> bool:
        """Wait until something ``wake``s the ticket; False if it went stale."""
        await self._wait()
        return not self.stale

    async def _wait(self) -> None:
        if not self.stale:
            self._waiting = asyncio.get_running_loop().create_future()
            await self._waiting


def consistent(produced: str, typed: str) -> bool:
    """True while a stream that produced ``produced`` may still match what the user typed."""
    return produced.startswith(typed) or typed.startswith(produced)


class Stream:
    """One upstream call in flight, shared by the requests that attached to it.

    ``latest`` is the newest attached prompt; the stream is aborted as soon as its output
    contradicts what the user typed since it started (``diverged``). ``answer`` is the job's
    result, known as soon as the fetch decides it (the job may still be tidying up). Past
    ``show_after`` seconds from the first token, ``early`` tells what is decided so far.
    """

    def __init__(
        self,
        prompt: Prompt,
        progress: Progress,
        job: asyncio.Task[Completion | None],
        show_after: float | None = None,
    ):
        self.prompt = self.latest = prompt
        self.progress = progress
        self.job = job
        self.answer: asyncio.Future[Completion | None] = asyncio.get_running_loop().create_future()
        self.followers: set[Ticket] = set()
        self.diverged = False
        self.kept = False  # runs on without followers: answered early, or asked for ahead
        self._show_after = show_after
        self._showing = False
        self._timer: asyncio.TimerHandle | None = None
        self._lines = 0
        progress.on_add = self._added
        progress.on_decide = self._decided
        job.add_done_callback(self._ended)

    def early(self, prompt: Prompt) -> Completion | None:
        """What ``prompt`` can be shown before the whole completion is decided, if anything."""
        if not self._showing or (shown := self.progress.shown()) is None:
            return None
        typed = typed_since(self.prompt, prompt)
        if typed is None or not typed.text:
            return shown if typed is not None else None
        return remainder(shown, typed)

    def _added(self) -> None:
        progress = self.progress
        if self._show_after is not None and self._timer is None:  # the first token
            self._timer = asyncio.get_running_loop().call_later(self._show_after, self._show)
        if self._showing and (lines := progress.text.rfind("\n") + 1) != self._lines:
            self._lines = lines
            self._wake_followers()  # a line more to show
        self._check()

    def _show(self) -> None:
        self._showing = True
        self._wake_followers()

    def _decided(self, completion: Completion | None) -> None:
        if not self.answer.done():
            self.answer.set_result(completion)
            self._wake_followers()

    def _ended(self, job: asyncio.Task[Completion | None]) -> None:
        """The job ended before deciding (cancelled, failed): its end is the answer."""
        if self._timer is not None:
            self._timer.cancel()
        if self.answer.done():
            return
        if job.cancelled():
            self.answer.cancel()
        elif (error := job.exception()) is not None:
            self.answer.set_exception(error)
        else:
            self.answer.set_result(job.result())
        self._wake_followers()

    def _wake_followers(self) -> None:
        for ticket in self.followers:
            ticket.wake()

    def attach(self, prompt: Prompt) -> bool:
        """Follow this stream for ``prompt`` if what was typed agrees with what it produced.

        Before the first token nothing agrees yet: holding on then would keep a stale stream open
        for up to the model's whole time to first token.
        """
        since = typed_since(self.prompt, prompt)
        produced = self.progress.text
        if since is None:
            return False
        typed = since.text
        if (typed and not produced) or not consistent(produced, typed):
            return False
        self.latest = prompt
        return True

    def _check(self) -> None:
        if self.latest is self.prompt:
            return  # nothing typed since it started: any output agrees
        since = typed_since(self.prompt, self.latest)
        if not consistent(self.progress.text, since.text if since else ""):
            self.diverged = True
            self.job.cancel()  # stop paying for text nobody will see


class Scheduler:
    """Decides, per document, whether and when a request goes upstream."""

    def __init__(
        self,
        fetch: Fetch,
        policy: Policy,
        debouncer: Debouncer | None = None,
        cache: CompletionCache | None = None,
    ) -> None:
        self._fetch = fetch
        self.debouncer = debouncer or Debouncer(policy)
        self.cache = cache or CompletionCache()
        self.policy = policy
        self._tickets: dict[str, Ticket] = {}
        self._streams: dict[str, Stream] = {}

    @property
    def policy(self) -> Policy:
        return self._policy

    @policy.setter
    def policy(self, policy: Policy) -> None:
        self._policy = policy
        self.debouncer.policy = policy
        self.cache.clear()

    async def complete(self, uri: str, prepare: Prepare, invoked: bool) -> Completion | None:
        """The completion for document ``uri``; None when stale or nothing found.

        The request takes its place in line before ``prepare`` builds its prompt (None: nothing
        to send): however long that takes, arrival decides which request is the newest.
        """
        self.debouncer.requested()
        if not self._policy.supersede:
            prompt = await prepare()
            return None if prompt is None else await self._fetch(prompt, Progress())
        ticket = self._claim(uri)
        try:
            prompt = await prepare()
            if prompt is None or ticket.stale:
                return None
            return await self._serve(uri, prompt, invoked, ticket)
        finally:
            if self._tickets.get(uri) is ticket:
                del self._tickets[uri]

    def edited(self) -> None:
        self.debouncer.edited()

    def speculate(self, uri: str, prompt: Prompt) -> Stream | None:
        """Start a stream for ``prompt`` before anyone asks; None if the cache or the running
        stream already serve it. It runs without followers until the request that follows an
        accept attaches to it."""
        if self.cache.lookup(uri, prompt, count=False) is not MISS:
            return None
        stream = self._streams.get(uri)
        if stream is not None and stream.attach(prompt):
            return None
        stream = self._start(uri, prompt)
        stream.kept = True  # no follower leaving it may close it
        return stream

    def _claim(self, uri: str) -> Ticket:
        previous = self._tickets.get(uri)
        if previous is not None:
            previous.expire()
        ticket = self._tickets[uri] = Ticket()
        return ticket

    async def _serve(
        self, uri: str, prompt: Prompt, invoked: bool, ticket: Ticket
    ) -> Completion | None:
        kind = position_kind(prompt.prefix)
        self.debouncer.at(kind)
        if self._policy.reuse and (found := self.cache.lookup(uri, prompt)) is not MISS:
            return found
        stream = self._streams.get(uri)
        if stream is None or not self._policy.reuse or not stream.attach(prompt):
            self._abort(uri)  # it only serves stale requests now
            wait = 0.0 if invoked else self.debouncer.wait(kind)
            if wait and not await ticket.wait_quiet(wait):
                return None
            stream = self._start(uri, prompt)
        return await self._follow(uri, stream, prompt, ticket)

    async def _follow(
        self, uri: str, stream: Stream, prompt: Prompt, ticket: Ticket
    ) -> Completion | None:
        stream.followers.add(ticket)
        try:
            while not stream.answer.done():  # not cancelled with us: others follow
                if (early := stream.early(prompt)) is not None:
                    stream.kept = True
                    return early
                if not await ticket.pause():
                    return None
            if ticket.stale:
                return None
        finally:
            stream.followers.discard(ticket)
            if not stream.followers and not stream.answer.done():
                asyncio.get_running_loop().call_later(ORPHAN_GRACE, self._drop_orphan, stream)
        if stream.answer.cancelled():
            if stream.diverged and stream.latest is prompt:
                return await self._restart(uri, prompt, ticket)
            return None
        result = stream.answer.result()
        if stream.prompt is prompt:  # the stream's own request: comparing the prompts costs more
            return result
        typed = typed_since(stream.prompt, prompt)
        if typed is None or not typed.text or result is None:
            return result
        if (rest := remainder(result, typed)) is not None:
            return rest
        return await self._restart(uri, prompt, ticket)

    async def _restart(self, uri: str, prompt: Prompt, ticket: Ticket) -> Completion | None:
        """The model went another way than the user typed: ask for this prompt itself."""
        if not await ticket.wait_quiet(self.debouncer.wait()):  # the user may still be typing
            return None
        return await self._follow(uri, self._start(uri, prompt), prompt, ticket)

    def _start(self, uri: str, prompt: Prompt) -> Stream:
        self._abort(uri)
        progress = Progress()
        job = asyncio.ensure_future(self._run(uri, prompt, progress))
        stream = Stream(prompt, progress, job, self._policy.show_after)
        self._streams[uri] = stream
        stream.job.add_done_callback(lambda _: self._forget(uri, stream))
        return stream

    async def _run(self, uri: str, prompt: Prompt, progress: Progress) -> Completion | None:
        result = await self._fetch(prompt, progress)
        if progress.first_at is not None:
            self.debouncer.answered(progress.first_at - progress.started)
        if self._policy.reuse and not progress.failed:
            self.cache.store(uri, prompt, result)
        return result

    def _abort(self, uri: str) -> None:
        stream = self._streams.pop(uri, None)
        if stream is not None:
            stream.job.cancel()  # closes the HTTP stream: the provider stops generating

    def _drop_orphan(self, stream: Stream) -> None:
        if not stream.followers and not stream.answer.done() and not stream.kept:
            stream.job.cancel()

    def _forget(self, uri: str, stream: Stream) -> None:
        if self._streams.get(uri) is stream:
            del self._streams[uri]
