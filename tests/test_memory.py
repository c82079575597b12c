"""Memory over time: what the server keeps per message must not grow with the messages handled.

``python -m bench.soak`` measures the real process for minutes; these tests drive the protocol
in-process with the same kinds of message, many times over, and look at what stays behind.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import tracemalloc

from qwen_lsp.engine.context.window import Prompt
from qwen_lsp.engine.lifecycle.cache import MAX_CHARS, CompletionCache
from qwen_lsp.engine.values import Completion, Snippet
from qwen_lsp.lsp.language_server import QwenLanguageServer
from qwen_lsp.lsp.server import create_server
from qwen_lsp.settings import Settings
from tests.in_process import feed, initialize, open_document, settle

URI = "file:///memory/m.py"
KEYSTROKES = 300


def live_futures() -> int:
    gc.collect()
    kinds = (concurrent.futures.Future, asyncio.Future)
    return sum(isinstance(o, kinds) for o in gc.get_objects())


def type_along(server: QwenLanguageServer, first_id: int, version: int) -> None:
    """A burst of typing as an editor sends it: a change and a completion request a keystroke."""
    for n in range(KEYSTROKES):
        position = {"line": 1, "character": n}
        change = {"range": {"start": position, "end": position}, "text": "x"}
        feed(server, {
            "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": URI, "version": version + n},
                       "contentChanges": [change]},
        })  # fmt: skip
        feed(server, {
            "id": first_id + n,
            "method": "textDocument/inlineCompletion",
            "params": {"textDocument": {"uri": URI},
                       "position": {"line": 1, "character": n + 1},
                       "context": {"triggerKind": 2}},
        })  # fmt: skip
    # A command: a built-in generator handler that yields to an async one.
    command = {"command": "qwen-lsp.completeBlock", "arguments": []}
    feed(server, {"id": first_id + KEYSTROKES, "method": "workspace/executeCommand",
                  "params": command})  # fmt: skip


async def test_handled_messages_leave_no_futures_behind() -> None:
    """pygls keeps the future of every notification (and yielded-to handler) unless fixed."""
    server = create_server(Settings(api_key=None), [])  # no key: every request is answered empty
    sink = initialize(server)
    open_document(server, URI, "def f():\n\n")
    type_along(server, first_id=1, version=2)
    await settle()
    after_one_burst = live_futures()
    type_along(server, first_id=1000, version=2 + KEYSTROKES)
    feed(server, {"method": "textDocument/didClose", "params": {"textDocument": {"uri": URI}}})
    await settle()

    assert {0, 1, KEYSTROKES, 1000, 1000 + KEYSTROKES} <= set(sink.answers())  # all handled
    assert live_futures() <= after_one_burst  # a second burst of typing keeps nothing more


def test_the_completion_cache_holds_a_bounded_amount_of_text() -> None:
    """Entries keep whole prompts: an entry count alone let a long session hold tens of MB."""
    cache = CompletionCache()
    body = "".join(f"    value_{i} = item * {i}\n" for i in range(150))  # 4 KB, as in the soak
    snippets = (Snippet("other.py", "def helper(item):\n    return item * 2\n" * 40, "similar"),)
    tracemalloc.start()
    try:
        for n in range(2400):  # 30 documents, 80 completions each
            uri = f"file:///soak/m{n % 30}.py"
            prefix = f"# module {n % 30}\n{body}    total = {n}"  # a new string each keystroke
            prompt = Prompt(prefix, "\n", uri, "python", snippets)
            cache.store(uri, prompt, Completion("total += item\n"))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 3 * MAX_CHARS  # bounded by entries alone, it would hold 1920 such prompts
    assert 0 < len(cache) < 30 * 64
    assert cache.chars <= MAX_CHARS
    assert cache.lookup(uri, prompt) == Completion("total += item\n")  # the newest stays
