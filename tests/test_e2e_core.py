"""End to end: the real qwen-lsp process over stdio against the fake upstream."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from tests.conftest import TEST_KEY, StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import accept, apply_edit, inline, open_document, position_of, split_cursor

URI = "file:///work/project/calc.py"


async def test_inline_completion_sends_partial_prefix_and_returns_cleaned_item(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("return a + b\n\n\ndef other():\n    pass\n"))
    lsp = await start_server()
    text, offset = split_cursor("import math\n\ndef add(a, b):\n    ║\n")
    open_document(lsp, URI, text)

    items = await inline(lsp, URI, position_of(text, offset))

    assert [item.insert_text for item in items] == ["return a + b"]
    assert accept(text, items[0]) == "import math\n\ndef add(a, b):\n    return a + b\n"
    (request,) = upstream.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert request.body["stream"] is True
    assert request.body["model"] == "qwen3-coder-flash"
    assert request.messages[-1] == {"role": "assistant", "content": text[:offset], "partial": True}
    assert [m["role"] for m in request.messages] == ["system", "user", "assistant"]
    assert "calc.py" in request.messages[1]["content"]


async def test_mid_line_completion_does_not_repeat_the_closing_bracket(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("x, y)\nprint('more')\n"))
    lsp = await start_server()
    text, offset = split_cursor("x, y = 1, 2\nprint(║)\n")
    open_document(lsp, URI, text)

    items = await inline(lsp, URI, position_of(text, offset))

    assert accept(text, items[0]) == "x, y = 1, 2\nprint(x, y)\n"


async def test_block_completion_stops_at_the_end_of_the_function(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("\n    total = a + b\n    return total\n\nprint(add(1, 2))\n"))
    lsp = await start_server()
    text, offset = split_cursor("def add(a, b):║\n")
    open_document(lsp, URI, text)

    items = await inline(lsp, URI, position_of(text, offset))

    assert items[0].insert_text == "\n    total = a + b\n    return total"


async def test_stream_is_closed_once_the_line_is_complete(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    # Mid-line: after the first newline the rest is useless, so the stream must be closed.
    upstream.script(Reply.text("1)\n" + "filler = 0\n" * 50, size=3, chunk_delay=0.02))
    lsp = await start_server()
    text, offset = split_cursor("value = int(║)\n")
    open_document(lsp, URI, text)

    items = await inline(lsp, URI, position_of(text, offset))

    assert items[0].insert_text == "1"
    assert upstream.wait_until(lambda: upstream.requests[0].disconnected_at is not None)
    assert upstream.requests[0].chunks_sent < 10


@pytest.mark.parametrize(
    ("encoding", "kind"),
    [
        ("utf-16", None),
        ("utf-8", types.PositionEncodingKind.Utf8),
        ("utf-32", types.PositionEncodingKind.Utf32),
    ],
)
async def test_positions_with_accents_cjk_and_emoji(
    start_server: StartServer,
    upstream: FakeUpstream,
    encoding: str,
    kind: types.PositionEncodingKind | None,
) -> None:
    upstream.script(Reply.text("'naïve 😀 ok')\n"))
    lsp = await start_server(encodings=[kind] if kind else None)
    text, offset = split_cursor("s = '日本語 café 🎉'; print(║) # ünïcode 😀\n")
    open_document(lsp, URI, text)

    items = await inline(lsp, URI, position_of(text, offset, encoding))  # type: ignore[arg-type]

    expected = "s = '日本語 café 🎉'; print('naïve 😀 ok') # ünïcode 😀\n"
    assert accept(text, items[0], encoding) == expected  # type: ignore[arg-type]


async def test_incremental_edits_are_what_the_model_sees(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("b\n"))
    lsp = await start_server()
    open_document(lsp, URI, "def f(a):\n    return \n")
    lsp.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=types.Position(1, 11), end=types.Position(1, 11)),
                    text="a + ",
                )
            ],
        )
    )

    items = await inline(lsp, URI, types.Position(1, 15))

    assert upstream.requests[0].messages[-1]["content"] == "def f(a):\n    return a + "
    assert items[0].insert_text == "b"


async def test_completion_fallback_for_clients_without_inline_completion(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("name.upper())\n"))
    lsp = await start_server(client="neovim")
    text, offset = split_cursor("def shout(name):\n    return pri║\n")
    open_document(lsp, URI, text)
    assert lsp.capabilities is not None

    result = await lsp.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=URI), position=position_of(text, offset)
        )
    )

    assert isinstance(result, types.CompletionList)
    (item,) = result.items
    assert isinstance(item.text_edit, types.TextEdit)
    done = apply_edit(text, item.text_edit.range, item.text_edit.new_text)
    assert done == "def shout(name):\n    return prin" + "name.upper())\n" or done.startswith(
        "def shout(name):\n    return pri"
    )
    assert item.filter_text is not None and item.filter_text.startswith("pri")


async def test_capabilities_depend_on_the_client(start_server: StartServer) -> None:
    vscode = await start_server(client="vscode")
    neovim = await start_server(client="neovim")
    for lsp, has_list in ((vscode, False), (neovim, True)):
        caps = lsp.init_result.capabilities  # type: ignore[attr-defined]
        assert caps.inline_completion_provider is not None
        assert (caps.completion_provider is not None) is has_list
        assert caps.text_document_sync is not None


async def test_no_api_key_answers_empty_and_tells_the_user_once(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await start_server(options={"apiKey": ""})
    text = "x = 1\n"
    open_document(lsp, URI, text)

    for _ in range(3):
        assert await inline(lsp, URI, types.Position(1, 0)) == []

    assert upstream.requests == []
    warnings = [m.message for m in lsp.messages if "API key" in m.message]
    assert len(warnings) == 1
    assert "QWEN_LSP_API_KEY" in warnings[0]


async def test_invalid_setting_is_reported_and_the_default_kept(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("1\n"))
    lsp = await start_server(options={"maxTokens": "lots", "unknownKey": 3, "temperature": 9})
    open_document(lsp, URI, "x = \n")

    items = await inline(lsp, URI, types.Position(0, 4))

    assert items[0].insert_text == "1"
    assert upstream.requests[0].body["max_tokens"] == 256
    assert upstream.requests[0].body["temperature"] == 0.2
    (message,) = [m.message for m in lsp.messages]
    assert "maxTokens" in message and "temperature" in message and "unknownKey" not in message


async def test_did_change_configuration_switches_the_model(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await start_server()
    open_document(lsp, URI, "x = \n")
    lsp.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"qwenLsp": {"model": "qwen3-coder-plus"}})
    )

    await inline(lsp, URI, types.Position(0, 4))

    assert upstream.requests[0].body["model"] == "qwen3-coder-plus"


async def test_unknown_documents_and_impossible_positions_get_empty_answers(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await start_server()
    open_document(lsp, URI, "x = 1\n")

    assert await inline(lsp, "file:///nowhere/missing.py", types.Position(0, 0)) == []
    assert await inline(lsp, URI, types.Position(99, 0)) == []
    assert upstream.requests == []


async def test_cancel_request_answers_and_closes_the_upstream_stream(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("slow_value\n", ttft=30))
    lsp = await start_server()
    open_document(lsp, URI, "x = \n")
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        position=types.Position(0, 4),
        context=types.InlineCompletionContext(
            trigger_kind=types.InlineCompletionTriggerKind.Invoked
        ),
    )
    request = asyncio.ensure_future(
        lsp.protocol.send_request_async(
            types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id="slow-1"
        )
    )
    assert await asyncio.to_thread(upstream.wait_until, lambda: len(upstream.requests) == 1)

    lsp.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="slow-1"))

    with pytest.raises(JsonRpcRequestCancelled):
        await request
    closed = await asyncio.to_thread(
        upstream.wait_until, lambda: upstream.requests[0].disconnected_at is not None
    )
    assert closed


async def test_upstream_auth_error_is_reported_once_without_the_key(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply(
        status=401, error={"message": f"Incorrect API key provided: {TEST_KEY}"}
    )
    lsp = await start_server()
    open_document(lsp, URI, "x = \n")

    for _ in range(3):
        assert await inline(lsp, URI, types.Position(0, 4)) == []

    errors = [m.message for m in lsp.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1
    assert "API key" in errors[0] and TEST_KEY not in errors[0]


async def test_excluded_files_are_never_sent(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await start_server(options={"exclude": ["*.secret.py"]})
    for uri in ("file:///p/.env", "file:///p/server.pem", "file:///p/conf.secret.py"):
        open_document(lsp, uri, "TOKEN = \n")
        assert await inline(lsp, uri, types.Position(0, 8)) == []
    assert upstream.requests == []
