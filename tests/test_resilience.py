"""Back-off, circuit breaker and budgets with a fake clock: no sleeping."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from datetime import date
from typing import Any

import pytest

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.lifecycle.stats import Stats, percentile
from qwen_lsp.engine.upstream.budget import Budget, Limits, is_local, limits_for
from qwen_lsp.engine.upstream.client import StreamStats
from qwen_lsp.engine.upstream.errors import UpstreamError
from qwen_lsp.engine.upstream.guard import Guard, retrying
from qwen_lsp.engine.upstream.resilience import THRESHOLD, Backoff, Breaker
from qwen_lsp.engine.values import Status
from qwen_lsp.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    backoff, rng = Backoff(base=1.0, cap=30.0), random.Random(7)
    delays = [backoff.delay(n, rng) for n in range(8)]
    for n, delay in enumerate(delays):
        ceiling = min(30.0, 2.0**n)
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered, not a fixed ladder
    assert backoff.delay(10_000, rng) <= 30.0


def test_breaker_opens_after_threshold_then_lets_exactly_one_probe_through() -> None:
    clock = Clock()
    breaker = Breaker(Backoff(1.0, 4.0), clock, random.Random(1))
    for _ in range(THRESHOLD - 1):
        assert breaker.admit() is None
        status = breaker.failed(UpstreamError("server", "503"))
        assert not status.alert
    assert breaker.admit() is None
    opened = breaker.failed(UpstreamError("server", "503"))
    assert opened.alert and opened.retry_in_ms is not None and opened.retry_in_ms <= 1000

    assert breaker.admit() is not None  # open: answered at once, nothing sent
    clock.now += 1.0
    assert breaker.admit() is None  # the probe
    assert breaker.admit() is not None  # only one probe at a time
    breaker.failed(UpstreamError("server", "503"))  # the probe failed: open again, longer
    clock.now += 0.99  # the second pause is 1-2 s
    assert breaker.admit() is not None
    clock.now += 1.01
    assert breaker.admit() is None
    assert breaker.succeeded() is True
    assert breaker.admit() is None and breaker.admit() is None


def test_cancelled_probe_lets_the_next_request_probe() -> None:
    clock = Clock()
    breaker = Breaker(Backoff(1.0, 1.0), clock)
    breaker.failed(UpstreamError("auth", "bad key"))
    clock.now += 2
    assert breaker.admit() is None
    breaker.abandoned()
    assert breaker.admit() is None


@pytest.mark.parametrize(
    ("kind", "opens"),
    [("auth", True), ("quota", True), ("not_found", True), ("prefix_unsupported", True),
     ("rate_limited", True), ("context_too_long", False), ("bad_request", False),
     ("server", False), ("stream", False)],
)  # fmt: skip
def test_which_kinds_open_the_breaker_at_once(kind: str, opens: bool) -> None:
    breaker = Breaker(Backoff(1.0, 60.0), Clock())
    breaker.failed(UpstreamError(kind, "x"))
    assert (breaker.admit() is not None) is opens


def test_pause_left_counts_down_only_for_pauses_that_end_by_themselves() -> None:
    clock = Clock()
    breaker = Breaker(Backoff(1.0, 1.0), clock)
    assert breaker.pause_left() == 0  # closed
    breaker.failed(UpstreamError("rate_limited", "429", retry_after=5.0))
    assert breaker.pause_left() == 5.0
    clock.now += 5.5
    assert breaker.pause_left() == 0
    assert breaker.admit() is None and breaker.probing
    assert breaker.pause_left() is None  # the probe's answer decides
    breaker.failed(UpstreamError("auth", "bad key"))
    assert breaker.pause_left() is None  # waiting does not fix a bad key
    breaker.failed(UpstreamError("server", "503"))  # the next probe: a transient failure
    assert 0 < (breaker.pause_left() or 0) <= 1.0
    breaker.succeeded()
    assert breaker.pause_left() == 0


def failing(error: UpstreamError) -> Coroutine[Any, Any, None]:
    async def work() -> None:
        raise error

    return work()


async def wait_for(statuses: list[Status], wanted: Status) -> None:
    for _ in range(1000):
        if wanted in statuses:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {wanted} in {statuses}")


async def test_guard_announces_a_pause_end_once_not_for_problems_needing_the_user() -> None:
    statuses: list[Status] = []
    guard = Guard(Settings(backoff_ms=1, backoff_max_ms=1), statuses.append)
    prompt = Prompt(prefix="x = ", suffix="", path="a.py", language_id="python")
    limited = UpstreamError("rate_limited", "429", retry_after=0.3)

    assert not await guard.call(failing(limited), StreamStats(), prompt, str)
    assert not guard.admit()  # still paused: says so again, and the end is planned again
    resumed = Status("retrying", "rate_limited", "429")  # the failure it retries after
    await wait_for(statuses, resumed)

    assert [s.state for s in statuses] == ["busy", "rate_limited", "rate_limited", "retrying"]
    assert statuses.count(resumed) == 1 and retrying(statuses[1]) == resumed
    assert guard.admit()  # the probe
    bad_key = UpstreamError("auth", "bad key")
    assert not await guard.call(failing(bad_key), StreamStats(), prompt, str)
    await asyncio.sleep(0.1)  # far past the 1 ms pause: still no announcement
    assert statuses[-1].kind == "auth" and statuses.count(resumed) == 1


def test_a_probe_the_budget_refuses_is_handed_back() -> None:
    statuses: list[Status] = []
    guard = Guard(Settings(backoff_ms=1, backoff_max_ms=1, requests_per_minute=1), statuses.append)
    guard._budget.started()  # the minute's one request went out
    guard._breaker.failed(UpstreamError("server", "503"))
    guard._breaker._open_until = 0  # its pause is over: the next admission is the probe

    assert not guard.admit()  # over budget: no probe either
    assert not guard._breaker.probing
    assert statuses[-1].kind == "budget"


def test_rate_limit_waits_for_retry_after_even_when_backoff_is_shorter() -> None:
    clock = Clock()
    breaker = Breaker(Backoff(0.01, 0.01), clock)
    status = breaker.failed(UpstreamError("rate_limited", "429", retry_after=5.0))
    assert (status.state, status.retry_in_ms) == ("rate_limited", 5000)
    clock.now += 4.9
    assert breaker.admit() is not None
    clock.now += 0.2
    assert breaker.admit() is None


def test_budget_per_minute_requests_tokens_and_day() -> None:
    clock, day = Clock(), [date(2026, 1, 1)]
    budget = Budget(Limits(2, 100, 1000), clock, lambda: day[0])
    for _ in range(2):
        assert budget.admit() is None
        budget.started()
        budget.spent(10)
    blocked = budget.admit()
    assert blocked is not None and blocked.kind == "budget" and blocked.retry_in_ms == 60_000
    clock.now += 60
    assert budget.admit() is None
    budget.started()
    budget.spent(100)
    assert "tokens a minute" in (budget.admit() or blocked).message
    clock.now += 61
    budget.spent(900)
    clock.now += 61
    daily = budget.admit()
    assert daily is not None and "daily" in daily.message and daily.retry_in_ms is None
    day[0] = date(2026, 1, 2)
    clock.now += 59
    assert budget.admit() is not None  # the date is looked at once a minute
    clock.now += 1
    assert budget.admit() is None  # a new day: a new budget


def test_tokens_leave_the_minute_one_request_at_a_time() -> None:
    clock = Clock()
    budget = Budget(Limits(0, 100, 0), clock)
    budget.spent(60)
    clock.now += 30
    budget.spent(50)
    assert budget.admit() is not None  # 110 tokens in the last minute
    clock.now += 31
    assert budget.admit() is None  # the 60 are older than a minute: 50 left
    budget.spent(49)
    assert budget.admit() is None  # 99
    budget.spent(1)
    assert budget.admit() is not None  # 100


@pytest.mark.parametrize(
    ("url", "local"),
    [("http://127.0.0.1:11434/v1", True), ("http://localhost:8080/v1", True),
     ("http://192.168.1.5/v1", True), ("http://[::1]:8000/v1", True),
     ("https://dashscope.aliyuncs.com/compatible-mode/v1", False),
     ("https://8.8.8.8/v1", False)],
)  # fmt: skip
def test_budgets_default_off_for_local_providers_only(url: str, local: bool) -> None:
    assert is_local(url) is local
    limits = limits_for(Settings(base_url=url))
    assert (limits == Limits()) is local
    assert limits_for(Settings(base_url=url, requests_per_minute=0, tokens_per_minute=0,
                               tokens_per_day=0)) == Limits()  # fmt: skip


def test_stats_cost_and_percentiles() -> None:
    stats = Stats()
    stats.used("qwen3-coder-flash", 1000, 1000)
    assert stats.snapshot()["estimatedCost"] == pytest.approx(0.005)
    stats.used("my-local-model", 10, 10)
    assert stats.snapshot()["estimatedCost"] is None
    assert percentile([float(n) for n in range(1, 101)], 95) == 95
    assert percentile([], 50) is None
