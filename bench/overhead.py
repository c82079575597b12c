"""Server-side overhead on a large file: what one keystroke costs the server, model time aside.

Every keystroke (``didChange``) is followed by an invoked request (no debounce). Misses go upstream
to a fake that streams the answer at the latency model's pace; hits are answered from the
typed-through cache. Per keystroke:

- **server CPU**: the CPU time the server process used for the keystroke (all threads, from
  ``/proc/PID/task/*/schedstat``): its own work, with no waiting in it. On a miss, most of it is
  spent while the model streams, off the user's wait;
- **added latency** (misses): the part of the wait for ghost text that is not the model's, in two
  legs — from the keystroke to the request at the provider, and from the provider's last chunk
  to the answer at the client. It also holds the client's JSON, the pipe, and the fake's HTTP
  and TLS work in this process, so it is an upper bound;
- **round trip** (hits): the client's wall time from request to answer;
- **the SDK alone**: the CPU time of the same streams read with the openai SDK and nothing else
  (``post`` and ``aiter_lines``, in a process of its own): the part of a miss that is the HTTP
  client's.

The https rows use a self-signed certificate the server is told to trust. ``opened ahead`` counts
the requests that came over a connection opened before their keystroke: the others paid a TCP
(and TLS) handshake on the way, which on a real network is two or three round trips.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import openai
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


@dataclass
class Keystrokes:
    cpu: list[float] = field(default_factory=list)  # the server's CPU seconds per keystroke
    trips: list[float] = field(default_factory=list)  # seconds, request to answer
    to_provider: list[float] = field(default_factory=list)  # keystroke → request at the fake
    from_provider: list[float] = field(default_factory=list)  # last chunk → answer
    opened_ahead: int = 0
    sdk_cpu: list[float] = field(default_factory=list)  # the same streams, the SDK alone


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


async def measure(lines: int, env: dict[str, str], https: bool) -> tuple[Keystrokes, Keystrokes]:
    text, cursor = large_file(lines)
    reply = Reply.text(ANSWER, ttft=TTFT, chunk_delay=CHUNK_DELAY)
    with tempfile.TemporaryDirectory() as directory:
        context, certificate = self_signed(Path(directory))
        if https:
            env = {**env, "SSL_CERT_FILE": str(certificate)}
        with FakeUpstream(reply, tls=context if https else None) as fake:
            editor = Editor()
            await editor.start(env, {"baseUrl": fake.base_url, "debounceMs": 0})
            try:
                editor.open(URI, text)
                await keystrokes(editor, cursor, "zz")  # warm up: imports, the first connection
                before = len(fake.requests)
                misses = await keystrokes(editor, cursor + 2, "z" * SAMPLES)
                legs(misses, editor, fake.requests[before:])
                hits = await keystrokes(editor, cursor + 2 + SAMPLES, ANSWER[:-2])
                assert len(fake.requests) == before + SAMPLES, "hits must not go upstream"
            finally:
                await editor.stop()
            spawn = multiprocessing.get_context("spawn")  # no fork of a process with threads
            with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                cert = str(certificate) if https else ""
                job = pool.submit(sdk_streams, fake.base_url, cert, SAMPLES)
                misses.sdk_cpu = await asyncio.wrap_future(job)
    return misses, hits


def sdk_streams(base_url: str, certificate: str, samples: int) -> list[float]:
    """CPU seconds of each of ``samples`` streams read with the SDK alone (run in a child)."""
    if certificate:
        os.environ["SSL_CERT_FILE"] = certificate

    async def streams() -> list[float]:
        client = openai.AsyncOpenAI(api_key="bench", base_url=base_url, max_retries=0)
        body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True}
        cpu: list[float] = []
        for _ in range(samples + 2):  # the first two open the pool and import lazily
            started = time.process_time()
            response = await client.post(
                "/chat/completions", cast_to=httpx2.Response, body=body, stream=True
            )
            async for _line in response.aiter_lines():
                pass
            await response.aclose()
            cpu.append(time.process_time() - started)
        await client.close()
        return cpu[2:]

    return asyncio.run(streams())


async def overhead(lines: int, env: dict[str, str]) -> str:
    rows = [
        f"**server-side overhead per keystroke** ({SAMPLES} keystrokes each, p50 / p95 ms; "
        f"misses streamed at {1 / CHUNK_DELAY:.0f} tokens/s)",
        "",
        "| file | miss: server CPU | miss: the SDK alone | miss: added latency (to provider + "
        "from last chunk) | opened ahead | typed-through hit: server CPU | hit: round trip |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, https in ((200, False), (lines, False), (lines, True)):
        misses, hits = await measure(size, env, https)
        added = [a + b for a, b in zip(misses.to_provider, misses.from_provider, strict=True)]
        rows.append(
            f"| {size:,} lines, {'https' if https else 'http'} | {spread(misses.cpu)} "
            f"| {spread(misses.sdk_cpu)} | {spread(added)} "
            f"({spread(misses.to_provider)} + {spread(misses.from_provider)}) "
            f"| {misses.opened_ahead}/{SAMPLES} | {spread(hits.cpu)} | {spread(hits.trips)} |"
        )
    return "\n".join(rows)


def spread(seconds: list[float]) -> str:
    return f"{median(seconds) * 1000:.1f} / {percentile(seconds, 0.95) * 1000:.1f}"
