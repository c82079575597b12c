"""What the editor tells us about completions (shown, accepted) and the stats command.

Clients written for Copilot's language server send ``textDocument/didShowCompletion`` and
``textDocument/didPartiallyAcceptCompletion``; ours run the item's ``qwen-lsp.accept`` command.
All of it only bumps local counters, which ``qwen-lsp.stats`` returns. Nothing is sent anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from qwen_lsp.lsp.completion import ACCEPT_COMMAND

if TYPE_CHECKING:
    from qwen_lsp.lsp.server import QwenLanguageServer

STATS_COMMAND = "qwen-lsp.stats"
DID_SHOW = "textDocument/didShowCompletion"
DID_PARTIALLY_ACCEPT = "textDocument/didPartiallyAcceptCompletion"


def register(server: QwenLanguageServer) -> None:
    """Add the notifications and commands above to ``server``."""
    # Handlers close over ``server``: pygls resolves handler annotations at run time, and the
    # server class cannot be imported here without a cycle.

    @server.feature(DID_SHOW)
    def did_show(params: Any) -> None:
        server.engine.stats.shown += 1

    @server.feature(DID_PARTIALLY_ACCEPT)
    def did_partially_accept(params: Any) -> None:
        stats = server.engine.stats
        stats.partially_accepted += 1
        length = _length(_field(params, "acceptedLength"))
        stats.accepted_chars += length
        server.engine.accepted(length)

    @server.command(ACCEPT_COMMAND)
    def accepted(*args: Any) -> None:
        stats = server.engine.stats
        stats.accepted += 1
        stats.accepted_chars += _length(args[0] if args else None)
        server.engine.accepted()

    @server.command(STATS_COMMAND)
    def snapshot(*args: Any) -> dict[str, Any]:
        return server.engine.stats.snapshot()


def _field(params: Any, name: str) -> Any:
    if isinstance(params, Mapping):
        return params.get(name)
    return getattr(params, name, None)


def _length(value: Any) -> int:
    """A character count from the client, or 0 for anything that is not one."""
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(value, 0)
