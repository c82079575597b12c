"""The debounce against many typists: requests per pause and the wait at pauses, offline.

    python -m bench.typists                     # 600 typists, a few seconds
    python -m bench.typists --typists 2000 --ttft 0.8

The traces of ``bench.lifecycle`` are four typists. This replays a seeded population — 40 to
180 ms a character, hesitations between words of 150–700 ms, typos fixed by backspace, pauses at
line starts and inside lines — through the debounce itself (``engine/lifecycle/debounce.py``) on a
simulated clock, driven as the scheduler drives it: an edit, a request, the kind of its
position, its wait. A request goes upstream when the user stays idle for longer than its wait.
The scheduler's reuse is simulated too, as ``bench.lifecycle`` measures it for real: a request
whose prefix is an earlier answer's start typed through is served by it, from the cache once
that answer's stream finished, or by attaching to the stream once it produced its first token;
any other request closes the stream in flight. The fake model of ``bench.oracle`` answers (right
half the time, a token every 1/80 s). Each typist writes two sessions: the first, with nothing
known, and the next, from the typing gaps the first left
(``engine/lifecycle/typing_memory.py``). ``fixed`` is a
250 ms debounce. ``--baseline DIR`` replays the default policy with the debounce of another
checkout too (``git archive`` of the last release, say), in the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.metrics import median, percentile
from bench.oracle import CHARS_PER_TOKEN, Oracle
from bench.traces import CLAMP, HEAD, MEAN, NORM, TAIL, Trace, Typist
from qwen_lsp.engine.lifecycle.debounce import Debouncer, position_kind
from qwen_lsp.engine.lifecycle.policy import Policy

FAST = 0.08  # seconds a character: faster typists are "fast"
TOKENS_PER_SECOND = 80.0
BASELINE = "baseline: "
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
    served: int = 0  # requests answered by an earlier answer typed through
    wasted: int = 0  # requests upstream whose answer was neither shown nor typed through
    waits: list[float] = field(default_factory=list)  # the wait of the request at each pause
    mid_line_waits: list[float] = field(default_factory=list)


@dataclass
class Answer:
    """One request upstream: where it was asked, what the model streams and when."""

    prefix: str
    text: str
    first: float  # its first token
    end: float  # its last, or when it was closed
    closed: bool = False
    used: bool = False

    def serves(self, prefix: str, now: float) -> bool:
        """``prefix`` is this answer's start typed through, and the answer is there by now:
        finished (the cache), or streaming its first tokens (a request attaches)."""
        typed = prefix[len(self.prefix) :]
        if not prefix.startswith(self.prefix) or not self.text.startswith(typed):
            return False
        if len(typed) >= len(self.text) or (self.closed and now >= self.end):
            return False
        return now >= self.first or not typed


def replay(trace: Trace, debouncer: Debouncer, clock: Clock, ttft: float) -> Session:
    """``trace`` through ``debouncer`` and the reuse: how many requests would go upstream."""
    texts, session = dict(trace.files), Session()
    oracle = Oracle(trace.targets, trace.accuracy, ttft, TOKENS_PER_SECOND)
    answers: list[Answer] = []
    steps = trace.steps
    for index, step in enumerate(steps):
        clock.now = step.at
        if step.start >= 0:
            text = texts[step.uri]
            texts[step.uri] = text[: step.start] + step.text + text[step.end :]
            debouncer.edited()
        debouncer.requested()
        prefix = texts[step.uri][: step.cursor]
        kind = position_kind(prefix)
        debouncer.at(kind)
        session.pauses += step.pause_after
        if (served := _served(answers, prefix, step.at)) is not None:
            served.used = True
            session.served += 1
            continue
        _close(answers, step.at)  # a request the stream cannot serve supersedes it
        wait = debouncer.wait(kind)
        idle = steps[index + 1].at - step.at if index + 1 < len(steps) else trace.tail
        if idle > wait:
            session.requests += 1
            debouncer.answered(ttft)
            answers.append(_asked(oracle, prefix, step.at + wait, step.pause_after))
        if step.pause_after:
            session.waits.append(wait)
            if kind != "line":
                session.mid_line_waits.append(wait)
    session.wasted = sum(not answer.used for answer in answers)
    clock.now += 60  # the next session starts later
    return session


def _served(answers: list[Answer], prefix: str, now: float) -> Answer | None:
    return next((a for a in reversed(answers) if a.serves(prefix, now)), None)


def _close(answers: list[Answer], now: float) -> None:
    if answers and not answers[-1].closed and answers[-1].end > now:
        answers[-1].closed, answers[-1].end = True, now


def _asked(oracle: Oracle, prefix: str, sent: float, shown: bool) -> Answer:
    """The model's answer to a request sent at ``sent``; one at a pause is shown."""
    text = oracle.continuation(prefix)
    first = sent + oracle.ttft
    tokens = -(-len(text) // CHARS_PER_TOKEN)
    return Answer(prefix, text, first, first + tokens / oracle.tokens_per_second, used=shown)


POLICIES: dict[str, Callable[[], Policy]] = {
    "fixed": lambda: Policy(250, adaptive=False),
    "default, first session": Policy,
    "default, next session": Policy,
}


def run(
    typists: int, ttft: float, baseline: type[Debouncer] | None = None
) -> dict[str, dict[str, list[Session]]]:
    """group ("fast", "slow") → policy → each typist's session under it (``baseline``: the same
    default policies again, with another checkout's debounce)."""
    debouncers = [("", Debouncer)] + ([(BASELINE, baseline)] if baseline else [])
    results: dict[str, dict[str, list[Session]]] = {}
    for number in range(typists):
        person = Person.drawn(random.Random(number))
        first, later = person.session(2 * number), person.session(2 * number + 1)
        group = results.setdefault("fast" if person.per_char < FAST else "slow", {})
        for label, made in debouncers:
            for name, policy in POLICIES.items():
                if label and name == "fixed":
                    continue
                clock = Clock()
                debouncer = made(policy(), clock)
                if name == "default, next session":
                    replay(first, debouncer, clock, ttft)  # what the first session left
                    earlier = debouncer.rhythm()
                    debouncer = made(policy(), clock)
                    debouncer.recall(earlier)
                group.setdefault(label + name, []).append(replay(later, debouncer, clock, ttft))
    return results


def debouncer_of(checkout: str) -> type[Debouncer]:
    """The debounce of another checkout (its module alone; the rest is this checkout's)."""
    path = Path(checkout, "server/qwen_lsp/engine/lifecycle/debounce.py")
    spec = importlib.util.spec_from_file_location("baseline_debounce", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    made: type[Debouncer] = module.Debouncer
    return made


def table(results: dict[str, dict[str, list[Session]]]) -> str:
    lines = [
        "| typists | policy | requests per pause: mean / p95 | typists above 1.0 "
        "| wasted per pause | typed through per pause "
        "| wait at pauses p50 / p95 ms | at pauses inside a line p50 / p95 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for group, by_policy in sorted(results.items()):
        base = _per_pause(by_policy["fixed"])
        for name, sessions in by_policy.items():
            ratios = [s.requests / max(1, s.pauses) for s in sessions]
            mean = _per_pause(sessions)
            against = f" ({mean / base:.2f}×)" if name != "fixed" else ""
            waits = _spread([w for s in sessions for w in s.waits])
            mid = _spread([w for s in sessions for w in s.mid_line_waits])
            pauses = sum(max(1, s.pauses) for s in sessions)
            lines.append(
                f"| {group} ({len(sessions)}) | {name} "
                f"| {mean:.2f} / {percentile(ratios, 0.95):.2f}{against} "
                f"| {sum(r > 1 for r in ratios)} | {sum(s.wasted for s in sessions) / pauses:.2f} "
                f"| {sum(s.served for s in sessions) / pauses:.2f} | {waits} | {mid} |"
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
    parser.add_argument("--baseline", help="another checkout whose debounce to replay too")
    args = parser.parse_args(argv)
    print(
        f"{args.typists} typists, time to first token {args.ttft * 1000:.0f} ms; fast: under "
        f"{FAST * 1000:.0f} ms a character; the cache and in-flight reuse simulated\n"
    )
    baseline = debouncer_of(args.baseline) if args.baseline else None
    print(table(run(args.typists, args.ttft, baseline)))


if __name__ == "__main__":
    main()
