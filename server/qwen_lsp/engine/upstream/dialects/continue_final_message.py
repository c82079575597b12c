"""vLLM, SGLang and newer llama.cpp: continue the final message, chosen by top-level fields.

``add_generation_prompt: false`` keeps the chat template from opening a new assistant turn after
the prefix; ``continue_final_message: true`` leaves the prefix's turn open for the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.upstream.dialects import ChatRequest, chat_messages


@dataclass(frozen=True)
class ContinueFinalMessage:
    extra_body: dict[str, Any] = field(default_factory=dict)
    name: str = "continue_final_message"

    def build(self, prompt: Prompt) -> ChatRequest:
        fields = {"continue_final_message": True, "add_generation_prompt": False}
        return ChatRequest(chat_messages(prompt), {**self.extra_body, **fields})
