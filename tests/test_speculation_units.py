"""Reading an accept off the document: how much of the suggestion shown it now holds."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.lifecycle.speculation import Shown
from qwen_lsp.engine.values import CompletionTask

BEFORE = "x = \n"
SHOWN = Shown(CompletionTask("u", BEFORE, 4), 4, 'f("😀", 1)')


@pytest.mark.parametrize(("units", "chars"), [(0, 0), (3, 3), (5, 4), (6, 5), (99, 9)])
def test_a_partial_accept_counts_utf16_units(units: int, chars: int) -> None:
    assert SHOWN.chars(units) == chars


def test_an_accept_is_read_where_the_suggestion_went() -> None:
    after = 'x = f("😀", 1)\n'
    task = SHOWN.accepted(after)
    assert task is not None and (task.text, task.offset) == (after, len(after) - 1)
    partly = SHOWN.accepted('x = f("\n', 3)
    assert partly is not None and partly.offset == 7
    assert SHOWN.accepted('x = g("😀", 1)\n') is None  # something else was typed
    assert SHOWN.accepted('y = f("😀", 1)\n') is None  # the text before it changed


def test_the_end_is_reached_once_by_an_accept_not_by_typing_its_last_character() -> None:
    shown = Shown(CompletionTask("u", BEFORE, 4), 4, "12")
    assert shown.reached_end("x = \n") is None
    assert shown.reached_end("x = 12\n") is not None
    assert shown.reached_end("x = 12\n") is None
    typed = Shown(CompletionTask("u", "x = 1\n", 5), 5, "2")
    assert typed.reached_end("x = 12\n") is None
