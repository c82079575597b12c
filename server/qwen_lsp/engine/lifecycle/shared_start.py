"""How much of a request repeats the previous one's start: the part a provider's cache can serve.

Providers cache the longest identical start of the token stream (system → user → assistant
prefix). :func:`shared_start_ratio` measures it on the messages of two consecutive requests; the
lifecycle benchmark reports it while simulated typing goes on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Messages = Sequence[Mapping[str, Any]]


def prompt_text(messages: Messages) -> str:
    """The messages as one stream in the order the model reads them, with role markers."""
    return "".join(f"<|{m.get('role', '')}|>\n{m.get('content', '')}\n" for m in messages)


def shared_start(a: str, b: str) -> int:
    """Length of the longest common start of ``a`` and ``b`` (slice compares run in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def shared_start_ratio(previous: Messages, current: Messages) -> float:
    """Fraction of ``current``'s prompt (in characters) identical to the start of ``previous``."""
    before, now = prompt_text(previous), prompt_text(current)
    return shared_start(before, now) / len(now) if now else 1.0
