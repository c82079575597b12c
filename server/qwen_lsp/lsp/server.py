"""The server's features: every LSP method and command it answers, registered in one place."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls import uris

from qwen_lsp.lsp import block, completion, feedback, tracking, warm_up
from qwen_lsp.lsp.language_server import KEY_HELP, QwenLanguageServer
from qwen_lsp.settings import Settings

_SECTIONS = ("qwenLsp", "qwen-lsp", "qwen_lsp")
_KEY_HELP_MAX = 300  # characters: one sentence or two, not a document
Reload = Callable[[Path], tuple[Settings, list[str]]]


def create_server(
    base: Settings,
    base_errors: list[str],
    reload: Reload | None = None,
    typing_file: Path | None = None,
) -> QwenLanguageServer:
    """A server with every feature registered; ``reload`` re-reads files for the workspace root,
    ``typing_file`` keeps the debounce's typing gaps between sessions."""
    server = QwenLanguageServer(base, base_errors, typing_file)

    def initialize(ls: QwenLanguageServer, params: types.InitializeParams) -> None:
        root = workspace_root(params)
        if reload is not None and root is not None:
            ls.rebase(*reload(root))  # the project file belongs to the workspace, not our cwd
        options = settings_section(params.initialization_options)
        ls.key_help = key_help(options)
        ls.apply_settings(options)
        text_caps = params.capabilities.text_document
        if text_caps is None or text_caps.inline_completion is None:
            # Only editors without ghost text get the list fallback: the two would race otherwise.
            ls.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions())(
                completion.list_completion
            )

    features: list[tuple[str, Callable[..., Any], Any]] = [
        (types.INITIALIZE, initialize, None),
        (types.INITIALIZED, initialized, None),
        (types.SHUTDOWN, shutdown, None),
        (types.WORKSPACE_DID_CHANGE_CONFIGURATION, did_change_configuration, None),
        (types.TEXT_DOCUMENT_DID_OPEN, tracking.did_open, None),
        (types.TEXT_DOCUMENT_DID_CHANGE, tracking.did_change, None),
        (types.TEXT_DOCUMENT_DID_CLOSE, tracking.did_close, None),
        (
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            completion.inline_completion,
            types.InlineCompletionOptions(),
        ),
        (feedback.DID_SHOW, feedback.did_show, None),
        (feedback.DID_PARTIALLY_ACCEPT, feedback.did_partially_accept, None),
    ]
    for method, handler, options in features:
        server.feature(method, options)(handler)
    commands: list[tuple[str, Callable[..., Any]]] = [
        (completion.ACCEPT_COMMAND, feedback.accepted),
        (feedback.STATS_COMMAND, feedback.snapshot),
        (block.COMPLETE_BLOCK_COMMAND, block.complete_block),
    ]
    for name, command in commands:
        server.command(name)(command)
    return server


def initialized(ls: QwenLanguageServer, params: types.InitializedParams) -> None:
    ls.notices.release()
    ls.warn_if_unusable()
    asyncio.get_running_loop().call_soon(warm_up.warm_up, ls)  # after this notification


def shutdown(ls: QwenLanguageServer, params: None) -> None:
    ls.engine.save_typing()  # now: a client may not wait for the process to exit


def did_change_configuration(
    ls: QwenLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    ls.apply_settings(settings_section(params.settings))


def settings_section(value: object) -> Mapping[str, Any]:
    """Our settings from whatever shape the editor sends (flat or under a section name)."""
    if not isinstance(value, Mapping):
        return {}
    for name in _SECTIONS:
        if isinstance(value.get(name), Mapping):
            section: Mapping[str, Any] = value[name]
            return section
    return value


def key_help(options: Mapping[str, Any]) -> str:
    """The editor's instructions for setting a key, if it sent usable ones, else ours."""
    value = options.get("apiKeyHelp")
    if isinstance(value, str) and value.strip():
        return value.strip()[:_KEY_HELP_MAX]
    return KEY_HELP


def workspace_root(params: types.InitializeParams) -> Path | None:
    """The first workspace folder (or the legacy root) as a local path, if there is one."""
    folders = params.workspace_folders or []
    uri = folders[0].uri if folders else params.root_uri
    path = uris.to_fs_path(uri) if uri else params.root_path
    return Path(path) if path else None
