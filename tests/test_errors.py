"""Provider errors become one clear message each, whatever status code the provider chose."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import pytest
from lsprotocol import types

from qwen_lsp.engine.upstream.errors import failure_of, from_response, from_transport
from qwen_lsp.settings import Settings, camel
from tests.conftest import TEST_KEY, StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document

DASHSCOPE = Settings(api_key=TEST_KEY)

# name, settings changes, status, body, headers, kind, words the message must contain
CASES: list[tuple[str, dict[str, Any], int, object, dict[str, str], str, list[str]]] = [
    (
        "dashscope bad key",
        {},
        401,
        {"error": {"message": "Incorrect API key provided.", "code": "invalid_api_key"}},
        {},
        "auth",
        ["rejected the API key", "DASHSCOPE_API_KEY"],
    ),
    (
        "deepseek bad key",
        {"provider": "deepseek"},
        401,
        {"error": {"message": "Authentication Fails", "type": "authentication_error"}},
        {},
        "auth",
        ["DeepSeek rejected the API key", "DEEPSEEK_API_KEY"],
    ),
    (
        "dashscope arrears (as 400)",
        {},
        400,
        {"error": {"code": "Arrearage", "message": "Access denied, account not in good standing"}},
        {},
        "quota",
        ["out of credit", "Top up"],
    ),
    (
        "deepseek balance (402)",
        {"provider": "deepseek"},
        402,
        {"error": {"message": "Insufficient Balance", "type": "unknown_error"}},
        {},
        "quota",
        ["out of credit"],
    ),
    (
        "moonshot quota (as 429)",
        {"provider": "moonshot"},
        429,
        {"error": {"type": "exceeded_current_quota_error", "message": "suspended"}},
        {},
        "quota",
        ["Moonshot", "out of credit"],
    ),
    (
        "ark overdue (as 403)",
        {"provider": "ark"},
        403,
        {"error": {"code": "AccountOverdueError", "message": "account overdue"}},
        {},
        "quota",
        ["out of credit"],
    ),
    (
        "unknown model",
        {"model": "qwen9-coder"},
        404,
        {"error": {"code": "model_not_found", "message": "The model `qwen9-coder` does not exist"}},
        {},
        "not_found",
        ["model 'qwen9-coder'", "preset uses 'qwen3-coder-flash'"],
    ),
    (
        "ollama unknown model",
        {"provider": "ollama", "model": "qwen9"},
        404,
        {"error": "model 'qwen9' not found"},
        {},
        "not_found",
        ["model 'qwen9'", "qwen2.5-coder:7b"],
    ),
    (
        "rate limit with a wait",
        {},
        429,
        {"error": {"code": "Throttling.RateQuota", "message": "Requests rate limit exceeded"}},
        {"retry-after": "7"},
        "rate_limited",
        ["rate limiting", "wait 7 s"],
    ),
    (
        "rate limit in milliseconds",
        {},
        429,
        {"error": {"message": "slow down"}},
        {"retry-after-ms": "1500"},
        "rate_limited",
        ["wait 1.5 s"],
    ),
    (
        "rate limit without a wait",
        {},
        429,
        {"error": {"message": "slow down"}},
        {},
        "rate_limited",
        ["debounceMs"],
    ),
    (
        "thinking model refuses partial",
        {"model": "qwen3-32b"},
        400,
        {"error": {"message": "The thinking mode does not support prefix continuation"}},
        {},
        "prefix_unsupported",
        ["'qwen3-32b'", "'partial' dialect", "thinkingOff"],
    ),
    (
        "mistral rejects the partial flag",
        {"base_url": "https://api.mistral.ai/v1", "model": "codestral-latest"},
        422,
        {
            "object": "error",
            "message": {"detail": [{"loc": ["body", "messages", 2, "partial"], "msg": "Extra"}]},
            "type": "invalid_request_message_error",
        },
        {},
        "prefix_unsupported",
        ["Mistral continues a prefix in the 'prefix' dialect", "`dialect` to 'prefix'"],
    ),
    (
        "llama.cpp prefill with thinking",
        {"provider": "llama.cpp"},
        400,
        {"error": {"message": "Assistant response prefill is incompatible with enable_thinking"}},
        {},
        "prefix_unsupported",
        ["thinkingOff"],
    ),
    (
        "prefill dialect at a partial-only provider",
        {"dialect": "prefill"},
        400,
        {"error": {"message": "a trailing assistant message needs partial=true"}},
        {},
        "prefix_unsupported",
        ["`dialect` to 'partial'"],
    ),
    (
        "dashscope context too long",
        {},
        400,
        {"error": {"code": "invalid_parameter", "message": "Range of input length: [1, 9]"}},
        {},
        "context_too_long",
        ["longer than model 'qwen3-coder-flash' accepts"],
    ),
    (
        "vllm context too long",
        {"provider": "vllm"},
        400,
        {"object": "error", "message": "This model's maximum context length is 32768 tokens."},
        {},
        "context_too_long",
        ["larger context window"],
    ),
    ("server failure", {}, 503, "upstream overloaded", {}, "server", ["DashScope failed (503"]),
    ("other", {}, 400, {"error": {"message": "bad top_p"}}, {}, "bad_request", ["bad top_p"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "status", "body", "headers", "kind", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_failure_gets_its_kind_and_one_actionable_message(
    changes: dict[str, Any],
    status: int,
    body: object,
    headers: dict[str, str],
    kind: str,
    words: list[str],
) -> None:
    settings, errors = DASHSCOPE.merged({camel(k): v for k, v in changes.items()})
    assert errors == []

    error = from_response(failure_of(status, body, headers), settings)

    assert error.kind == kind
    for word in words:
        assert word in error.message
    assert "\n" not in error.message


def test_the_key_never_appears_in_a_message() -> None:
    body = {"error": {"message": f"Incorrect API key provided: {TEST_KEY}"}}
    for status in (400, 401, 404, 429, 500):
        error = from_response(failure_of(status, body, {}), DASHSCOPE)
        assert TEST_KEY not in error.message


def _chain(outer: Exception, inner: BaseException) -> Exception:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    ("exc", "mid_stream", "kind"),
    [
        (_chain(ConnectionError("boom"), socket.gaierror(-2, "Name not known")), False, "dns"),
        (_chain(ConnectionError("boom"), ssl.SSLError(1, "WRONG_VERSION_NUMBER")), False, "tls"),
        (_chain(ConnectionError("boom"), ConnectionRefusedError(111, "refused")), False, "offline"),
        (_chain(ConnectionError("boom"), TimeoutError("read")), False, "timeout"),
        (ConnectionResetError(104, "reset by peer"), True, "stream"),
    ],
)  # fmt: skip
def test_transport_failures_are_told_apart(exc: Exception, mid_stream: bool, kind: str) -> None:
    assert from_transport(exc, DASHSCOPE, mid_stream).kind == kind


async def test_a_refused_prefix_reaches_the_editor_with_the_dialect_to_use(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.default = Reply(
        status=400, error={"message": "partial mode is not supported for this model"}
    )
    lsp = await start_server(
        options={"baseUrl": upstream.base_url, "provider": "ark", "dialect": "partial"}
    )
    open_document(lsp, "file:///p/a.py", "x = \n")

    assert await inline(lsp, "file:///p/a.py", types.Position(0, 4)) == []

    (message,) = [m.message for m in lsp.messages if m.type == types.MessageType.Error]
    assert "cannot continue a prefix in the 'partial' dialect" in message
    assert "`dialect` to 'prefill'" in message
