"""`qwen-lsp doctor` against the fake provider: the report, the verdict, the exit status."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from qwen_lsp.doctor import PROBE
from tests.conftest import TEST_KEY, CliResult, RunCli, server_env
from tests.fake_upstream import FakeUpstream, Reply

Doctor = Callable[..., CliResult]


@pytest.fixture
def doctor(run_cli: RunCli) -> Doctor:
    """Run ``qwen-lsp doctor`` in this process."""

    def run(*args: str, env: dict[str, str], cwd: Path | None = None) -> CliResult:
        result = run_cli("doctor", *args, env=env, cwd=cwd)
        assert TEST_KEY not in result.stdout + result.stderr
        return result

    return run


def test_the_command_runs_as_a_program(upstream: FakeUpstream) -> None:
    upstream.script(Reply.text(" a + b\n"))
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url}

    result = subprocess.run(
        [sys.executable, "-m", "qwen_lsp", "doctor"],
        capture_output=True,
        text=True,
        timeout=60,
        env=server_env(**env),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("verdict: OK")
    assert TEST_KEY not in result.stdout + result.stderr


def test_an_untrusted_project_endpoint_fails_without_a_request(
    doctor: Doctor, upstream: FakeUpstream, tmp_path: Path
) -> None:
    (tmp_path / ".qwen-lsp.toml").write_text(f'baseUrl = "{upstream.base_url}"\n')

    result = doctor(env={"QWEN_LSP_API_KEY": TEST_KEY}, cwd=tmp_path)

    assert result.returncode == 1
    assert "verdict: FAILED (untrusted endpoint)" in result.stdout
    assert "trustedBaseUrls" in result.stdout
    assert upstream.requests == []


def test_success_reports_sources_timings_and_no_echo(
    doctor: Doctor, upstream: FakeUpstream, tmp_path: Path
) -> None:
    upstream.script(Reply.text(" a + b\n"))
    (tmp_path / ".qwen-lsp.toml").write_text("maxTokens = 99\n")
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url}

    result = doctor("--settings", '{"temperature": 0.1}', env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "default < preset < user file < project file < env < editor" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line[:2] == "  "}
    assert rows["apiKey"] == ["set", "(24", "characters)", "env", "QWEN_LSP_API_KEY"]
    assert rows["baseUrl"] == [upstream.base_url, "env", "QWEN_LSP_BASE_URL"]
    assert rows["maxTokens"] == ["99", "project", "file", str(tmp_path / ".qwen-lsp.toml")]
    assert rows["temperature"] == ["0.1", "editor"]
    assert rows["model"] == ["qwen3-coder-flash", "default"]
    assert f"request: POST {upstream.base_url}/chat/completions (dialect partial)" in out
    assert "completion: 'a + b'" in out
    assert "latency: " in out and "first token: " in out
    assert "prefix echoed: no" in out
    assert out.rstrip().endswith("verdict: OK")
    (request,) = upstream.requests
    assert request.body["max_tokens"] == 16  # tiny
    assert request.messages[-1] == {"role": "assistant", "content": PROBE.prefix, "partial": True}


def test_a_provider_that_echoes_the_prefix_is_reported(
    doctor: Doctor, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text(PROBE.prefix + " a + b\n"))
    env = {
        "MISTRAL_API_KEY": TEST_KEY,
        "QWEN_LSP_PROVIDER": "mistral",
        "QWEN_LSP_BASE_URL": upstream.base_url,
    }

    result = doctor(env=env)

    assert result.returncode == 0, result.stdout
    assert "set (24 characters)" in result.stdout
    assert "env MISTRAL_API_KEY" in result.stdout
    assert "prefix echoed: yes (expected for this provider" in result.stdout
    assert "completion: 'a + b'" in result.stdout


@pytest.mark.parametrize(
    ("reply", "settings", "kind", "words"),
    [
        (Reply(status=401, error={"message": f"bad key {TEST_KEY}"}), {}, "auth", "API key"),
        (
            Reply(status=404, error={"code": "model_not_found", "message": "no such model"}),
            {},
            "not_found",
            "does not know model 'qwen3-coder-flash'",
        ),
        (
            Reply(status=429, error={"message": "slow down"}, headers={"retry-after": "30"}),
            {},
            "rate_limited",
            "wait 30 s",
        ),
        (Reply(hang=True), {"QWEN_LSP_TIMEOUT_MS": "500"}, "timeout", "within 500 ms"),
        (Reply.text(""), {}, "empty", "no code"),
    ],
    ids=["401", "404-model", "429", "timeout", "empty"],
)
def test_provider_failures_get_a_verdict_a_fix_and_exit_1(
    doctor: Doctor,
    upstream: FakeUpstream,
    reply: Reply,
    settings: dict[str, str],
    kind: str,
    words: str,
) -> None:
    upstream.script(reply)
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": upstream.base_url, **settings}

    result = doctor(env=env)

    assert result.returncode == 1
    verdict = result.stdout.rstrip().splitlines()[-1]
    assert verdict.startswith(f"verdict: FAILED ({kind}): ")
    assert words in verdict


def test_dns_failure(doctor: Doctor) -> None:
    # .invalid never resolves (RFC 6761): the lookup fails without reaching any server.
    env = {"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": "http://qwen-lsp-doctor.invalid/v1"}

    result = doctor(env=env)

    assert result.returncode == 1
    assert (
        "verdict: FAILED (dns): Cannot resolve the host 'qwen-lsp-doctor.invalid'" in result.stdout
    )


def test_tls_failure_when_https_meets_a_plain_http_server(
    doctor: Doctor, upstream: FakeUpstream
) -> None:
    url = upstream.base_url.replace("http://", "https://")

    result = doctor(env={"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": url})

    assert result.returncode == 1
    assert "verdict: FAILED (tls)" in result.stdout and "plain http://" in result.stdout


def test_nothing_listening(doctor: Doctor, upstream: FakeUpstream) -> None:
    url = upstream.base_url
    upstream.__exit__()  # the port is closed now

    result = doctor(env={"QWEN_LSP_API_KEY": TEST_KEY, "QWEN_LSP_BASE_URL": url})

    assert result.returncode == 1
    assert "verdict: FAILED (offline)" in result.stdout


def test_no_key_fails_before_any_request(doctor: Doctor, upstream: FakeUpstream) -> None:
    result = doctor(env={"QWEN_LSP_PROVIDER": "ark", "QWEN_LSP_BASE_URL": upstream.base_url})

    assert result.returncode == 1
    assert "not set" in result.stdout
    assert "verdict: FAILED (no key): no API key for the server at 127.0.0.1" in result.stdout
    assert "set QWEN_LSP_API_KEY or ARK_API_KEY" in result.stdout
    assert upstream.requests == []


def test_bad_editor_settings_json_is_a_usage_error(doctor: Doctor) -> None:
    result = doctor("--settings", "[1]", env={})
    assert result.returncode == 2 and "--settings" in result.stderr


@pytest.mark.parametrize(
    ("content", "more", "state"),
    [
        (None, {}, "nothing kept yet"),
        (b'{"version": 1, "edits": [0.1, 0.3], "byKind": {}}', {}, "2 typing gaps kept"),
        (b"{broken", {}, "unreadable: a new one is written when the server stops"),
        (b'{"version": 1, "edits": [0.1]}', {"QWEN_LSP_REMEMBER_TYPING": "0"}, "off"),
    ],
)
def test_the_typing_memory_is_reported(
    doctor: Doctor, tmp_path: Path, content: bytes | None, more: dict[str, str], state: str
) -> None:
    path = tmp_path / "qwen-lsp" / "typing.json"
    if content is not None:
        path.parent.mkdir()
        path.write_bytes(content)
    result = doctor(env={"XDG_STATE_HOME": str(tmp_path), "LOCALAPPDATA": str(tmp_path), **more})
    assert f"typing memory: {path} ({state}" in result.stdout
