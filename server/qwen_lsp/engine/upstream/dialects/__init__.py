"""How each provider spells "continue this prefix": one small module per dialect.

A dialect turns a :class:`~qwen_lsp.engine.context.window.Prompt` into one request: a chat
request whose last assistant message holds the code before the cursor, or a fill-in-the-middle
request for a completions endpoint. Provider quirks live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from qwen_lsp.engine.context.instructions import SYSTEM_RULES, user_message
from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.providers import PRESETS, THINKING_OFF
from qwen_lsp.settings import Settings


@dataclass(frozen=True)
class ChatRequest:
    """Messages plus top-level fields the openai SDK does not know (sent as ``extra_body``)."""

    messages: list[dict[str, Any]]
    extra_body: dict[str, Any] = field(default_factory=dict)
    echo: str = ""  # text the provider repeats at the start of its reply, to be dropped


@dataclass(frozen=True)
class FimEndpoint:
    """One server's fill-in-the-middle endpoint: where it is, what it reads, what it streams.

    ``path`` is relative to the base URL, or to the server's root when it starts with ``/``.
    """

    path: str
    body: Callable[[Prompt, Settings], dict[str, Any]]
    text: Callable[[Mapping[str, Any]], str]
    finish: Callable[[Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class CompletionRequest:
    """A fill-in-the-middle request: the prompt and the endpoint that understands it."""

    endpoint: FimEndpoint
    prompt: Prompt
    extra_body: dict[str, Any] = field(default_factory=dict)


Request = ChatRequest | CompletionRequest


class Dialect(Protocol):
    """Builds the request for one provider family."""

    @property
    def name(self) -> str: ...

    def build(self, prompt: Prompt) -> Request: ...


def chat_messages(prompt: Prompt, **assistant_flags: Any) -> list[dict[str, Any]]:
    """System rules, the user message with the suffix, and the prefix as the assistant's turn."""
    return [
        {"role": "system", "content": SYSTEM_RULES},
        {"role": "user", "content": user_message(prompt)},
        # The SDK passes unknown message keys (the dialect's flag) through unchanged.
        {"role": "assistant", "content": prompt.prefix, **assistant_flags},
    ]


def first_choice(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The first choice of an OpenAI-shaped stream event (empty when the event has none)."""
    choices = event.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else None
    return first if isinstance(first, dict) else {}  # JSON objects: a dict check is cheaper


def delta_text(event: Mapping[str, Any]) -> str:
    """The text of a chat completion chunk."""
    delta = first_choice(event).get("delta")
    return str(delta.get("content") or "") if isinstance(delta, dict) else ""


def choice_finish(event: Mapping[str, Any]) -> str | None:
    reason = first_choice(event).get("finish_reason")
    return str(reason) if reason else None


def dialect_for(settings: Settings) -> Dialect:
    """The dialect ``settings`` name, with the provider's thinking-off switch and quirks."""
    from qwen_lsp.engine.upstream.dialects import (
        continue_final_message,
        fim,
        partial,
        prefill,
        prefix,
    )

    thinking = THINKING_OFF[settings.thinking_off]
    preset = PRESETS[settings.provider]
    builders: dict[str, Callable[[], Dialect]] = {
        "partial": lambda: partial.Partial(thinking),
        "prefill": lambda: prefill.Prefill(thinking),
        "prefix": lambda: prefix.Prefix(thinking, echoes=settings.provider == "mistral"),
        "continue_final_message": lambda: continue_final_message.ContinueFinalMessage(thinking),
        "fim": lambda: fim.Fim(fim.ENDPOINTS[preset.fim], thinking),
    }
    return builders[settings.dialect]()
