"""Logging to stderr (stdout carries LSP), with every secret masked before it is written."""

from __future__ import annotations

import asyncio
import atexit
import logging
import re
import sys
import time
from collections.abc import Iterable
from urllib.parse import unquote

_SECRETS: set[str] = set()
# A URL's user name and password (``https://user:password@host``), wherever a URL is written.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")
MASKED = "***"
MIN_SECRET = 4
_IO = logging.getLogger("qwen_lsp.io")
IO_WRITE_DELAY = 0.05  # seconds
_noted: list[tuple[str, float, float]] = []  # I/O events not written yet


def add_secret(secret: str | None) -> None:
    """Mask ``secret`` in every log record and every other output from now on."""
    if secret:
        _SECRETS.add(secret)


def add_secrets(secrets: Iterable[str]) -> None:
    for secret in secrets:
        add_secret(secret)


def mask(text: str) -> str:
    """``text`` without the secrets met so far and without any URL's user name and password."""
    for secret in sorted(_SECRETS, key=len, reverse=True):  # a secret may contain another
        text = text.replace(secret, MASKED)
    return _USERINFO.sub(rf"\1{MASKED}@", text)


def mask_url(url: str) -> str:
    """``url`` with its user name and password masked, even without a scheme (``user@host``)."""
    scheme, separator, rest = _split_scheme(url)
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = MASKED + authority[authority.rindex("@") :]
    return f"{scheme}{separator}{authority}{slash}{path}"


def userinfo_secrets(url: str) -> set[str]:
    """The user name and password in ``url`` as written and decoded, to be masked wherever they
    appear (an error may quote a host as ``user:password@host``). Pieces shorter than
    ``MIN_SECRET`` are left out: masking every "ab" would garble all output, and the URL itself
    is masked whole by :func:`mask`."""
    authority = _split_scheme(url)[2].partition("/")[0]
    if "@" not in authority:
        return set()
    userinfo = authority[: authority.rindex("@")]
    pieces = {userinfo, *userinfo.split(":", 1)}
    return {p for raw in pieces for p in (raw, unquote(raw)) if len(p) >= MIN_SECRET}


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


def _split_scheme(url: str) -> tuple[str, str, str]:
    return url.partition("://") if "://" in url else ("", "", url)


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
