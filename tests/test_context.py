"""Prompt context: stable clip points and exclusion of secret files."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.context import build_prompt, stable_prefix_start
from qwen_lsp.engine.exclude import is_excluded
from qwen_lsp.engine.model import CompletionTask


def test_short_documents_are_sent_whole() -> None:
    task = CompletionTask(uri="u", text="a = 1\nb = ", offset=10)
    prompt = build_prompt(task)
    assert (prompt.prefix, prompt.suffix) == ("a = 1\nb = ", "")


def test_prefix_start_stays_put_while_typing() -> None:
    text = "".join(f"line_{n} = {n}\n" for n in range(3000))
    starts = {
        stable_prefix_start(text + "x" * typed, len(text) + typed, 12_000) for typed in range(40)
    }
    assert len(starts) == 1
    (start,) = starts
    assert text[start - 1] == "\n"
    assert len(text) - start <= 12_000


def test_suffix_is_cut_at_a_line_end() -> None:
    after = "".join(f"row{n}\n" for n in range(2000))
    task = CompletionTask(uri="u", text="x = " + after, offset=4)
    prompt = build_prompt(task, suffix_budget=100)
    assert prompt.suffix.endswith("\n") and len(prompt.suffix) <= 100


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
    ],
)
def test_exclusions(path: str, globs: tuple[str, ...], excluded: bool) -> None:
    assert is_excluded(path, globs) is excluded
