"""Fill-in-the-middle requests as clients send them, turned into the code before and after the
cursor.

Plain OpenAI ``/v1/completions`` clients (Continue, Tabby, twinny) send ``prompt`` and ``suffix``.
Zed's OpenAI-compatible and Ollama edit-prediction providers send one ``prompt`` with the
model family's FIM markers around the two halves, chosen by their ``prompt_format`` setting; each
family's layout is a row of :data:`LAYOUTS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Halves:
    """The code before the cursor and the code after it."""

    prefix: str
    suffix: str


def _layout(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.DOTALL)


# (prompt format, layout): the named groups are the two halves. A layout may follow other text
# (a file or repository header some formats put first), never precede it.
LAYOUTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "qwen",
        _layout(r"<\|fim_prefix\|>(?P<prefix>.*)<\|fim_suffix\|>(?P<suffix>.*)<\|fim_middle\|>$"),
    ),
    ("star_coder", _layout(r"<fim_prefix>(?P<prefix>.*)<fim_suffix>(?P<suffix>.*)<fim_middle>$")),
    ("code_llama", _layout(r"<PRE> (?P<prefix>.*) <SUF>(?P<suffix>.*) <MID>$")),
    (
        "deepseek_coder",
        _layout(r"<｜fim▁begin｜>(?P<prefix>.*)<｜fim▁hole｜>(?P<suffix>.*)<｜fim▁end｜>$"),
    ),
    ("codestral", _layout(r"\[SUFFIX\](?P<suffix>.*)\[PREFIX\](?P<prefix>.*)$")),
    (
        "glm",
        _layout(
            r"<\|code_prefix\|>(?P<prefix>.*)<\|code_suffix\|>(?P<suffix>.*)<\|code_middle\|>$"
        ),
    ),
)


def split_prompt(prompt: str, suffix: str | None = None) -> Halves:
    """The two halves of a FIM request: ``prompt`` and ``suffix`` when the client sent a suffix,
    else the halves marked inside ``prompt``, else all of ``prompt`` as the code before the
    cursor."""
    if suffix is not None:
        return Halves(prompt, suffix)
    for _, layout in LAYOUTS:
        if match := layout.search(prompt):
            return Halves(match["prefix"], match["suffix"])
    return Halves(prompt, "")
