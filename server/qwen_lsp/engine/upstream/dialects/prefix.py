"""DeepSeek (beta base URL) and Mistral: ``"prefix": true`` on the last assistant message.

Mistral's reply starts with the prefix it was given, so the request asks for that echo to be
dropped before anything reaches post-processing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.upstream.dialects import ChatRequest, chat_messages


@dataclass(frozen=True)
class Prefix:
    extra_body: dict[str, Any] = field(default_factory=dict)
    echoes: bool = False  # the provider repeats the prefix (Mistral)
    name: str = "prefix"

    def build(self, prompt: Prompt) -> ChatRequest:
        echo = prompt.prefix if self.echoes else ""
        return ChatRequest(chat_messages(prompt, prefix=True), dict(self.extra_body), echo)
