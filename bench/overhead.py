"""Server-side overhead on a large file: what one keystroke costs the server, model time aside.

A zero-latency fake answers at once; every keystroke (``didChange``) is followed by an invoked
request (no debounce). Misses go upstream; hits are answered from the typed-through cache. Two
figures per keystroke:

- **server CPU**: the CPU time the server process used for the keystroke (all threads, from
  ``/proc/PID/task/*/schedstat``): its own work, with no waiting in it;
- **round trip**: the client's wall time from request to answer less the fake's time for the
  request. It also holds the client's JSON, the pipe, the fake's HTTP parsing in this process and
  scheduling on a loaded machine, so it is an upper bound.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tests.fake_upstream import FakeUpstream, Reply

from bench.editor import Editor
from bench.metrics import median, percentile
from bench.traces import Step

ANSWER = "return x * 2 + sum(range(10)) - len(str(x)) // 3\n"
URI = "file:///bench/large.py"
SAMPLES = 60
SETTLE = 0.005


def large_file(lines: int) -> tuple[str, int]:
    """A Python file of about ``lines`` lines and a cursor in an empty body in its middle."""
    blocks = [
        f"def function_{n}(value):\n    result = value * {n}\n    return result + 1\n\n"
        for n in range(lines // 4)
    ]
    head = "".join(blocks[: len(blocks) // 2]) + "def target(x):\n    "
    return head + "\n\n" + "".join(blocks[len(blocks) // 2 :]), len(head)


@dataclass
class Keystrokes:
    trips: list[float] = field(default_factory=list)  # seconds, request to answer
    cpu: list[float] = field(default_factory=list)  # the server's CPU seconds per keystroke


async def keystrokes(editor: Editor, cursor: int, typed: str) -> Keystrokes:
    """Type ``typed`` at ``cursor``, asking after each character."""
    measured = Keystrokes()
    for char in typed:
        step = Step(0.0, URI, cursor, cursor, char, cursor + 1)
        cursor += 1
        before = editor.cpu_seconds()
        editor.step(len(editor.answers), step, invoked=True)
        await editor.settle()
        await asyncio.sleep(SETTLE)  # the server's work after its answer belongs to this key too
        measured.cpu.append(editor.cpu_seconds() - before)
        answer = editor.answers[-1]
        assert answer.received is not None
        measured.trips.append(answer.received - answer.sent)
    return measured


async def measure(lines: int, env: dict[str, str]) -> tuple[Keystrokes, Keystrokes]:
    text, cursor = large_file(lines)
    with FakeUpstream(Reply.text(ANSWER)) as fake:
        editor = Editor()
        await editor.start(env, {"baseUrl": fake.base_url, "debounceMs": 0})
        try:
            editor.open(URI, text)
            await keystrokes(editor, cursor, "zz")  # warm up: imports, connection pool
            before = len(fake.requests)
            misses = await keystrokes(editor, cursor + 2, "z" * SAMPLES)
            models = [r.finished_at - r.started for r in fake.requests[before:] if r.finished_at]
            misses.trips = [trip - model for trip, model in zip(misses.trips, models, strict=True)]
            hits = await keystrokes(editor, cursor + 2 + SAMPLES, ANSWER[:-2])
            assert len(fake.requests) == before + SAMPLES, "hits must not go upstream"
        finally:
            await editor.stop()
    return misses, hits


async def overhead(lines: int, env: dict[str, str]) -> str:
    rows = [
        f"**server-side overhead per keystroke** ({SAMPLES} keystrokes each, p50 / p95 ms)",
        "",
        "| file | miss: server CPU | miss: round trip − model | "
        "typed-through hit: server CPU | hit: round trip |",
        "|---|---|---|---|---|",
    ]
    for size in (200, lines):
        misses, hits = await measure(size, env)
        rows.append(
            f"| {size:,} lines | {spread(misses.cpu)} | {spread(misses.trips)} "
            f"| {spread(hits.cpu)} | {spread(hits.trips)} |"
        )
    return "\n".join(rows)


def spread(seconds: list[float]) -> str:
    return f"{median(seconds) * 1000:.1f} / {percentile(seconds, 0.95) * 1000:.1f}"
