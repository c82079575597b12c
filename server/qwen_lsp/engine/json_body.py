"""Request bodies as JSON, with the long strings in them escaped once rather than per keystroke.

CPython escapes a JSON string a character at a time, about 5 ns each: for the 30-60 KB of text
in a prompt, 0.2 ms of every request's way out, the largest single cost on it. From one keystroke
to the next nearly all of that text is the same (the prefix's start is kept stable on purpose; the
suffix does not move while the user types). Escaping is per character, so a long string can be
escaped in blocks and the blocks joined: a block the last body also had is not escaped again.

The bytes are those of ``json.dumps(body, ensure_ascii=False, separators=(",", ":"),
allow_nan=False)`` in UTF-8, what httpx sends for ``json=body``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from json.encoder import encode_basestring  # the C escaper json.dumps uses
from typing import Any

BLOCK = 2048  # characters; a changed block costs 10 µs to escape again
_SHORT = 100  # characters; shorter strings are escaped every time
_CONSTANTS = {None: "null", True: "true", False: "false"}


class JsonBodies:
    """Encodes request bodies, remembering the escaped blocks of the last one."""

    def __init__(self, escape: Callable[[str], str] = encode_basestring) -> None:
        self._escape = escape  # a string as a quoted JSON string
        self._blocks: dict[str, str] = {}

    def encode(self, body: Any) -> bytes:
        parts: list[str] = []
        used: dict[str, str] = {}
        self._value(body, parts, used)
        self._blocks = used  # only the last body's: the memory is bounded by one body
        return "".join(parts).encode()

    def _value(self, value: Any, parts: list[str], used: dict[str, str]) -> None:
        if isinstance(value, str):
            parts.append(self._string(value, used))
        elif isinstance(value, dict):
            parts.append("{")
            for n, (key, item) in enumerate(value.items()):
                if not isinstance(key, str):
                    raise TypeError(f"keys must be str, not {type(key).__name__}")
                parts.append(f"{',' if n else ''}{self._escape(key)}:")
                self._value(item, parts, used)
            parts.append("}")
        elif isinstance(value, (list, tuple)):
            parts.append("[")
            for n, item in enumerate(value):
                if n:
                    parts.append(",")
                self._value(item, parts, used)
            parts.append("]")
        elif value is None or value is True or value is False:
            parts.append(_CONSTANTS[value])
        elif isinstance(value, int):
            parts.append(int.__repr__(value))
        elif isinstance(value, float) and math.isfinite(value):
            parts.append(float.__repr__(value))
        else:  # NaN, infinities, other types: json.dumps raises as it would have
            parts.append(json.dumps(value, allow_nan=False))

    def _string(self, text: str, used: dict[str, str]) -> str:
        if len(text) < _SHORT:
            return self._escape(text)  # as fast as looking it up
        escaped = []
        for start in range(0, len(text), BLOCK):
            block = text[start : start + BLOCK]
            found = self._blocks.get(block) or used.get(block)
            if found is None:
                found = self._escape(block)[1:-1]  # without its quotes
            used[block] = found
            escaped.append(found)
        return f'"{"".join(escaped)}"'
