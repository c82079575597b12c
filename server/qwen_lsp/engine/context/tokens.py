"""An offline token estimate, good enough for prompt budgets.

No tokenizer is downloaded: budgets only need to be roughly right and, above all, deterministic.
Byte-level BPE vocabularies of the Qwen / GPT-4 family (~150K entries) spend about one token per
3.5–4.5 characters of ASCII source code (identifiers, operators and indentation runs merge well),
and about one token per character of CJK text or accented words. So the estimate is
``ceil(ascii / 4) + non_ascii``: within ~15% on ASCII code, and on the high side (the safe side
for a budget) for emoji and most non-Latin text.
"""

from __future__ import annotations

ASCII_CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """Estimated token count of ``text`` (both counts run in C: cheap on every keystroke)."""
    ascii_chars = len(text.encode("ascii", "ignore"))
    return -(-ascii_chars // ASCII_CHARS_PER_TOKEN) + (len(text) - ascii_chars)


def chars_within(text: str, start: int, end: int, budget: int, *, from_end: bool) -> int:
    """How many characters of ``text[start:end]`` fit in ``budget`` tokens.

    Counted from ``end`` backwards when ``from_end`` (a prefix), else from ``start`` forwards
    (a suffix). A binary search over the estimate, which grows monotonically with the length.
    """
    # No character costs less than 1/4 token, so more than 4 * budget characters never fit.
    low, high = 0, min(end - start, budget * ASCII_CHARS_PER_TOKEN)
    if text.isascii():  # known without a scan: then every character costs exactly 1/4 token
        return high
    while low < high:
        middle = (low + high + 1) // 2
        piece = text[end - middle : end] if from_end else text[start : start + middle]
        if estimate_tokens(piece) <= budget:
            low = middle
        else:
            high = middle - 1
    return low
