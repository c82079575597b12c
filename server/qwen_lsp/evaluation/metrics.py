"""Scores for one completion against the hidden code, and percentiles for the table."""

from __future__ import annotations

import math
from collections.abc import Sequence

_MAX_COMPARED = 2000  # characters; edit distance is quadratic


def edit_similarity(got: str, want: str) -> float:
    """1 − Levenshtein distance / length of the longer text (1.0 for two empty texts)."""
    if got == want:
        return 1.0
    got, want = got[:_MAX_COMPARED], want[:_MAX_COMPARED]
    previous = list(range(len(want) + 1))
    for row, a in enumerate(got, 1):
        current = [row]
        for column, b in enumerate(want, 1):
            current.append(
                min(previous[column] + 1, current[column - 1] + 1, previous[column - 1] + (a != b))
            )
        previous = current
    return 1.0 - previous[-1] / max(len(got), len(want))


def first_line(text: str) -> str:
    """The first line with code: a completion at a line's end may start with a line break."""
    lines = text.split("\n")
    return next((line for line in lines if line.strip()), "")


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q ≤ 100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
