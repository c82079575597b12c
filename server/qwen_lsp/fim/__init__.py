"""A local fill-in-the-middle HTTP API in front of the engine (``qwen-lsp serve-fim``)."""
