"""How eagerly requests go upstream: the request policies the benchmark compares.

``default`` is what users get. ``fixed`` is a well-behaved classic (fixed debounce, stale requests
answered and their streams closed, no cache). ``naive`` sends every request and reads every stream
to the end, as a simple client does: it is the baseline the benchmark's ratios are against.
"""

from __future__ import annotations

from dataclasses import dataclass

POLICY_NAMES = ("default", "fixed", "naive")


@dataclass(frozen=True)
class Policy:
    """The switches of the request lifecycle."""

    debounce_ms: int = 120  # the fixed quiet time, or the adaptive one's starting point
    adaptive: bool = True  # learn the quiet time from typing gaps and model latency
    supersede: bool = True  # a newer request for a document answers older ones, closes streams
    reuse: bool = True  # typed-through cache, per-document LRU, attaching to in-flight streams
    # After the first token, how long a stream may take to decide the whole completion before
    # what it has decided so far is shown (its complete lines); None: always wait for the whole.
    # About the time a hosted model takes to write a median line of code: a one-line answer
    # still arrives whole, a block shows its first line, and with the time to first token and a
    # line start's debounce the pause to ghost text stays within the target.
    show_after: float | None = 0.15


def policy_for(name: str, debounce_ms: int) -> Policy:
    """The policy called ``name`` (unknown names get the default)."""
    if name == "naive":
        return Policy(0, adaptive=False, supersede=False, reuse=False, show_after=None)
    if name == "fixed":
        return Policy(debounce_ms, adaptive=False, reuse=False, show_after=None)
    return Policy(debounce_ms)
