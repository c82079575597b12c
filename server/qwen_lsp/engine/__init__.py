"""The completion engine: pure Python, no LSP and no editor in sight.

The LSP layer hands it a :class:`CompletionTask` and gets back a :class:`Completion` or ``None``.
"""

from qwen_lsp.engine.engine import Engine
from qwen_lsp.engine.values import Completion, CompletionTask, Status

__all__ = ["Completion", "CompletionTask", "Engine", "Status"]
