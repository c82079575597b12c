"""Back-off, circuit breaker and budgets with a fake clock: no sleeping."""

from __future__ import annotations

import random
from datetime import date

import pytest

from qwen_lsp.engine.budget import Budget, Limits, is_local, limits_for
from qwen_lsp.engine.errors import UpstreamError
from qwen_lsp.engine.resilience import THRESHOLD, Backoff, Breaker
from qwen_lsp.engine.stats import Stats, percentile
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
    assert budget.admit() is None


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
