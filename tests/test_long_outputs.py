"""Long outputs: a reply cut off by max_tokens is continued (bounded) or trimmed to whole lines."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types

from qwen_lsp.engine import CompletionTask, Engine, Status
from qwen_lsp.engine.upstream.long_outputs import MAX_ROUNDS
from qwen_lsp.settings import Settings
from tests.conftest import TEST_KEY, StartServer, server_env
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document, position_of, split_cursor

URI = "file:///work/project/calc.py"
BLOCK = "def total(items):║\n\n\nprint(total([1]))\n"
FIRST = "\n    result = 0\n    for item in items:\n        resu"
SECOND = "lt += item\n    return result\n\n\nprint(total([1]))\n"


def engine_for(upstream: FakeUpstream, **settings: Any) -> Engine:
    return Engine(Settings(api_key=TEST_KEY, base_url=upstream.base_url, **settings))


def task(marked: str) -> CompletionTask:
    text = marked.replace("║", "")
    return CompletionTask("file:///t.py", text, marked.index("║"), "python", "t.py", invoked=True)


async def test_a_cut_off_block_is_continued_from_where_it_stopped(upstream: FakeUpstream) -> None:
    upstream.script(Reply.text(FIRST, finish_reason="length"), Reply.text(SECOND))

    result = await engine_for(upstream).complete_block(task(BLOCK))

    assert result is not None and result.completion is not None
    assert result.completion.text == (
        "\n    result = 0\n    for item in items:\n        result += item\n    return result"
    )
    assert result.rounds == 2
    first, second = upstream.requests
    assert second.messages[-1]["content"] == first.messages[-1]["content"] + FIRST
    assert second.messages[-1]["partial"] is True


async def test_continuation_stops_at_the_round_bound(upstream: FakeUpstream) -> None:
    counter = itertools.count()
    upstream.default = lambda body: Reply.text(
        f"\n    step_{next(counter)} = 1", finish_reason="length"
    )

    result = await engine_for(upstream).complete_block(task("def run():║"))

    assert len(upstream.requests) == MAX_ROUNDS
    assert result is not None and result.completion is not None
    # The last round was cut off too: only whole lines are kept.
    assert result.completion.text.count("\n") == MAX_ROUNDS - 1


async def test_continuation_stops_at_the_token_bound(upstream: FakeUpstream) -> None:
    counter = itertools.count()
    # Each reply is exactly max_tokens (256 fake tokens of 4 characters), all of them new lines.
    upstream.default = lambda body: Reply.text(
        "".join(f"\n    v{next(counter):05} = 1" for _ in range(80))[:1024], finish_reason="length"
    )

    result = await engine_for(upstream).complete_block(task("def run():║"))

    assert result is not None and result.rounds == len(upstream.requests) == 4096 // 256
    assert result.tokens == 4096


async def test_inline_completion_never_shows_a_half_line(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text(FIRST, finish_reason="length"))
    lsp = await start_server()
    text, offset = split_cursor(BLOCK)
    open_document(lsp, URI, text)

    items = await inline(lsp, URI, position_of(text, offset))

    assert [item.insert_text for item in items] == ["\n    result = 0\n    for item in items:"]
    assert len(upstream.requests) == 1  # inline completion does not continue


async def test_complete_block_command(start_server: StartServer, upstream: FakeUpstream) -> None:
    upstream.script(Reply.text(FIRST, finish_reason="length"), Reply.text(SECOND))
    lsp = await start_server()
    text, offset = split_cursor(BLOCK)
    open_document(lsp, URI, text)
    assert lsp.init_result.capabilities.execute_command_provider is not None  # type: ignore[attr-defined]
    assert (
        "qwen-lsp.completeBlock" in lsp.init_result.capabilities.execute_command_provider.commands
    )  # type: ignore[attr-defined]

    position = position_of(text, offset)
    result = await lsp.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="qwen-lsp.completeBlock",
            arguments=[
                {
                    "textDocument": {"uri": URI},
                    "position": {"line": position.line, "character": position.character},
                }
            ],
        )
    )

    assert result["insertText"].endswith("result += item\n    return result")
    point = {"line": position.line, "character": position.character}
    assert result["range"] == {"start": point, "end": point}
    assert len(upstream.requests) == 2


async def test_complete_block_command_with_bad_arguments_answers_null(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await start_server()
    open_document(lsp, URI, "x = 1\n")
    for arguments in ([], ["nonsense"], [{"textDocument": {"uri": URI}}], [{"position": 3}]):
        result = await lsp.workspace_execute_command_async(
            types.ExecuteCommandParams(command="qwen-lsp.completeBlock", arguments=arguments)
        )
        assert result is None
    unknown = {"textDocument": {"uri": "file:///nope.py"}, "position": {"line": 0, "character": 0}}
    result = await lsp.workspace_execute_command_async(
        types.ExecuteCommandParams(command="qwen-lsp.completeBlock", arguments=[unknown])
    )
    assert result is None
    assert upstream.requests == []


def test_complete_block_on_the_command_line(tmp_path: Path, upstream: FakeUpstream) -> None:
    upstream.script(Reply.text(FIRST, finish_reason="length"), Reply.text(SECOND))
    source = tmp_path / "calc.py"
    source.write_text(BLOCK.replace("║", ""))

    result = subprocess.run(
        [sys.executable, "-m", "qwen_lsp", "complete", "--block", f"{source}:1:18"],
        capture_output=True,
        text=True,
        timeout=60,
        env=server_env(QWEN_LSP_API_KEY=TEST_KEY, QWEN_LSP_BASE_URL=upstream.base_url),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("result += item\n    return result\n")
    assert len(upstream.requests) == 2


async def test_each_round_of_a_block_is_counted_and_a_failing_round_recorded(
    upstream: FakeUpstream,
) -> None:
    upstream.script(
        Reply.text(FIRST, finish_reason="length"),
        Reply(status=500, error={"message": "internal error"}),
    )
    states: list[Status] = []
    engine = Engine(Settings(api_key=TEST_KEY, base_url=upstream.base_url), states.append)

    assert await engine.complete_block(task(BLOCK)) is None

    assert len(upstream.requests) == 2
    assert (engine.stats.requests, engine.stats.failures) == (2, 1)
    assert [(s.state, s.kind) for s in states] == [
        ("busy", ""), ("ready", ""), ("busy", ""), ("error", "server"),
    ]  # fmt: skip


async def test_a_block_round_closed_early_counts_as_an_answer(upstream: FakeUpstream) -> None:
    upstream.script(Reply.text(FIRST, finish_reason="length"), Reply.text(SECOND))
    states: list[Status] = []
    engine = Engine(Settings(api_key=TEST_KEY, base_url=upstream.base_url), states.append)

    result = await engine.complete_block(task(BLOCK))

    assert result is not None and result.rounds == 2  # the second stops at the end of the scope
    assert (engine.stats.requests, engine.stats.failures) == (2, 0)
    assert len(engine.stats.latencies_ms) == 2 and engine.stats.aborted_streams == 0
    assert states[-1] == Status("ready")
