"""LSP's base protocol read from a byte stream: ``Content-Length`` frames to JSON values.

pygls' reader (2.1) takes only ``Content-Length: N\\r\\n`` spelt just so and trusts N: after one
frame with a wrong length, or without that header, it never finds a header again, and it buffers
whatever length a header claims. This reader finds its way back instead:

- Header lines may end in CRLF or in LF alone, field names in any case; fields other than
  ``Content-Length`` are ignored.
- Bytes that do not make a header where one should start (a frame without ``Content-Length``,
  the rest of a body whose length was too short) are dropped up to the next ``Content-Length``
  field: :class:`Skipped`.
- A body holding a complete JSON value and more bytes after it had a length too long: the value
  is read, and the bytes after it are read again as the next header (:class:`Overlong`).
- A body that is not JSON: :class:`NotJson` (the server answers it with a parse error). What in
  it may be the start of a header (a length too long took it) is read again.
- A message over the limit is dropped as it arrives, never held (:class:`Refused`). A header
  inside it ends it early: no JSON text can hold one (its strings hold no raw line break), so
  the length was wrong.
- More bytes than the limit without a header among them is not LSP: :class:`Hopeless`.

What is read depends on the bytes only, not on how they were split into reads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_HEADER = 8192  # bytes; a real header has one or two short fields
_MAX_DIGITS = 15
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*(.*?)[ \t]*\r?")
_CONTENT_LENGTH = re.compile(rb"content-length", re.IGNORECASE)
_KEEP = len(b"content-length") - 1  # a tail that may be the start of a split field name
_BLANKS = re.compile(rb"[ \t\r\n]*")


@dataclass(frozen=True)
class Message:
    """A frame's body, as JSON."""

    value: Any


@dataclass(frozen=True)
class NotJson:
    """A frame whose body is not JSON."""

    reason: str


@dataclass(frozen=True)
class Overlong:
    """A frame's ``Content-Length`` counted ``size`` bytes past the end of its JSON."""

    size: int


@dataclass(frozen=True)
class Skipped:
    """Bytes dropped on the way to the next header."""

    size: int
    reason: str


@dataclass(frozen=True)
class Refused:
    """A frame whose length is over the limit: its bytes are dropped as they arrive."""

    size: int


@dataclass(frozen=True)
class Hopeless:
    """More bytes than the limit came without a header: nothing more is read."""

    size: int


Event = Message | NotJson | Overlong | Skipped | Refused | Hopeless


class Framer:
    """Turns the bytes fed to it, in pieces of any size, into :data:`Event` values."""

    def __init__(self, limit: int) -> None:
        self.limit = limit  # bytes; may change between messages
        self._buffer = bytearray()
        self._body: int | None = None  # the length of the body being read
        self._refusing = 0  # bytes still to drop of a refused message
        self._refused = 0  # its length
        self._skipped = 0  # bytes dropped since the last header
        self._why = ""  # why the first of them were dropped
        self._hopeless = False

    def feed(self, data: bytes) -> list[Event]:
        """The events that the bytes fed so far complete."""
        if self._hopeless:
            return []
        self._buffer += data
        events: list[Event] = []
        while self._step(events):
            pass
        return events

    def _step(self, events: list[Event]) -> bool:
        """Read what the buffer holds next; False if that needs more bytes."""
        if self._refusing:
            return self._refuse(events)
        if self._body is not None:
            return self._read_body(events)
        blanks = _BLANKS.match(self._buffer)
        if blanks is not None and blanks.end():
            del self._buffer[: blanks.end()]  # between frames, as some clients write them
        header = _header(self._buffer, 0)
        if header is None:
            return False
        if isinstance(header, str):
            return self._resynchronize(header, events)
        length, end = header
        del self._buffer[:end]
        if self._skipped:
            events.append(Skipped(self._skipped, self._why))
            self._skipped = 0
        if length > self.limit:
            self._refusing = self._refused = length
            events.append(Refused(length))
        else:
            self._body = length
        return True

    def _read_body(self, events: list[Event]) -> bool:
        length = self._body
        assert length is not None
        if len(self._buffer) < length:
            return False
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        self._body = None
        try:
            value = json.loads(body.decode("utf-8"))
        except json.JSONDecodeError as error:
            if error.msg == "Extra data":
                rest = error.doc[error.pos :].encode("utf-8")
                self._give_back(rest)  # the start of the next header, most likely
                events.append(Overlong(len(rest)))
                events.append(Message(json.loads(error.doc[: error.pos])))
                return True
            why = f"{error.msg} (character {error.pos})"
        except UnicodeDecodeError:
            why = "not UTF-8"
        except (ValueError, RecursionError) as error:  # a number too long, arrays too deep
            why = str(error)
        else:
            events.append(Message(value))
            return True
        events.append(NotJson(why))
        self._give_back(body[_header_start(body) :])
        return True

    def _give_back(self, data: bytes) -> None:
        """Read ``data`` again, as what comes next: a length too long took it from there."""
        self._buffer[:0] = data

    def _resynchronize(self, why: str, events: list[Event]) -> bool:
        """Drop the bytes before the next ``Content-Length`` (all but a tail if there is none)."""
        found = _CONTENT_LENGTH.search(self._buffer, 1)
        drop = found.start() if found else max(len(self._buffer) - _KEEP, 0)
        if not drop:
            return False
        if not self._skipped:
            self._why = why
        del self._buffer[:drop]
        self._skipped += drop
        if self._skipped > self.limit:
            self._hopeless = True
            events.append(Hopeless(self._skipped))
            return False
        return True

    def _refuse(self, events: list[Event]) -> bool:
        """Drop the bytes of a refused message, up to its end or to a header inside it."""
        left, buffer = self._refusing, self._buffer
        end = min(len(buffer), left + _KEEP)
        position = 0
        while (found := _CONTENT_LENGTH.search(buffer, position, end)) and found.start() < left:
            header = _header(buffer, found.start())
            if header is None:  # not known yet: keep what may be a header
                return self._drop_refused(found.start())
            if not isinstance(header, str):
                self._drop_refused(found.start())
                dropped, self._refusing = self._refused - self._refusing, 0
                events.append(Skipped(dropped, "a header before the end of a refused message"))
                return True
            position = found.start() + 1
        if len(buffer) >= left:
            return self._drop_refused(left)
        return self._drop_refused(max(len(buffer) - _KEEP, 0))

    def _drop_refused(self, size: int) -> bool:
        del self._buffer[:size]
        self._refusing -= size
        return size > 0


def _header_start(body: bytes) -> int:
    """Where a header may start in a broken body: at a ``Content-Length`` in it, or at a tail
    that may be the start of one cut off by a length too long; else at its end."""
    found = _CONTENT_LENGTH.search(body)
    if found:
        return found.start()
    tail = body[-_KEEP:].lower()
    for size in range(len(tail), 0, -1):
        if b"content-length".startswith(tail[-size:]):
            return len(body) - size
    return len(body)


def _header(buffer: bytearray, start: int) -> tuple[int, int] | str | None:
    """The header at ``start``: its ``Content-Length`` and where it ends; why there is none
    there; or None if that takes more bytes to tell."""
    end = _HEADER_END.search(buffer, start, start + MAX_HEADER)
    lines = bytes(buffer[start : end.start() if end else start + MAX_HEADER]).split(b"\n")
    length = None
    for line in lines if end else lines[:-1]:  # without an end, the last line may be cut
        field = _FIELD.fullmatch(line)
        if field is None:
            return "bytes that are not a header"
        if field[1].lower() == b"content-length":
            value = field[2]
            if length is not None or not value.isdigit() or len(value) > _MAX_DIGITS:
                return "a malformed Content-Length"
            length = int(value)
    if end is None:
        return None if len(buffer) - start < MAX_HEADER else "a header without an end"
    if length is None:
        return "a header without Content-Length"
    return length, end.end()
