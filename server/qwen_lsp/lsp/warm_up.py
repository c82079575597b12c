"""One-time work done right after start-up, so that the first keystroke does not wait for it.

The first ``didOpen``, ``didChange`` and completion request would each pay for work no later one
does: cattrs writing the converters for their message types, the dialect's module imported, the
exclusion patterns compiled. Done once the client is initialized, it costs nobody a wait: the
user has not typed yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from qwen_lsp.lsp.language_server import QwenLanguageServer

HOT_METHODS = (
    types.TEXT_DOCUMENT_DID_OPEN,
    types.TEXT_DOCUMENT_DID_CHANGE,
    types.TEXT_DOCUMENT_INLINE_COMPLETION,
)


def warm_up(ls: QwenLanguageServer) -> None:
    protocol = ls.protocol
    converter = protocol.fm.converter  # cattrs caches the hooks it writes on it
    for method in HOT_METHODS:
        converter.get_structure_hook(protocol.get_message_type(method))
        if (result := protocol.get_result_type(method)) is not None:
            converter.get_unstructure_hook(result)
    ls.engine.warm_up()
