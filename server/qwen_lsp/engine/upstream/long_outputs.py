"""Long outputs: keep asking until the block is complete, within hard bounds.

A reply cut off by ``max_tokens`` (``finish_reason == "length"``) is appended to the assistant
prefix and the model is asked to go on, as the seeds do — used by the explicit "complete the whole
block" request, where a long answer is what the user asked for. Bounded by a number of rounds and
by a total of generated tokens, whichever comes first; a reply still cut off at the end is trimmed
to its last complete line, never shown half-way through a line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass

from qwen_lsp.engine.context.tokens import estimate_tokens
from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.postprocess import Cursor, clean, complete_lines, is_finished
from qwen_lsp.engine.upstream.client import StreamStats
from qwen_lsp.engine.values import Completion

MAX_ROUNDS = 20
MAX_TOTAL_TOKENS = 4096

Stream = Callable[[Prompt, StreamStats], AsyncGenerator[str, None]]


@dataclass(frozen=True)
class BlockResult:
    """The completion and what it took: rounds (requests) and generated tokens."""

    completion: Completion | None
    rounds: int
    tokens: int


async def complete_block(
    stream: Stream,
    prompt: Prompt,
    cursor: Cursor,
    round_tokens: int,
    max_rounds: int = MAX_ROUNDS,
    max_tokens: int = MAX_TOTAL_TOKENS,
) -> BlockResult:
    """Stream rounds of ``round_tokens`` each until the scope ends, the model stops, or a bound.

    A round starts only if its full ``round_tokens`` still fits in ``max_tokens``, so the total
    never exceeds the bound.
    """
    output, used, rounds = "", 0, 0
    truncated = False
    while rounds < max_rounds and used + round_tokens <= max_tokens:
        rounds += 1
        stats = StreamStats()
        received = ""
        async with aclosing(
            stream(dataclasses.replace(prompt, prefix=prompt.prefix + output), stats)
        ) as chunks:
            async for piece in chunks:
                received += piece
                # Only a new line break can decide it; checking on every piece is quadratic.
                if "\n" in piece and is_finished(output + received, cursor):
                    break
        output += received
        used += stats.completion_tokens or estimate_tokens(received)
        truncated = stats.finish_reason == "length"
        if not truncated or not received or is_finished(output, cursor):
            break
    if truncated:
        output = complete_lines(output)
    return BlockResult(clean(output, cursor), rounds, used)
