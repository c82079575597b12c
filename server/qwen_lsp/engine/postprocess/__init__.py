"""What we keep of the model's reply: an ordered list of small pure filters.

Each filter is ``(text, cursor) -> text`` and lives in its own module. ``PREPARE`` undoes what
chat models wrap around code, ``SCOPE`` decides where the completion ends (its table is in
:mod:`scope`; it doubles as the stream's stop rule), ``FINISH`` tidies the result. The
completion's range is widened last, over an auto-closed rest of the line that the completion
rewrites.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qwen_lsp.engine.postprocess.bracket_balance import bracket_balance
from qwen_lsp.engine.postprocess.brackets import expected_closers, replaced_length
from qwen_lsp.engine.postprocess.cursor import Cursor
from qwen_lsp.engine.postprocess.enclosing import definition_body
from qwen_lsp.engine.postprocess.line_overlap import drop_line_overlap
from qwen_lsp.engine.postprocess.min_length import min_length
from qwen_lsp.engine.postprocess.reindent import normalise_indentation
from qwen_lsp.engine.postprocess.repetition import drop_repetition
from qwen_lsp.engine.postprocess.scope import block_scope
from qwen_lsp.engine.postprocess.single_line import single_line
from qwen_lsp.engine.postprocess.strip_echo import strip_echo
from qwen_lsp.engine.postprocess.strip_fences import strip_fences
from qwen_lsp.engine.postprocess.strip_think import strip_think
from qwen_lsp.engine.postprocess.suffix_lines import drop_suffix_lines
from qwen_lsp.engine.postprocess.trim import trim_end
from qwen_lsp.engine.values import Completion

Filter = Callable[[str, Cursor], str]

PREPARE: tuple[Filter, ...] = (strip_think, strip_fences, strip_echo, normalise_indentation)
SCOPE: tuple[Filter, ...] = (
    drop_suffix_lines,  # first: it compares lines ahead, which the other cuts would hide
    single_line,
    bracket_balance,
    block_scope,
    drop_repetition,
)
FINISH: tuple[Filter, ...] = (drop_line_overlap, trim_end, min_length)
PIPELINE: tuple[Filter, ...] = PREPARE + SCOPE + FINISH

# A line no filter can match or take for a block's end: appending it shows whether a cut is final.
_PROBE = " " * 200 + "\uffff"

__all__ = ["PIPELINE", "Cursor", "apply", "clean", "complete_lines", "is_finished", "prepare"]


def apply(filters: Sequence[Filter], text: str, cursor: Cursor) -> str:
    for step in filters:
        text = step(text, cursor)
    return text


def clean(raw: str, cursor: Cursor) -> Completion | None:
    """The completion to show for ``raw`` model output, or None when nothing useful is left."""
    text = apply(PIPELINE, raw, cursor)
    return Completion(text, replaced_length(text, cursor)) if text else None


def prepare(cursor: Cursor) -> None:
    """Work out now what the filters read off the text around the cursor (its lines, the lines
    below it, the brackets still open), so that ``clean`` does not at the end of the reply, on
    the user's wait."""
    _ = cursor.line_before, cursor.line_after, cursor.closers_after, cursor.below
    expected_closers(cursor.before, cursor.lifetimes)
    definition_body(cursor.before, cursor.lifetimes)


def complete_lines(raw: str) -> str:
    """``raw`` up to its last line break: the part of a stream that can no longer change."""
    return raw[: raw.rfind("\n") + 1]


def is_finished(raw: str, cursor: Cursor) -> bool:
    """True once the text so far already decides the completion, so the stream can be closed.

    That is when the scope filters cut the complete lines received so far, and one more line
    could not undo the cut (the suffix-lines filter looks a few lines ahead).
    """
    complete = complete_lines(raw)
    if not complete:
        return False
    prepared = apply(PREPARE, complete, cursor)
    if not prepared.strip():
        return False
    cut = apply(SCOPE, prepared, cursor)
    probe = prepared + ("" if prepared.endswith("\n") else "\n") + _PROBE
    return cut != prepared and apply(SCOPE, probe, cursor) == cut
