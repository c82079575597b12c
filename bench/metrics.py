"""What one replay cost and how it felt: computed from the client's and the fake's records."""

from __future__ import annotations

import itertools
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.fake_upstream import Received

from bench.editor import Answer
from bench.traces import Trace
from qwen_lsp.engine.lifecycle.shared_start import shared_start_ratio

History = dict[str, list[tuple[float, str]]]


@dataclass
class Result:
    requests: int = 0
    pauses: int = 0
    typed_through: int = 0  # answers shown without a request of their own (cache, a stream)
    # accept → the next ghost text (seconds), when the stream or cache had it, and when a
    # request had to go for it (the one sent ahead at the accept, or the editor's)
    accepts: list[float] = field(default_factory=list)
    accepts_asked: list[float] = field(default_factory=list)
    tokens: int = 0
    wasted: int = 0
    prompt_tokens: int = 0
    shared: float = 0.0  # mean share of a prompt that repeats the previous prompt's start
    latencies: list[float] = field(default_factory=list)  # last keystroke → ghost text, seconds
    close_delays: list[float] = field(default_factory=list)  # stale event → stream closed
    drained: int = 0  # stale streams read to their end
    cpu: float = 0.0


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure(
    trace: Trace,
    answers: list[Answer],
    history: History,
    requests: list[Received],
    streamed: dict[int, str],
    cpu: float,
) -> Result:
    result = Result(requests=len(requests), pauses=trace.pauses, cpu=cpu)
    result.latencies = ghost_latencies(trace, answers)
    result.typed_through = typed_through(answers, requests)
    for answer in answers:
        if trace.steps[answer.step].accept and answer.text and answer.received is not None:
            asked = typed_through([answer], requests) == 0
            (result.accepts_asked if asked else result.accepts).append(
                answer.received - answer.sent
            )
    ordered = sorted(requests, key=lambda r: r.started)
    for previous, current in itertools.pairwise(ordered):
        result.shared += shared_start_ratio(previous.messages, current.messages)
    result.shared /= max(1, len(ordered) - 1)
    for request in ordered:
        result.tokens += request.chunks_sent
        result.prompt_tokens += len(json.dumps(request.messages)) // 4
        usefulness = Usefulness.of(request, history, streamed.get(id(request.body), ""))
        if usefulness is None:
            continue
        result.wasted += sum(not usefulness.useful_at(t) for t in request.chunk_times)
        stale = usefulness.stale_since()
        if stale is None:
            continue
        if request.disconnected_at is not None and request.disconnected_at >= stale:
            result.close_delays.append(request.disconnected_at - stale)
        elif request.disconnected_at is None and (request.finished_at or 0) > stale:
            result.drained += 1
    return result


def typed_through(answers: list[Answer], requests: list[Received]) -> int:
    """Answers with ghost text that no request was sent for: the prefix it was asked at is not
    the end of any prompt sent upstream."""
    sent = {str(r.messages[-1].get("content", "")) for r in requests if r.messages}
    return sum(
        answer.text is not None and not any(answer.prefix.endswith(p) for p in sent if p)
        for answer in answers
    )


def ghost_latencies(trace: Trace, answers: list[Answer]) -> list[float]:
    """For each pause: time from its last keystroke to ghost text, if ghost text came in time."""
    latencies = []
    for index, answer in enumerate(answers):
        step = trace.steps[answer.step]
        if not step.pause_after or step.accept or answer.text is None:
            continue
        deadline = answers[index + 1].sent if index + 1 < len(answers) else float("inf")
        if answer.received is not None and answer.received <= deadline:
            latencies.append(answer.received - answer.sent)
    return latencies


@dataclass
class Usefulness:
    """Whether a stream's output could still be shown: nothing typed since contradicts it."""

    prefix: str  # the document before the cursor when the request was made
    since: float
    output: str
    history: list[tuple[float, str]]

    @classmethod
    def of(cls, request: Received, history: History, output: str) -> Usefulness | None:
        sent = str(request.messages[-1].get("content", "")) if request.messages else ""
        for states in history.values():
            for at, prefix in reversed(states):
                if at <= request.started and prefix.endswith(sent):
                    return cls(prefix, at, output, states)
        return None

    def useful_at(self, moment: float) -> bool:
        current = self.prefix
        for at, prefix in self.history:
            if at > moment:
                break
            if at >= self.since:
                current = prefix
        if not current.startswith(self.prefix):
            return False
        typed = current[len(self.prefix) :]
        return len(typed) < len(self.output) and self.output.startswith(typed)

    def stale_since(self) -> float | None:
        """When the user first typed something this output cannot serve."""
        for at, _ in self.history:
            if at > self.since and not self.useful_at(at):
                return at
        return None
