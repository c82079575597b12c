"""What several suggestions on an invoked request cost: wait, upstream requests, tokens, money.

The real server over stdio against the fake upstream, whose time to first token varies from
request to request (log-normal, as a provider's does, drawn from the prompt and the temperature,
so a request takes as long in every row) and whose reply depends on the temperature (so the
extras differ). Each sample is a new document (no cache hit), and one invoked request at an
empty line in a function body. Three ways, in the same process:

- **one**: ``invokedSuggestions`` 1, the baseline;
- **three**: ``invokedSuggestions`` 3, asked cold;
- **three after a shown one**: an automatic suggestion is answered first, then the invoked
  request at the same place (VS Code's ``Alt+]`` on a shown suggestion): the first comes from
  the cache, the two extras go upstream. Only the invoked request is measured.

Requests, tokens and cost per invoked request come from the server's own ``qwen-lsp.stats``.

    python -m bench.alternatives            # 40 samples each
    python -m bench.alternatives --samples 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from tests.fake_upstream import FakeUpstream, Reply

from bench.metrics import median, percentile
from bench.soak import start
from qwen_lsp.settings import Settings

REPLIES = {0.2: "return x * 2\n", 0.5: "return x + x\n", 0.8: "return 2 * x\n"}
TTFT_MEDIAN = 0.3  # seconds
TTFT_SIGMA = 0.4  # of the log: p95 about twice the median
CHUNK_DELAY = 1 / 80  # 80 tokens a second
SETTLE = 0.3  # seconds: longer than a reply's tail (its last chunks and usage report)
COUNTED = ("requests", "alternatives", "tokensIn", "tokensOut", "estimatedCost")


@dataclass
class Row:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds
    shown: int = 0
    spent: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0.0))


def reply(body: dict[str, Any]) -> Reply:
    """The fake's reply, its time to first token drawn from the prompt and the temperature: the
    same request takes as long in every row, so the rows differ only by what they send."""
    temperature = body.get("temperature", 0.2)
    draw = random.Random(f"{json.dumps(body.get('messages'))}{temperature}")
    ttft = draw.lognormvariate(0, TTFT_SIGMA) * TTFT_MEDIAN
    text = REPLIES.get(temperature, REPLIES[0.2])
    return Reply.text(text, ttft=ttft, chunk_delay=CHUNK_DELAY)


async def stats(client: LanguageClient) -> dict[str, float]:
    command = types.ExecuteCommandParams(command="qwen-lsp.stats")
    snapshot = await client.workspace_execute_command_async(command)
    assert isinstance(snapshot, dict)
    return {name: float(snapshot[name] or 0) for name in COUNTED}


async def settled(client: LanguageClient) -> dict[str, float]:
    """The stats once the streams answered have been accounted: that is done after the answer."""
    await asyncio.sleep(SETTLE)
    return await stats(client)


async def ask(client: LanguageClient, uri: str, trigger: types.InlineCompletionTriggerKind) -> int:
    """Ask at the body's empty line; the number of suggestions shown."""
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(1, 4),
        context=types.InlineCompletionContext(trigger_kind=trigger),
    )
    result = await client.text_document_inline_completion_async(params)
    return len(result.items) if isinstance(result, types.InlineCompletionList) else 0


async def run(row: Row, base_url: str, suggestions: int, shown_first: bool, samples: int) -> None:
    # The soak's short timeout would cut off this provider's slowest replies: the default's.
    timeout = Settings.timeout_ms
    client = await start(base_url, invokedSuggestions=suggestions, timeoutMs=timeout)
    kind = types.InlineCompletionTriggerKind
    for n in range(samples):
        uri = f"file:///bench/alternatives/{n}.py"  # the same prompts in every row
        item = types.TextDocumentItem(uri, "python", 1, f"def double_{n}(x):\n    \n")
        client.text_document_did_open(types.DidOpenTextDocumentParams(item))
        if shown_first:
            await ask(client, uri, kind.Automatic)
        before = await settled(client)
        started = time.perf_counter()
        row.shown += await ask(client, uri, kind.Invoked)
        row.latencies.append(time.perf_counter() - started)
        after = await settled(client)
        for name in COUNTED:
            row.spent[name] += after[name] - before[name]
        closed = types.TextDocumentIdentifier(uri)  # other open files would enter the prompt
        client.text_document_did_close(types.DidCloseTextDocumentParams(closed))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def report(rows: list[Row], samples: int) -> None:
    baseline = median(rows[0].latencies)
    print(f"\nan invoked request, {samples} samples each; fake TTFT log-normal, median "
          f"{TTFT_MEDIAN * 1000:.0f} ms; 80 tokens/s")  # fmt: skip
    print("| invoked request | suggestions shown | answer p50 ms | p95 ms | p50 vs one | upstream "
          "requests | of which extras | tokens in | tokens out | CNY per 1,000 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        each = {name: value / samples for name, value in row.spent.items()}
        p50 = median(row.latencies)
        print(f"| {row.name} | {row.shown / samples:.2f} | {p50 * 1000:.0f} | "
              f"{percentile(row.latencies, 0.95) * 1000:.0f} | {p50 / baseline:.2f}× | "
              f"{each['requests']:.2f} | {each['alternatives']:.2f} | {each['tokensIn']:.0f} | "
              f"{each['tokensOut']:.1f} | {each['estimatedCost'] * 1000:.3f} |")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    ways = [("one", 1, False), ("three", 3, False), ("three after a shown one", 3, True)]
    rows = []
    with FakeUpstream(reply) as fake:
        for name, suggestions, shown_first in ways:
            rows.append(Row(name))
            await run(rows[-1], fake.base_url, suggestions, shown_first, args.samples)
    report(rows, args.samples)


if __name__ == "__main__":
    asyncio.run(main())
