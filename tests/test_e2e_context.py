"""End to end: what the server sends upstream (context, style) and how items land in the editor."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from qwen_lsp.engine.lifecycle.shared_start import shared_start_ratio
from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import accept, inline, open_document, position_of, split_cursor

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


SHAPES = "class Circle:\n    def __init__(self, radius):\n        self.radius = radius\n"
NOTES = "".join(f"note_{n} = {n}\n" for n in range(80))
GEOMETRY = "def total_area(circles):\n    return sum(c.radius for c in circles)\n"
SECRET = "# total_area circles radius\nAPI_TOKEN=sk-live-do-not-send\n"


def change(lsp: LanguageClient, uri: str, version: int, at: types.Position, new: str) -> None:
    """Insert ``new`` at ``at``, as an editor's incremental change."""
    lsp.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(range=types.Range(at, at), text=new)
            ],
        )
    )


async def test_other_files_are_sent_in_a_stable_order_and_excluded_files_never(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply.text("radius\n")
    lsp = await start_server()
    project = "file:///work/project"
    open_document(lsp, f"{project}/shapes.py", SHAPES)
    open_document(lsp, f"{project}/notes.py", NOTES)
    open_document(lsp, f"{project}/geometry.py", GEOMETRY)
    open_document(lsp, f"{project}/.env", SECRET, language="dotenv")
    change(lsp, f"{project}/notes.py", 2, types.Position(50, 0), "edited_here = True\n")
    change(lsp, f"{project}/.env", 2, types.Position(1, 0), "OTHER_TOKEN=sk-live-also-secret\n")
    text, offset = split_cursor(
        "from shapes import Circle\n\ndef total_area(circles):\n    return sum(c.║)\n"
    )
    open_document(lsp, URI, text)

    first = await inline(lsp, URI, position_of(text, offset))
    # The user types something else than the suggestion, so a new request goes up.
    change(lsp, URI, 2, position_of(text, offset), "ar")
    typed = text[:offset] + "ar" + text[offset:]
    second = await inline(lsp, URI, position_of(typed, offset + 2))

    assert [item.insert_text for item in first + second] == ["radius", "radius"]
    one, two = upstream.requests
    message = one.messages[1]["content"]
    order = [
        message.index('<file path="/work/project/shapes.py" reason="imported">'),
        message.index('<file path="/work/project/notes.py" reason="recently edited">'),
        message.index('<file path="/work/project/geometry.py" reason="open in the editor">'),
        message.index("File: /work/project/app.py (python)."),
    ]
    assert order == sorted(order)
    assert "class Circle:" in message and "edited_here = True" in message
    for request in upstream.requests:
        assert "sk-live" not in json.dumps(request.body)
        assert ".env" not in json.dumps(request.body)
    # Everything before the assistant prefix is byte-identical while the user types.
    assert one.messages[:2] == two.messages[:2]
    assert shared_start_ratio(one.messages, two.messages) > 0.9
