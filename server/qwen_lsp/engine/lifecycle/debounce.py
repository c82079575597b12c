"""How long to wait after the last edit before asking the model: learnt, not guessed.

The rule (measured in ``bench/lifecycle.py``, see the README's Performance section):

    quiet(kind) = clamp(1.25 × g, FLOOR, cap), g = the shortest wait that would have sent at
                  most one wasted request every ten pauses (one from the first pause on) over
                  the recent edits at that kind of position
    cap         = clamp(1.25 × median(recent time to first token), FLOOR_CAP, CEILING)

After each edit, the user either types on (a typing gap, under ``PAUSE``) or pauses. A request
sent after waiting ``q`` is wasted by every typing gap longer than ``q`` and useful after every
pause, so ``g`` is the typing gap that leaves a tenth as many longer gaps as there were pauses:
the fewest requests a pause the target allows, at the least waiting. Edits are learnt per kind of
position they leave the cursor at (:func:`position_kind`): people hesitate between words, stop to
notice a typo inside a word and wait for a suggestion at the start of a line, and one figure for
all of them is too short a wait for the first two and too long for the last.
The cap ties the wait to the model: waiting longer than the model takes to start answering costs
the user more than the request it may save, and a fast (local) model's requests are cheap, so
slow typists get a request per keystroke instead (each one answered or closed at the next
keystroke). The quiet time counts from the last edit in any document, so a client that already
waited (Neovim 0.12 debounces 200 ms itself) does not pay twice, while a move into another file
right after typing still waits. A request that follows no edit (the cursor moved, another file
came to the front) starts a quiet time of its own: typing usually comes next, and would make the
answer useless.
Until a kind has ``KIND_SAMPLES`` edits, its wait is the one inside a burst of typing: 1.25 ×
the 90th percentile of all typing gaps. ``debounceMs`` is the floor until the edits the wait was
learnt from number 12 (slower typing raises the wait at once, faster typing lowers it only then);
0 turns debouncing off. What was learnt outlives the server (:mod:`typing_memory`): a new session
starts from the last one's typing gaps, not cold.

A user's first session gets no rule of its own: a position inside a line waits as any position
does from what was learnt so far, short while little is known, instead of the cap until a first
pause is seen. A request sent at what turns out to be a hesitation is not lost when the user then
types what it proposed: the rest comes from the cache or the running stream (the scheduler), with
no second request. Only a hesitation that ends before the model's first token, or typing that
goes another way, wastes it; ``bench.typists`` counts that reuse, and waiting the cap inside a
line for the first pause saved too few requests there for what it cost the user at every pause
inside a line before it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from qwen_lsp.engine.lifecycle.policy import Policy

PAUSE = 1.0  # seconds: a longer gap between edits ends a burst of typing
FLOOR = 0.05
FLOOR_CAP = 0.15
CEILING = 0.6
GAP_MARGIN = 1.25
TTFT_SHARE = 1.25
WASTED_PER_PAUSE = 0.1
# Below ``debounceMs`` only from this many gaps on: the longest of a handful of gaps is often
# beaten by the next one (an early request the next keystroke wastes).
TRUSTED_SAMPLES = 12
KIND_SAMPLES = 3
KINDS = ("line", "word", "space")
EDITS = 48  # gaps kept, overall and per kind of position
_LATENCIES = 8


@dataclass(frozen=True)
class Rhythm:
    """What the debounce has learnt of a typist: what followed each recent edit (seconds, a
    pause counted as ``PAUSE``), overall and per kind of position, oldest first."""

    edits: tuple[float, ...] = ()
    by_kind: Mapping[str, tuple[float, ...]] = field(default_factory=dict)


def position_kind(prefix: str) -> str:
    """Where the cursor is: ``line`` (nothing but indentation before it on its line), ``word``
    (just after a letter, digit or underscore) or ``space`` (between words, after punctuation)."""
    line = prefix[prefix.rfind("\n") + 1 :]
    if not line.strip():
        return "line"
    last = line[-1]
    return "word" if last.isalnum() or last == "_" else "space"


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank; values need not be sorted)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def covering_gap(after_edits: Collection[float]) -> float:
    """The shortest wait that at most ``WASTED_PER_PAUSE`` × pauses (rounded up) typing gaps
    outlast.

    ``after_edits`` is what followed each edit: a typing gap, or ``PAUSE`` or more for a pause.
    """
    gaps = sorted((gap for gap in after_edits if gap < PAUSE), reverse=True)
    # Rounded up: from the first pause on, the one longest gap (a typo noticed, the longest
    # hesitation) need not hold every later pause back to its length.
    allowed = math.ceil(WASTED_PER_PAUSE * (len(after_edits) - len(gaps)))  # pauses
    return gaps[allowed] if allowed < len(gaps) else 0.0


class Debouncer:
    """Learns typing gaps and model latency; tells how long a request should still wait."""

    def __init__(self, policy: Policy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._edits: deque[float] = deque(maxlen=EDITS)  # what followed each edit (seconds)
        self._by_kind: dict[str, deque[float]] = {}
        self._kind: str | None = None  # where the cursor of the last request since an edit was
        self._latencies: deque[float] = deque(maxlen=_LATENCIES)
        self._last_edit: float | None = None
        self._last_activity: float | None = None  # the last edit, or a request after no edit
        self._edited_since_request = False
        self.learnt = 0  # gaps learnt by this instance (not recalled)

    def rhythm(self) -> Rhythm:
        return Rhythm(tuple(self._edits), {k: tuple(pool) for k, pool in self._by_kind.items()})

    def recall(self, rhythm: Rhythm) -> None:
        """Start from an earlier session's ``rhythm``: its gaps count as older than ours."""
        self._edits = deque((*rhythm.edits, *self._edits), maxlen=EDITS)
        for kind, gaps in rhythm.by_kind.items():
            self._by_kind[kind] = deque((*gaps, *self._by_kind.get(kind, ())), maxlen=EDITS)

    def edited(self) -> None:
        """A document changed (a keystroke, usually)."""
        now = self._clock()
        if self._last_edit is not None:
            gap = min(now - self._last_edit, PAUSE)
            self._edits.append(gap)
            self.learnt += 1
            if self._kind is not None:
                if (pool := self._by_kind.get(self._kind)) is None:
                    pool = self._by_kind[self._kind] = deque(maxlen=EDITS)
                pool.append(gap)
        self._kind = None
        self._last_edit = self._last_activity = now
        self._edited_since_request = True

    def requested(self) -> None:
        """A completion request arrived; one with no edit before it is activity of its own."""
        if not self._edited_since_request:
            self._last_activity = self._clock()
        self._edited_since_request = False

    def at(self, kind: str) -> None:
        """The latest request's cursor is at a position of this kind: the next gap is its."""
        self._kind = kind

    def answered(self, first_token_seconds: float) -> None:
        """An upstream stream produced its first text this long after it was opened."""
        self._latencies.append(first_token_seconds)

    def quiet(self, kind: str | None = None) -> float:
        """The quiet time, in seconds, a request at a ``kind`` position needs after an edit."""
        base = self.policy.debounce_ms / 1000
        if not base or not self.policy.adaptive or all(gap >= PAUSE for gap in self._edits):
            return base
        cap = CEILING
        if self._latencies:
            cap = min(CEILING, max(FLOOR_CAP, TTFT_SHARE * quantile(list(self._latencies), 0.5)))
        pool = self._by_kind.get(kind or "", ())
        if len(pool) >= KIND_SAMPLES:
            gap = covering_gap(pool)
        else:  # a kind not seen yet: the wait inside a burst of typing
            pool = self._edits
            gap = quantile([gap for gap in pool if gap < PAUSE], 0.9)
        learnt = min(cap, max(FLOOR, GAP_MARGIN * gap))
        return learnt if len(pool) >= TRUSTED_SAMPLES else max(base, learnt)

    def wait(self, kind: str | None = None) -> float:
        """How much longer a request at a ``kind`` position arriving now should wait."""
        quiet = self.quiet(kind)
        if not self.policy.adaptive or self._last_activity is None:
            return quiet
        return max(0.0, quiet - (self._clock() - self._last_activity))
