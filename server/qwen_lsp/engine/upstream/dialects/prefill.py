"""Plain prefill (Volcengine Ark / BytePlus, llama.cpp, Ollama): a trailing assistant message.

These servers continue a conversation's last assistant turn without any flag; most of them only
do so with thinking disabled, which the thinking-off switch in ``extra_body`` takes care of.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.upstream.dialects import ChatRequest, chat_messages


@dataclass(frozen=True)
class Prefill:
    extra_body: dict[str, Any] = field(default_factory=dict)
    name: str = "prefill"

    def build(self, prompt: Prompt) -> ChatRequest:
        return ChatRequest(chat_messages(prompt), dict(self.extra_body))
