"""The two completion requests: inline (ghost text) and the classic list as a fallback."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.protocol.json_rpc import JsonRPCResponseMessage

from qwen_lsp.engine import Completion, CompletionTask
from qwen_lsp.lsp.documents import lsp_range, make_task, open_document, with_selection
from qwen_lsp.lsp.inline_params import InlineParams

if TYPE_CHECKING:
    from qwen_lsp.lsp.server import QwenLanguageServer

ACCEPT_COMMAND = "qwen-lsp.accept"
_WORD_BEFORE = re.compile(r"[\w$]*$")


async def inline_completion(
    ls: QwenLanguageServer, params: types.InlineCompletionParams
) -> types.InlineCompletionList:
    invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
    formatting = params.formatting_options if isinstance(params, InlineParams) else None
    task = make_task(ls.workspace, params.text_document.uri, params.position, invoked, formatting)
    if task is None:
        return types.InlineCompletionList(items=[])
    # By default the item replaces what follows the cursor; with a popup item selected, it also
    # replaces the item's range and starts with the item's text.
    sent, start, end, lead = task, task.offset, task.offset, ""
    selected = params.context.selected_completion_info
    virtual = with_selection(ls.workspace, task, selected) if selected else None
    if selected and virtual:
        (sent, start, end), lead = virtual, selected.text
    found = await _complete(ls, sent)
    if found is None:
        return types.InlineCompletionList(items=[])
    text = lead + found.text
    line = task.cursor_line if start == task.offset else None  # the item starts at the cursor
    item = types.InlineCompletionItem(
        insert_text=text,
        range=lsp_range(ls.workspace, task.text, start, end + found.replace_length, line),
        command=types.Command(title="Accept", command=ACCEPT_COMMAND, arguments=[len(text)]),
    )
    ls.engine.suggested(task, start, text)  # an accept then asks for the next one at once
    return types.InlineCompletionList(items=[item])


def inline_json(response: object) -> dict[str, Any] | None:
    """An inline completion answer as JSON, as pygls' cattrs writes it, built directly: cattrs'
    generic unstructuring took 0.1 ms of the answer's way out (cold). None for any answer but a
    list of items as :func:`inline_completion` makes them.

    A server's answers are all pygls' generic ``JsonRPCResponseMessage`` (only requests the
    server sends know their result's type), so the answer is told by its result."""
    if type(response) is not JsonRPCResponseMessage:
        return None
    result = response.result
    if type(result) is not types.InlineCompletionList:
        return None
    items = [_item_json(item) for item in result.items]
    if None in items:
        return None
    return {"id": response.id, "jsonrpc": response.jsonrpc, "result": {"items": items}}


def _item_json(item: types.InlineCompletionItem) -> dict[str, Any] | None:
    command, span = item.command, item.range
    if type(item.insert_text) is not str or item.filter_text is not None or span is None:
        return None
    if command is None or command.tooltip is not None or command.arguments is None:
        return None
    if not all(type(argument) in (int, str) for argument in command.arguments):
        return None
    start, end = span.start, span.end
    return {
        "insertText": item.insert_text,
        "range": {
            "start": {"line": start.line, "character": start.character},
            "end": {"line": end.line, "character": end.character},
        },
        "command": {
            "title": command.title,
            "command": command.command,
            "arguments": command.arguments,
        },
    }


async def list_completion(
    ls: QwenLanguageServer, params: types.CompletionParams
) -> types.CompletionList | None:
    invoked = (
        params.context is None or params.context.trigger_kind == types.CompletionTriggerKind.Invoked
    )
    task = make_task(ls.workspace, params.text_document.uri, params.position, invoked)
    found = await _complete(ls, task)
    if task is None or found is None:
        return None
    # Clients filter items by the word before the cursor, so the edit starts at that word.
    word = _WORD_BEFORE.search(task.prefix[-200:])
    typed = word.group(0) if word else ""
    first_line = found.text.split("\n", 1)[0].strip() or found.text.strip().split("\n", 1)[0]
    item = types.CompletionItem(
        label=(typed + first_line)[:80],
        kind=types.CompletionItemKind.Snippet,
        detail="qwen-lsp",
        documentation=types.MarkupContent(kind=types.MarkupKind.PlainText, value=found.text),
        filter_text=typed + found.text,
        sort_text="0",
        insert_text_format=types.InsertTextFormat.PlainText,
        text_edit=types.TextEdit(
            range=lsp_range(
                ls.workspace,
                task.text,
                task.offset - len(typed),
                task.offset + found.replace_length,
            ),
            new_text=typed + found.text,
        ),
        command=types.Command(title="Accept", command=ACCEPT_COMMAND, arguments=[len(found.text)]),
    )
    return types.CompletionList(is_incomplete=True, items=[item])


async def _complete(ls: QwenLanguageServer, task: CompletionTask | None) -> Completion | None:
    if task is None:
        return None
    ls.warn_if_unusable()
    found = await ls.engine.complete(task)
    document = open_document(ls.workspace, task.uri)
    if document is None or document.version != task.version:
        return None  # the document moved on while the model was thinking: the answer is stale
    return found
