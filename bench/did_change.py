"""What applying one keystroke's ``didChange`` costs on a large file: the splice the server uses
(``lsp/edits.py``, through ``lsp/pygls_fixes.py``) against pygls' own update, in one process.

    python -m bench.did_change

Each keystroke inserts a character in the middle of the file. Medians and p95 of ``SAMPLES``
keystrokes per file size, in milliseconds, and pygls' time as a multiple of ours.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lsprotocol import types
from pygls.workspace import Workspace

from bench.metrics import median, percentile
from qwen_lsp.lsp.edits import apply_changes

URI = "file:///bench/large.py"
SAMPLES = 200


def workspace(lines: int) -> Workspace:
    opened = Workspace(None)
    text = "".join(f"    value_{n} = compute({n}) + 1\n" for n in range(lines))
    opened.put_text_document(types.TextDocumentItem(URI, "python", 1, text))
    return opened


def change(version: int, line: int) -> types.DidChangeTextDocumentParams:
    point = types.Position(line, 4)
    return types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=version, uri=URI),
        [types.TextDocumentContentChangePartial(types.Range(point, point), "x")],
    )


def ours(opened: Workspace, params: types.DidChangeTextDocumentParams) -> None:
    assert apply_changes(opened, params)


def pygls(opened: Workspace, params: types.DidChangeTextDocumentParams) -> None:
    for each in params.content_changes:
        opened.update_text_document(params.text_document, each)


def timed(
    apply: Callable[[Workspace, types.DidChangeTextDocumentParams], None], lines: int
) -> list[float]:
    opened = workspace(lines)
    seconds = []
    for version in range(2, 2 + SAMPLES):
        params = change(version, lines // 2)
        started = time.perf_counter()
        apply(opened, params)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    print(f"**didChange applied** ({SAMPLES} keystrokes mid-file, p50 / p95 ms)\n")
    print("| file | splice (ours) | pygls 2.1 update | pygls / ours (p50) |")
    print("|---|---|---|---|")
    for lines in (200, 2_000, 20_000):
        splice, stock = timed(ours, lines), timed(pygls, lines)
        ratio = median(stock) / median(splice)
        print(f"| {lines:,} lines | {_ms(splice)} | {_ms(stock)} | {ratio:.0f}× |")


def _ms(seconds: list[float]) -> str:
    return f"{median(seconds) * 1000:.3f} / {percentile(seconds, 0.95) * 1000:.3f}"


if __name__ == "__main__":
    main()
