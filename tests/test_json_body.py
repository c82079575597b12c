"""Request bodies escaped in blocks: the bytes json.dumps would give, blocks escaped once."""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qwen_lsp.engine.json_body import BLOCK, JsonBodies


def dumped(body: Any) -> bytes:
    """What httpx sends for ``json=body``."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


LONG = "def f(x):\n    return x\n" * 400  # several blocks
BODIES = [
    {},
    [],
    {"a": [1, 2.5, True, False, None, -3, 1e100]},
    {"model": "m", "messages": [{"role": "assistant", "content": LONG, "partial": True}]},
    {"text": 'quotes " and \\ backslashes \n\t\x00\x1f controls'},
    {"cjk": "变量" * BLOCK, "emoji": "😀" * (BLOCK + 1), "lone": "\ud800" * 3},
    {"ключ": "x" * BLOCK, "exact": "y" * (2 * BLOCK), "one more": "z" * (2 * BLOCK + 1)},
    ("tuple", ["nested", {"deep": [LONG, LONG[::-1]]}]),
]


@pytest.mark.parametrize("body", BODIES)
def test_a_body_is_what_json_dumps_gives(body: Any) -> None:
    bodies = JsonBodies()
    if "lone" in str(body):  # not UTF-8: json.dumps' bytes fail the same way
        with pytest.raises(UnicodeEncodeError):
            dumped(body)
        with pytest.raises(UnicodeEncodeError):
            bodies.encode(body)
        return
    assert bodies.encode(body) == dumped(body)


@pytest.mark.parametrize("bad", [{"n": math.nan}, {"inf": [math.inf]}, {1: "int key"}, {"s": {1}}])
def test_what_json_dumps_refuses_is_refused(bad: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        JsonBodies().encode(bad)


def test_keystroke_after_keystroke_each_body_is_its_own() -> None:
    """Typing at the end, deleting, and editing in the middle: the remembered blocks never leak
    one body's text into the next."""
    bodies = JsonBodies()
    prefix = LONG
    for edit in ("a", "b", "\b", "\b", "\b", "mid", '"q"', "\n"):
        if edit == "\b":
            prefix = prefix[:-1]
        elif edit == "mid":
            prefix = prefix[:100] + "inserted" + prefix[100:]
        else:
            prefix += edit
        body = {"messages": [{"content": "suffix" * 1000}, {"content": prefix}]}
        assert bodies.encode(body) == dumped(body)


def test_only_the_blocks_that_changed_are_escaped_again() -> None:
    escaped: list[str] = []

    def counting(text: str) -> str:
        escaped.append(text)
        return encode_basestring(text)

    bodies = JsonBodies(counting)
    suffix, prefix = "s" * (3 * BLOCK), "p" * (5 * BLOCK + 10)
    bodies.encode({"suffix": suffix, "prefix": prefix})
    escaped.clear()
    bodies.encode({"suffix": suffix, "prefix": prefix + "x"})  # one character typed
    assert [text for text in escaped if len(text) > 10] == ["p" * 10 + "x"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=BLOCK * 3),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.lists(json_values, min_size=1, max_size=3))
def test_any_sequence_of_bodies_matches_json_dumps(sequence: list[Any]) -> None:
    bodies = JsonBodies()
    for body in sequence:
        assert bodies.encode(body) == dumped(body)
