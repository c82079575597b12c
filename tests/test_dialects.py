"""Every dialect end to end: the real server, the fake provider, the exact request on the wire."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import pytest
from lsprotocol import types

from qwen_lsp.engine.upstream.client import StreamStats, without_echo
from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document, position_of, split_cursor

if TYPE_CHECKING:
    from pytest_lsp import LanguageClient

URI = "file:///work/project/calc.py"
DOCUMENT = "def add(a, b):\n    return ║\n\nprint(add(1, 2))\n"
TEXT, OFFSET = split_cursor(DOCUMENT)
PREFIX, SUFFIX = TEXT[:OFFSET], TEXT[OFFSET:]
CONTINUE_FIELDS = {
    "continue_final_message": True,
    "add_generation_prompt": False,
    "chat_template_kwargs": {"enable_thinking": False},
}
CHAT_FIELDS = {"model", "messages", "max_tokens", "temperature", "stream", "stream_options"}

# provider, dialect, extra settings, endpoint path, last message, top-level fields beyond the
# standard chat ones (exactly these), whether the provider echoes the prefix
CHAT_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], dict[str, Any], bool]] = [
    (
        "dashscope",
        "partial",
        {},
        {"role": "assistant", "content": PREFIX, "partial": True},
        {"enable_thinking": False},
        False,
    ),
    (
        "moonshot",
        "partial",
        {},
        {"role": "assistant", "content": PREFIX, "partial": True},
        {},
        False,
    ),
    (
        "ark",
        "prefill",
        {},
        {"role": "assistant", "content": PREFIX},
        {"thinking": {"type": "disabled"}},
        False,
    ),
    (
        "ark",
        "prefill",
        {"thinkingOff": "none"},
        {"role": "assistant", "content": PREFIX},
        {},
        False,
    ),
    (
        "deepseek",
        "prefix",
        {},
        {"role": "assistant", "content": PREFIX, "prefix": True},
        {},
        False,
    ),
    (
        "mistral",
        "prefix",
        {},
        {"role": "assistant", "content": PREFIX, "prefix": True},
        {},
        True,
    ),
    (
        "vllm",
        "continue_final_message",
        {},
        {"role": "assistant", "content": PREFIX},
        CONTINUE_FIELDS,
        False,
    ),
    (
        "llama.cpp",
        "continue_final_message",
        {},
        {"role": "assistant", "content": PREFIX},
        CONTINUE_FIELDS,
        False,
    ),
    ("ollama", "prefill", {}, {"role": "assistant", "content": PREFIX}, {}, False),
]


async def test_chat_dialects_send_the_prefix_their_way_and_return_the_continuation(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    # One server for every case (a process start is the slow part): each case switches the
    # provider the way an editor does, which must leave nothing behind from the previous one.
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    for provider, dialect, options, last, extra, echoes in CHAT_CASES:
        case = f"{provider}/{dialect} {options}"
        upstream.script(Reply.text((PREFIX if echoes else "") + "a + b\n\nprint(add(3, 4))\n"))
        configure(lsp, {"provider": provider, "dialect": dialect, "thinkingOff": None, **options})

        items = await inline(lsp, URI, position_of(TEXT, OFFSET))

        assert [item.insert_text for item in items] == ["a + b"], case
        request = upstream.requests.pop()
        assert request.path == "/v1/chat/completions", case
        assert [m["role"] for m in request.messages] == ["system", "user", "assistant"], case
        assert request.messages[-1] == last, case
        assert set(request.body) == CHAT_FIELDS | set(extra), case
        assert {key: request.body[key] for key in extra} == extra, case


def _openai_fim(model: str) -> dict[str, Any]:
    return {
        "model": model,
        "prompt": PREFIX,
        "suffix": SUFFIX,
        "max_tokens": 256,
        "temperature": 0.2,
        "stream": True,
    }


FIM_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("deepseek", "/v1/completions", _openai_fim("deepseek-chat")),
    (
        "dashscope",
        "/v1/completions",
        {**_openai_fim("qwen3-coder-flash"), "enable_thinking": False},
    ),
    ("mistral", "/v1/fim/completions", _openai_fim("codestral-latest")),
    (
        "llama.cpp",
        "/infill",
        {
            "input_prefix": PREFIX,
            "input_suffix": SUFFIX,
            "n_predict": 256,
            "temperature": 0.2,
            "stream": True,
            "cache_prompt": True,
            "chat_template_kwargs": {"enable_thinking": False},
        },
    ),
    (
        "ollama",
        "/api/generate",
        {
            "model": "qwen2.5-coder:7b",
            "prompt": PREFIX,
            "suffix": SUFFIX,
            "stream": True,
            "options": {"num_predict": 256, "temperature": 0.2},
        },
    ),
]


async def test_fim_dialect_uses_the_servers_completions_endpoint(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    lsp = await start_server()
    open_document(lsp, URI, TEXT)
    for provider, path, body in FIM_CASES:
        upstream.script(Reply.text("a + b\n\nprint(add(3, 4))\n"))
        configure(lsp, {"provider": provider, "dialect": "fim"})

        items = await inline(lsp, URI, position_of(TEXT, OFFSET))

        assert [item.insert_text for item in items] == ["a + b"], provider
        request = upstream.requests.pop()
        assert request.path == path, provider
        assert request.body == body, provider


async def test_a_fim_reply_cut_at_the_token_limit_never_shows_a_half_line(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    text, offset = split_cursor("def add(a, b):║\n")
    upstream.script(Reply.text("\n    total = a + b\n    return to", finish_reason="length"))
    lsp = await start_server(options={"provider": "ollama", "dialect": "fim"})
    open_document(lsp, URI, text)

    items = await inline(lsp, URI, position_of(text, offset))

    assert [item.insert_text for item in items] == ["\n    total = a + b"]


async def test_the_provider_comes_from_the_environment_and_the_dialect_from_the_editor(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("a + b\n"))
    lsp = await start_server(options={"dialect": "prefill"}, env={"QWEN_LSP_PROVIDER": "deepseek"})
    open_document(lsp, URI, TEXT)

    await inline(lsp, URI, position_of(TEXT, OFFSET))

    (request,) = upstream.requests
    assert request.body["model"] == "deepseek-chat"
    assert request.messages[-1] == {"role": "assistant", "content": PREFIX}


async def test_mistral_repeats_a_one_line_prefix_and_only_the_continuation_is_kept(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    # One line: too short for post-processing's own echo check, so the dialect must drop it.
    text, offset = split_cursor("answer = ║\n")
    upstream.script(Reply.text("answer = 42\n", size=3))
    lsp = await start_server(options={"provider": "mistral"})
    open_document(lsp, URI, text)

    items = await inline(lsp, URI, position_of(text, offset))

    assert [item.insert_text for item in items] == ["42"]
    assert upstream.requests[0].messages[-1]["prefix"] is True


@pytest.mark.parametrize(
    ("pieces", "echo", "expected", "echoed"),
    [
        (["def f", "():\n  ", "  return 1"], "def f():\n", ["  ", "  return 1"], True),
        (["def f():\n"], "def f():\n", [], True),
        (["def", " g"], "def f():\n", ["def g"], False),  # looked like the echo, was not
        (["de"], "def f():\n", ["de"], False),  # ended inside the echo
        (["x", "y"], "", ["x", "y"], False),  # nothing expected: passed through untouched
    ],
)
async def test_without_echo_holds_back_only_while_the_echo_is_undecided(
    pieces: list[str], echo: str, expected: list[str], echoed: bool
) -> None:
    async def source() -> AsyncGenerator[str, None]:
        for piece in pieces:
            yield piece

    stats = StreamStats()
    assert [p async for p in without_echo(source(), echo, stats)] == expected
    assert stats.echoed is echoed


def configure(lsp: LanguageClient, settings: dict[str, Any]) -> None:
    lsp.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))
