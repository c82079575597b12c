"""Local counters since start, for the ``qwen-lsp.stats`` command. Nothing leaves the machine."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# CNY per 1,000 tokens (input, output), ≤32K-input tier, from the providers' price lists.
PRICES: dict[str, tuple[float, float]] = {
    "qwen3-coder-flash": (0.001, 0.004),
    "qwen3-coder-plus": (0.004, 0.016),
}
LATENCY_SAMPLES = 10_000  # bounded, so a server running for days keeps a constant size


@dataclass
class Stats:
    """Counters the engine and the LSP layer bump; ``snapshot`` turns them into JSON."""

    completions: int = 0  # completion requests that reached the engine
    requests: int = 0  # of which went upstream
    alternatives: int = 0  # extra requests for more suggestions on invoked requests (in requests)
    cache_hits: int = 0
    skipped: int = 0  # not sent: breaker open, rate-limited or over budget
    failures: int = 0
    aborted_streams: int = 0  # closed because a newer keystroke or a cancel made them stale
    speculative: int = 0  # of the requests, sent after an accept before the editor asked
    speculative_closed: int = 0  # of which closed by an edit going another way
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    priced: bool = True  # False once a request used a model without a known price
    shown: int = 0
    accepted: int = 0
    partially_accepted: int = 0
    accepted_chars: int = 0
    started: float = field(default_factory=time.time)
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))

    def used(self, model: str, tokens_in: int, tokens_out: int) -> None:
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        price = PRICES.get(model)
        if price is None:
            self.priced = False
        else:
            self.cost += (tokens_in * price[0] + tokens_out * price[1]) / 1000

    def snapshot(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)
        return {
            "since": datetime.fromtimestamp(self.started, timezone.utc).isoformat(),
            "completions": self.completions,
            "requests": self.requests,
            "alternatives": self.alternatives,
            "cacheHits": self.cache_hits,
            "skipped": self.skipped,
            "failures": self.failures,
            "abortedStreams": self.aborted_streams,
            "speculativeRequests": self.speculative,
            "speculativeClosed": self.speculative_closed,
            "tokensIn": self.tokens_in,
            "tokensOut": self.tokens_out,
            "estimatedCost": round(self.cost, 6) if self.priced else None,
            "currency": "CNY",
            "shown": self.shown,
            "accepted": self.accepted,
            "partiallyAccepted": self.partially_accepted,
            "acceptedChars": self.accepted_chars,
            "latencyMs": {
                "p50": percentile(ordered, 50),
                "p95": percentile(ordered, 95),
                "samples": len(ordered),
            },
        }


def percentile(ordered: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of sorted values (None when there are none)."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * pct // 100))
    return round(ordered[int(rank) - 1], 1)
