"""The indentation style a prompt states, read without the cursor's line."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.context.indent_style import indent_style
from qwen_lsp.engine.values import IndentStyle

BODY = "def add(a, b):\n"


@pytest.mark.parametrize("typed", ["", "    ", "    re", "\tre", "  x"])
def test_what_is_typed_on_the_cursors_line_never_changes_the_style(typed: str) -> None:
    text = BODY + typed + "\n\ndef sub(a, b):\n  return a - b\n"
    assert indent_style(text, None, len(BODY + typed)) == IndentStyle(False, 2)


def test_a_half_typed_line_in_a_new_body_counts_for_nothing() -> None:
    assert indent_style(BODY + "    ", None, len(BODY) + 4) is None
    assert indent_style(BODY + "    re", None, len(BODY) + 6) is None


def test_the_sample_is_no_longer_than_before() -> None:
    """Past the sample's end the cursor's line is not in it; before it, the text after that
    line fills the sample up to the same length."""
    line = "    x = 1\n"
    text = "def f():\n" + line * 2000
    assert indent_style(text, None, len(text) - 3) == IndentStyle(False, 4)
    assert indent_style(text, None, 12) == IndentStyle(False, 4)


def test_the_editors_formatting_options_win() -> None:
    assert indent_style(BODY + "    re", IndentStyle(True), 3) == IndentStyle(True)
