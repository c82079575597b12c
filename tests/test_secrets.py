"""Secrets never come out: random keys and URL user names and passwords, fed through every error
path of the command line and the server, appear in no output, in any spelling."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qwen_lsp.logs import mask, mask_url
from tests.conftest import RunCli, server_env
from tests.fake_upstream import FakeUpstream, Reply
from tests.raw_lsp import raw_session
from tests.test_serve_fim import ZED_OPENAI, post

# Long enough and varied enough not to occur in output by chance (a port, a timing).
secret = st.text(
    st.characters(codec="ascii", categories=("L", "N", "P", "S")), min_size=8, max_size=24
).filter(lambda text: len(set(text)) >= 5)


@dataclass(frozen=True)
class Secrets:
    key: str
    user: str
    password: str

    def url(self, base_url: str) -> str:
        """``base_url`` with the user name and password in it, percent-encoded as URLs need."""
        scheme, rest = base_url.split("://")
        return f"{scheme}://{quote(self.user, safe='')}:{quote(self.password, safe='')}@{rest}"

    def leaked(self, output: str) -> list[str]:
        spellings = {self.key, self.user, self.password}
        spellings |= {quote(text, safe="") for text in spellings}
        return [text for text in spellings if text in output]


# Also the key itself as the URL's user name and password, as some gateways take it.
secrets = st.builds(Secrets, secret, secret, secret) | secret.map(lambda k: Secrets(k, k, k))


def echoes(s: Secrets) -> list[Reply]:
    """Provider failures whose bodies quote the secrets back, as some real ones quote the key."""
    said = f"key {s.key} user {s.user} password {s.password}"
    return [
        Reply(status=401, error={"message": f"Incorrect API key provided: {said}"}),
        Reply(status=404, error={"message": f"model not found for {said}"}),
        Reply(status=500, error=f"<html>upstream crashed: {said}</html>"),
        Reply(status=429, error={"message": f"rate limit for {said}"}),
        Reply(status=400, error={"message": f"prefix not supported: {said}"}),
        Reply(raw=f'data: {{"error": {{"message": "{said}"}}}}\n\n'.encode()),
    ]


REPLIES = ["401", "404", "500", "429", "400 prefix", "error event"]
# Where the secrets go besides a failing provider: no listener, TLS to a plain server, a URL
# without its scheme.
ENDPOINTS = ["failing", "closed port", "tls mismatch", "no scheme"]


@pytest.fixture(scope="module")
def failing() -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture(scope="module")
def closed_port() -> str:
    with FakeUpstream() as fake:
        url = fake.base_url
    return url


def base_url_for(endpoint: str, failing: FakeUpstream, closed_port: str) -> str:
    return {
        "failing": failing.base_url,
        "closed port": closed_port,
        "tls mismatch": failing.base_url.replace("http://", "https://"),
        "no scheme": failing.base_url,  # the scheme is dropped after the secrets go in
    }[endpoint]


@pytest.mark.parametrize("command", ["complete", "doctor", "eval"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(s=secrets, reply=st.sampled_from(range(len(REPLIES))))
def test_no_command_line_output_shows_a_secret(
    run_cli: RunCli,
    failing: FakeUpstream,
    closed_port: str,
    tmp_path: Path,
    command: str,
    endpoint: str,
    s: Secrets,
    reply: int,
) -> None:
    failing.default = echoes(s)[reply]
    url = s.url(base_url_for(endpoint, failing, closed_port))
    if endpoint == "no scheme":
        url = url.split("://", 1)[1]
    source = tmp_path / "calc.py"
    source.write_text("def add(a, b):\n    return a + b\n")
    args = {
        "complete": ["complete", f"{source}:2:5"],
        "doctor": ["doctor", "--settings", '{"timeoutMs": 2000}'],
        "eval": ["eval", str(tmp_path), "--samples", "2"],
    }[command]
    env = {"QWEN_LSP_API_KEY": s.key, "QWEN_LSP_BASE_URL": url, "QWEN_LSP_LOG_LEVEL": "DEBUG"}

    result = run_cli(*args, env=env)

    assert result.returncode != 0
    assert result.stdout + result.stderr, "it said nothing at all"
    assert not s.leaked(result.stdout + result.stderr)


@settings(max_examples=2, deadline=None)
@given(s=secrets)
def test_no_server_output_shows_a_secret(s: Secrets) -> None:
    """The server's log at DEBUG, its messages and its status notifications, through provider
    failures, an unreachable endpoint and an invalid one."""
    with FakeUpstream() as fake, FakeUpstream() as closed:
        closed_url = closed.base_url
        closed.__exit__()
        fake.script(*echoes(s))
        asyncio.run(_drive_server(s, fake, closed_url))


async def _drive_server(s: Secrets, fake: FakeUpstream, closed_url: str) -> None:
    endpoints = [s.url(fake.base_url)] * len(REPLIES) + [
        s.url(closed_url),
        s.url(fake.base_url).split("://", 1)[1],  # invalid: no scheme
    ]
    env = {"QWEN_LSP_API_KEY": s.key, "QWEN_LSP_LOG_LEVEL": "DEBUG"}
    async with raw_session(env, options={"baseUrl": endpoints[0]}) as server:
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": "file:///p/a.py", "languageId": "python", "version": 1,
                              "text": "x = \n"}},
        )  # fmt: skip
        for n, url in enumerate(endpoints):
            # a settings change resets the breaker, so every failure is reached
            server.notify("workspace/didChangeConfiguration", {"settings": {"baseUrl": url}})
            server.request(10 + n, "textDocument/inlineCompletion", {
                "textDocument": {"uri": "file:///p/a.py"},
                "position": {"line": 0, "character": 4 - n % 2},  # not from the cache
                "context": {"triggerKind": 1}})  # fmt: skip
            assert (await server.answer(10 + n))["result"]["items"] == []
        server.request(99, "shutdown", None)
        await server.answer(99)
        server.notify("exit", None)
        await asyncio.wait_for(server.process.wait(), 30)

    assert len(fake.requests) == len(REPLIES)
    output = (server.stdout + server.stderr).decode("utf-8", "replace")
    assert "window/showMessage" in output and "$/qwenLsp/status" in output
    assert "baseUrl from the editor's settings" in output  # the invalid one's message
    assert not s.leaked(output)


@pytest.mark.parametrize("reply", range(len(REPLIES)), ids=REPLIES)
@settings(max_examples=1, deadline=None)
@given(s=secrets)
def test_no_fill_in_the_middle_answer_shows_a_secret(reply: int, s: Secrets) -> None:
    """``serve-fim``'s error answers and its log, through each provider failure (one process
    each: after some of them the provider is not asked again until the settings change)."""
    with FakeUpstream(echoes(s)[reply]) as fake:
        env = server_env(
            QWEN_LSP_API_KEY=s.key,
            QWEN_LSP_BASE_URL=s.url(fake.base_url),
            QWEN_LSP_LOG_LEVEL="DEBUG",
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "qwen_lsp", "serve-fim", "--port", "0"],
            stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert process.stderr is not None
        lines = [process.stderr.readline()]
        while "listening on" not in lines[-1] and lines[-1]:
            lines.append(process.stderr.readline())
        url = lines[-1].rsplit(" ", 1)[1].strip()
        try:
            answers = [post(f"{url}/v1/completions", ZED_OPENAI)]
        finally:
            process.terminate()
            output = "".join(lines) + process.stderr.read()
            process.wait(timeout=10)
        assert len(fake.requests) == 1

    assert all(status >= 400 for status, _ in answers)
    bodies = "".join(body.decode("utf-8", "replace") for _, body in answers)
    assert not s.leaked(bodies + output)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("POST https://me:pw@host:8443/v1/chat", "POST https://***@host:8443/v1/chat"),
        ("'http://tok@h/v1' and http://a:b@c@d/x", "'http://***@h/v1' and http://***@d/x"),
        ("http://host/v1?next=a@b", "http://host/v1?next=a@b"),  # no userinfo: unchanged
        ("mailto user@example.com", "mailto user@example.com"),
    ],
)
def test_any_url_loses_its_user_name_and_password(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("me:secret@127.0.0.1:8787/v1", "***@127.0.0.1:8787/v1"),
        ("https://me:se@cret@host/v1", "https://***@host/v1"),
        ("https://host/v1", "https://host/v1"),
    ],
)
def test_a_url_without_its_scheme_is_masked_too(url: str, masked: str) -> None:
    assert mask_url(url) == masked
