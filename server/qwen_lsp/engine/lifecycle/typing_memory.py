"""The typist remembered between sessions: the debounce's typing gaps, in a small file.

A server starts with every editor window, and a debounce that has not seen the user type knows
nothing of their hesitations: it waits no less than ``debounceMs`` until it has seen a dozen gaps,
and wastes requests on the first hesitations it meets (``python -m bench.typists`` compares first
and later sessions). So the learnt gaps are written when the server stops and read when the next
one starts.

Only the gaps are kept (seconds, to the millisecond) and the kind of position each followed
(``line``, ``word``, ``space``): no text, file names or times of day. The file is the user's
(``$XDG_STATE_HOME/qwen-lsp/typing.json``, ``%LOCALAPPDATA%\\qwen-lsp\\typing.json`` on
Windows); ``rememberTyping: false`` neither reads nor writes it. Several servers may share it:
each writes the whole file at once, the last to stop wins, and each read sees a whole file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from qwen_lsp.engine.lifecycle.debounce import EDITS, KINDS, PAUSE, Rhythm

log = logging.getLogger(__name__)

VERSION = 1


def encode(rhythm: Rhythm) -> bytes:
    value = {
        "version": VERSION,
        "edits": _rounded(rhythm.edits),
        "byKind": {kind: _rounded(gaps) for kind, gaps in rhythm.by_kind.items()},
    }
    return json.dumps(value, separators=(",", ":")).encode()


def decode(data: bytes) -> Rhythm:
    """The rhythm ``data`` holds; ValueError if it is not one this version wrote.

    Kinds this version does not know are left out (a later version may learn more of them).
    """
    value = json.loads(data)
    if not isinstance(value, dict) or value.get("version") != VERSION:
        raise ValueError("not a typing memory of version 1")
    by_kind = value.get("byKind", {})
    if not isinstance(by_kind, dict):
        raise ValueError("byKind is not an object")
    kinds = {kind: _gaps(gaps, kind) for kind, gaps in by_kind.items() if kind in KINDS}
    return Rhythm(_gaps(value.get("edits", []), "edits"), kinds)


def load(path: Path) -> Rhythm | None:
    """The rhythm saved at ``path``; None if there is none or it cannot be read (logged)."""
    try:
        return decode(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:  # JSONDecodeError and UnicodeError are ValueErrors
        log.warning("typing memory %s not read (%s); starting from nothing", path, error)
        return None


def save(path: Path, rhythm: Rhythm) -> bool:
    """Write ``rhythm`` to ``path`` whole (a reader never sees half a file); False on failure,
    which is logged: forgetting the typist is no reason to stop."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, written = tempfile.mkstemp(dir=path.parent, prefix=".typing-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(encode(rhythm))
            os.replace(written, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(written)
            raise
    except OSError as error:
        log.warning("typing memory not saved to %s (%s)", path, error)
        return False
    return True


def _rounded(gaps: tuple[float, ...]) -> list[float]:
    return [round(gap, 3) for gap in gaps]


def _gaps(value: Any, name: str) -> tuple[float, ...]:
    """The last ``EDITS`` gaps of ``value``, each a number of seconds from 0 to ``PAUSE``."""
    if not isinstance(value, list) or not all(_is_gap(gap) for gap in value):
        raise ValueError(f"{name} is not a list of gaps from 0 to {PAUSE:g} s")
    return tuple(float(gap) for gap in value[-EDITS:])


def _is_gap(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return 0 <= value <= PAUSE
