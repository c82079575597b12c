"""qwen-lsp: inline code completion for any LSP editor, powered by qwen3-coder partial mode."""

__version__ = "0.1.0"
