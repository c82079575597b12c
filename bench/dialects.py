"""What each dialect costs on our side: request size and the time to read a whole reply.

Every dialect streams the same ~50-piece reply from the in-process fake provider through one
reusable client; the time is the client's (request, parse, echo handling), the fake's included.
The baseline row reads the same ``partial`` reply the way the openai SDK's typed call does
(a pydantic model per chunk), which is what ``Upstream`` did before it parsed events itself.
Run with ``python -m bench.dialects``.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from contextlib import aclosing

import openai
from tests.fake_upstream import FakeUpstream, Reply

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.upstream.client import StreamStats, Upstream
from qwen_lsp.engine.upstream.dialects import dialect_for
from qwen_lsp.settings import Settings

ROUNDS = 60
ANSWER = "total = sum(value * 2 for value in values if value % 3) + len(values)\n" * 3
PROMPT = Prompt(
    prefix="import math\n\n\ndef score(values):\n    " * 20,
    suffix="\n    return total\n\n\nprint(score([1, 2, 3]))\n",
    path="bench/score.py",
    language_id="python",
)
CASES = [
    ("dashscope", "partial"),
    ("ark", "prefill"),
    ("deepseek", "prefix"),
    ("mistral", "prefix"),
    ("vllm", "continue_final_message"),
    ("deepseek", "fim"),
    ("mistral", "fim"),
    ("llama.cpp", "fim"),
    ("ollama", "fim"),
]


async def one_case(fake: FakeUpstream, provider: str, dialect: str) -> tuple[str, int, list[float]]:
    settings, errors = Settings(api_key="sk-bench").merged(
        {"provider": provider, "dialect": dialect, "baseUrl": fake.base_url}
    )
    assert not errors, errors
    request = dialect_for(settings).build(PROMPT)
    echo = PROMPT.prefix if provider == "mistral" and dialect == "prefix" else ""
    fake.default = Reply.text(echo + ANSWER, size=len(ANSWER) // 50)
    upstream = Upstream(settings)
    times = []
    try:
        for _ in range(ROUNDS):
            start = time.perf_counter()
            text = ""
            async with aclosing(upstream.stream(request, StreamStats())) as pieces:
                async for piece in pieces:
                    text += piece
            times.append(time.perf_counter() - start)
            assert text == ANSWER, (provider, dialect, text[:80])
    finally:
        await upstream.aclose()
    received = fake.requests[-1]
    return received.path, len(json.dumps(received.body)), times


async def sdk_baseline(fake: FakeUpstream) -> tuple[str, int, list[float]]:
    """The same partial-mode reply through ``chat.completions.create`` and its typed chunks."""
    settings = Settings(api_key="sk-bench", base_url=fake.base_url)
    request = dialect_for(settings).build(PROMPT)
    fake.default = Reply.text(ANSWER, size=len(ANSWER) // 50)
    client = openai.AsyncOpenAI(api_key="sk-bench", base_url=fake.base_url, max_retries=0)
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        text = ""
        stream = await client.chat.completions.create(
            model=settings.model,
            messages=request.messages,  # type: ignore[arg-type]
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            stream=True,
            stream_options={"include_usage": True},
            extra_body=request.extra_body,
        )
        async for chunk in stream:
            text += "".join(c.delta.content or "" for c in chunk.choices)
        times.append(time.perf_counter() - start)
        assert text == ANSWER
    await client.close()
    received = fake.requests[-1]
    return received.path, len(json.dumps(received.body)), times


async def main() -> None:
    rows = []
    with FakeUpstream() as fake:
        rows.append(("(SDK typed)", "partial", *await sdk_baseline(fake)))
        for provider, dialect in CASES:
            path, size, times = await one_case(fake, provider, dialect)
            rows.append((provider, dialect, path, size, times))
    base = statistics.median(rows[0][4])
    print(f"{ROUNDS} streamed replies of {len(ANSWER)} characters in ~50 pieces per row\n")
    print(f"{'provider':<11} {'dialect':<23} {'path':<20} {'body B':>7} "
          f"{'median ms':>9} {'p95 ms':>7} {'ratio':>6}")  # fmt: skip
    for provider, dialect, path, size, times in rows:
        ordered = sorted(times)
        median = statistics.median(ordered)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(
            f"{provider:<11} {dialect:<23} {path:<20} {size:>7} "
            f"{median * 1000:>9.2f} {p95 * 1000:>7.2f} {median / base:>6.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
