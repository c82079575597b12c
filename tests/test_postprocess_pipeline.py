"""The whole pipeline on golden cases (tests/data/postprocess_golden.txt) and the stop rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_lsp.engine.postprocess import Cursor, clean, is_finished, prepare
from tests.test_postprocess import at

GOLDEN = Path(__file__).parent / "data" / "postprocess_golden.txt"


def golden_cases() -> list[tuple[str, dict[str, str]]]:
    """(name, {section: text}) for each case in the golden file."""
    cases: list[tuple[str, dict[str, list[str]]]] = []
    section: list[str] = []
    for line in [*GOLDEN.read_text(encoding="utf-8").split("\n"), "### end"]:
        if line.startswith("### "):
            if section and section[-1] == "":
                section.pop()  # the blank line between cases
            cases.append((line[4:], {}))
            section = []
        elif line.startswith("--- "):
            section = cases[-1][1].setdefault(line[4:], [])
        elif cases:
            section.append(line)
    return [(name, {k: "\n".join(v) for k, v in fields.items()}) for name, fields in cases[:-1]]


@pytest.mark.parametrize("prepared", [False, True], ids=["", "prepared"])
@pytest.mark.parametrize(("name", "case"), golden_cases(), ids=[n for n, _ in golden_cases()])
def test_golden(name: str, case: dict[str, str], prepared: bool) -> None:
    """Also with the cursor's facts worked out ahead (as the engine does at the first piece)."""
    cursor = at(case["document"])
    if prepared:
        prepare(cursor)
    result = clean(case["output"], cursor)
    expected = case["expected"]
    replaces = [key for key in case if key.startswith("replaces ")]
    assert (result.text if result else "") == expected
    assert (result.replace_length if result else 0) == (int(replaces[0][9:]) if replaces else 0)


def test_golden_file_is_read() -> None:
    assert len(golden_cases()) >= 10


@pytest.mark.parametrize(
    ("marked", "streamed", "finished"),
    [
        ("x = f(║) + 1", "a, b", False),  # the line may still go on
        ("x = f(║) + 1", "a, b\n", True),
        ("def f():║", "\n    return 1\n", False),
        ("def f():║", "\n    return 1\n\ndef g():\n", True),
        ("def f():║", "<think>\n", False),
        # `}` could be the start of the code below or an inner block's end: wait for more
        ("if a {║\n}\nb()", "\n  if c {\n  }\n", False),
        ("if a {║\n}\nb()", "\n  if c {\n  }\n  d()\n", False),
        ("if a {║\n}\nb()", "\n  if c {\n  }\n  d()\n}\nb()\n", True),
        # a body goes on after its nested block, up to the end of the function
        ("def f():\n    ║", "if x:\n        a()\n    b()\n", False),
        ("def f():\n    ║", "if x:\n        a()\n    b()\ndef g():\n", True),
        ("function f() {\n  if (a) {\n    go();║", "\n  }\n  done();\n", False),
        ("function f() {\n  if (a) {\n    go();║", "\n  }\n  done();\n}\n", True),
    ],
)
def test_stream_stop_rule(marked: str, streamed: str, finished: bool) -> None:
    assert is_finished(streamed, at(marked)) is finished


def test_stop_rule_agrees_with_the_pipeline() -> None:
    """Stopping early never changes the result: clean(prefix that stopped) == clean(all), also
    when the last piece read goes on into the next line."""
    for name, case in golden_cases():
        raw = case["output"]
        cursor: Cursor = at(case["document"])
        stop = next((n for n in range(1, len(raw) + 1) if is_finished(raw[:n], cursor)), None)
        if stop is not None:
            for end in range(stop, min(len(raw), stop + 20) + 1):
                assert clean(raw[:end], cursor) == clean(raw, cursor), (name, raw[:end])
