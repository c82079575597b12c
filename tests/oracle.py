"""An "oracle" model for the fake upstream: it knows the files and answers with the truth.

It finds the prompt's prefix in the files it was given and replies with everything that follows
it — the hidden code and then the rest of the file, like a perfect but over-generating model —
cut at ``max_tokens`` (4 characters a token, as the fake counts) with ``finish_reason: length``.
A cleaning pipeline must turn that into exactly the hidden code.

Run it for ``qwen-lsp eval`` by hand::

    python -m tests.oracle PATH --port 8787 &
    QWEN_LSP_API_KEY=x QWEN_LSP_BASE_URL=http://127.0.0.1:8787/v1 qwen-lsp eval PATH
"""

from __future__ import annotations

import argparse
import json
import threading
from bisect import bisect_right
from collections.abc import Mapping
from itertools import accumulate
from pathlib import Path
from typing import Any

from qwen_lsp.evaluation.sampling import source_files
from tests.fake_upstream import FakeUpstream, Reply

_SEPARATOR = "\x00"  # never in a source file the sampler reads
_KEY_CHARS = 400  # this much of the prefix's end finds its place; a shorter prefix is a file start
CHARS_PER_TOKEN = 4
_OPEN, _CLOSE = "<code_after_cursor>\n", "\n</code_after_cursor>"


class Oracle:
    """A fake-upstream responder answering from ``texts``."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self._corpus = _SEPARATOR + _SEPARATOR.join(files.values()) + _SEPARATOR
        self._paths = list(files)
        self._starts = list(accumulate((len(text) + 1 for text in files.values()), initial=1))
        self.unknown = 0  # prompts whose prefix was in none of the files

    def __call__(self, body: dict[str, Any]) -> Reply:
        prefix = _prefix(body)
        key = prefix[-_KEY_CHARS:] if len(prefix) >= _KEY_CHARS else _SEPARATOR + prefix
        places = self._places(key) or self._places(prefix[-_KEY_CHARS:])
        if not places:
            self.unknown += 1
            return Reply.text("")
        # Prefixes can recur (a file's first lines, generated files, repetitive tests): the true
        # place is in the file the prompt names, where the code after the cursor comes soonest.
        after, prompt = _suffix(body), json.dumps(body.get("messages", []))

        def rank(place: tuple[str, str]) -> tuple[bool, int]:
            gap = place[1].find(after)
            named = json.dumps(place[0])[1:-1] in prompt
            return (not named, gap if gap >= 0 else len(self._corpus))

        rest = min(places, key=rank)[1]
        limit = int(body.get("max_tokens") or 256) * CHARS_PER_TOKEN
        finish = "length" if len(rest) > limit else "stop"
        return Reply.text(rest[:limit], size=CHARS_PER_TOKEN, finish_reason=finish)

    def _places(self, key: str) -> list[tuple[str, str]]:
        """(path, what follows ``key`` up to the end of that file) for its first occurrences."""
        places: list[tuple[str, str]] = []
        found = self._corpus.find(key)
        while 0 <= found < len(self._corpus) - len(key) and len(places) < 10_000:
            start = found + len(key)
            path = self._paths[bisect_right(self._starts, start) - 1]
            places.append((path, self._corpus[start : self._corpus.index(_SEPARATOR, start)]))
            found = self._corpus.find(key, start)
        return places


def oracle_for(root: Path) -> Oracle:
    """An oracle knowing every code file under ``root`` (those ``qwen-lsp eval`` samples)."""
    return Oracle(
        {
            str(path): path.read_text(encoding="utf-8", errors="replace")
            for path in source_files(root)
        }
    )


def _prefix(body: dict[str, Any]) -> str:
    messages = body.get("messages") or []
    if messages and messages[-1].get("role") == "assistant":
        return str(messages[-1].get("content", ""))
    return str(body.get("prompt", ""))  # a fill-in-the-middle request


def _suffix(body: dict[str, Any]) -> str:
    """The code after the cursor, from the user message (or a FIM request's ``suffix``)."""
    for message in body.get("messages") or []:
        content = str(message.get("content", ""))
        start, end = content.find(_OPEN), content.rfind(_CLOSE)  # the code may hold the tags too
        if message.get("role") == "user" and 0 <= start < end:
            return content[start + len(_OPEN) : end]
    return str(body.get("suffix", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--port", type=int, default=8787)
    args = parser.parse_args()
    with FakeUpstream(oracle_for(args.path), port=args.port) as fake:
        print(f"oracle upstream for {args.path} at {fake.base_url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
