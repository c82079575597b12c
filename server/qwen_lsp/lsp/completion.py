"""The two completion requests: inline (ghost text) and the classic list as a fallback."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types

from qwen_lsp.engine import Completion, CompletionTask
from qwen_lsp.lsp.documents import lsp_range, make_task, open_document, with_selection
from qwen_lsp.lsp.inline_params import InlineParams
from qwen_lsp.positions import width

if TYPE_CHECKING:
    from qwen_lsp.lsp.language_server import QwenLanguageServer

ACCEPT_COMMAND = "qwen-lsp.accept"
_WORD_BEFORE = re.compile(r"[\w$]*$")


def accept_command(text: str) -> types.Command:
    """The command an accept runs: its count is in UTF-16 units, as partial accepts report."""
    return types.Command(title="Accept", command=ACCEPT_COMMAND, arguments=[width(text, "utf-16")])


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
    line = task.cursor_line if start == task.offset else None  # the item starts at the cursor
    items = []
    for found in await _suggestions(ls, sent):
        text = lead + found.text
        item = types.InlineCompletionItem(
            insert_text=text,
            range=lsp_range(ls.workspace, task.text, start, end + found.replace_length, line),
            command=accept_command(text),
        )
        items.append(item)
    if items:  # an accept of the first (the one shown) asks for the next one at once
        ls.engine.suggested(task, start, str(items[0].insert_text))
    return types.InlineCompletionList(items=items)


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
        command=accept_command(found.text),
    )
    return types.CompletionList(is_incomplete=True, items=[item])


async def _complete(ls: QwenLanguageServer, task: CompletionTask | None) -> Completion | None:
    if task is None:
        return None
    ls.warn_if_unusable()
    found = await ls.engine.complete(task)
    return found if _current(ls, task) else None


async def _suggestions(ls: QwenLanguageServer, task: CompletionTask) -> list[Completion]:
    """Several suggestions to cycle through when the user asked, else the one."""
    count = ls.engine.settings.invoked_suggestions if task.invoked else 1
    if count == 1:
        found = await _complete(ls, task)
        return [] if found is None else [found]
    ls.warn_if_unusable()
    several = await ls.engine.complete_alternatives(task, count)
    return several if _current(ls, task) else []


def _current(ls: QwenLanguageServer, task: CompletionTask) -> bool:
    """False when the document moved on while the model was thinking: the answer is stale."""
    document = open_document(ls.workspace, task.uri)
    return document is not None and document.version == task.version
