"""Load and soak: simulated typing across many open documents with upstream faults injected.

Runs the real server over stdio against the fake upstream (tests/fake_upstream.py) and reports
whether every request was answered, the server's memory over time (it must not grow after
warm-up: the first fifth of the run; the slope is a least-squares fit of RSS over the rest) and
the p95 latency the server adds over a direct streaming call to the same fake.

    python -m bench.soak                 # the full run: 10 minutes, 50 documents
    python -m bench.soak --minutes 0.5   # a short run (30 s)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from tests.fake_upstream import FakeUpstream, Reply

from qwen_lsp.engine.lifecycle.stats import percentile
from qwen_lsp.positions import to_position

FAULTS: list[Reply] = [
    Reply(status=500, error={"message": "injected"}),
    Reply(status=429, error={"message": "injected"}, headers={"retry-after": "1"}),
    Reply(hang=True),
    Reply.text("value = compute(", drop_after=2),
    Reply(raw=b"data: {not json\n\n"),
    Reply(raw=b""),
]
SERVER_OPTIONS = {
    "apiKey": "sk-soak",
    "timeoutMs": 1000,
    "backoffMs": 200,
    "backoffMaxMs": 2000,
    "rememberTyping": False,  # the soak's typing is not the user's
}


@dataclass
class Run:
    sent: int = 0
    answered: int = 0
    items: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    memory: list[tuple[float, float]] = field(default_factory=list)  # (seconds, RSS MB)


def replies(fault_rate: float, rng: random.Random) -> Any:
    def reply(body: dict[str, Any]) -> Reply:
        if rng.random() < fault_rate:
            return rng.choice(FAULTS)
        return Reply.text("total += item\n", ttft=rng.uniform(0.02, 0.08), chunk_delay=0.005)

    return reply


def document(n: int) -> str:
    body = "".join(f"    value_{i} = item * {i}\n" for i in range(150))
    return f"# module {n}\n\ndef work(item):\n{body}    total = 0\n    \n"


def mb_per_minute(samples: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) samples in MB a minute; None for fewer than two."""
    if len(samples) < 2:
        return None
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_mb = sum(mb for _, mb in samples) / len(samples)
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if not spread:
        return None
    return 60 * sum((t - mean_t) * (mb - mean_mb) for t, mb in samples) / spread


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def start(base_url: str, **extra: Any) -> LanguageClient:
    client = LanguageClient("qwen-lsp-soak", "1")
    client.feature("$/qwenLsp/status")(lambda params: None)
    client.feature(types.WINDOW_SHOW_MESSAGE)(lambda params: None)
    await client.start_io(sys.executable, "-m", "qwen_lsp", "--log-level", "ERROR")
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities()
        )
    )
    options = {**SERVER_OPTIONS, "baseUrl": base_url, **extra}
    await client.initialize_async(
        types.InitializeParams(capabilities=caps, initialization_options=options)
    )
    client.initialized(types.InitializedParams())
    return client


async def ask(client: LanguageClient, uri: str, text: str, run: Run, invoked: bool) -> None:
    kind = types.InlineCompletionTriggerKind
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(*to_position(text, len(text) - 1, "utf-16")),
        context=types.InlineCompletionContext(
            trigger_kind=kind.Invoked if invoked else kind.Automatic
        ),
    )
    run.sent += 1
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(client.text_document_inline_completion_async(params), 30)
    except asyncio.TimeoutError:
        return  # unanswered: counted as sent - answered
    except Exception:
        run.errors += 1
    else:
        run.items += bool(result and getattr(result, "items", result))
    run.answered += 1
    run.latencies_ms.append((time.perf_counter() - started) * 1000)


async def soak(minutes: float, documents: int, fault_rate: float, seed: int) -> Run:
    rng = random.Random(seed)
    run = Run()
    with FakeUpstream(replies(fault_rate, rng)) as fake:
        client = await start(fake.base_url)
        pid = client._server.pid  # type: ignore[union-attr]
        texts = {f"file:///soak/m{n}.py": document(n) for n in range(documents)}
        for uri, text in texts.items():
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(
                        uri=uri, language_id="python", version=1, text=text
                    )
                )
            )
        pending: set[asyncio.Task[None]] = set()
        begin = last_sample = time.monotonic()
        uri = rng.choice(list(texts))
        version = 1
        while (now := time.monotonic()) - begin < minutes * 60:
            if now - last_sample >= minutes * 3:  # 20 samples over the run
                run.memory.append((now - begin, rss_mb(pid)))
                last_sample = now
            if rng.random() < 0.05:
                uri = rng.choice(list(texts))  # switch to another file now and then
            text, version = texts[uri], version + 1
            cursor = len(text) - 1
            piece = rng.choice("abcdefghij (),.:=+\n") if rng.random() > 0.1 else ""
            texts[uri] = text[:cursor] + piece + text[cursor:]
            start_pos = types.Position(*to_position(text, cursor, "utf-16"))
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangePartial(
                        range=types.Range(start=start_pos, end=start_pos), text=piece)],
                )
            )  # fmt: skip
            task = asyncio.ensure_future(ask(client, uri, texts[uri], run, piece == ""))
            pending.add(task)
            task.add_done_callback(pending.discard)
            await asyncio.sleep(rng.uniform(0.03, 0.15))  # 7-30 keystrokes a second
        await asyncio.wait(pending, timeout=60) if pending else None
        run.memory.append((time.monotonic() - begin, rss_mb(pid)))
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return run


async def overhead(samples: int) -> tuple[list[float], list[float]]:
    """Latency of a completion through the server vs a direct SDK stream, same fake reply."""
    reply = Reply.text("total += item\n", ttft=0.02)
    direct: list[float] = []
    served = Run()
    with FakeUpstream(reply) as fake:
        sdk = openai.AsyncOpenAI(api_key="sk-soak", base_url=fake.base_url, max_retries=0)
        for _ in range(samples):
            started = time.perf_counter()
            stream = await sdk.chat.completions.create(
                model="qwen3-coder-flash", messages=[{"role": "user", "content": "x"}], stream=True
            )
            async for _chunk in stream:
                pass
            direct.append((time.perf_counter() - started) * 1000)
        await sdk.close()
        # One request per completion, as the direct stream it is compared with.
        client = await start(fake.base_url, invokedSuggestions=1)
        for n in range(samples):
            uri = f"file:///overhead/{n}.py"  # a new document each time: no cache hits
            text = document(n)
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(
                        uri=uri, language_id="python", version=1, text=text
                    )
                )
            )
            await ask(client, uri, text, served, invoked=True)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return direct, served.latencies_ms


def report(run: Run, direct: list[float], served: list[float], minutes: float) -> None:
    lat = sorted(run.latencies_ms)
    print(f"\nsoak: {minutes:g} min of typing, faults injected at random")
    print("| requests sent | answered | unanswered | with a completion | JSON-RPC errors | "
          "p50 ms | p95 ms |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    print(f"| {run.sent} | {run.answered} | {run.sent - run.answered} | {run.items} | "
          f"{run.errors} | {percentile(lat, 50)} | {percentile(lat, 95)} |")  # fmt: skip
    print("\nserver memory (RSS)\n| t (s) | MB |\n|---|---|")
    for seconds, mb in run.memory:
        print(f"| {seconds:.0f} | {mb:.1f} |")
    if run.memory:
        settled = run.memory[len(run.memory) // 5 :]  # the first fifth of the run is warm-up
        growth = settled[-1][1] - settled[0][1]
        slope = mb_per_minute(settled)
        trend = f"{slope:+.2f} MB/min" if slope is not None else "n/a"
        print(f"\ngrowth after warm-up (t={settled[0][0]:.0f} s): {growth:+.1f} MB; "
              f"slope {trend} (least squares over {len(settled)} samples)")  # fmt: skip
    d, s = sorted(direct), sorted(served)
    print("\noverhead: completion through qwen-lsp vs a direct SDK stream (same fake reply)")
    print("| path | p50 ms | p95 ms |\n|---|---|---|")
    print(f"| direct SDK | {percentile(d, 50)} | {percentile(d, 95)} |")
    print(f"| qwen-lsp | {percentile(s, 50)} | {percentile(s, 95)} |")
    p95_direct, p95_served = percentile(d, 95) or 0.0, percentile(s, 95) or 0.0
    ratio = p95_served / p95_direct if p95_direct else float("nan")
    print(f"| overhead | | {p95_served - p95_direct:+.1f} (×{ratio:.2f}) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="run length (default 10)")
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--fault-rate", type=float, default=0.1, help="share of faulty replies")
    parser.add_argument("--samples", type=int, default=50, help="overhead samples")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run = asyncio.run(soak(args.minutes, args.documents, args.fault_rate, args.seed))
    direct, served = asyncio.run(overhead(args.samples))
    report(run, direct, served, args.minutes)
    sys.exit(0 if run.sent == run.answered else 1)


if __name__ == "__main__":
    main()
