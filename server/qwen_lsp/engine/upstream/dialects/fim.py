"""Fill-in-the-middle on a completions endpoint: the prefix and suffix as separate fields.

No chat template and no system prompt: the model's own FIM tokens frame the cursor, which code
models such as qwen2.5-coder and Codestral were trained on. Every server spells it differently,
so each endpoint is a row: its path, its request body and where the text is in a streamed event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.upstream.dialects import (
    CompletionRequest,
    FimEndpoint,
    choice_finish,
    delta_text,
    first_choice,
)
from qwen_lsp.settings import Settings


@dataclass(frozen=True)
class Fim:
    endpoint: FimEndpoint
    extra_body: dict[str, Any] = field(default_factory=dict)
    name: str = "fim"

    def build(self, prompt: Prompt) -> CompletionRequest:
        return CompletionRequest(self.endpoint, prompt, dict(self.extra_body))


def _openai_body(prompt: Prompt, settings: Settings) -> dict[str, Any]:
    return {
        "model": settings.model,
        "prompt": prompt.prefix,
        "suffix": prompt.suffix,
        "max_tokens": settings.max_tokens,
        "temperature": settings.temperature,
        "stream": True,
    }


def _choice_text(event: Mapping[str, Any]) -> str:
    return str(first_choice(event).get("text") or "")


def _llama_body(prompt: Prompt, settings: Settings) -> dict[str, Any]:
    return {
        "input_prefix": prompt.prefix,
        "input_suffix": prompt.suffix,
        "n_predict": settings.max_tokens,
        "temperature": settings.temperature,
        "stream": True,
        "cache_prompt": True,  # reuse the KV cache of the previous keystroke's prompt
    }


def _llama_finish(event: Mapping[str, Any]) -> str | None:
    if not event.get("stop"):
        return None
    return "length" if event.get("stop_type") == "limit" else "stop"


def _ollama_body(prompt: Prompt, settings: Settings) -> dict[str, Any]:
    return {
        "model": settings.model,
        "prompt": prompt.prefix,
        "suffix": prompt.suffix,
        "stream": True,
        "options": {"num_predict": settings.max_tokens, "temperature": settings.temperature},
    }


def _ollama_finish(event: Mapping[str, Any]) -> str | None:
    return str(event.get("done_reason") or "stop") if event.get("done") else None


ENDPOINTS: dict[str, FimEndpoint] = {
    # DeepSeek beta, DashScope (qwen2.5-coder), vLLM, Ollama's and llama.cpp's OpenAI layer
    "completions": FimEndpoint("completions", _openai_body, _choice_text, choice_finish),
    "mistral": FimEndpoint("fim/completions", _openai_body, delta_text, choice_finish),
    "llama.cpp": FimEndpoint(
        "/infill", _llama_body, lambda e: str(e.get("content") or ""), _llama_finish
    ),
    "ollama": FimEndpoint(
        "/api/generate", _ollama_body, lambda e: str(e.get("response") or ""), _ollama_finish
    ),
}
