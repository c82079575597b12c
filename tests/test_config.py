"""Config files: the user file, the project file, and their place in the precedence."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from qwen_lsp.config import find_project_file, load, typing_memory_path, user_config_path
from qwen_lsp.settings import setting_fields
from tests.conftest import StartServer
from tests.fake_upstream import FakeUpstream, Reply
from tests.lsp_helpers import inline, open_document


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), **extra}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_precedence_is_defaults_user_file_project_file_environment(tmp_path: Path) -> None:
    env = _env(tmp_path, QWEN_LSP_TIMEOUT_MS="3000")
    user = _write(
        tmp_path / "xdg" / "qwen-lsp" / "config.toml",
        'provider = "deepseek"\nmodel = "user-model"\nmax_tokens = 100\ntimeoutMs = 5000\n'
        'api_key = "sk-user-file"\n',
    )
    project = _write(tmp_path / "repo" / ".qwen-lsp.toml", "maxTokens = 64\ndebounce-ms = 50\n")
    (tmp_path / "repo" / "src").mkdir()

    settings, errors, files = load(env, tmp_path / "repo" / "src")

    assert errors == []
    assert [(f.kind, f.path, f.found) for f in files] == [
        ("user file", user, True),
        ("project file", project, True),
    ]
    assert (settings.provider, settings.model, settings.dialect) == (
        "deepseek",
        "user-model",
        "prefix",
    )
    assert (settings.max_tokens, settings.debounce_ms, settings.timeout_ms) == (64, 50, 3000)
    assert settings.api_key == "sk-user-file"
    assert settings.source("model") == f"user file {user}"
    assert settings.source("max_tokens") == f"project file {project}"
    assert settings.source("timeout_ms") == "env QWEN_LSP_TIMEOUT_MS"
    assert settings.source("base_url") == "preset deepseek"
    assert settings.source("temperature") == "default"

    editor, _ = settings.merged({"maxTokens": 32})
    assert (editor.max_tokens, editor.source("max_tokens")) == (32, "editor")


def test_a_project_file_cannot_hold_the_key_and_typos_are_reported(tmp_path: Path) -> None:
    _write(tmp_path / ".qwen-lsp.toml", 'apiKey = "sk-committed"\nmodle = "x"\ntemperature = 7\n')

    settings, errors, _ = load(_env(tmp_path), tmp_path)

    assert settings.api_key is None
    assert settings.temperature == 0.2
    assert len(errors) == 3
    assert "apiKey is not allowed in project file" in errors[0]
    assert "unknown setting 'modle'" in errors[1]
    assert "temperature" in errors[2] and ".qwen-lsp.toml" in errors[2]
    assert all("sk-committed" not in error for error in errors)


def test_a_project_file_cannot_vouch_for_its_own_endpoint(tmp_path: Path) -> None:
    _write(
        tmp_path / ".qwen-lsp.toml",
        'baseUrl = "https://collector.example/v1"\ntrustedBaseUrls = ["https://collector.example/v1"]\n',
    )

    settings, errors, _ = load(_env(tmp_path), tmp_path)

    assert settings.trusted_base_urls == ()
    assert "trustedBaseUrls is not allowed in project file" in errors[0]
    assert settings.untrusted_base_url == "https://collector.example/v1"


def test_a_broken_file_is_reported_and_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path / "xdg" / "qwen-lsp" / "config.toml", 'model = "unterminated\n')

    settings, errors, files = load(_env(tmp_path), None)

    assert settings.model == "qwen3-coder-flash"
    assert len(errors) == 1 and str(path) in errors[0]
    assert files[0].found


def test_no_files_at_all_means_defaults(tmp_path: Path) -> None:
    settings, errors, files = load(_env(tmp_path), tmp_path)
    assert errors == [] and not any(f.found for f in files)
    assert settings.source("model") == "default"


@pytest.mark.parametrize(
    ("platform", "env", "config", "typing"),
    [
        ("linux", {"HOME": "/h"}, "/h/.config", "/h/.local/state"),
        ("darwin", {"XDG_CONFIG_HOME": "/x", "XDG_STATE_HOME": "/s"}, "/x", "/s"),
        ("win32", {"HOME": "/h"}, "/h/AppData/Roaming", "/h/AppData/Local"),
        ("win32", {"APPDATA": "/r", "LOCALAPPDATA": "/l", "XDG_STATE_HOME": "/s"}, "/r", "/l"),
    ],
)
def test_per_user_locations(
    monkeypatch: pytest.MonkeyPatch, platform: str, env: dict[str, str], config: str, typing: str
) -> None:
    monkeypatch.setattr("sys.platform", platform)
    assert user_config_path(env) == Path(config) / "qwen-lsp" / "config.toml"
    assert typing_memory_path(env) == Path(typing) / "qwen-lsp" / "typing.json"


def test_file_locations(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_project_file(nested) is None or tmp_path not in find_project_file(nested).parents
    found = _write(tmp_path / "a" / ".qwen-lsp.toml", "")
    assert find_project_file(nested) == found


async def test_the_server_reads_the_project_file_of_its_workspace_root(
    start_server: StartServer, upstream: FakeUpstream, tmp_path: Path
) -> None:
    _write(tmp_path / ".qwen-lsp.toml", 'model = "project-model"\nmaxTokens = 77\n')
    upstream.script(Reply.text("1\n"))
    lsp = await start_server(root=tmp_path, options={"maxTokens": 55})
    open_document(lsp, "file:///p/a.py", "x = \n")

    await inline(lsp, "file:///p/a.py", types.Position(0, 4))

    (request,) = upstream.requests
    assert request.body["model"] == "project-model"
    assert request.body["max_tokens"] == 55  # the editor still wins


@pytest.mark.parametrize(
    ("user", "project", "kept"),
    [
        # A project may lower any limit, or set one the user left off.
        ("", "maxTokens = 100\nrequestsPerMinute = 10\ntokensPerDay = 5000\n", {}),
        ("requestsPerMinute = 0\n", "requestsPerMinute = 500\n", {}),
        # It may not raise one above the user's value or the endpoint's default (60 a minute on
        # a paid endpoint), nor turn one off (0) or back to a more generous default (-1).
        ("", "maxTokens = 4096\n", {"maxTokens": (256, "default")}),
        ("", "requestsPerMinute = 61\n", {"requestsPerMinute": (-1, "default")}),
        ("", "tokensPerMinute = 0\n", {"tokensPerMinute": (-1, "default")}),
        ("tokensPerDay = 1000\n", "tokensPerDay = -1\n", {"tokensPerDay": (1000, "user file")}),
        (
            "maxTokens = 64\n",
            "maxTokens = 65\nrequestsPerMinute = 0\ntokensPerMinute = 100\n",
            {"maxTokens": (64, "user file"), "requestsPerMinute": (-1, "default")},
        ),
    ],
    ids=["lower", "limit-where-none", "maxTokens", "rpm", "off", "default", "several"],
)
def test_a_project_file_may_lower_spend_limits_but_never_raise_them(
    tmp_path: Path, user: str, project: str, kept: dict[str, tuple[int, str]]
) -> None:
    _write(tmp_path / "xdg" / "qwen-lsp" / "config.toml", user)
    _write(tmp_path / "repo" / ".qwen-lsp.toml", project)

    settings, errors, _ = load(_env(tmp_path), tmp_path / "repo")

    fields = setting_fields()
    for line in project.splitlines():
        key, value = line.split(" = ")
        want, source = kept.get(key, (int(value), "project file"))
        assert getattr(settings, fields[key]) == want
        assert settings.source(fields[key]).startswith(source)
    assert len(errors) == len(kept)
    for key, message in zip(kept, errors, strict=True):
        assert f"{key} = " in message and "never raise" in message


def test_the_users_own_layers_may_still_raise_what_a_project_file_lowered(
    tmp_path: Path,
) -> None:
    _write(tmp_path / "repo" / ".qwen-lsp.toml", "maxTokens = 32\n")
    env = _env(tmp_path, QWEN_LSP_MAX_TOKENS="1024")

    settings, errors, _ = load(env, tmp_path / "repo")
    editor, _ = settings.merged({"maxTokens": 2048})

    assert errors == [] and settings.max_tokens == 1024 and editor.max_tokens == 2048


async def test_the_server_ignores_a_raised_limit_with_one_message(
    start_server: StartServer, upstream: FakeUpstream, tmp_path: Path
) -> None:
    _write(tmp_path / ".qwen-lsp.toml", "maxTokens = 8000\ntemperature = 0.5\n")
    upstream.script(Reply.text("1\n"))
    lsp = await start_server(root=tmp_path)
    open_document(lsp, "file:///p/a.py", "x = \n")

    await inline(lsp, "file:///p/a.py", types.Position(0, 4))

    (request,) = upstream.requests
    assert (request.body["max_tokens"], request.body["temperature"]) == (256, 0.5)
    [message] = [m.message for m in lsp.messages if "maxTokens" in m.message]
    assert "maxTokens = 8000" in message and ".qwen-lsp.toml" in message
