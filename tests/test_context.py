"""Prompt context: stable clip points and exclusion of secret files."""

from __future__ import annotations

import itertools

import pytest

from qwen_lsp.engine.context.exclude import is_excluded
from qwen_lsp.engine.context.indent_style import detect_indent
from qwen_lsp.engine.context.instructions import user_message
from qwen_lsp.engine.context.tokens import chars_within, estimate_tokens
from qwen_lsp.engine.context.window import build_prompt, stable_prefix_start
from qwen_lsp.engine.lifecycle.shared_start import prompt_text, shared_start, shared_start_ratio
from qwen_lsp.engine.values import CompletionTask, IndentStyle


def test_short_documents_are_sent_whole() -> None:
    task = CompletionTask(uri="u", text="a = 1\nb = ", offset=10)
    prompt = build_prompt(task)
    assert (prompt.prefix, prompt.suffix) == ("a = 1\nb = ", "")


def test_prefix_start_stays_put_while_typing() -> None:
    text = "".join(f"line_{n} = {n}\n" for n in range(3000))
    starts = {
        stable_prefix_start(text + "x" * typed, len(text) + typed, 3000) for typed in range(40)
    }
    assert len(starts) == 1
    (start,) = starts
    assert text[start - 1] == "\n"
    assert estimate_tokens(text[start:]) <= 3000


def test_prefix_start_moves_in_whole_chunks_over_a_long_typing_session() -> None:
    text = "".join(f"value_{n} = compute({n})\n" for n in range(2000))
    typed = "result = value_1 + value_2\n" * 200
    starts = [stable_prefix_start(text + typed[:n], len(text) + n, 1000) for n in range(len(typed))]
    moves = sum(1 for a, b in itertools.pairwise(starts) if a != b)
    # 5,400 keystrokes push ~1,350 tokens through a 1,000-token window: a handful of jumps.
    assert 0 < moves <= 10
    assert all(b >= a for a, b in itertools.pairwise(starts))


def test_budgets_count_tokens_not_characters() -> None:
    ascii_line, cjk_line = "x = 1  # note\n", "x = 1  # 注释注释注释\n"
    # Chunks are budget-many characters: a quarter of an ASCII window, more of a CJK one.
    for line, least in ((ascii_line, 375), (cjk_line, 250)):
        text = line * 2000
        prompt = build_prompt(CompletionTask(uri="u", text=text, offset=len(text)), 500)
        assert least <= estimate_tokens(prompt.prefix) <= 500
        assert prompt.prefix.startswith("x = 1")
    ascii_prompt = build_prompt(CompletionTask(uri="u", text=ascii_line * 2000, offset=28000), 500)
    cjk_prompt = build_prompt(CompletionTask(uri="u", text=cjk_line * 2000, offset=38000), 500)
    assert len(cjk_prompt.prefix) < len(ascii_prompt.prefix)


def test_suffix_is_cut_at_a_line_end() -> None:
    after = "".join(f"row{n}\n" for n in range(2000))
    task = CompletionTask(uri="u", text="x = " + after, offset=4)
    prompt = build_prompt(task, suffix_tokens=25)
    assert prompt.suffix.endswith("\n") and estimate_tokens(prompt.suffix) <= 25
    assert prompt.suffix.startswith("row0\nrow1\n")


def test_suffix_stays_identical_while_typing() -> None:
    text = "def f():\n    \n" + "".join(f"    step_{n}()\n" for n in range(500))
    cursor = text.index("    \n") + 4
    typed = "return total + 1"
    suffixes = {
        build_prompt(
            CompletionTask(
                uri="u", text=text[:cursor] + typed[:n] + text[cursor:], offset=cursor + n
            ),
            500,
            200,
        ).suffix
        for n in range(len(typed))
    }
    assert len(suffixes) == 1


@pytest.mark.parametrize(
    "text", ["abcdefghij" * 5, "ab 日本 cd" * 5, "日本語" * 10, "x" * 7, "é" + "a" * 30]
)
@pytest.mark.parametrize("from_end", [True, False])
def test_chars_within_is_the_longest_piece_in_budget(text: str, from_end: bool) -> None:
    start, end = 3, len(text) - 2
    for budget in (0, 1, 2, 5, 40):
        found = chars_within(text, start, end, budget, from_end=from_end)
        fits = [
            n
            for n in range(end - start + 1)
            if estimate_tokens(text[end - n : end] if from_end else text[start : start + n])
            <= budget
        ]
        assert found == max(fits), (budget, found)


def test_token_estimate() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("日本語") == 3
    assert estimate_tokens("    return total\n") == 5


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("def f():\n    return 1\n", IndentStyle(use_tabs=False, width=4)),
        ("if a {\n  b()\n  if c {\n    d()\n  }\n}\n", IndentStyle(use_tabs=False, width=2)),
        ("func f() {\n\treturn\n}\n", IndentStyle(use_tabs=True)),
        ("x = 1\ny = 2\n", None),
        (
            'def f(a,\n      b):\n    """Doc\n    """\n    if a:\n        return b\n',
            IndentStyle(False, 4),
        ),
    ],
)
def test_indent_style_is_detected(text: str, style: IndentStyle | None) -> None:
    assert detect_indent(text) == style


def test_the_editors_formatting_options_win() -> None:
    task = CompletionTask(uri="u", text="def f():\n    x\n", offset=0, indent=IndentStyle(True))
    prompt = build_prompt(task)
    assert prompt.indent == IndentStyle(True)
    assert "Indentation: tabs." in user_message(prompt)


def test_shared_start_ratio() -> None:
    system = {"role": "system", "content": "rules"}
    user = {"role": "user", "content": "suffix"}
    first = [system, user, {"role": "assistant", "content": "def f():\n    ret"}]
    second = [system, user, {"role": "assistant", "content": "def f():\n    return"}]
    ratio = shared_start_ratio(first, second)
    assert ratio == shared_start(prompt_text(first), prompt_text(second)) / len(prompt_text(second))
    assert 0.8 < ratio < 1.0
    assert shared_start_ratio(second, second) == 1.0
    assert shared_start_ratio([], second) == 0.0


@pytest.mark.parametrize(
    ("path", "globs", "excluded"),
    [
        ("/p/.env", (), True),
        ("/p/.env.local", (), True),
        ("/p/certs/server.pem", (), True),
        ("/home/u/.ssh/id_rsa", (), True),
        ("/p/.git/config", (), True),
        ("/p/secrets.yaml", (), True),
        ("/p/app.py", (), False),
        ("/p/env.py", (), False),
        ("/p/data/dump.sql", ("*.sql",), True),
        ("/p/data/a.py", ("data/*",), True),
        ("/p/src/a.py", ("data/*",), False),
        ("/p/x/data/a.py", ("data/*",), True),
        ("/p/src/a.py", ("/p/src/*",), True),
        ("/p/src/a.py", ("*.PY",), False),
    ],
)
def test_exclusions(path: str, globs: tuple[str, ...], excluded: bool) -> None:
    assert is_excluded(path, globs) is excluded
