"""Drop a ``<think>…</think>`` block that a thinking model emits before the code.

Only at the start: later in a completion the tags are code (a regular expression, a template).
"""

from __future__ import annotations

import re

from qwen_lsp.engine.postprocess.cursor import Cursor

_BLOCK = re.compile(r"\s*<think>.*?</think>\s*", re.DOTALL)


def strip_think(text: str, cursor: Cursor) -> str:
    block = _BLOCK.match(text)
    text = text[block.end() :] if block else text
    # An unterminated block is still thinking: nothing usable yet.
    return "" if text.lstrip().startswith("<think>") else text
