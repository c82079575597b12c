"""What the editor tells us about completions (shown, accepted) and the stats command.

Clients written for Copilot's language server send ``textDocument/didShowCompletion`` and
``textDocument/didPartiallyAcceptCompletion``; ours run the item's ``qwen-lsp.accept`` command.
All of it only bumps local counters, which ``qwen-lsp.stats`` returns. Nothing is sent anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qwen_lsp.lsp.language_server import QwenLanguageServer

STATS_COMMAND = "qwen-lsp.stats"
DID_SHOW = "textDocument/didShowCompletion"
DID_PARTIALLY_ACCEPT = "textDocument/didPartiallyAcceptCompletion"


def did_show(ls: QwenLanguageServer, params: Any) -> None:
    ls.engine.stats.shown += 1


def did_partially_accept(ls: QwenLanguageServer, params: Any) -> None:
    stats = ls.engine.stats
    stats.partially_accepted += 1
    length = _length(_field(params, "acceptedLength"))
    stats.accepted_chars += length
    ls.engine.accepted(length)


# Commands: pygls reads their type hints at run time, so the server class is imported for real.
def accepted(ls: QwenLanguageServer, *args: Any) -> None:
    """``qwen-lsp.accept``, the command of every item we answer."""
    stats = ls.engine.stats
    stats.accepted += 1
    stats.accepted_chars += _length(args[0] if args else None)
    ls.engine.accepted()


def snapshot(ls: QwenLanguageServer, *args: Any) -> dict[str, Any]:
    """``qwen-lsp.stats``."""
    return ls.engine.stats.snapshot()


def _field(params: Any, name: str) -> Any:
    if isinstance(params, Mapping):
        return params.get(name)
    return getattr(params, name, None)


def _length(value: Any) -> int:
    """A character count from the client, or 0 for anything that is not one."""
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(value, 0)
