"""Language ids from file names, for callers that have no editor to tell them."""

from __future__ import annotations

from pathlib import Path

_ALIASES = {"py": "python", "js": "javascript", "ts": "typescript", "rs": "rust", "rb": "ruby"}


def language_of(name: str) -> str:
    """The LSP language id for ``name``, guessed from its extension."""
    suffix = Path(name).suffix.lstrip(".")
    return _ALIASES.get(suffix, suffix)
