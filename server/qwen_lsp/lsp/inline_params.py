"""Inline completion as clients actually send it, which the stock converter would lose.

Copilot-style clients send the editor's ``{tabSize, insertSpaces}`` with each
``textDocument/inlineCompletion`` request; lsprotocol's type has no field for it, so the stock
converter drops it. Our converter keeps it on a subclass of the params.

lsp-mode announces the ``inlineCompletion`` capability as ``null`` (its JSON encoder writes an
empty list so), which the stock converter reads as absent; our converter reads any presence of
the key as support.
"""

from __future__ import annotations

from typing import Any

import attrs
import cattrs
from lsprotocol import types
from pygls.protocol import default_converter


@attrs.define
class InlineParams(types.InlineCompletionParams):
    """Inline completion params plus the client's formatting options, when it sent them."""

    formatting_options: types.FormattingOptions | None = attrs.field(default=None)


def converter() -> cattrs.Converter:
    """pygls's converter, with inline completion params and capabilities read as sent."""
    result: cattrs.Converter = default_converter()  # type: ignore[no-untyped-call]
    standard = result.get_structure_hook(types.InlineCompletionParams)

    def structure(raw: Any, _: type) -> InlineParams:
        params = standard(raw, types.InlineCompletionParams)
        return InlineParams(
            context=params.context,
            text_document=params.text_document,
            position=params.position,
            work_done_token=params.work_done_token,
            formatting_options=_options(result, raw),
        )

    result.register_structure_hook(types.InlineCompletionParams, structure)
    _count_null_as_support(result)
    return result


def _count_null_as_support(converter: cattrs.Converter) -> None:
    """``"inlineCompletion": null`` in the text document capabilities structured as ``{}``."""
    standard = converter.get_structure_hook(types.TextDocumentClientCapabilities)

    def structure(raw: Any, _: type) -> types.TextDocumentClientCapabilities:
        if isinstance(raw, dict) and "inlineCompletion" in raw and raw["inlineCompletion"] is None:
            raw = {**raw, "inlineCompletion": {}}
        capabilities: types.TextDocumentClientCapabilities = standard(
            raw, types.TextDocumentClientCapabilities
        )
        return capabilities

    converter.register_structure_hook(types.TextDocumentClientCapabilities, structure)


def _options(converter: cattrs.Converter, raw: Any) -> types.FormattingOptions | None:
    value = raw.get("formattingOptions") if isinstance(raw, dict) else None
    if not isinstance(value, dict):
        return None
    try:
        options: types.FormattingOptions = converter.structure(value, types.FormattingOptions)
    except (cattrs.BaseValidationError, TypeError, ValueError):
        return None  # malformed options are a hint we can do without, not a failed request
    return options
