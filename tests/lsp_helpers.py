"""Small helpers for talking to the server the way an editor does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from qwen_lsp.positions import Encoding, to_offset

CURSOR = "║"


def split_cursor(marked: str) -> tuple[str, int]:
    """Text without the ``║`` marker, and the marker's offset."""
    offset = marked.index(CURSOR)
    return marked.replace(CURSOR, "", 1), offset


def position_of(text: str, offset: int, encoding: Encoding = "utf-16") -> types.Position:
    from qwen_lsp.positions import to_position

    return types.Position(*to_position(text, offset, encoding))


def open_document(
    lsp: LanguageClient, uri: str, text: str, language: str = "python", version: int = 1
) -> None:
    lsp.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=version, text=text
            )
        )
    )


async def inline(
    lsp: LanguageClient,
    uri: str,
    position: types.Position,
    trigger: types.InlineCompletionTriggerKind = types.InlineCompletionTriggerKind.Invoked,
) -> list[types.InlineCompletionItem]:
    result = await lsp.text_document_inline_completion_async(
        types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position,
            context=types.InlineCompletionContext(trigger_kind=trigger),
        )
    )
    if result is None:
        return []
    return list(result.items if isinstance(result, types.InlineCompletionList) else result)


def replace_text(lsp: LanguageClient, uri: str, text: str, version: int) -> None:
    """Send the document's new text whole (as after an accept, however the editor applied it)."""
    lsp.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def apply_edit(
    text: str, edit_range: types.Range, new_text: str, encoding: Encoding = "utf-16"
) -> str:
    """The document after an editor applies ``new_text`` over ``edit_range``."""
    start = to_offset(text, edit_range.start.line, edit_range.start.character, encoding)
    end = to_offset(text, edit_range.end.line, edit_range.end.character, encoding)
    return text[:start] + new_text + text[end:]


def accept(text: str, item: types.InlineCompletionItem, encoding: Encoding = "utf-16") -> str:
    assert item.range is not None
    insert = item.insert_text if isinstance(item.insert_text, str) else item.insert_text.value
    return apply_edit(text, item.range, insert, encoding)


def plain(value: Any) -> Any:
    """pygls hands untyped JSON objects over as namedtuples; turn them back into dicts."""
    if hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    return value


def statuses(lsp: LanguageClient) -> list[dict[str, Any]]:
    return [plain(s) for s in lsp.statuses]  # type: ignore[attr-defined]


async def published(lsp: LanguageClient, wanted: dict[str, Any]) -> list[dict[str, Any]]:
    """The statuses once ``wanted`` is among them (a status goes out a moment after it changes,
    so an answer can arrive before the status its request left behind)."""
    return await _until_statuses(lsp, lambda seen: wanted in seen, f"no status {wanted}")


async def settled(lsp: LanguageClient, state: str, **fields: Any) -> list[dict[str, Any]]:
    """The statuses once the last one published is in ``state``, with ``fields`` if given
    (``kind=None``: no kind)."""

    def done(seen: list[dict[str, Any]]) -> bool:
        last = seen[-1] if seen else {}
        return last.get("state") == state and all(last.get(k) == v for k, v in fields.items())

    return await _until_statuses(lsp, done, f"the state never became {state} {fields}")


async def _until_statuses(
    lsp: LanguageClient, done: Callable[[list[dict[str, Any]]], bool], failure: str
) -> list[dict[str, Any]]:
    for _ in range(1000):
        if done(seen := statuses(lsp)):
            return seen
        await asyncio.sleep(0.02)
    raise AssertionError(f"{failure}: {statuses(lsp)}")
