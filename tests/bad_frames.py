"""Hypothesis strategies for badly framed LSP input: what clients with framing bugs write.

Every declared length that is wrong is wrong by a few bytes: a length longer than all the bytes
that follow cannot be told from a message still arriving, so no reader could recover from it.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import strategies as st

HARMLESS = [  # messages that change nothing the tests look at
    {"jsonrpc": "2.0", "method": "qwen/unknownNotification", "params": {"t": "café 😀"}},
    {"jsonrpc": "2.0", "id": "junk-1", "method": "textDocument/hover", "params": {}},
    {"jsonrpc": "2.0", "id": "junk-2", "method": "workspace/executeCommand",
     "params": {"command": "qwen-lsp.stats"}},
    {"jsonrpc": "2.0", "method": "$/setTrace", "params": {"value": "off"}},
]  # fmt: skip
HEADER_NAMES = [b"Content-Length", b"content-length", b"CONTENT-LENGTH", b"Content-length"]


def header(length: int, name: bytes, space: bytes, newline: bytes, content_type: bool) -> bytes:
    fields = [name + b":" + space + str(length).encode()]
    if content_type:
        fields.append(b"Content-Type: application/vscode-jsonrpc; charset=utf-8")
    return b"".join(field + newline for field in fields) + newline


@st.composite
def frames(draw: st.DrawFn, body: bytes) -> bytes:
    """``body`` framed well, in any spelling the base protocol allows (and LF alone)."""
    name = draw(st.sampled_from(HEADER_NAMES))
    space = draw(st.sampled_from([b" ", b"", b"  "]))
    newline = draw(st.sampled_from([b"\r\n", b"\n"]))
    return header(len(body), name, space, newline, draw(st.booleans())) + body


@st.composite
def bad_frames(draw: st.DrawFn) -> bytes:
    """One piece of bad input: a frame with a wrong length, no length, or bytes of no frame."""
    body = json.dumps(draw(st.sampled_from(HARMLESS)), ensure_ascii=False).encode()
    kind = draw(st.sampled_from(["short", "long", "chars", "no length", "junk", "cut", "good"]))
    if kind == "short":
        return (
            header(len(body) - draw(st.integers(1, 8)), b"Content-Length", b" ", b"\r\n", False)
            + body
        )
    if kind == "long":
        return (
            header(len(body) + draw(st.integers(1, 8)), b"Content-Length", b" ", b"\r\n", False)
            + body
        )
    if kind == "chars":  # the length in characters, not bytes
        return header(len(body.decode()), b"Content-Length", b" ", b"\r\n", False) + body
    if kind == "no length":
        return b"Content-Type: application/vscode-jsonrpc\r\n\r\n" + body
    if kind == "junk":
        return draw(st.binary(max_size=200).filter(lambda b: b"ength" not in b.lower()))
    if kind == "cut":  # a well-framed body that is not JSON
        cut = body[: draw(st.integers(1, len(body) - 1))]
        return header(len(cut), b"Content-Length", b" ", b"\r\n", False) + cut
    return draw(frames(body))


def split(draw: st.DrawFn, data: bytes) -> list[bytes]:
    """``data`` in the pieces one write each: split anywhere, or several merged in one."""
    # Drawn independently of the length, so that examples replay whatever the data holds.
    cuts = sorted(
        {cut % (len(data) + 1) for cut in draw(st.lists(st.integers(0, 1 << 16), max_size=8))}
    )
    edges = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


def message(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
