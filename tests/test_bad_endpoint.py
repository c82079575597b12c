"""An invalid endpoint setting stops everything: no completion, and nothing sent anywhere, least
of all to the endpoint it was meant to replace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types

from tests.conftest import TEST_KEY, RunCli, StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document, settled


@pytest.fixture
def meant() -> Iterator[FakeUpstream]:
    """The server the user meant: the invalid setting names it without a scheme."""
    with FakeUpstream(Reply.text("meant\n")) as fake:
        yield fake


def without_scheme(fake: FakeUpstream) -> str:
    return fake.base_url.removeprefix("http://")


def user_file(tmp_path: Path, base_url: str) -> dict[str, str]:
    """A user config file pointing at ``base_url``: the endpoint a later layer overrides."""
    directory = tmp_path / "config" / "qwen-lsp"
    directory.mkdir(parents=True)
    (directory / "config.toml").write_text(f'baseUrl = "{base_url}"\n')
    return {"XDG_CONFIG_HOME": str(tmp_path / "config")}


def nothing_reached(*fakes: FakeUpstream) -> bool:
    return all(not fake.requests and not fake.connections for fake in fakes)


@pytest.mark.parametrize("source", ["env", "editor", "project file"])
async def test_the_server_refuses_and_says_which_setting_is_wrong(
    start_server: StartServer,
    upstream: FakeUpstream,
    meant: FakeUpstream,
    tmp_path: Path,
    source: str,
) -> None:
    bad = without_scheme(meant)
    env = {**user_file(tmp_path, upstream.base_url), "QWEN_LSP_API_KEY": TEST_KEY}
    options: dict[str, object] = {"baseUrl": None}
    if source == "env":
        env["QWEN_LSP_BASE_URL"] = bad
    elif source == "editor":
        options["baseUrl"] = bad
    else:
        (tmp_path / ".qwen-lsp.toml").write_text(f'baseUrl = "{bad}"\n')
    lsp = await start_server(options=options, env=env, root=tmp_path)
    open_document(lsp, "file:///p/a.py", "x = \n")

    items = await inline(lsp, "file:///p/a.py", types.Position(0, 4))
    last = (await settled(lsp, "error"))[-1]

    assert items == []
    assert nothing_reached(upstream, meant)
    assert (last["state"], last["kind"]) == ("error", "bad_config")
    named = {"env": "env QWEN_LSP_BASE_URL", "editor": "editor", "project file": ".qwen-lsp.toml"}
    [message] = [m.message for m in lsp.messages if "baseUrl" in m.message]
    assert named[source] in message and bad in message and "http://" in message


@pytest.mark.parametrize("command", ["complete", "doctor"])
def test_complete_and_doctor_fail_with_the_reason_and_send_nothing(
    run_cli: RunCli, upstream: FakeUpstream, meant: FakeUpstream, tmp_path: Path, command: str
) -> None:
    source = tmp_path / "a.py"
    source.write_text("x = \n")
    env = {
        **user_file(tmp_path, upstream.base_url),
        "QWEN_LSP_API_KEY": TEST_KEY,
        "QWEN_LSP_BASE_URL": without_scheme(meant),
    }
    args = ["complete", f"{source}:1:5"] if command == "complete" else ["doctor"]

    result = run_cli(*args, env=env, cwd=tmp_path)

    assert result.returncode != 0
    assert "baseUrl from env QWEN_LSP_BASE_URL" in result.stdout + result.stderr
    assert "http://" in result.stdout + result.stderr
    assert nothing_reached(upstream, meant)


def test_an_unknown_provider_sends_nothing_to_the_default_one(
    run_cli: RunCli, upstream: FakeUpstream, tmp_path: Path
) -> None:
    source = tmp_path / "a.py"
    source.write_text("x = \n")
    env = {
        **user_file(tmp_path, upstream.base_url),
        "DASHSCOPE_API_KEY": TEST_KEY,
        "QWEN_LSP_PROVIDER": "olama",
    }

    result = run_cli("complete", f"{source}:1:5", env=env)

    assert result.returncode == 2
    assert "provider from env QWEN_LSP_PROVIDER" in result.stderr
    assert nothing_reached(upstream)


async def test_fixing_the_setting_brings_completions_back(
    start_server: StartServer, upstream: FakeUpstream
) -> None:
    upstream.script(Reply.text("1\n"))
    lsp = await start_server(options={"baseUrl": without_scheme(upstream)})
    open_document(lsp, "file:///p/a.py", "x = \n")
    assert await inline(lsp, "file:///p/a.py", types.Position(0, 4)) == []
    await settled(lsp, "error", kind="bad_config")

    settings = {"qwenLsp": {"baseUrl": upstream.base_url}}
    lsp.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))
    items = await inline(lsp, "file:///p/a.py", types.Position(0, 4))

    assert [item.insert_text for item in items] == ["1"]
    assert len(upstream.requests) == 1
    await settled(lsp, "ready")
