"""Position conversion: accents, CJK and emoji before and after the cursor, in every encoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qwen_lsp.positions import (
    PositionError,
    line_start,
    remember_line_start,
    to_offset,
    to_position,
    width,
)

TEXT = "a = 'café'\n日本語 = '😀x'\r\nlast"

# (line, character in utf-16, utf-8, utf-32) -> expected string offset
CASES = [
    ("start", 0, (0, 0, 0), 0),
    ("after accent", 0, (9, 10, 9), 9),
    ("end of line 0", 0, (10, 11, 10), 10),
    ("past end of line clamps", 0, (50, 50, 50), 10),
    ("after CJK", 1, (3, 9, 3), 14),
    ("after emoji", 1, (9, 17, 8), 19),
    ("before \\r", 1, (11, 19, 10), 21),
    ("last line", 2, (4, 4, 4), 27),
]


@pytest.mark.parametrize(("name", "line", "characters", "offset"), CASES, ids=[c[0] for c in CASES])
def test_to_offset_and_back(
    name: str, line: int, characters: tuple[int, int, int], offset: int
) -> None:
    for encoding, character in zip(("utf-16", "utf-8", "utf-32"), characters, strict=False):
        assert to_offset(TEXT, line, character, encoding) == offset  # type: ignore[arg-type]
        if "clamps" not in name:
            assert to_position(TEXT, offset, encoding) == (line, character)  # type: ignore[arg-type]


def test_inside_a_surrogate_pair_rounds_down_to_the_code_point() -> None:
    # '😀' is two UTF-16 units and four UTF-8 bytes; landing inside it means before it.
    assert to_offset("😀b", 0, 1, "utf-16") == 0
    assert to_offset("😀b", 0, 3, "utf-8") == 0


@pytest.mark.parametrize(("line", "character"), [(3, 0), (-1, 0), (0, -2)])
def test_impossible_positions_raise(line: int, character: int) -> None:
    with pytest.raises(PositionError):
        to_offset(TEXT, line, character, "utf-16")


def test_line_start_and_width() -> None:
    assert [line_start(TEXT, n) for n in range(3)] == [0, 11, 23]
    assert width("é日😀", "utf-16") == 4
    assert width("é日😀", "utf-8") == 9
    assert width("é日😀", "utf-32") == 3
    assert [width("ab", encoding) for encoding in ("utf-8", "utf-16", "utf-32")] == [2, 2, 2]


@given(
    st.lists(st.sampled_from(["", "x", "ab", "\r", "é"]), max_size=200).map("\n".join),
    st.lists(st.integers(min_value=0, max_value=210), min_size=1, max_size=12),
)
def test_line_start_from_a_remembered_line_equals_a_fresh_count(
    text: str, lines: list[int]
) -> None:
    # Consecutive lookups walk from the previous one; each must agree with counting from the top.
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    for line in lines:
        if line < len(starts):
            assert line_start(text, line) == starts[line]
        else:
            with pytest.raises(PositionError):
                line_start(text, line)


def test_a_spliced_text_keeps_the_line_starts_before_the_edit() -> None:
    text = "".join(f"line {n}\n" for n in range(300))
    edited = text.replace("line 150", "line 150 and more\nnew line")
    remember_line_start(edited, 150, line_start(text, 150))
    assert line_start(edited, 151) == edited.index("new line")
    assert line_start(edited, 152) == edited.index("line 151")
    assert line_start(edited, 10) == edited.index("line 10")
