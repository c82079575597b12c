"""The debounce against many typists: requests per pause and the wait at pauses, offline.

    python -m bench.typists                     # 600 typists, a few seconds
    python -m bench.typists --typists 2000 --ttft 0.8

The traces of ``bench.lifecycle`` are four typists. This replays a seeded population — 40 to
180 ms a character, hesitations between words of 150–700 ms, typos fixed by backspace, pauses at
line starts and inside lines — through the debounce itself (``engine/lifecycle/debounce.py``) on a
simulated clock, driven as the scheduler drives it: an edit, a request, the kind of its
position, its wait. A request goes upstream when the user stays idle for longer than its wait.
The cache and in-flight reuse (measured by ``bench.lifecycle``) are left out, so the requests are
an upper bound. Each typist writes two sessions: the first, with nothing known, and the next,
from the typing gaps the first left (``engine/lifecycle/typing_memory.py``). ``fixed`` is a
250 ms debounce.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.metrics import median, percentile
from bench.traces import CLAMP, HEAD, MEAN, NORM, TAIL, Trace, Typist
from qwen_lsp.engine.lifecycle.debounce import Debouncer, position_kind
from qwen_lsp.engine.lifecycle.policy import Policy

FAST = 0.08  # seconds a character: faster typists are "fast"
SPEEDS = (0.04, 0.06, 0.09, 0.13, 0.18)
BODIES = (MEAN, CLAMP, NORM)


@dataclass(frozen=True)
class Person:
    """How one typist types, whatever the session."""

    per_char: float
    hesitation: float  # share of spaces followed by a hesitation
    hesitation_s: float
    typos: float  # share of longer words begun with a typo
    mid_line_pauses: float  # share of spaces followed by a pause

    @classmethod
    def drawn(cls, rng: random.Random) -> Person:
        return cls(
            per_char=rng.choice(SPEEDS),
            hesitation=rng.choice((0.0, 0.15, 0.3, 0.5)),
            hesitation_s=rng.uniform(0.15, 0.7),
            typos=rng.choice((0.0, 0.2, 0.5)),
            mid_line_pauses=rng.choice((0.0, 0.1, 0.2)),
        )

    def session(self, seed: int) -> Trace:
        """Two function bodies typed word by word, pausing at the end of every line."""
        rng = random.Random(seed)
        typist = Typist(seed)
        body = "".join(rng.sample(BODIES, 2))
        typist.file("file:///bench/typist.py", HEAD.format(name="f(values)"), body, TAIL)
        lines = body.splitlines(keepends=True)
        for line, following in zip(lines, [*lines[1:], ""], strict=True):
            words = line.strip().split(" ")
            for number, word in enumerate(words):
                self._word(typist, rng, word, number == len(words) - 1, following)
            typist.pause(rng.uniform(1.0, 2.5))
        return typist.trace(f"typist {seed}", accuracy=0.5)

    def _word(
        self, typist: Typist, rng: random.Random, word: str, last: bool, following: str
    ) -> None:
        if len(word) > 2 and rng.random() < self.typos:
            typist.type(word[:2] + "q", self.per_char)
            typist.backspace(3 * self.per_char)  # noticed a moment later
            word = word[2:]
        if last:
            indent = following[: len(following) - len(following.lstrip())]
            typist.type(word + "\n" + indent, self.per_char)
        elif rng.random() < self.mid_line_pauses:
            typist.type(word + " ", self.per_char)
            typist.pause(rng.uniform(1.0, 2.5))
        else:
            typist.type(word + " ", self.per_char)
            if rng.random() < self.hesitation:
                typist.now += self.hesitation_s * rng.uniform(0.7, 1.3)


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Session:
    requests: int = 0
    pauses: int = 0
    waits: list[float] = field(default_factory=list)  # the wait of the request at each pause
    mid_line_waits: list[float] = field(default_factory=list)


def replay(trace: Trace, debouncer: Debouncer, clock: Clock, ttft: float) -> Session:
    """``trace`` through ``debouncer``: how many requests would have gone upstream."""
    texts, session = dict(trace.files), Session()
    steps = trace.steps
    for index, step in enumerate(steps):
        clock.now = step.at
        if step.start >= 0:
            text = texts[step.uri]
            texts[step.uri] = text[: step.start] + step.text + text[step.end :]
            debouncer.edited()
        debouncer.requested()
        kind = position_kind(texts[step.uri][: step.cursor])
        debouncer.at(kind)
        wait = debouncer.wait(kind)
        idle = steps[index + 1].at - step.at if index + 1 < len(steps) else trace.tail
        if idle > wait:
            session.requests += 1
            debouncer.answered(ttft)
        if step.pause_after:
            session.pauses += 1
            session.waits.append(wait)
            if kind != "line":
                session.mid_line_waits.append(wait)
    clock.now += 60  # the next session starts later
    return session


POLICIES: dict[str, Callable[[], Policy]] = {
    "fixed": lambda: Policy(250, adaptive=False),
    "default, first session": Policy,
    "default, next session": Policy,
}


def run(typists: int, ttft: float) -> dict[str, dict[str, list[Session]]]:
    """group ("fast", "slow") → policy → each typist's session under it."""
    results: dict[str, dict[str, list[Session]]] = {}
    for number in range(typists):
        person = Person.drawn(random.Random(number))
        first, later = person.session(2 * number), person.session(2 * number + 1)
        group = results.setdefault("fast" if person.per_char < FAST else "slow", {})
        for name, policy in POLICIES.items():
            clock = Clock()
            debouncer = Debouncer(policy(), clock)
            if name == "default, next session":
                replay(first, debouncer, clock, ttft)  # what the first session left
                earlier = debouncer.rhythm()
                debouncer = Debouncer(policy(), clock)
                debouncer.recall(earlier)
            group.setdefault(name, []).append(replay(later, debouncer, clock, ttft))
    return results


def table(results: dict[str, dict[str, list[Session]]]) -> str:
    lines = [
        "| typists | policy | requests per pause: mean / p95 | typists above 1.0 "
        "| wait at pauses p50 / p95 ms | at pauses inside a line p50 / p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for group, by_policy in sorted(results.items()):
        base = _per_pause(by_policy["fixed"])
        for name, sessions in by_policy.items():
            ratios = [s.requests / max(1, s.pauses) for s in sessions]
            mean = _per_pause(sessions)
            against = f" ({mean / base:.2f}×)" if name != "fixed" else ""
            waits = _spread([w for s in sessions for w in s.waits])
            mid = _spread([w for s in sessions for w in s.mid_line_waits])
            lines.append(
                f"| {group} ({len(sessions)}) | {name} "
                f"| {mean:.2f} / {percentile(ratios, 0.95):.2f}{against} "
                f"| {sum(r > 1 for r in ratios)} | {waits} | {mid} |"
            )
    return "\n".join(lines)


def _per_pause(sessions: list[Session]) -> float:
    return sum(s.requests / max(1, s.pauses) for s in sessions) / len(sessions)


def _spread(seconds: list[float]) -> str:
    """p50 / p95 in milliseconds."""
    if not seconds:
        return "— / —"
    return f"{median(seconds) * 1000:.0f} / {percentile(seconds, 0.95) * 1000:.0f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--typists", type=int, default=600)
    parser.add_argument("--ttft", type=float, default=0.35, help="seconds to first token")
    args = parser.parse_args(argv)
    print(
        f"{args.typists} typists, time to first token {args.ttft * 1000:.0f} ms; fast: under "
        f"{FAST * 1000:.0f} ms a character; the cache and in-flight reuse left out\n"
    )
    print(table(run(args.typists, args.ttft)))


if __name__ == "__main__":
    main()
