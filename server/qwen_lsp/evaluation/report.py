"""Run the full engine on sampled cursor points and print how close it came.

Exact match compares the document after accepting the completion with the original file, so a
completion that rewrites an auto-closed ``)`` through its range counts as exact.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from qwen_lsp.engine import Completion, CompletionTask, Engine
from qwen_lsp.evaluation.metrics import edit_similarity, first_line, percentile
from qwen_lsp.evaluation.sampling import KINDS, Sample, sample_points, source_files
from qwen_lsp.languages import language_of
from qwen_lsp.logs import mask
from qwen_lsp.settings import Settings


@dataclass(frozen=True)
class Outcome:
    """One sample's result: what was inserted (with what it replaced) against the hidden code."""

    sample: Sample
    got: str  # the completion as it reads in the document, "" for none
    latency_ms: float
    prompt_tokens: int
    completion_tokens: int

    @property
    def want(self) -> str:
        return self.sample.hidden

    @property
    def exact(self) -> bool:
        return self.got == self.want


async def evaluate(engine: Engine, samples: list[Sample]) -> list[Outcome]:
    """Ask for each sample in turn (one at a time, so latencies are not queueing time)."""
    outcomes = []
    for number, sample in enumerate(samples):
        task = CompletionTask(
            uri=f"eval://{number}/{sample.path}",
            text=sample.document,
            offset=sample.offset,
            language_id=language_of(sample.path),
            path=sample.path,
            invoked=True,
        )
        before = (engine.usage.prompt_tokens, engine.usage.completion_tokens)
        started = time.perf_counter()
        completion = await engine.complete(task)
        latency = (time.perf_counter() - started) * 1000
        outcomes.append(
            Outcome(
                sample,
                _inserted(sample, completion),
                latency,
                engine.usage.prompt_tokens - before[0],
                engine.usage.completion_tokens - before[1],
            )
        )
    return outcomes


def _inserted(sample: Sample, completion: Completion | None) -> str:
    """What accepting puts where the hidden code was: the text less the characters it replaces."""
    if completion is None:
        return ""
    replaced = sample.text[sample.end : sample.end + completion.replace_length]
    if completion.text.endswith(replaced):
        return completion.text[: len(completion.text) - len(replaced)]
    return f"{completion.text}⟨over {replaced!r}⟩"  # a range that eats code: never exact


def table(outcomes: list[Outcome]) -> str:
    """The report: quality per kind of cursor, then latency and tokens."""
    header = f"{'':12} {'samples':>7} {'exact':>7} {'exact 1st':>9} {'edit sim':>8} {'sim 1st':>8}"
    rows = [header]
    for kind in (*KINDS, "all"):
        group = [o for o in outcomes if kind in ("all", o.sample.kind)]
        if group:
            rows.append(_quality_row(kind, group))
    latencies = [o.latency_ms for o in outcomes]
    p50, p90, p99 = (percentile(latencies, q) for q in (50, 90, 99))
    rows.append(
        f"latency ms   p50 {p50:.0f}  p90 {p90:.0f}  p99 {p99:.0f}  max {max(latencies):.0f}"
    )
    prompt = sum(o.prompt_tokens for o in outcomes)
    generated = sum(o.completion_tokens for o in outcomes)
    rows.append(
        f"tokens       prompt {prompt} ({prompt / len(outcomes):.0f}/sample)  "
        f"completion {generated} ({generated / len(outcomes):.0f}/sample)"
    )
    empty = sum(1 for o in outcomes if not o.got)
    rows.append(f"no completion {empty} of {len(outcomes)}")
    return "\n".join(rows)


def _quality_row(kind: str, group: list[Outcome]) -> str:
    n = len(group)
    exact = sum(o.exact for o in group) / n
    exact_first = sum(first_line(o.got) == first_line(o.want) for o in group) / n
    similarity = sum(edit_similarity(o.got, o.want) for o in group) / n
    similarity_first = sum(edit_similarity(first_line(o.got), first_line(o.want)) for o in group)
    return (
        f"{kind:12} {n:7} {exact:7.1%} {exact_first:9.1%} {similarity:8.3f} "
        f"{similarity_first / n:8.3f}"
    )


def misses(outcomes: list[Outcome], limit: int) -> str:
    """The first ``limit`` samples that did not match, to see why."""
    shown = []
    for o in [o for o in outcomes if not o.exact][:limit]:
        line = o.sample.text.count("\n", 0, o.sample.offset) + 1
        shown.append(
            f"--- {o.sample.path}:{line} ({o.sample.kind})\nwant {o.want!r}\ngot  {o.got!r}"
        )
    return "\n".join(shown)


async def run(
    settings: Settings,
    root: Path,
    count: int,
    seed: int,
    out: TextIO,
    show: int = 0,
    err: TextIO | None = None,
) -> int:
    """``qwen-lsp eval``: 0 when the table was printed, 1 when the provider failed, 2 bad input.

    The report goes to ``out``, problems to ``err`` (stderr by default).
    """
    err = err or sys.stderr

    def fail(message: str) -> int:
        print(f"qwen-lsp eval: {mask(message)}", file=err)
        return 2

    if count < 1:
        return fail("--samples must be at least 1")
    if not root.exists():
        return fail(f"{root} does not exist")
    if blocker := settings.blocker:
        return fail(blocker)
    files = source_files(root, settings.exclude)
    samples = sample_points(files, count, seed)
    if not samples:
        return fail(f"no code to sample under {root}")
    failures: list[str] = []
    engine = Engine(
        # No reuse of earlier answers: two samples in one line would otherwise share a reply.
        dataclasses.replace(settings, request_policy="fixed"),
        on_status=lambda s: failures.append(s.message) if s.failing else None,
    )
    outcomes = await evaluate(engine, samples)
    used = len({s.path for s in samples})
    print(
        f"qwen-lsp eval: {len(samples)} samples from {used} files under {root} (seed {seed}), "
        f"model {settings.model}",
        file=out,
    )
    print(table(outcomes), file=out)
    if engine.usage.estimated:
        print(
            f"(tokens estimated offline for {engine.usage.estimated} of {engine.usage.requests} "
            "requests: a stream closed early gets no usage report)",
            file=out,
        )
    if show:
        print(misses(outcomes, show), file=out)
    if failures:
        print(f"provider errors {len(failures)}, last: {mask(failures[-1])}", file=err)
        return 1 if len(failures) == len(samples) else 0
    return 0
