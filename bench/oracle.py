"""The fake model of the benchmark: a latency model and answers taken from where the user goes.

It continues the prompt with the trace's target text (the rest of the line mid-line, the next
line at the end of one, up to four lines at a line start) when a seeded coin says it is right, and
with a plausible wrong guess otherwise. Time to first token and tokens per second follow the
configured latency model; a token is four characters.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass, field
from typing import Any

from tests.fake_upstream import Reply

CHARS_PER_TOKEN = 4
BLOCK_LINES = 4


@dataclass
class Oracle:
    targets: dict[str, str]
    accuracy: float
    ttft: float
    tokens_per_second: float
    answers: dict[int, str] = field(default_factory=dict)  # id(request body) → text streamed
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, body: dict[str, Any]) -> Reply:
        prefix = str(body.get("messages", [{}])[-1].get("content", ""))
        text = self.continuation(prefix)
        with self._lock:
            self.answers[id(body)] = text
        return Reply.text(
            text, CHARS_PER_TOKEN, ttft=self.ttft, chunk_delay=1 / self.tokens_per_second
        )

    def continuation(self, prefix: str) -> str:
        mid_line = bool(prefix.rsplit("\n", 1)[-1].strip())
        right = zlib.crc32(prefix.encode()) % 1000 < self.accuracy * 1000
        for target in self.targets.values():
            at = target.find(prefix)
            if right and at >= 0:
                rest = target[at + len(prefix) :]
                ending = mid_line and rest.startswith("\n")  # the next line follows
                lines = rest.splitlines(keepends=True)[
                    : 2 if ending else 1 if mid_line else BLOCK_LINES
                ]
                return "".join(lines) or "\n"
        return "guess()\n" if mid_line else "pass\n"
