"""The lifecycle's pure parts: cache, debounce rule and scheduler, with a scripted fetch."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.lifecycle.cache import MISS, CompletionCache
from qwen_lsp.engine.lifecycle.debounce import (
    PAUSE,
    Debouncer,
    covering_gap,
    position_kind,
    quantile,
)
from qwen_lsp.engine.lifecycle.policy import Policy, policy_for
from qwen_lsp.engine.lifecycle.scheduler import Prepare, Progress, Scheduler
from qwen_lsp.engine.values import Completion
from qwen_lsp.lsp.edits import splice
from qwen_lsp.positions import PositionError


def prompt(prefix: str, suffix: str = "\n") -> Prompt:
    return Prompt(prefix=prefix, suffix=suffix, path="a.py", language_id="python")


# --- cache -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", "return total"),  # the same prompt again (undo, cursor back)
        ("r", "eturn total"),
        ("return tota", "l"),
        ("return total", MISS),  # typed it all: nothing left to show
        ("x", MISS),  # diverged
    ],
)
def test_cache_serves_what_is_left_after_typing_along(typed: str, expected: object) -> None:
    cache = CompletionCache()
    cache.store("a", prompt("    "), Completion("return total"))
    found = cache.lookup("a", prompt("    " + typed))
    assert (found.text if isinstance(found, Completion) else found) == expected


@pytest.mark.parametrize(
    "later",
    [
        prompt("   xr"),  # ends with the completion's start, but the stored prefix was changed
        prompt("    r", suffix="\nmore\n"),  # typed along, but the text after the cursor moved
    ],
)
def test_typing_along_needs_the_rest_of_the_prompt_unchanged(later: Prompt) -> None:
    cache = CompletionCache()
    cache.store("a", prompt("    "), Completion("return total"))
    assert cache.lookup("a", later) is MISS


@pytest.mark.parametrize(
    ("typed", "after", "expected"),
    [
        ("min(", ")\n", ("values), max(values)", 1)),  # the editor closed the pair
        ("min(values", ")\n", ("), max(values)", 1)),
        ("min(values)", "\n", (", max(values)", 0)),  # the closer typed over
        ("min(values), max(", ")\n", ("values)", 1)),
        ("min(", "]\n", MISS),  # a closer the rest does not write: it stays
        ("min(", "x)\n", MISS),  # not what an editor inserts
        ("", ")\n", MISS),  # nothing typed, yet the text after the cursor changed
    ],
)
def test_cache_serves_typing_with_pairs_auto_closed(
    typed: str, after: str, expected: object
) -> None:
    cache = CompletionCache()
    cache.store("a", prompt("lo, hi = "), Completion("min(values), max(values)"))
    found = cache.lookup("a", prompt("lo, hi = " + typed, after))
    shown = (found.text, found.replace_length) if isinstance(found, Completion) else found
    assert shown == expected


def test_a_closer_typed_over_leaves_the_range_it_was_in() -> None:
    cache = CompletionCache()
    cache.store("a", prompt("print(", ")\n"), Completion("x), y", replace_length=1))
    found = cache.lookup("a", prompt("print(x)", "\n"))
    assert found == Completion(", y", 0)
    assert cache.lookup("a", prompt("print(x))", "\n")) is MISS  # more typed over than covered


def test_cache_is_per_document_and_needs_the_same_context() -> None:
    cache = CompletionCache()
    cache.store("a", prompt("x = "), Completion("1"))
    assert cache.lookup("b", prompt("x = ")) is MISS
    assert cache.lookup("a", prompt("x = ", suffix="\ny = 2\n")) is MISS
    cache.store("a", prompt("y = "), None)  # "nothing to add here" is remembered too
    assert cache.lookup("a", prompt("y = ")) is None


def test_prompts_alike_at_the_cursor_are_still_told_apart() -> None:
    """A prompt's hash reads only the text near the cursor: prompts that differ far from it
    collide, and each must still find its own completion, or none."""
    far = "x" * 500
    first, second = prompt("a" + far, suffix=far + "1"), prompt("b" + far, suffix=far + "1")
    third = prompt("a" + far, suffix=far[:-1] + "21")  # differs inside the suffix
    assert hash(first) == hash(second) == hash(third)
    cache = CompletionCache()
    cache.store("a", first, Completion("one"))
    cache.store("a", second, None)
    assert cache.lookup("a", first) == Completion("one")
    assert cache.lookup("a", second) is None
    assert cache.lookup("a", third) is MISS
    typed = prompt("a" + far + "o", suffix=far + "1")  # typing along the first, past the None
    assert cache.lookup("a", typed) == Completion("ne")


def test_a_forgotten_document_holds_nothing() -> None:
    cache = CompletionCache()
    cache.store("a", prompt("x"), Completion("yz"))
    cache.store("b", prompt("x"), Completion("yz"))
    held = cache.chars
    cache.forget("a")
    cache.forget("never seen")
    assert cache.lookup("a", prompt("x")) is MISS
    assert cache.lookup("b", prompt("x")) == Completion("yz")
    assert cache.chars == held // 2


def test_cache_is_bounded_per_document_and_in_documents() -> None:
    cache = CompletionCache(per_document=2, documents=2)
    for n in range(3):
        cache.store("a", prompt(f"{n} "), Completion("x"))
    assert cache.lookup("a", prompt("0 ")) is MISS
    assert cache.lookup("a", prompt("2 ")) != MISS
    cache.store("b", prompt("b"), Completion("x"))
    cache.store("c", prompt("c"), Completion("x"))
    assert cache.lookup("a", prompt("2 ")) is MISS  # the least recently used document went


# --- debounce ----------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def typing(debouncer: Debouncer, clock: Clock, gaps: list[float]) -> None:
    for gap in gaps:
        clock.now += gap
        debouncer.edited()


def test_quantile_is_nearest_rank() -> None:
    assert quantile([5, 1, 3, 2, 4], 0.5) == 3
    assert quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 10


def test_debounce_starts_at_the_setting_then_follows_the_typing() -> None:
    clock = Clock()
    debouncer = Debouncer(Policy(120), clock)
    assert debouncer.quiet() == pytest.approx(0.12)
    typing(debouncer, clock, [0.06] * 12)  # 11 gaps: the first edit has none before it
    assert debouncer.quiet() == pytest.approx(0.12)  # too few gaps to wait less than the setting
    typing(debouncer, clock, [0.06, 3.0])  # the pause is not a typing gap
    assert debouncer.quiet() == pytest.approx(0.075)
    typing(debouncer, clock, [0.2] * 24)
    assert debouncer.quiet() == pytest.approx(0.25)


def test_debounce_is_capped_by_the_model_latency_and_counted_from_the_last_edit() -> None:
    clock = Clock()
    debouncer = Debouncer(Policy(120), clock)
    typing(debouncer, clock, [0.4] * 10)  # a slow typist
    assert debouncer.quiet() == pytest.approx(0.5)
    for _ in range(3):
        debouncer.answered(0.2)
    assert debouncer.quiet() == pytest.approx(0.25)  # 1.25 × the time to first token
    clock.now += 0.1
    assert debouncer.wait() == pytest.approx(0.15)  # the client already waited 100 ms
    clock.now += 1.0
    assert debouncer.wait() == 0.0


def test_a_request_after_no_edit_waits_a_quiet_time_of_its_own() -> None:
    clock = Clock()
    debouncer = Debouncer(Policy(120), clock)
    typing(debouncer, clock, [0.06] * 13)
    debouncer.requested()  # the keystroke's own request: counted from the edit
    clock.now += 1.0
    debouncer.requested()  # a move to another file a second later: no edit before it
    assert debouncer.wait() == pytest.approx(0.075)  # not 0: typing there is likely
    clock.now += 0.05
    debouncer.edited()  # ... and it came
    clock.now += 0.2  # a client that debounces on its own (Neovim 0.12) asks only now
    debouncer.requested()
    assert debouncer.wait() == 0.0  # counted from the edit: it does not pay twice


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [
        ("", "line"),
        ("x = 1\n", "line"),
        ("def f():\n    ", "line"),
        ("    retur", "word"),
        ("    x_1", "word"),
        ("    if x ", "space"),
        ("    print(", "space"),
        ("a\r\n\t", "line"),
    ],
)
def test_position_kinds(prefix: str, kind: str) -> None:
    assert position_kind(prefix) == kind


@pytest.mark.parametrize(
    ("after_edits", "gap"),
    [
        ([], 0.0),
        ([PAUSE] * 5, 0.0),  # nothing but pauses: no gap to outlast
        ([0.05] * 9 + [0.3], 0.3),  # no pause yet: no wasted request allowed
        ([0.05] * 9 + [0.3] + [PAUSE], 0.05),  # from the first pause on, one may be
        ([0.05] * 8 + [0.3, 0.2] + [PAUSE] * 10, 0.2),  # one in ten pauses may cost one
        ([0.05] * 8 + [0.3, 0.2] + [PAUSE] * 11, 0.05),  # rounded up
    ],
)
def test_covering_gap_allows_a_wasted_request_every_ten_pauses(
    after_edits: list[float], gap: float
) -> None:
    assert covering_gap(after_edits) == gap


def test_each_kind_of_position_learns_its_own_wait() -> None:
    """Hesitations between words lengthen the wait there, not at the start of a line."""
    clock = Clock()
    debouncer = Debouncer(Policy(120), clock)
    for _ in range(12):  # a word, a hesitation after its space, a new line and a pause
        for kind, gap in [("word", 0.04)] * 3 + [("space", 0.34), ("word", 0.04), ("line", 2.0)]:
            debouncer.at(kind)
            clock.now += gap
            debouncer.edited()
    assert debouncer.quiet("space") == pytest.approx(0.425)  # outlasts the hesitations
    assert debouncer.quiet("line") == pytest.approx(0.05)  # only pauses follow: the floor
    assert debouncer.quiet("word") == pytest.approx(0.05)
    assert debouncer.quiet() == pytest.approx(0.425)  # no kind: p90 of all typing gaps


def test_a_kind_seen_too_rarely_waits_as_inside_a_burst() -> None:
    clock = Clock()
    debouncer = Debouncer(Policy(120), clock)
    typing(debouncer, clock, [0.06] * 12 + [PAUSE])
    debouncer.at("space")
    clock.now += 0.5
    debouncer.edited()  # one long gap after a space: too few to go by
    assert debouncer.quiet("space") == pytest.approx(0.075)


def test_inside_a_line_a_first_session_waits_as_inside_a_burst() -> None:
    """No pause seen yet: a position inside a line waits what the typing so far says, not the
    cap (a request at a hesitation is not wasted when the user then types its answer)."""
    clock = Clock()
    debouncer = Debouncer(Policy(120), clock)
    typing(debouncer, clock, [0.06] * 13)
    assert debouncer.quiet("word") == debouncer.quiet("space") == pytest.approx(0.075)
    assert debouncer.quiet("line") == debouncer.quiet() == pytest.approx(0.075)


@pytest.mark.parametrize(("debounce_ms", "adaptive"), [(0, True), (120, False)])
def test_debounce_off_or_fixed_ignores_what_it_learnt(debounce_ms: int, adaptive: bool) -> None:
    clock = Clock()
    debouncer = Debouncer(Policy(debounce_ms, adaptive=adaptive), clock)
    typing(debouncer, clock, [0.3] * 10)
    assert debouncer.wait() == pytest.approx(debounce_ms / 1000)


def test_policies_by_name() -> None:
    assert policy_for("naive", 120) == Policy(
        0, adaptive=False, supersede=False, reuse=False, show_after=None
    )
    assert policy_for("fixed", 250) == Policy(250, adaptive=False, reuse=False, show_after=None)
    assert policy_for("default", 90) == policy_for("anything else", 90) == Policy(90)


# --- scheduler ---------------------------------------------------------------------------------


class Model:
    """A fetch that streams scripted replies piece by piece, released by the test."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.calls: list[str] = []
        self.cancelled: list[str] = []
        self.step = asyncio.Event()

    async def __call__(self, p: Prompt, progress: Progress) -> Completion | None:
        self.calls.append(p.prefix)
        reply = self.replies.pop(0)
        try:
            for piece in reply.split("|"):
                await self.step.wait()
                self.step.clear()
                progress.add(piece)
        except asyncio.CancelledError:
            self.cancelled.append(p.prefix)
            raise
        return Completion(reply.replace("|", ""))


def ready(p: Prompt) -> Prepare:
    async def prepare() -> Prompt:
        return p

    return prepare


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_a_newer_request_answers_the_older_and_cancels_its_fetch() -> None:
    model = Model("pass", "turn 0")
    scheduler = Scheduler(model, Policy(0))
    old = asyncio.ensure_future(scheduler.complete("a", ready(prompt("x")), invoked=True))
    await settle()
    new = asyncio.ensure_future(scheduler.complete("a", ready(prompt("re")), invoked=True))
    await settle()
    model.step.set()

    assert await old is None
    assert await new == Completion("turn 0")
    assert model.cancelled == ["x"]


async def test_typing_what_the_stream_produced_attaches_and_divergence_restarts() -> None:
    model = Model("ret|urn 1", "pass")
    scheduler = Scheduler(model, Policy(0))
    first = asyncio.ensure_future(scheduler.complete("a", ready(prompt("")), invoked=True))
    await settle()
    model.step.set()
    await settle()
    second = asyncio.ensure_future(scheduler.complete("a", ready(prompt("re")), invoked=False))
    await settle()
    model.step.set()
    assert await second == Completion("turn 1")
    assert await first is None
    assert model.calls == [""]

    third = asyncio.ensure_future(scheduler.complete("a", ready(prompt("return 2")), invoked=False))
    await settle()
    model.step.set()
    assert await third == Completion("pass")
    assert model.calls == ["", "return 2"]


async def test_arrival_not_preparation_decides_which_request_is_newest() -> None:
    # Preparing a prompt can wait (a git check for an ignored file); a request that arrived
    # earlier but finished preparing later must not supersede the newer one.
    model = Model("turn 0")
    scheduler = Scheduler(model, Policy(0))
    slow = asyncio.Event()

    async def slow_prepare() -> Prompt:
        await slow.wait()
        return prompt("r")

    old = asyncio.ensure_future(scheduler.complete("a", slow_prepare, invoked=True))
    await settle()
    new = asyncio.ensure_future(scheduler.complete("a", ready(prompt("re")), invoked=True))
    await settle()
    slow.set()
    await settle()
    model.step.set()

    assert await new == Completion("turn 0")
    assert await old is None
    assert model.calls == ["re"]  # the older request never went upstream


async def test_a_decided_completion_is_answered_while_the_fetch_still_tidies_up() -> None:
    tidied = asyncio.Event()

    async def fetch(p: Prompt, progress: Progress) -> Completion | None:
        progress.add("pass")
        progress.decide(Completion("pass"))
        await tidied.wait()  # closing the stream, accounting
        return Completion("pass")

    scheduler = Scheduler(fetch, Policy(0))
    request = asyncio.ensure_future(scheduler.complete("a", ready(prompt("")), invoked=True))
    assert await asyncio.wait_for(request, 5) == Completion("pass")
    # A request for the same prompt now attaches to the tidying stream and is answered too.
    again = scheduler.complete("a", ready(prompt("")), invoked=True)
    assert await asyncio.wait_for(again, 5) == Completion("pass")
    tidied.set()
    await settle()
    assert scheduler.cache.lookup("a", prompt("")) == Completion("pass")  # remembered after


async def test_documents_do_not_supersede_each_other() -> None:
    model = Model("1", "2")
    scheduler = Scheduler(model, Policy(0))
    a = asyncio.ensure_future(scheduler.complete("a", ready(prompt("x")), invoked=True))
    b = asyncio.ensure_future(scheduler.complete("b", ready(prompt("x")), invoked=True))
    await settle()
    model.step.set()
    await settle()
    model.step.set()
    assert {(await a).text, (await b).text} == {"1", "2"}  # type: ignore[union-attr]
    assert model.cancelled == []


# --- edits -------------------------------------------------------------------------------------


def change(start: tuple[int, int], end: tuple[int, int], text: str) -> Any:
    return types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(*start), end=types.Position(*end)), text=text
    )


@pytest.mark.parametrize(
    ("before", "edit", "after"),
    [
        ("ab\ncd\n", change((1, 1), (1, 1), "X"), "ab\ncXd\n"),
        ("ab\ncd\n", change((0, 1), (1, 1), ""), "ad\n"),
        ("a😀b\n", change((0, 3), (0, 4), "c"), "a😀c\n"),  # UTF-16: the emoji is two units
        ("ab", change((0, 9), (0, 9), "!"), "ab!"),  # past the end of the line: its end
        ("ab\n", types.TextDocumentContentChangeWholeDocument(text="new"), "new"),
    ],
)
def test_splice_applies_an_lsp_change(before: str, edit: Any, after: str) -> None:
    assert splice(before, edit, "utf-16") == after


def test_splice_refuses_a_range_outside_the_text() -> None:
    with pytest.raises(PositionError):
        splice("ab\n", change((5, 0), (5, 0), "x"), "utf-16")
