"""Logging to stderr (stdout carries LSP), with every secret masked before it is written."""

from __future__ import annotations

import asyncio
import atexit
import logging
import sys
import time

_SECRETS: set[str] = set()
_IO = logging.getLogger("qwen_lsp.io")
IO_WRITE_DELAY = 0.05  # seconds
_noted: list[tuple[str, float, float]] = []  # I/O events not written yet


def add_secret(secret: str | None) -> None:
    """Mask ``secret`` in every log record from now on."""
    if secret:
        _SECRETS.add(secret)


def mask(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return text


class _MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pygls logs every message body at INFO/DEBUG, which would put the user's code in the log.
    logging.getLogger("pygls").setLevel(max(root.level, logging.WARNING))
    # At DEBUG httpx notes every request's steps: noise next to the I/O events below, and time
    # spent on every keystroke.
    logging.getLogger("httpx2").setLevel(max(root.level, logging.INFO))


def io_event(event: str) -> None:
    """At DEBUG, note that ``event`` happened, when (monotonic seconds, as all processes on the
    machine count them) and at what CPU time of the loop's thread: where a completion's time
    goes, and how much of it was work rather than waiting for a core, without the code in it.

    The line is written a moment later, between keystrokes: written at once, through logging,
    it would cost CPU right after the loop woke, inside the very span it measures.
    """
    if _IO.isEnabledFor(logging.DEBUG):
        _noted.append((event, time.monotonic(), time.thread_time()))
        if len(_noted) == 1:
            _write_later()


def _write_later() -> None:
    try:
        asyncio.get_running_loop().call_later(IO_WRITE_DELAY, write_io_events)
    except RuntimeError:  # no loop in this thread to wait on: at once
        write_io_events()


@atexit.register
def write_io_events() -> None:
    """Write the I/O events noted so far, in the order they happened (also at exit)."""
    events = _noted[:]
    del _noted[:]
    for event, at, cpu in events:
        _IO.debug("%s at %.6f cpu %.6f", event, at, cpu)
