"""TCP and TLS handshakes per completion, against a TLS fake that speaks HTTP/2 and one that
speaks only HTTP/1.1 (kept alive, as providers do).

    python -m bench.handshakes                              # this checkout
    python -m bench.handshakes --baseline ../old/server     # and another one, in the same run

Each round types a character (an invoked request), then another while the first is still
streaming: the first goes stale and its stream is closed; the second is read to its end. Then
the user pauses. Per server and fake:

- **handshakes / completion**: connections the fake accepted (each one a TCP and a TLS handshake)
  over the requests it received, after a first completion that opens the first connection;
- **on the wait**: of the requests, those whose connection was accepted after their keystroke,
  so that the user waited for a handshake (two or three round trips to a real provider);
- **keystroke → request**: from the keystroke to the request at the fake (p50 / p95, ms), where
  a handshake on the wait shows, on loopback, as its CPU cost.

The certificate is self-signed, made for the run; the server trusts it through SSL_CERT_FILE, the
setting users have for a custom CA. ``--baseline`` is the ``server`` folder of another checkout,
run by the same interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.fake_upstream import FakeUpstream, Reply, self_signed

from bench.editor import Editor
from bench.lifecycle import server_env
from bench.metrics import median, percentile
from bench.traces import Step

URI = "file:///bench/handshakes.py"
TEXT = "def total(values):\n    \n"
CURSOR = len("def total(values):\n    ")
STALE_AFTER = 0.02  # seconds from the first keystroke of a round to the second
PAUSE = 0.3  # seconds between rounds
REPLY = Reply.text("return sum(values)\n", ttft=0.05, chunk_delay=0.01)


@dataclass
class Cell:
    completions: int
    handshakes: int
    on_the_wait: int
    to_provider: list[float]

    def row(self) -> list[str]:
        per = self.handshakes / self.completions if self.completions else float("nan")
        waits = f"{self.on_the_wait}/{self.completions}"
        spread = f"{median(self.to_provider) * 1000:.1f} / "
        spread += f"{percentile(self.to_provider, 0.95) * 1000:.1f}"
        return [f"{per:.2f} ({self.handshakes}/{self.completions})", waits, spread]


async def measure(fake: FakeUpstream, env: dict[str, str], rounds: int) -> Cell:
    editor = Editor()
    await editor.start(env, {"baseUrl": fake.base_url, "debounceMs": 0})
    try:
        editor.open(URI, TEXT)
        cursor = CURSOR
        editor.step(0, Step(0.0, URI, cursor, cursor, "z", cursor + 1), invoked=True)
        await editor.settle()  # the first connection, and the imports
        cursor += 1
        requests, connections = len(fake.requests), len(fake.connections)
        asked = len(editor.answers)
        for _ in range(rounds):
            for wait in (STALE_AFTER, 0.0):
                editor.step(0, Step(0.0, URI, cursor, cursor, "z", cursor + 1), invoked=True)
                cursor += 1
                await asyncio.sleep(wait)
            await editor.settle()
            await asyncio.sleep(PAUSE)
    finally:
        await editor.stop()
    received = fake.requests[requests:]
    # Each request's keystroke: the last one sent before the request arrived.
    keystrokes = [answer.sent for answer in editor.answers[asked:]]
    sent = [max(at for at in keystrokes if at <= request.started) for request in received]
    return Cell(
        completions=len(received),
        handshakes=len(fake.connections) - connections,
        on_the_wait=sum(r.connected_at > at for r, at in zip(received, sent, strict=True)),
        to_provider=[r.started - at for r, at in zip(received, sent, strict=True)],
    )


async def main(args: argparse.Namespace) -> None:
    servers: list[tuple[str, str | None]] = [("this checkout", None)]
    if args.baseline:
        servers.append((f"baseline ({args.baseline})", args.baseline))
    print(
        f"**TCP+TLS handshakes per completion** ({args.rounds} rounds of a stale and a finished "
        "completion, after a first one)\n"
    )
    print("| server | fake | handshakes / completion | on the wait | keystroke → request, ms |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as directory:
        for name, server in servers:
            env = server_env(directory)
            if server is not None:
                env["PYTHONPATH"] = str(Path(server).resolve())
            for http2 in (True, False):
                context, certificate = self_signed(Path(directory))
                with FakeUpstream(REPLY, tls=context, http2=http2, keep_alive=True) as fake:
                    cell = await measure(
                        fake, {**env, "SSL_CERT_FILE": str(certificate)}, args.rounds
                    )
                fake_name = "HTTP/2 offered" if http2 else "HTTP/1.1 only"
                print(f"| {name} | {fake_name} | {' | '.join(cell.row())} |", flush=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--baseline", help="the server folder of another checkout")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
