"""How each provider spells "continue this assistant prefix".

A dialect turns a :class:`~qwen_lsp.engine.context.Prompt` into the fields of one chat request;
provider quirks live here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from qwen_lsp.engine.context import Prompt


@dataclass(frozen=True)
class ChatRequest:
    """Messages plus top-level fields the openai SDK does not know (sent as ``extra_body``)."""

    messages: list[dict[str, Any]]
    extra_body: dict[str, Any] = field(default_factory=dict)


class Dialect(Protocol):
    """Builds the request for one provider family."""

    @property
    def name(self) -> str: ...

    def build(self, prompt: Prompt) -> ChatRequest: ...


def get_dialect(name: str) -> Dialect:
    """The dialect called ``name``; raises KeyError for an unknown one."""
    from qwen_lsp.engine.dialects import partial

    dialects: dict[str, Dialect] = {"partial": partial.PARTIAL}
    return dialects[name]
