"""Drop ``<think>…</think>`` blocks that thinking models emit before the code."""

from __future__ import annotations

import re

from qwen_lsp.engine.postprocess.cursor import Cursor

_BLOCK = re.compile(r"<think>.*?</think>\s*", re.DOTALL)


def strip_think(text: str, cursor: Cursor) -> str:
    text = _BLOCK.sub("", text)
    # An unterminated block is still thinking: nothing usable yet.
    return "" if text.lstrip().startswith("<think>") else text
