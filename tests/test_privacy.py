"""Privacy: the API key never shows up in any output, goes only to the configured endpoint over
verified TLS, and code from excluded files is never sent."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.conftest import StartServer, server_env
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document, settled
from tests.raw_lsp import raw_session

CANARY = "sk-canary-" + uuid.uuid4().hex  # unique: any hit in any output is a leak


def leaky_replies() -> list[Reply]:
    """Provider replies that echo the key back, the way some real error messages do."""
    return [
        Reply(status=401, error={"message": f"Incorrect API key provided: {CANARY}"}),
        Reply(status=500, error=f"<html>upstream crashed, key={CANARY}</html>"),
        Reply(raw=f"data: {{not json {CANARY}\n\n".encode()),
        Reply(status=429, error={"message": f"rate limit for {CANARY}"}),
        Reply(status=400, error={"message": f"prefix not supported for key {CANARY}"}),
        Reply(raw=f'data: {{"error": {{"message": "key {CANARY} suspended"}}}}\n\n'.encode()),
    ]


async def test_the_key_never_appears_in_messages_logs_or_tracebacks(
    upstream: FakeUpstream,
) -> None:
    replies = leaky_replies()
    upstream.script(*replies)
    env = {
        "QWEN_LSP_API_KEY": CANARY,
        "QWEN_LSP_BASE_URL": upstream.base_url,
        "QWEN_LSP_LOG_LEVEL": "DEBUG",
    }
    # One request per completion: each scripted reply is met once.
    options = {"apiKey": CANARY, "maxTokens": "bad", "invokedSuggestions": 1}
    async with raw_session(env, options=options) as server:
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": "file:///p/a.py", "languageId": "python", "version": 1,
                              "text": "x = \n"}},
        )  # fmt: skip
        for n in range(len(replies)):
            # a settings change resets the breaker, so every scripted failure is reached
            server.notify("workspace/didChangeConfiguration", {"settings": {"apiKey": CANARY}})
            position = {"line": 0, "character": 4 - n % 2}  # not answered from the cache
            server.request(10 + n, "textDocument/inlineCompletion", {
                "textDocument": {"uri": "file:///p/a.py"}, "position": position,
                "context": {"triggerKind": 1}})  # fmt: skip
            assert (await server.answer(10 + n))["result"]["items"] == []
        server.request(30, "textDocument/inlineCompletion", {"position": CANARY})  # bad params
        server.request(31, "workspace/executeCommand", {"command": "qwen-lsp.stats"})
        assert "error" in await server.answer(30)
        assert (await server.answer(31))["result"]["failures"] == len(replies)
        server.request(32, "shutdown", None)
        await server.answer(32)
        server.notify("exit", None)
        await asyncio.wait_for(server.process.wait(), 30)

    assert len(upstream.requests) == len(replies)
    assert all(r.headers["authorization"] == f"Bearer {CANARY}" for r in upstream.requests)
    assert b"window/showMessage" in server.stdout and b"upstream error" in server.stderr
    assert CANARY.encode() not in server.stdout
    assert CANARY.encode() not in server.stderr


def run_cli(*args: str, base_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = server_env(
        QWEN_LSP_API_KEY=CANARY, QWEN_LSP_BASE_URL=base_url, QWEN_LSP_LOG_LEVEL="DEBUG"
    )
    return subprocess.run(
        [sys.executable, "-m", "qwen_lsp", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("command", ["doctor", "complete"])
def test_the_key_never_appears_in_command_line_output(
    upstream: FakeUpstream, tmp_path: Path, command: str
) -> None:
    upstream.default = Reply(status=401, error={"message": f"Incorrect API key: {CANARY}"})
    (tmp_path / "a.py").write_text("x = \n")
    args = ["complete", f"{tmp_path / 'a.py'}:1:5"] if command == "complete" else ["doctor"]

    done = run_cli(*args, base_url=upstream.base_url, cwd=tmp_path)

    assert upstream.requests, "the command should have reached the fake provider"
    assert done.returncode != 0
    assert CANARY not in done.stdout and CANARY not in done.stderr
    assert "key" in (done.stdout + done.stderr).lower()  # it did report the key problem


async def test_a_redirect_to_another_host_never_gets_the_key(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    with FakeUpstream(Reply.text("1\n")) as elsewhere:
        upstream.default = Reply(
            status=307, headers={"location": elsewhere.base_url + "/chat/completions"}
        )
        lsp = await start_server(options={"apiKey": CANARY})
        open_document(lsp, "file:///p/a.py", "x = \n")

        items = await inline(lsp, "file:///p/a.py", types.Position(0, 4))

        assert [item.insert_text for item in items] == ["1"]  # the redirect was followed
        assert upstream.requests[0].headers["authorization"] == f"Bearer {CANARY}"
        assert len(elsewhere.requests) == 1
        assert CANARY not in str(elsewhere.requests[0].headers)


async def test_tls_certificates_are_verified(
    start_server: StartServer, tls: tuple[ssl.SSLContext, Path]
) -> None:
    with FakeUpstream(Reply.text("1\n"), tls=tls[0]) as impostor:
        lsp = await start_server(options={"baseUrl": impostor.base_url})
        open_document(lsp, "file:///p/a.py", "x = \n")

        assert await inline(lsp, "file:///p/a.py", types.Position(0, 4)) == []

        kinds = [s.get("kind") for s in await settled(lsp, "error")]
        assert "tls" in kinds
        assert impostor.requests == []  # no request (and no key) went over the unverified link


@pytest.mark.parametrize(
    "path",
    ["/p/.env.local", "/p/.git/config", "/home/u/.ssh/id_rsa", "/p/secrets.yaml",
     "/p/prod.key", "/p/cert.p12", "/p/deploy/credentials.json", "/p/notes.private.md"],
)  # fmt: skip
async def test_excluded_files_are_never_sent(
    start_server: StartServer, upstream: FakeUpstream, path: str
) -> None:
    lsp = await start_server(options={"exclude": ["*.private.md"]})
    open_document(lsp, f"file://{path}", "TOKEN = \n")

    assert await inline(lsp, f"file://{path}", types.Position(0, 8)) == []
    assert upstream.requests == []


def git_repository(root: Path, ignore: str) -> None:
    """A git work tree at ``root`` with ``ignore`` as its .gitignore and an empty build/."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text(ignore)
    (root / "build").mkdir()


@pytest.mark.parametrize("option", [True, False])
async def test_git_ignored_files_are_skipped_when_asked(
    start_server: StartServer, upstream: FakeUpstream, tmp_path: Path, option: bool
) -> None:
    git_repository(tmp_path, "build/\n*.local.py\n")
    ignored = [tmp_path / "build" / "gen.py", tmp_path / "conf.local.py"]
    tracked = tmp_path / "main.py"
    lsp = await start_server(options={"excludeGitIgnored": option})

    for path in [*ignored, tracked]:
        path.write_text("x = \n")
        open_document(lsp, path.as_uri(), "x = \n")
        await inline(lsp, path.as_uri(), types.Position(0, 4))

    sent = [r.messages[1]["content"] for r in upstream.requests]
    assert len(sent) == (1 if option else 3)
    assert "main.py" in sent[-1]


MARKER = "lent_code_marker"
SHARED = "def total_area(circles):\n    return sum(circle.area() for circle in circles)\n"


def lender(size: int) -> str:
    """Code much like the file being completed (so it is a snippet candidate), ``size`` long."""
    text = f"{SHARED}\n{MARKER} = 1\n"
    return text + "#" * (size - len(text) - 1) + "\n"


async def sent_after_opening(
    start_server: StartServer, upstream: FakeUpstream, options: dict[str, Any], other: Path,
    text: str, current: Path,
) -> str:  # fmt: skip
    """What went upstream for a completion in ``current`` with ``other`` open too."""
    lsp = await start_server(options=options)
    open_document(lsp, other.as_uri(), text)
    open_document(lsp, current.as_uri(), SHARED + "total = total_area(\n")
    await inline(lsp, current.as_uri(), types.Position(2, 19))
    (request,) = upstream.requests
    return str(request.body)


@pytest.mark.parametrize(("max_kb", "lent"), [(1, False), (2, True)])
async def test_files_over_max_file_kb_lend_no_snippets(
    start_server: StartServer, upstream: FakeUpstream, tmp_path: Path, max_kb: int, lent: bool
) -> None:
    other = tmp_path / "big.py"  # would not be sent itself with maxFileKb 1
    body = await sent_after_opening(
        start_server, upstream, {"maxFileKb": max_kb}, other, lender(1500), tmp_path / "app.py"
    )
    assert (MARKER in body) is lent


@pytest.mark.parametrize("option", [True, False])
async def test_git_ignored_files_lend_no_snippets_when_asked(
    start_server: StartServer, upstream: FakeUpstream, tmp_path: Path, option: bool
) -> None:
    git_repository(tmp_path, "build/\n")
    other = tmp_path / "build" / "gen.py"
    other.write_text(lender(200))
    body = await sent_after_opening(
        start_server, upstream, {"excludeGitIgnored": option}, other, lender(200),
        tmp_path / "app.py",
    )  # fmt: skip
    assert (MARKER in body) is not option


@pytest.mark.parametrize("trusted", [False, True], ids=["untrusted", "trusted"])
async def test_a_project_file_endpoint_gets_nothing_until_the_user_trusts_it(
    start_server: StartServer, upstream: FakeUpstream, tmp_path: Path, trusted: bool
) -> None:
    # A cloned repository's .qwen-lsp.toml must not be able to collect the user's key and code.
    (tmp_path / ".qwen-lsp.toml").write_text(f'baseUrl = "{upstream.base_url}"\n')
    env = {"QWEN_LSP_TRUSTED_BASE_URLS": upstream.base_url} if trusted else {}
    upstream.script(Reply.text("1\n"))
    lsp = await start_server(options={"baseUrl": None}, env=env, root=tmp_path)
    open_document(lsp, "file:///p/a.py", "x = \n")

    items = await inline(lsp, "file:///p/a.py", types.Position(0, 4))

    if trusted:
        assert [item.insert_text for item in items] == ["1"]
        assert len(upstream.requests) == 1
        return
    assert items == [] and upstream.requests == []
    last = (await settled(lsp, "error"))[-1]
    assert (last["state"], last["kind"]) == ("error", "untrusted_endpoint")
    [message] = [m.message for m in lsp.messages if "trustedBaseUrls" in m.message]
    assert upstream.base_url in message and ".qwen-lsp.toml" in message
