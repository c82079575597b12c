"""The language server: capabilities, configuration and handler registration."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls import uris
from pygls.lsp.server import LanguageServer

from qwen_lsp import __version__
from qwen_lsp.engine import Engine
from qwen_lsp.logs import add_secret
from qwen_lsp.lsp import block, completion, feedback, inline_params, tracking, warm_up
from qwen_lsp.lsp.notices import Notices
from qwen_lsp.lsp.protocol import Protocol, report_error
from qwen_lsp.settings import Settings

if TYPE_CHECKING:
    from pygls.server import ServerErrors

log = logging.getLogger(__name__)

NO_KEY_MESSAGE = "qwen-lsp has no API key, so it offers no completions."
# How to set a key, unless the editor tells us how its users do (``apiKeyHelp`` in the
# initialization options): an editor with its own key command needs no variables or restarts.
KEY_HELP = (
    "Set QWEN_LSP_API_KEY (or DASHSCOPE_API_KEY) in the editor's environment, or the `apiKey` "
    "setting, and restart."
)
_KEY_HELP_MAX = 300  # characters: one sentence or two, not a document
_SECTIONS = ("qwenLsp", "qwen-lsp", "qwen_lsp")
Reload = Callable[[Path], tuple[Settings, list[str]]]


class QwenLanguageServer(LanguageServer):
    """A pygls server that owns one engine; all protocol state lives here."""

    def __init__(
        self, base: Settings, base_errors: list[str], typing_file: Path | None = None
    ) -> None:
        super().__init__(
            "qwen-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            converter_factory=inline_params.converter,
            protocol_cls=Protocol,
        )
        self.base_settings = base
        self.notices = Notices(self)
        self.engine = Engine(base, on_status=self.notices.status, typing_file=typing_file)
        self._editor_values: dict[str, Any] = {}
        self._pending_errors = list(base_errors)
        self.key_help = KEY_HELP
        add_secret(base.api_key)

    def shutdown(self) -> None:
        """The server stops: whether or not the client asked it to, what was learnt is kept."""
        self.engine.save_typing()
        super().shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated

    def report_server_error(self, error: Exception, source: ServerErrors) -> None:
        report_error(error, source)

    def apply_settings(self, values: Mapping[str, Any]) -> None:
        """Editor settings over the base (environment) settings; bad values reported once.

        Each message updates the keys it names: a change that omits ``apiKey`` keeps the key the
        editor passed at start-up.
        """
        self._editor_values.update(values)
        settings, errors = self.base_settings.merged(self._editor_values)
        add_secret(settings.api_key)
        self.engine.configure(settings)
        self._pending_errors.extend(errors)
        if self._pending_errors:
            message = "\n".join(self._pending_errors)
            self._pending_errors.clear()
            self.notices.show_once(f"settings:{message}", message, types.MessageType.Warning)

    def rebase(self, base: Settings, base_errors: list[str]) -> None:
        """New base settings (files and environment), e.g. once the workspace root is known."""
        self.base_settings = base
        self._pending_errors = list(base_errors)
        for key in base.provider_keys.values():
            add_secret(key)

    def warn_if_unusable(self) -> None:
        if self.engine.settings.enable and not self.engine.settings.has_credentials:
            message = f"{NO_KEY_MESSAGE} {self.key_help}"
            self.notices.show_once("no-key", message, types.MessageType.Warning)


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


def create_server(
    base: Settings,
    base_errors: list[str],
    reload: Reload | None = None,
    typing_file: Path | None = None,
) -> QwenLanguageServer:
    """A server with every feature registered; ``reload`` re-reads files for the workspace root,
    ``typing_file`` keeps the debounce's typing gaps between sessions."""
    server = QwenLanguageServer(base, base_errors, typing_file)

    @server.feature(types.INITIALIZE)
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

    @server.feature(types.INITIALIZED)
    def initialized(ls: QwenLanguageServer, params: types.InitializedParams) -> None:
        ls.notices.release()
        ls.warn_if_unusable()
        asyncio.get_running_loop().call_soon(warm_up.warm_up, ls)  # after this notification

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: QwenLanguageServer, params: None) -> None:
        ls.engine.save_typing()  # now: a client may not wait for the process to exit

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(
        ls: QwenLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        ls.apply_settings(settings_section(params.settings))

    tracking.register(server)
    server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())(
        completion.inline_completion
    )

    # Registered through a function of this module: pygls resolves a command handler's type
    # hints, and block.py names QwenLanguageServer only for type checkers.
    @server.command(block.COMPLETE_BLOCK_COMMAND)
    async def complete_block(ls: QwenLanguageServer, *args: Any) -> dict[str, Any] | None:
        return await block.complete_block(ls, *args)

    feedback.register(server)
    return server
