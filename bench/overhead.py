"""Server-side overhead on a large file: the round trip with the model's own time taken out.

A zero-latency fake answers at once; every keystroke (``didChange``) is followed by an invoked
request (no debounce). Misses go upstream (the fake's time per request is subtracted); hits are
answered from the typed-through cache. The time includes the client's JSON and the stdio pipe, so
it is an upper bound on what the server itself spends.
"""

from __future__ import annotations

from tests.fake_upstream import FakeUpstream, Reply

from bench.editor import Editor
from bench.metrics import median, percentile
from bench.traces import Step

ANSWER = "return x * 2 + sum(range(10)) - len(str(x)) // 3\n"
URI = "file:///bench/large.py"
SAMPLES = 60


def large_file(lines: int) -> tuple[str, int]:
    """A Python file of about ``lines`` lines and a cursor in an empty body in its middle."""
    blocks = [
        f"def function_{n}(value):\n    result = value * {n}\n    return result + 1\n\n"
        for n in range(lines // 4)
    ]
    head = "".join(blocks[: len(blocks) // 2]) + "def target(x):\n    "
    return head + "\n\n" + "".join(blocks[len(blocks) // 2 :]), len(head)


async def keystrokes(editor: Editor, text: str, cursor: int, typed: str) -> list[float]:
    """Type ``typed`` at ``cursor``, asking after each character; round trips in seconds."""
    trips = []
    for char in typed:
        step = Step(0.0, URI, cursor, cursor, char, cursor + 1)
        cursor += 1
        editor.step(len(editor.answers), step, invoked=True)
        await editor.settle()
        answer = editor.answers[-1]
        assert answer.received is not None
        trips.append(answer.received - answer.sent)
    return trips


async def measure(lines: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    text, cursor = large_file(lines)
    with FakeUpstream(Reply.text(ANSWER)) as fake:
        editor = Editor()
        await editor.start(env, {"baseUrl": fake.base_url, "debounceMs": 0})
        try:
            editor.open(URI, text)
            await keystrokes(editor, text, cursor, "zz")  # warm up: imports, connection pool
            before = len(fake.requests)
            trips = await keystrokes(editor, text, cursor + 2, "z" * SAMPLES)
            models = [r.finished_at - r.started for r in fake.requests[before:] if r.finished_at]
            misses = [trip - model for trip, model in zip(trips, models, strict=True)]
            hits = await keystrokes(editor, text, cursor + 2 + SAMPLES, ANSWER[:-2])
            assert len(fake.requests) == before + SAMPLES, "hits must not go upstream"
        finally:
            await editor.stop()
    return misses, hits


async def overhead(lines: int, env: dict[str, str]) -> str:
    rows = [
        f"**server-side overhead** (round trip minus model time, {SAMPLES} keystrokes each)",
        "",
        "| file | cache miss p50 / p95 ms | typed-through hit p50 / p95 ms |",
        "|---|---|---|",
    ]
    for size in (200, lines):
        misses, hits = await measure(size, env)
        rows.append(f"| {size:,} lines | {spread(misses)} | {spread(hits)} |")
    return "\n".join(rows)


def spread(seconds: list[float]) -> str:
    return f"{median(seconds) * 1000:.1f} / {percentile(seconds, 0.95) * 1000:.1f}"
