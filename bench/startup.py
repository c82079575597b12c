"""Start-up and the first completion: what the user waits for when the editor starts the server.

    python -m bench.startup                            # this checkout
    python -m bench.startup --baseline ../old/server   # and another one, in the same run

Every run starts a fresh server (``python -m qwen_lsp`` over stdio, as an editor does):

- **start**: from spawning the process to the answer to ``initialize`` (the budget: 1 s);
- **first completion**: the user types a second after the server started, and asks (an invoked
  request, so no debounce). From the request to its answer, against the fake upstream with a
  30 ms time to first token; http, and https (HTTP/2 offered) with a self-signed certificate.
  The openai SDK is imported in the background from the start: by then it is ready.

Medians of ``--runs`` runs. ``--baseline`` is the ``server`` folder of another checkout, run by
the same interpreter; its row's ratios are against this checkout's.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from tests.fake_upstream import FakeUpstream, Reply, self_signed

from bench.editor import Editor
from bench.lifecycle import server_env
from bench.metrics import median
from bench.traces import Step

URI = "file:///bench/start.py"
TEXT = "def total(values):\n    \n"
CURSOR = len("def total(values):\n    ")
IDLE = 1.0  # seconds between the start and the first keystroke


async def run_once(fake: FakeUpstream, env: dict[str, str]) -> tuple[float, float]:
    """Seconds to start, and to the first completion's answer."""
    editor = Editor()
    started = time.monotonic()
    await editor.start(env, {"baseUrl": fake.base_url})
    start = time.monotonic() - started
    try:
        await asyncio.sleep(IDLE)
        editor.open(URI, TEXT)
        editor.step(0, Step(0.0, URI, CURSOR, CURSOR, "r", CURSOR + 1), invoked=True)
        await editor.settle()
        answer = editor.answers[-1]
        assert answer.received is not None and answer.text, "the first completion failed"
        return start, answer.received - answer.sent
    finally:
        await editor.stop()


async def measure(server: str | None, runs: int, directory: Path) -> list[float]:
    """Median start, first completion over http, and over https, in seconds."""
    context, certificate = self_signed(directory)
    env = server_env(directory)
    if server is not None:
        env["PYTHONPATH"] = str(Path(server).resolve())
    starts: list[float] = []
    firsts: dict[bool, list[float]] = {False: [], True: []}
    for https in (False, True):
        reply = Reply.text("eturn sum(values)\n", ttft=0.03)
        tls = context if https else None
        with FakeUpstream(reply, tls=tls, keep_alive=True, http2=https) as fake:
            scheme_env = {**env, "SSL_CERT_FILE": str(certificate)} if https else env
            for _ in range(runs):
                start, first = await run_once(fake, scheme_env)
                starts.append(start)
                firsts[https].append(first)
    return [median(starts), median(firsts[False]), median(firsts[True])]


async def main(args: argparse.Namespace) -> None:
    rows = [("this checkout", None)]
    if args.baseline:
        rows.append((f"baseline ({args.baseline})", args.baseline))
    print(f"**start-up and the first completion** (medians of {args.runs} runs, ms)\n")
    print("| server | start | first completion, http | first completion, https |")
    print("|---|---|---|---|")
    ours: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        for name, server in rows:
            figures = await measure(server, args.runs, Path(directory))
            ours = ours or figures
            cells = [f"{value * 1000:.0f}" for value in figures]
            if server is not None:
                ratios = zip(cells, figures, ours, strict=True)
                cells = [f"{cell} ({value / our:.1f}×)" for cell, value, our in ratios]
            print(f"| {name} | {' | '.join(cells)} |", flush=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", help="the server folder of another checkout")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
