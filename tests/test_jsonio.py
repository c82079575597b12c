"""JSON by orjson: the values and bytes the standard library gives, and its errors."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qwen_lsp.jsonio import dumps, loads


def dumped(body: Any) -> bytes:
    """What httpx sends for ``json=body``."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


LONG = "def f(x):\n    return x\n" * 400
BODIES = [
    {},
    [],
    {"a": [1, 2.5, True, False, None, -3, 1e100, 0.1, 1e16, -0.0]},
    {"model": "m", "messages": [{"role": "assistant", "content": LONG, "partial": True}]},
    {"text": 'quotes " and \\ backslashes \n\t\x00\x1f\x7f controls, \u2028 and \u2029'},
    {"cjk": "变量" * 100, "emoji": "😀" * 101, "ключ": "é"},
    ("tuple", ["nested", {"deep": [LONG, LONG[::-1]]}]),
]


@pytest.mark.parametrize("body", BODIES)
def test_a_body_is_what_json_dumps_gives(body: Any) -> None:
    assert dumps(body) == dumped(body)


def test_what_cannot_be_sent_as_json_is_not_sent_as_garbage() -> None:
    assert dumps({"n": math.nan, "i": [math.inf]}) == b'{"n":null,"i":[null]}'
    with pytest.raises(TypeError):
        dumps({"lone": "\ud800"})  # not Unicode: no provider could read it


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            '{"jsonrpc": "2.0", "id": 1, "result": null}',
            {"jsonrpc": "2.0", "id": 1, "result": None},
        ),
        (b'{"text": "\\u00e9\\ud83d\\ude00 \xc3\xa9"}', {"text": "é😀 é"}),
        # orjson refuses these; JSON allows them, so the standard library reads them
        ('{"text": "half a pair: \\ud83d"}', {"text": "half a pair: \ud83d"}),
        ('{"big": 1e400}', {"big": math.inf}),
    ],
)
def test_loads_reads_what_json_reads(text: str | bytes, value: Any) -> None:
    assert loads(text) == value


@pytest.mark.parametrize("text", ["", "{", '{"a": }', "[1, 2", b'{"a": tru'])
def test_what_is_not_json_raises_the_standard_error(text: str | bytes) -> None:
    with pytest.raises(json.JSONDecodeError):
        loads(text)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), children)
    ),
    max_leaves=12,
)


@given(json_values)
def test_any_value_is_written_as_json_reads_it_and_read_back(value: Any) -> None:
    # Byte for byte but for some floats' spelling: orjson writes 2.75e-6 where json has 2.75e-06.
    assert json.loads(dumps(value)) == value
    assert loads(dumps(value)) == value
    assert loads(dumped(value)) == value
