"""DashScope / Moonshot partial mode: ``"partial": true`` on the last assistant message."""

from __future__ import annotations

from dataclasses import dataclass

from qwen_lsp.engine.context import Prompt
from qwen_lsp.engine.dialects import ChatRequest
from qwen_lsp.engine.instructions import SYSTEM_RULES, user_message


@dataclass(frozen=True)
class Partial:
    name: str = "partial"

    def build(self, prompt: Prompt) -> ChatRequest:
        return ChatRequest(
            messages=[
                {"role": "system", "content": SYSTEM_RULES},
                {"role": "user", "content": user_message(prompt)},
                # The SDK passes unknown message keys through unchanged.
                {"role": "assistant", "content": prompt.prefix, "partial": True},
            ]
        )


PARTIAL = Partial()
