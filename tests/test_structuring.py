"""Keystroke traffic (un)structured directly: the same as pygls' cattrs makes, or left to it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol.json_rpc import JsonRPCProtocol

from qwen_lsp.lsp.edits import structured_change
from qwen_lsp.lsp.server import create_server
from qwen_lsp.settings import Settings

CONVERTER = LanguageServer("test", "1").protocol  # pygls' own structuring, to compare with
SERVER = create_server(Settings(), []).protocol  # ours

POINT = {"line": 3, "character": 7}
SPAN = {"start": POINT, "end": {"line": 4, "character": 0}}


def change(*changes: Any, version: Any = 5, uri: Any = "file:///p/a.py") -> dict[str, Any]:
    document = {"uri": uri, "version": version}
    params = {"textDocument": document, "contentChanges": list(changes)}
    return {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}


@pytest.mark.parametrize(
    "message",
    [
        change({"range": SPAN, "text": "x"}),
        change({"range": SPAN, "rangeLength": 9, "text": ""}),
        change({"text": "the whole document\n"}),
        change({"range": SPAN, "text": "a"}, {"text": "b"}, {"range": SPAN, "text": "ç🙂"}),
        change(),  # no changes at all
        {**change({"range": SPAN, "text": "x", "extra": 1}), "extra": {"a": 1}},  # ignored
    ],
)
def test_the_same_message_as_pygls_builds(message: dict[str, Any]) -> None:
    expected = CONVERTER.structure_message(copy.deepcopy(message))
    assert structured_change(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        change({"range": SPAN, "text": "x"}, version=True),  # cattrs coerces these
        change({"range": SPAN, "text": "x"}, version=5.0),
        change({"range": {"start": {"line": 1.0, "character": 0}, "end": POINT}, "text": "x"}),
        change({"range": SPAN, "rangeLength": "9", "text": "x"}),
        change({"range": SPAN, "text": 5}),
        change({"range": SPAN, "text": "x"}, uri=None),
        change({"range": {"start": POINT}, "text": "x"}),  # cattrs refuses these
        change({"range": SPAN}),
        change({"range": {"start": {"line": -1, "character": 0}, "end": POINT}, "text": "x"}),
        {**change({"text": "x"}), "params": {"textDocument": {"uri": "u", "version": 1}}},
        {**change({"text": "x"}), "params": []},
        {**change({"text": "x"}), "id": 4},  # a request by that name: not ours to build
        {**change({"text": "x"}), "method": "textDocument/didOpen"},
        {"jsonrpc": "2.0", "method": "textDocument/didChange"},
    ],
)
def test_anything_out_of_the_ordinary_is_left_to_pygls(message: dict[str, Any]) -> None:
    assert structured_change(message) is None


def item(**fields: Any) -> types.InlineCompletionItem:
    span = types.Range(types.Position(1, 4), types.Position(1, 9))
    accept = types.Command(title="Accept", command="qwen-lsp.accept", arguments=[9])
    return types.InlineCompletionItem(
        **{"insert_text": "ret ç🙂\n", "range": span, "command": accept, **fields}
    )


class Written:
    """A writer keeping what a protocol writes."""

    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data


def answer_bytes(protocol: Any, result: Any) -> bytes:
    """What ``protocol`` writes answering request 7 with ``result``, as handlers are answered."""
    written = Written()
    protocol.set_writer(written)
    protocol._send_response(7, result=result)
    return written.data


@pytest.fixture
def serialized_by_pygls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The objects pygls' own (cattrs) serialization was asked for."""
    calls: list[object] = []
    stock = JsonRPCProtocol._serialize_message

    def spy(self: JsonRPCProtocol, data: Any) -> Any:
        calls.append(data)
        return stock(self, data)

    monkeypatch.setattr(JsonRPCProtocol, "_serialize_message", spy)
    return calls


@pytest.mark.parametrize(
    "items",
    [[], [item()], [item(), item(insert_text="")]],
)
def test_an_inline_answer_is_the_json_pygls_writes(
    items: list[types.InlineCompletionItem], serialized_by_pygls: list[object]
) -> None:
    result = types.InlineCompletionList(items=items)
    expected = answer_bytes(CONVERTER, result)
    del serialized_by_pygls[:]
    assert answer_bytes(SERVER, result) == expected
    assert serialized_by_pygls == []  # built directly, not by cattrs


@pytest.mark.parametrize(
    "result",
    [
        None,
        [item()],
        types.InlineCompletionList(items=[item(filter_text="x")]),
        types.InlineCompletionList(items=[item(insert_text=types.StringValue(value="$0"))]),
        types.InlineCompletionList(items=[item(), item(command=None)]),
        types.InlineCompletionList(
            items=[item(command=types.Command(title="t", command="c", arguments=[{"a": 1}]))]
        ),
        types.CompletionList(is_incomplete=False, items=[types.CompletionItem(label="x")]),
    ],
)
def test_any_other_answer_is_left_to_pygls(result: Any, serialized_by_pygls: list[object]) -> None:
    expected = answer_bytes(CONVERTER, result)
    del serialized_by_pygls[:]
    assert answer_bytes(SERVER, result) == expected
    assert serialized_by_pygls  # cattrs wrote it
