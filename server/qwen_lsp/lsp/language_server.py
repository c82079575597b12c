"""The language server object: one engine, the editor's settings, what the user is told."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound
from pygls.lsp.server import LanguageServer

from qwen_lsp import __version__
from qwen_lsp.engine import Engine
from qwen_lsp.logs import add_secrets, mask
from qwen_lsp.lsp import inline_params, notebooks
from qwen_lsp.lsp.notices import Notices
from qwen_lsp.lsp.pygls_fixes import Protocol
from qwen_lsp.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

    from pygls.server import ServerErrors

log = logging.getLogger(__name__)

NO_KEY_MESSAGE = "qwen-lsp has no API key, so it offers no completions."
# How to set a key, unless the editor tells us how its users do (``apiKeyHelp`` in the
# initialization options): an editor with its own key command needs no variables or restarts.
KEY_HELP = (
    "Set QWEN_LSP_API_KEY (or DASHSCOPE_API_KEY) in the editor's environment, or the `apiKey` "
    "setting, and restart."
)


class QwenLanguageServer(LanguageServer):
    """A pygls server that owns one engine; all protocol state lives here."""

    def __init__(
        self, base: Settings, base_errors: list[str], typing_file: Path | None = None
    ) -> None:
        super().__init__(
            "qwen-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=notebooks.SYNC,
            converter_factory=inline_params.converter,
            protocol_cls=Protocol,
        )
        self.base_settings = base
        self.notices = Notices(self)
        self.engine = Engine(base, on_status=self.notices.status, typing_file=typing_file)
        self._editor_values: dict[str, Any] = {}
        self._pending_errors = list(base_errors)
        self.key_help = KEY_HELP
        add_secrets(base.secrets)

    def shutdown(self) -> None:
        """The server stops: whether or not the client asked it to, what was learnt is kept."""
        self.engine.save_typing()
        super().shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated

    def report_server_error(self, error: Exception, source: ServerErrors) -> None:
        """Instead of pygls' ``showMessage`` per internal error: one line in the log."""
        if isinstance(error, JsonRpcMethodNotFound):
            return  # pygls has logged it, with the request's id
        log.warning("%s: %s", getattr(source, "__name__", source), mask(str(error)))

    def apply_settings(self, values: Mapping[str, Any]) -> None:
        """Editor settings over the base (environment) settings; bad values reported once.

        Each message updates the keys it names: a change that omits ``apiKey`` keeps the key the
        editor passed at start-up.
        """
        self._editor_values.update(values)
        settings, errors = self.base_settings.merged(self._editor_values)
        add_secrets(settings.secrets)
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
        self.key_help = KEY_HELP
        add_secrets(base.secrets)

    def warn_if_unusable(self) -> None:
        if self.engine.settings.enable and not self.engine.settings.has_credentials:
            message = f"{NO_KEY_MESSAGE} {self.key_help}"
            self.notices.show_once("no-key", message, types.MessageType.Warning)
