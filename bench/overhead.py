"""Server-side overhead on a large file: what one keystroke costs the server, model time aside.

Every keystroke (``didChange``) is followed by an invoked request (no debounce). Misses go upstream
to a fake that streams the answer at the latency model's pace; hits are answered from the
typed-through cache. Per keystroke:

- **server time**: the server's own share of the wait, from the I/O events it logs at DEBUG (a
  second run of the same keystrokes, as the logging costs CPU): from reading the ``didChange`` to
  writing the request, plus from the last read of the reply to writing the answer (a hit: from
  the ``didChange`` to the answer);
- **server CPU**: the CPU time the server process used for the keystroke (all threads, from
  ``/proc/PID/task/*/schedstat``): its own work, with no waiting in it. On a miss, most of it is
  spent while the model streams, off the user's wait;
- **added latency** (misses): the part of the wait for ghost text that is not the model's, in two
  legs — from the keystroke to the request at the provider, and from the provider's last chunk
  to the answer at the client. It also holds the client's JSON, the pipe, and the fake's HTTP
  and TLS work in this process, so it is an upper bound;
- **round trip** (hits): the client's wall time from request to answer.

The budget: a miss on a 20,000-line file may cost up to 5 ms p50 of server time.

The https rows use a self-signed certificate the server is told to trust (SSL_CERT_FILE).
``warm`` counts the requests that came over a connection opened before their keystroke: the others
paid a TCP (and TLS) handshake on the way, which on a real network is two or three round trips.

    python -m bench.overhead                            # this checkout
    python -m bench.overhead --baseline ../old/server   # and another one, in the same run
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from tests.fake_upstream import FakeUpstream, Received, Reply, self_signed

from bench.editor import Editor
from bench.metrics import median, percentile
from bench.traces import Step

ANSWER = "return x * 2 + sum(range(10)) - len(str(x)) // 3\n"
URI = "file:///bench/large.py"
SAMPLES = 60
SETTLE = 0.005
TTFT = 0.03  # seconds; short, as the model's time is not what is measured
CHUNK_DELAY = 1 / 80  # 80 tokens a second


def large_file(lines: int) -> tuple[str, int]:
    """A Python file of about ``lines`` lines and a cursor in an empty body in its middle."""
    blocks = [
        f"def function_{n}(value):\n    result = value * {n}\n    return result + 1\n\n"
        for n in range(lines // 4)
    ]
    head = "".join(blocks[: len(blocks) // 2]) + "def target(x):\n    "
    return head + "\n\n" + "".join(blocks[len(blocks) // 2 :]), len(head)


class Span(NamedTuple):
    wall: float  # seconds on the clock
    cpu: float  # of them, seconds the server's loop thread ran


@dataclass
class Keystrokes:
    cpu: list[float] = field(default_factory=list)  # the server's CPU seconds per keystroke
    trips: list[float] = field(default_factory=list)  # seconds, request to answer
    to_provider: list[float] = field(default_factory=list)  # keystroke → request at the fake
    from_provider: list[float] = field(default_factory=list)  # last chunk → answer
    opened_ahead: int = 0
    # The server's own time, from its I/O events: keystroke → request written, and last
    # response read → answer written (a hit: keystroke → answer written, in ``server_to``).
    server_to: list[Span] = field(default_factory=list)
    server_after: list[Span] = field(default_factory=list)


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


def legs(measured: Keystrokes, editor: Editor, requests: list[Received]) -> None:
    """Split each miss's wait at the fake: before its request arrived, after its last chunk."""
    answers = editor.answers[-len(requests) :]
    for request, answer in zip(requests, answers, strict=True):
        assert answer.received is not None and request.finished_at is not None
        measured.to_provider.append(request.started - answer.sent)
        measured.from_provider.append(answer.received - request.finished_at)
        measured.opened_ahead += request.connected_at < answer.sent


def server_time(measured: Keystrokes, editor: Editor, answers: range, upstream: bool) -> None:
    """The server's own share of some answers (not the first), from the I/O events it logged.

    A keystroke's events run from the first message read after the previous answer arrived (its
    ``didChange``) to the next keystroke's: the request written, the last response read before
    the answer, and the answer written (its last message). Each span is measured twice: on the
    clock, and in the CPU time of the server's loop thread (work, without the waits for a core).
    """
    reads = [at for at, e, _ in editor.io if e == "message read"]
    if not reads:
        return  # a server that logs no I/O events (an older one)
    starts = []  # of every keystroke after the first
    for answer in editor.answers[:-1]:
        assert answer.received is not None
        starts.append(next(at for at in reads if at > answer.received))
    windows = list(itertools.pairwise([*starts, math.inf]))
    for first, end in windows[answers.start - 1 : answers.stop - 1]:
        events = [(at, e, cpu) for at, e, cpu in editor.io if first <= at < end]
        begin = events[0][0], events[0][2]
        written = max((at, cpu) for at, e, cpu in events if e == "message written")
        if not upstream:
            measured.server_to.append(_span(begin, written))
            continue
        sent = next((at, cpu) for at, e, cpu in events if e == "request written")
        read = max((at, cpu) for at, e, cpu in events if e == "response read" and at < written[0])
        measured.server_to.append(_span(begin, sent))
        measured.server_after.append(_span(read, written))


def _span(start: tuple[float, float], end: tuple[float, float]) -> Span:
    """Seconds from ``start`` to ``end``, events' (time, cpu): on the clock, and of CPU."""
    return Span(end[0] - start[0], end[1] - start[1])


async def measure(
    lines: int, env: dict[str, str], https: bool, traced: bool = False
) -> tuple[Keystrokes, Keystrokes]:
    """Misses then typed-through hits; ``traced``: with the server logging its I/O events (only
    the server-time figures of such a run are used, the logging costs CPU)."""
    text, cursor = large_file(lines)
    if traced:
        env = {**env, "QWEN_LSP_LOG_LEVEL": "debug"}
    reply = Reply.text(ANSWER, ttft=TTFT, chunk_delay=CHUNK_DELAY)
    with tempfile.TemporaryDirectory() as directory:
        context, certificate = self_signed(Path(directory))
        if https:
            env = {**env, "SSL_CERT_FILE": str(certificate)}
        # Kept alive, as providers do; over https HTTP/2 is offered, as providers do.
        with FakeUpstream(
            reply, tls=context if https else None, keep_alive=True, http2=https
        ) as fake:
            editor = Editor()
            await editor.start(env, {"baseUrl": fake.base_url, "debounceMs": 0})
            try:
                editor.open(URI, text)
                await keystrokes(editor, cursor, "zz")  # warm up: imports, the first connection
                before = len(fake.requests)
                missed = range(len(editor.answers), len(editor.answers) + SAMPLES)
                misses = await keystrokes(editor, cursor + 2, "z" * SAMPLES)
                legs(misses, editor, fake.requests[before:])
                hits = await keystrokes(editor, cursor + 2 + SAMPLES, ANSWER[:-2])
                assert len(fake.requests) == before + SAMPLES, "hits must not go upstream"
            finally:
                await editor.stop()  # and its log read to the end
            if traced:
                server_time(misses, editor, missed, upstream=True)
                server_time(hits, editor, range(missed.stop, len(editor.answers)), upstream=False)
                return misses, hits
    return misses, hits


async def overhead(lines: int, env: dict[str, str]) -> str:
    rows = [
        f"**server-side overhead per keystroke** ({SAMPLES} keystrokes each, p50 / p95 ms; "
        f"misses streamed at {1 / CHUNK_DELAY:.0f} tokens/s)",
        "",
        "| file | miss: server time (to the provider + after the reply) | miss: of it, work "
        "| miss: added latency at the client | miss: server CPU "
        "| warm | typed-through hit: server time | hit: of it, work | hit: round trip "
        "| hit: server CPU |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, https in ((200, False), (lines, False), (lines, True)):
        misses, hits = await measure(size, env, https)
        traced_misses, traced_hits = await measure(size, env, https, traced=True)
        to, after = traced_misses.server_to, traced_misses.server_after
        server = added_up(to, after)
        added = [a + b for a, b in zip(misses.to_provider, misses.from_provider, strict=True)]
        rows.append(
            f"| {size:,} lines, {'https' if https else 'http'} | {spread(walls(server))} "
            f"({spread(walls(to))} + {spread(walls(after))}) | {spread(cpus(server))} "
            f"| {spread(added)} | {spread(misses.cpu)} "
            f"| {misses.opened_ahead}/{SAMPLES} | {spread(walls(traced_hits.server_to))} "
            f"| {spread(cpus(traced_hits.server_to))} "
            f"| {spread(hits.trips)} | {spread(hits.cpu)} |"
        )
    return "\n".join(rows)


def walls(spans: list[Span]) -> list[float]:
    return [span.wall for span in spans]


def cpus(spans: list[Span]) -> list[float]:
    return [span.cpu for span in spans]


def added_up(first: list[Span], then: list[Span]) -> list[Span]:
    """Per keystroke, its two spans as one."""
    return [Span(a.wall + b.wall, a.cpu + b.cpu) for a, b in zip(first, then, strict=True)]


def spread(seconds: list[float]) -> str:
    seconds = [value for value in seconds if not math.isnan(value)]  # an older server's CPU
    if not seconds:
        return "—"
    return f"{median(seconds) * 1000:.1f} / {percentile(seconds, 0.95) * 1000:.1f}"


BUDGET = 0.005  # seconds of server time, p50, for a miss on a large file


async def budget(lines: int, baselines: list[str]) -> str:
    """The server time of misses and hits on a ``lines``-line file, against the budget; with
    ``baselines`` (other checkouts' ``server`` folders) measured in the same run."""
    from bench.lifecycle import server_env  # which imports this module

    servers: list[tuple[str, str | None]] = [("this checkout", None)]
    servers += [(f"baseline ({baseline})", baseline) for baseline in baselines]
    rows = [
        f"**server time per keystroke, {lines:,}-line file** ({SAMPLES} keystrokes each, "
        f"p50 / p95 ms; budget for a miss: {BUDGET * 1000:.0f} ms p50)",
        "",
        "| server | miss, http (to the provider + after the reply) | of it, work | miss, https "
        "| of it, work | typed-through hit | miss within budget |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as state:
        for name, server in servers:
            env = server_env(state)
            if server is not None:
                env["PYTHONPATH"] = str(Path(server).resolve())
            cells, within = [], True
            for https in (False, True):
                misses, hits = await measure(lines, env, https, traced=True)
                to, after = misses.server_to, misses.server_after
                server_time = added_up(to, after)
                within = within and median(walls(server_time)) <= BUDGET
                parts = f"{spread(walls(to))} + {spread(walls(after))}"
                cells += [f"{spread(walls(server_time))} ({parts})", spread(cpus(server_time))]
            cells.append(spread(walls(hits.server_to)))
            rows.append(f"| {name} | {' | '.join(cells)} | {'yes' if within else 'no'} |")
    return "\n".join(rows)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument(
        "--baseline", action="append", default=[], help="the server folder of another checkout"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    print(asyncio.run(budget(arguments.lines, arguments.baseline)))
