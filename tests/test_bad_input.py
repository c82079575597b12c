"""Bad LSP input gets a clear error or an empty answer, never a crash or a hang, and the server's
copy of each document stays the client's copy (checked through what the model is sent)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import TEST_KEY, StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document, position_of
from tests.raw_lsp import RawServer, raw_session

URI = "file:///work/project/bad.py"


def change(lsp: LanguageClient, uri: str, version: int, *edits: tuple[types.Range, str]) -> None:
    lsp.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(range=r, text=t) for r, t in edits
            ],
        )
    )


def span(text: str, start: int, end: int) -> types.Range:
    return types.Range(start=position_of(text, start), end=position_of(text, end))


async def server_text(lsp: LanguageClient, upstream: FakeUpstream, uri: str, text: str) -> str:
    """The document as the server has it: ask at its very end and read the prefix it sent."""
    before = len(upstream.requests)
    await inline(lsp, uri, position_of(text, len(text)))
    assert len(upstream.requests) == before + 1
    content: str = upstream.requests[-1].messages[-1]["content"]
    return content


async def test_huge_document_is_never_sent_and_a_very_long_line_is_clipped(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("1\n")
    lsp = await start_server()
    huge = "x = 0  # padding to make the file big\n" * 270_000  # ~10 MB
    long_line = "y = [" + "1, " * 300_000 + "\n"  # ~0.9 MB on one line
    open_document(lsp, "file:///p/huge.py", huge + "value = ")
    open_document(lsp, "file:///p/long.py", long_line)

    assert await inline(lsp, "file:///p/huge.py", types.Position(270_000, 8)) == []
    assert upstream.requests == []  # over maxFileKb: generated code or data, not sent
    middle = await inline(lsp, "file:///p/long.py", types.Position(0, 500_000))

    assert len(middle) <= 1
    (request,) = upstream.requests
    assert len(json.dumps(request.body)) < 100_000  # clipped to the budget, not the whole line


async def test_nul_bytes_and_lone_surrogates_do_not_break_the_request(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("2\n")
    lsp = await start_server()
    open_document(lsp, "file:///p/nul.py", "a = '\x00\x01'\nb = ")
    open_document(lsp, "file:///p/sur.py", "s = '\ud800 \udfff'\nb = ")

    nul = await inline(lsp, "file:///p/nul.py", types.Position(1, 4))
    surrogate = await inline(lsp, "file:///p/sur.py", types.Position(1, 4))

    assert [i.insert_text for i in nul] == ["2"]
    assert [i.insert_text for i in surrogate] == ["2"]
    assert "\x00" in upstream.requests[0].messages[-1]["content"]
    assert upstream.requests[1].messages[-1]["content"] == "s = '\ufffd \ufffd'\nb = "


async def test_overlapping_out_of_order_and_out_of_range_edits(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await start_server()
    text = "def f():\n    return 1\n"
    open_document(lsp, URI, text, version=5)
    # Two changes in one notification apply one after the other: the second sees the first.
    change(lsp, URI, 7, (span(text, 4, 5), "gg"), (span("def gg():\n", 5, 8), "(x)"))
    change(lsp, URI, 6, (span(text, 0, 0), "# older version number, applied in order\n"))
    expected = "# older version number, applied in order\ndef g(x):\n    return 1\n"

    assert await server_text(lsp, upstream, URI, expected) == expected

    past_end = types.Range(start=types.Position(500, 0), end=types.Position(900, 3))
    change(lsp, URI, 8, (past_end, "tail\n"))
    items = await inline(lsp, URI, types.Position(0, 0))
    assert isinstance(items, list)  # answered; the server is still alive


async def test_a_flood_of_ten_thousand_changes_is_applied_in_order(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await start_server()
    text = ""
    open_document(lsp, URI, text)
    for version in range(2, 10_002):
        piece = "\n" if version % 50 == 0 else "ab"[version % 2]
        change(lsp, URI, version, (span(text, len(text), len(text)), piece))
        text += piece

    assert await server_text(lsp, upstream, URI, text) == text


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_random_edits_keep_the_servers_text_equal_to_the_clients(
    start_server: StartServer, upstream: FakeUpstream, data: st.DataObject
) -> None:
    if not hasattr(upstream, "lsp"):
        upstream.lsp = await start_server()  # type: ignore[attr-defined]  # one server per test
    lsp: LanguageClient = upstream.lsp  # type: ignore[attr-defined]
    pieces = st.sampled_from(["a", "b", " ", "\n", "\r\n", "é", "日", "😀", "\t", "()"])
    chunk = st.lists(pieces, max_size=6).map("".join)
    text = data.draw(chunk, label="initial")
    uri = f"file:///work/prop/{len(upstream.requests)}_{id(text)}.py"
    open_document(lsp, uri, text)
    for version in range(2, 2 + data.draw(st.integers(1, 12), label="edits")):
        edits: list[tuple[types.Range, str]] = []
        for _ in range(data.draw(st.integers(1, 3))):  # several changes in one notification
            start = data.draw(st.integers(0, len(text)))
            end = data.draw(st.integers(start, min(len(text), start + 8)))
            # never split a \r\n pair: an editor cannot put the cursor between the two
            if text[start - 1 : start + 1] == "\r\n" or text[end - 1 : end + 1] == "\r\n":
                continue
            new = data.draw(chunk)
            edits.append((span(text, start, end), new))
            text = text[:start] + new + text[end:]
        change(lsp, uri, version, *edits)

    assert await server_text(lsp, upstream, uri, text) == text


# --- Malformed JSON-RPC, written straight to the server's stdin ---


@pytest.fixture
async def raw_server(upstream: FakeUpstream) -> AsyncIterator[RawServer]:
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url}
    async with raw_session(env) as server:
        yield server


@pytest.mark.parametrize(
    "frame",
    [
        b"{not json",
        b"[1, 2, 3]",
        b'"just a string"',
        b'{"id": 7, "method": "textDocument/inlineCompletion"}',  # no "jsonrpc"
        b'{"jsonrpc": "2.0", "method": "qwen/unknownNotification", "params": {}}',
        b'{"jsonrpc": "2.0", "id": 99, "result": "a reply nobody asked for"}',
        b'{"jsonrpc": "2.0", "method": "x", "params": "\\ud800 lone surrogate"}',
        b'{"jsonrpc": "2.0", "method": "x", "params": "\xff\xfe not UTF-8"}',
    ],
)  # fmt: skip
async def test_malformed_messages_are_survived(raw_server: RawServer, frame: bytes) -> None:
    raw_server.send(frame)
    raw_server.request(2, "workspace/executeCommand", {"command": "qwen-lsp.stats"})

    answer = await raw_server.answer(2)

    assert answer["result"]["completions"] == 0
    assert raw_server.process.returncode is None


STATS = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "workspace/executeCommand",
        "params": {"command": "qwen-lsp.stats"},
    }
).encode()


@pytest.mark.parametrize(
    "frames",
    [
        b"content-length: %d\r\n\r\n%s" % (len(STATS), STATS),  # field names in any case
        b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n%s"
        % (len(STATS), STATS),
        b"Content-Type: x\r\nContent-Length:%d \r\n\r\n%s" % (len(STATS), STATS),
        # A header without a length is skipped; the message after it is read.
        b"Content-Type: x\r\n\r\nContent-Length: %d\r\n\r\n%s" % (len(STATS), STATS),
    ],
)
async def test_message_headers_are_read_as_the_base_protocol_says(
    raw_server: RawServer, frames: bytes
) -> None:
    raw_server.write(frames)
    assert (await raw_server.answer(2))["result"]["completions"] == 0


async def test_a_header_that_never_ends_is_skipped(raw_server: RawServer) -> None:
    raw_server.write(b"X-Padding: " + b"x" * (2 << 20))
    raw_server.write(b"\r\n\r\nContent-Length: %d\r\n\r\n%s" % (len(STATS), STATS))
    assert (await raw_server.answer(2))["result"]["completions"] == 0


async def test_a_change_to_a_document_never_opened_is_logged_and_survived(
    upstream: FakeUpstream,
) -> None:
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url}
    async with raw_session(env) as server:
        change = {
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
        }
        server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": "file:///never/opened.py", "version": 2},
                "contentChanges": [{**change, "text": "x"}],
            },
        )
        server.request(2, "workspace/executeCommand", {"command": "qwen-lsp.stats"})
        assert (await server.answer(2))["result"]["completions"] == 0
    assert b"FeatureNotificationError" in server.stderr  # one line in the log
    assert b"window/showMessage" not in server.stdout  # not a popup


async def test_unknown_methods_and_bad_params_get_json_rpc_errors(raw_server: RawServer) -> None:
    raw_server.request(3, "qwen/doesNotExist", {})
    raw_server.request(4, "textDocument/inlineCompletion", {"position": "nowhere"})
    raw_server.request(5, "textDocument/inlineCompletion", None)

    assert (await raw_server.answer(3))["error"]["code"] == -32601  # method not found
    for id_ in (4, 5):
        error = (await raw_server.answer(id_))["error"]
        assert error["code"] in (-32602, -32603)  # invalid params / internal error
        assert TEST_KEY not in json.dumps(error)
