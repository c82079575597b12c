"""Logging to stderr (stdout carries LSP), with every secret masked before it is written."""

from __future__ import annotations

import logging
import sys
import time

_SECRETS: set[str] = set()
_IO = logging.getLogger("qwen_lsp.io")


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
    goes, and how much of it was work rather than waiting for a core, without the code in it."""
    if _IO.isEnabledFor(logging.DEBUG):
        _IO.debug("%s at %.6f cpu %.6f", event, time.monotonic(), time.thread_time())
