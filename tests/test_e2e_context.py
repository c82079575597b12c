"""End to end: what the server sends upstream (context, style) and how items land in the editor."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import accept, open_document, position_of, split_cursor

URI = "file:///work/project/app.py"


@attrs.define
class ParamsWithExtras(types.InlineCompletionParams):
    """Inline completion params plus raw JSON fields that lsprotocol does not define."""

    extras: dict[str, Any] = attrs.field(factory=dict)


def send_extras(lsp: LanguageClient) -> None:
    """Make the test client put ``extras`` on the wire, as Copilot-style clients do."""
    converter = lsp.protocol.fm.converter
    standard = converter.get_unstructure_hook(types.InlineCompletionParams)
    converter.register_unstructure_hook(
        types.InlineCompletionParams,
        lambda params: {**standard(params), **getattr(params, "extras", {})},
    )


@pytest.mark.parametrize(
    ("options", "rule"),
    [
        ({"tabSize": 2, "insertSpaces": True}, "Indentation: 2 spaces."),
        ({"tabSize": 8, "insertSpaces": False}, "Indentation: tabs."),
        (None, "Indentation: 4 spaces."),  # detected from the file
        ({"tabSize": "wide"}, "Indentation: 4 spaces."),  # malformed options are ignored
    ],
)
async def test_the_editors_formatting_options_set_the_indentation_rule(
    start_server: StartServer,
    upstream: FakeUpstream,
    options: dict[str, Any] | None,
    rule: str,
) -> None:
    upstream.script(Reply.text("return 1\n"))
    lsp = await start_server()
    text, offset = split_cursor("def f():\n    x = 0\n    ║\n")
    open_document(lsp, URI, text)
    send_extras(lsp)

    result = await lsp.text_document_inline_completion_async(
        ParamsWithExtras(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=position_of(text, offset),
            context=types.InlineCompletionContext(types.InlineCompletionTriggerKind.Invoked),
            extras={"formattingOptions": options} if options is not None else {},
        )
    )

    assert isinstance(result, types.InlineCompletionList)
    assert [item.insert_text for item in result.items] == ["return 1"]
    (request,) = upstream.requests
    assert rule in request.messages[1]["content"]
    assert "no Markdown fences" in request.messages[0]["content"]


async def selected_inline(
    lsp: LanguageClient, text: str, offset: int, span: tuple[int, int], item: str
) -> list[types.InlineCompletionItem]:
    """An automatic inline request while the popup has ``item`` selected over ``span``."""
    result = await lsp.text_document_inline_completion_async(
        types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=position_of(text, offset),
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Automatic,
                selected_completion_info=types.SelectedCompletionInfo(
                    range=types.Range(position_of(text, span[0]), position_of(text, span[1])),
                    text=item,
                ),
            ),
        )
    )
    assert isinstance(result, types.InlineCompletionList)
    return list(result.items)


@pytest.mark.parametrize(
    ("marked", "typed", "item", "reply", "sent", "done"),
    [
        (
            "import os\n\nfull = os.pa║\n",
            2,
            "path",
            ".join(base, name)\n",
            "import os\n\nfull = os.path",
            "import os\n\nfull = os.path.join(base, name)\n",
        ),
        # The item's range and the auto-paired bracket after the cursor are both replaced.
        (
            "import os\nprint(os.path.jo║)\n",
            2,
            "join",
            "(sep))\n",
            "import os\nprint(os.path.join",
            "import os\nprint(os.path.join(sep))\n",
        ),
    ],
)
async def test_completion_continues_the_selected_popup_item(
    start_server: StartServer,
    upstream: FakeUpstream,
    marked: str,
    typed: int,
    item: str,
    reply: str,
    sent: str,
    done: str,
) -> None:
    upstream.script(Reply.text(reply))
    lsp = await start_server()
    text, offset = split_cursor(marked)
    open_document(lsp, URI, text)

    (shown,) = await selected_inline(lsp, text, offset, (offset - typed, offset), item)

    (request,) = upstream.requests
    assert request.messages[-1]["content"] == sent
    assert isinstance(shown.insert_text, str) and shown.insert_text.startswith(item)
    assert shown.range is not None and shown.range.start == position_of(text, offset - typed)
    assert accept(text, shown) == done


async def test_a_selected_item_whose_range_misses_the_cursor_is_ignored(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("1\n"))
    lsp = await start_server()
    text, offset = split_cursor("x = ║\ny = 2\n")
    open_document(lsp, URI, text)

    items = await selected_inline(lsp, text, offset, (offset + 1, offset + 2), "zzz")

    assert upstream.requests[0].messages[-1]["content"] == "x = "
    assert accept(text, items[0]) == "x = 1\ny = 2\n"
