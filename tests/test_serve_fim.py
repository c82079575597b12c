"""`qwen-lsp serve-fim` end to end: the real command on 127.0.0.1, requests shaped as Zed's
edit-prediction providers and plain FIM clients send them, the fake upstream behind it."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from qwen_lsp.fim.prompts import LAYOUTS, Halves, split_prompt
from tests.conftest import TEST_KEY, server_env
from tests.fake_upstream import FakeUpstream, Reply

REPLY = "return a + b\n\n\ndef other():\n    pass\n"  # the model runs on past the block
PREFIX, SUFFIX = "def add(a, b):\n    ", "\n\nprint(add(1, 2))\n"
# Zed's OpenAI-compatible provider with `prompt_format: "qwen"` (its stop tokens included).
ZED_OPENAI = {
    "model": "qwen-lsp",
    "prompt": f"<|fim_prefix|>{PREFIX}<|fim_suffix|>{SUFFIX}<|fim_middle|>",
    "max_tokens": 256,
    "stop": ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"],
}
# Zed's Ollama provider: a raw prompt, no streaming.
ZED_OLLAMA = {
    "model": "qwen2.5-coder:7b",
    "prompt": ZED_OPENAI["prompt"],
    "raw": True,
    "stream": False,
    "options": {"num_predict": 256, "temperature": 0.2, "stop": ["<|endoftext|>"]},
}


@pytest.fixture
def fim(upstream: FakeUpstream) -> Iterator[str]:
    """The base URL of a running `qwen-lsp serve-fim` in front of the fake upstream."""
    env = server_env(QWEN_LSP_API_KEY=TEST_KEY, QWEN_LSP_BASE_URL=upstream.base_url)
    process = subprocess.Popen(
        [sys.executable, "-m", "qwen_lsp", "serve-fim", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    assert "listening on http://127.0.0.1:" in line, line
    try:
        yield line.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def post(url: str, body: object) -> tuple[int, bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_zed_openai_compatible_request_gets_the_cleaned_completion(
    fim: str, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text(REPLY))

    status, raw = post(f"{fim}/v1/completions", ZED_OPENAI)

    assert status == 200, raw
    body: dict[str, Any] = json.loads(raw)
    # Every field Zed's response type requires.
    assert {"id", "object", "created", "model", "choices", "usage"} <= body.keys()
    assert {"prompt_tokens", "completion_tokens", "total_tokens"} <= body["usage"].keys()
    assert body["choices"][0]["text"] == "return a + b"
    assert body["choices"][0]["finish_reason"] == "stop"
    sent = upstream.requests[0].messages
    assert sent[-1] == {"role": "assistant", "content": PREFIX, "partial": True}
    assert "print(add(1, 2))" in sent[-2]["content"]  # the suffix travels in the user message
    assert "fim_" not in json.dumps(sent)  # the client's markers never reach the model


def test_zed_ollama_request_gets_an_ollama_reply(fim: str, upstream: FakeUpstream) -> None:
    upstream.script(Reply.text(REPLY))

    status, raw = post(f"{fim}/api/generate", ZED_OLLAMA)

    assert status == 200, raw
    body = json.loads(raw)
    assert body["response"] == "return a + b"
    assert body["done"] is True
    assert upstream.requests[0].messages[-1]["content"] == PREFIX


def test_plain_fim_request_with_a_suffix_streams_and_answers_whole(
    fim: str, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text(REPLY), Reply.text(REPLY))
    plain = {"model": "m", "prompt": PREFIX, "suffix": SUFFIX, "max_tokens": 64}

    status, raw = post(f"{fim}/v1/completions", plain)
    assert status == 200, raw
    assert json.loads(raw)["choices"][0]["text"] == "return a + b"

    status, raw = post(
        f"{fim}/v1/completions", {**plain, "prompt": "def sub(a, b):\n    ", "stream": True}
    )
    assert status == 200, raw
    events = [line[len("data: ") :] for line in raw.decode().splitlines() if line]
    assert events[-1] == "[DONE]"
    texts = [json.loads(event)["choices"][0]["text"] for event in events[:-1]]
    assert "".join(texts) == "return a + b"


def test_bad_requests_get_a_clear_answer(fim: str, upstream: FakeUpstream) -> None:
    cases: list[tuple[str, object, int, str]] = [
        ("/v1/completions", b"{not json", 400, "not JSON"),
        ("/v1/completions", ["a list"], 400, "JSON object"),
        ("/v1/completions", {"prompt": 3}, 400, "`prompt`"),
        ("/v1/completions", {"prompt": "x", "suffix": 1}, 400, "`suffix`"),
        ("/v1/chat/completions", {"prompt": "x"}, 404, "no such endpoint"),
    ]
    for path, body, expected, message in cases:
        status, raw = post(f"{fim}{path}", body)
        assert status == expected, (path, body, raw)
        assert message in json.loads(raw)["error"]["message"]
    assert upstream.requests == []  # nothing malformed went upstream


def test_a_provider_failure_is_an_error_reply_without_the_key(
    fim: str, upstream: FakeUpstream
) -> None:
    upstream.script(Reply(status=401, error={"error": {"message": f"bad key {TEST_KEY}"}}))

    status, raw = post(f"{fim}/v1/completions", ZED_OPENAI)

    assert status == 502, raw
    assert json.loads(raw)["error"]["message"]
    assert TEST_KEY not in raw.decode()


def test_serve_fim_needs_a_key() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "qwen_lsp", "serve-fim", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=server_env(),
    )
    assert result.returncode == 2
    assert "no API key" in result.stderr


@pytest.mark.parametrize(("name", "layout"), LAYOUTS)
def test_each_prompt_format_splits_into_its_halves(name: str, layout: object) -> None:
    prompts = {
        "qwen": "<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>",
        "star_coder": "<fim_prefix>P<fim_suffix>S<fim_middle>",
        "code_llama": "<PRE> P <SUF>S <MID>",
        "deepseek_coder": "<｜fim▁begin｜>P<｜fim▁hole｜>S<｜fim▁end｜>",
        "codestral": "[SUFFIX]S[PREFIX]P",
        "glm": "<|code_prefix|>P<|code_suffix|>S<|code_middle|>",
    }
    assert split_prompt(prompts[name]) == Halves("P", "S")


def test_a_prompt_without_markers_is_all_prefix_and_a_suffix_wins() -> None:
    assert split_prompt("def f():\n    ") == Halves("def f():\n    ", "")
    assert split_prompt("<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>", "s").suffix == "s"
