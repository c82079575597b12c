"""What we keep of the model's reply: an ordered list of small pure filters.

Each filter is ``(text, cursor) -> text``. The scope filters double as the stream's stop rule: as
soon as one of them would cut the text received so far, the rest of the stream is not needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qwen_lsp.engine.model import Completion
from qwen_lsp.engine.postprocess.cursor import Cursor
from qwen_lsp.engine.postprocess.scope import block_scope, single_line
from qwen_lsp.engine.postprocess.strip_echo import strip_echo
from qwen_lsp.engine.postprocess.strip_fences import strip_fences
from qwen_lsp.engine.postprocess.strip_think import strip_think
from qwen_lsp.engine.postprocess.suffix_overlap import drop_line_overlap, drop_suffix_lines
from qwen_lsp.engine.postprocess.trim import trim_end

Filter = Callable[[str, Cursor], str]

PREPARE: tuple[Filter, ...] = (strip_think, strip_fences, strip_echo)
SCOPE: tuple[Filter, ...] = (single_line, block_scope, drop_suffix_lines)
FINISH: tuple[Filter, ...] = (drop_line_overlap, trim_end)
PIPELINE: tuple[Filter, ...] = PREPARE + SCOPE + FINISH

__all__ = ["PIPELINE", "Cursor", "apply", "clean", "is_finished"]


def apply(filters: Sequence[Filter], text: str, cursor: Cursor) -> str:
    for step in filters:
        text = step(text, cursor)
    return text


def clean(raw: str, cursor: Cursor) -> Completion | None:
    """The completion to show for ``raw`` model output, or None when nothing useful is left."""
    text = apply(PIPELINE, raw, cursor)
    return Completion(text) if text else None


def is_finished(raw: str, cursor: Cursor) -> bool:
    """True once the text so far already decides the completion, so the stream can be closed."""
    complete = raw[: raw.rfind("\n") + 1]  # only whole lines can prove a scope has ended
    if not complete:
        return False
    prepared = apply(PREPARE, complete, cursor)
    return bool(prepared.strip()) and apply(SCOPE, prepared, cursor) != prepared
