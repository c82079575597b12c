"""How long to wait after the last edit before asking the model: learnt, not guessed.

The rule (measured in ``bench/lifecycle.py``, see the README's Performance section):

    quiet = clamp(1.25 × p90(recent typing gaps), FLOOR, cap)
    cap   = clamp(TTFT_SHARE × median(recent time to first token), FLOOR_CAP, CEILING)

A typing gap is the time between two edits less than ``PAUSE`` apart; longer gaps are pauses, not
typing. Waiting a little longer than almost every gap inside a burst means one request per pause.
The cap ties the wait to the model: when the model answers fast, every millisecond of waiting is a
large share of what the user waits, so slow typists get a request per keystroke instead (each one
answered or closed at the next keystroke). The quiet time counts from the last edit in any
document, so a client that already waited (Neovim 0.12 debounces 200 ms itself) does not pay twice,
while a move into another file right after typing still waits. A request that follows no edit (the
cursor moved, another file came to the front) starts a quiet time of its own: typing usually comes
next, and would make the answer useless.
``debounceMs`` is the floor until 12 gaps were seen (slower typing raises the wait at once, faster
typing lowers it only then); 0 turns debouncing off.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from qwen_lsp.engine.policy import Policy

PAUSE = 1.0  # seconds: a longer gap between edits ends a burst of typing
FLOOR = 0.05
FLOOR_CAP = 0.15
CEILING = 0.6
GAP_MARGIN = 1.25
TTFT_SHARE = 0.5
# Below ``debounceMs`` only from this many gaps on: the 90th percentile of a handful of gaps is
# their largest, which the next gap often beats (an early request the next keystroke wastes).
TRUSTED_SAMPLES = 12
_GAPS = 24
_LATENCIES = 8


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank; values need not be sorted)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Debouncer:
    """Learns typing gaps and model latency; tells how long a request should still wait."""

    def __init__(self, policy: Policy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._gaps: deque[float] = deque(maxlen=_GAPS)
        self._latencies: deque[float] = deque(maxlen=_LATENCIES)
        self._last_edit: float | None = None
        self._last_activity: float | None = None  # the last edit, or a request after no edit
        self._edited_since_request = False

    def edited(self) -> None:
        """A document changed (a keystroke, usually)."""
        now = self._clock()
        if self._last_edit is not None and now - self._last_edit < PAUSE:
            self._gaps.append(now - self._last_edit)
        self._last_edit = self._last_activity = now
        self._edited_since_request = True

    def requested(self) -> None:
        """A completion request arrived; one with no edit before it is activity of its own."""
        if not self._edited_since_request:
            self._last_activity = self._clock()
        self._edited_since_request = False

    def answered(self, first_token_seconds: float) -> None:
        """An upstream stream produced its first text this long after it was opened."""
        self._latencies.append(first_token_seconds)

    def quiet(self) -> float:
        """The quiet time, in seconds, a request needs after the last edit."""
        base = self.policy.debounce_ms / 1000
        if not base or not self.policy.adaptive or not self._gaps:
            return base
        cap = CEILING
        if self._latencies:
            cap = min(CEILING, max(FLOOR_CAP, TTFT_SHARE * quantile(list(self._latencies), 0.5)))
        learnt = min(cap, max(FLOOR, GAP_MARGIN * quantile(list(self._gaps), 0.9)))
        return learnt if len(self._gaps) >= TRUSTED_SAMPLES else max(base, learnt)

    def wait(self) -> float:
        """How much longer a request arriving now should wait."""
        quiet = self.quiet()
        if not self.policy.adaptive or self._last_activity is None:
            return quiet
        return max(0.0, quiet - (self._clock() - self._last_activity))
