//! Starts `qwen-lsp` from PATH (or `lsp.qwen-lsp.binary.path`) and passes
//! `lsp.qwen-lsp.initialization_options` from Zed's settings.

use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result};

struct QwenLsp;

impl zed::Extension for QwenLsp {
    fn new() -> Self {
        QwenLsp
    }

    fn language_server_command(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let binary = LspSettings::for_worktree(id.as_ref(), worktree)
            .ok()
            .and_then(|settings| settings.binary);
        let configured = binary.as_ref().and_then(|b| b.path.clone());
        let command = configured
            .or_else(|| worktree.which("qwen-lsp"))
            .ok_or("qwen-lsp not found on PATH: pip install qwen-lsp")?;
        let args = binary.and_then(|b| b.arguments).unwrap_or_default();
        Ok(zed::Command { command, args, env: worktree.shell_env() })
    }

    fn language_server_initialization_options(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        Ok(LspSettings::for_worktree(id.as_ref(), worktree)
            .ok()
            .and_then(|settings| settings.initialization_options))
    }
}

zed::register_extension!(QwenLsp);
