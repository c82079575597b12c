"""DashScope / Moonshot partial mode: ``"partial": true`` on the last assistant message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.upstream.dialects import ChatRequest, chat_messages


@dataclass(frozen=True)
class Partial:
    extra_body: dict[str, Any] = field(default_factory=dict)
    name: str = "partial"

    def build(self, prompt: Prompt) -> ChatRequest:
        return ChatRequest(chat_messages(prompt, partial=True), dict(self.extra_body))
