//! Starts `qwen-lsp` and hands it Zed's settings for it: `lsp.qwen-lsp.initialization_options`
//! when it starts, `lsp.qwen-lsp.settings` as its workspace configuration (sent after start-up
//! and again whenever the user changes it), and `lsp.qwen-lsp.binary` to pick the command.

use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result};

struct QwenLsp;

/// The user's `lsp.qwen-lsp` settings; none set reads as all defaults.
fn settings(id: &LanguageServerId, worktree: &zed::Worktree) -> LspSettings {
    LspSettings::for_worktree(id.as_ref(), worktree).unwrap_or_default()
}

impl zed::Extension for QwenLsp {
    fn new() -> Self {
        QwenLsp
    }

    fn language_server_command(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let (path, arguments, extra_env) = settings(id, worktree)
            .binary
            .map_or((None, None, None), |b| (b.path, b.arguments, b.env));
        let command = path.or_else(|| worktree.which("qwen-lsp")).ok_or(
            "qwen-lsp not found on PATH: pip install qwen-lsp, or set lsp.qwen-lsp.binary.path",
        )?;
        // The shell's environment carries the API key; `binary.env` entries win over it.
        let mut env = worktree.shell_env();
        if let Some(extra) = extra_env {
            env.retain(|(name, _)| !extra.contains_key(name));
            env.extend(extra);
        }
        Ok(zed::Command {
            command,
            args: arguments.unwrap_or_default(),
            env,
        })
    }

    fn language_server_initialization_options(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        Ok(settings(id, worktree).initialization_options)
    }

    fn language_server_workspace_configuration(
        &mut self,
        id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        Ok(settings(id, worktree).settings)
    }
}

zed::register_extension!(QwenLsp);
