"""Settings: environment, editor overrides, validation with per-field fallback."""

from __future__ import annotations

import pytest

from qwen_lsp.settings import DEFAULT_BASE_URL, Settings, from_env


def test_defaults() -> None:
    settings, errors = from_env({})
    assert errors == []
    assert settings == Settings()
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.model == "qwen3-coder-flash"
    assert settings.api_key is None


def test_environment_and_key_fallback() -> None:
    settings, _ = from_env({"DASHSCOPE_API_KEY": "sk-d", "QWEN_LSP_DEBOUNCE_MS": "50"})
    assert (settings.api_key, settings.debounce_ms) == ("sk-d", 50)
    settings, _ = from_env({"DASHSCOPE_API_KEY": "sk-d", "QWEN_LSP_API_KEY": "sk-q"})
    assert settings.api_key == "sk-q"


def test_editor_values_override_and_bad_values_keep_previous() -> None:
    base, _ = from_env({"QWEN_LSP_MODEL": "env-model", "QWEN_LSP_API_KEY": "sk-secret"})
    settings, errors = base.merged(
        {
            "model": "qwen3-coder-plus",
            "timeoutMs": -1,
            "debounceMs": "soon",
            "exclude": ["*.sql"],
            "other": 1,
        }
    )
    assert settings.model == "qwen3-coder-plus"
    assert (settings.timeout_ms, settings.debounce_ms) == (base.timeout_ms, base.debounce_ms)
    assert settings.exclude == ("*.sql",)
    assert len(errors) == 2
    assert all("sk-secret" not in e for e in errors)


def test_api_key_is_not_in_repr() -> None:
    assert "sk-secret" not in repr(Settings(api_key="sk-secret"))


def test_flags_and_lists_from_strings() -> None:
    settings, errors = from_env({"QWEN_LSP_ENABLE": "false", "QWEN_LSP_EXCLUDE": "*.sql, data/*"})
    assert errors == []
    assert settings.enable is False
    assert settings.exclude == ("*.sql", "data/*")


PROJECT = "project file /repo/.qwen-lsp.toml"


@pytest.mark.parametrize(
    ("layers", "untrusted"),
    [
        (
            [({"baseUrl": "https://evil.example/v1"}, "user file ~/.config/qwen-lsp/config.toml")],
            None,
        ),
        ([({"baseUrl": "https://evil.example/v1"}, "env")], None),
        ([({"baseUrl": "https://evil.example/v1"}, PROJECT)], "https://evil.example/v1"),
        ([({"baseUrl": "https://api.deepseek.com/beta"}, PROJECT)], None),  # a known provider
        ([({"provider": "deepseek"}, PROJECT)], None),  # a preset's own endpoint
        (
            [
                ({"trustedBaseUrls": ["https://llm.example.internal/v1/"]}, "env"),
                ({"baseUrl": "https://llm.example.internal/v1"}, PROJECT),
            ],
            None,
        ),
        (
            [
                ({"baseUrl": "https://evil.example/v1"}, PROJECT),
                ({"baseUrl": "https://evil.example/v1"}, "editor"),  # the user chose it too
            ],
            None,
        ),
    ],
    ids=["user file", "env", "project", "known", "preset", "trusted", "editor"],
)
def test_only_a_project_file_endpoint_needs_the_users_trust(
    layers: list[tuple[dict[str, object], str]], untrusted: str | None
) -> None:
    settings = Settings()
    for values, source in layers:
        settings, errors = settings.merged(values, source)
        assert errors == []
    assert settings.untrusted_base_url == untrusted


BAD_URLS = {
    "127.0.0.1:8787/v1": "http:// or https://",  # the scheme forgotten
    "ftp://example.com/v1": "http:// or https://",
    "http://": "such as",
    "http://:8080/v1": "such as",
    "https://exa mple.com/v1": "such as",
    "http://127.0.0.1:99999/v1": "port",
    "http://127.0.0.1:80a/v1": "port",
}


@pytest.mark.parametrize("url", list(BAD_URLS))
@pytest.mark.parametrize(
    ("source", "label"),
    [
        ("env", "env QWEN_LSP_BASE_URL"),
        ("user file /home/u/.config/qwen-lsp/config.toml", "user file /home/u/"),
        (PROJECT, PROJECT),
        ("editor", "the editor's settings"),
    ],
)
def test_an_invalid_endpoint_from_any_source_refuses_instead_of_falling_back(
    url: str, source: str, label: str
) -> None:
    """The endpoint the invalid value was meant to replace must not get the user's code."""
    settings, errors = Settings(api_key="sk-k").merged({"baseUrl": url}, source)

    assert errors == []  # said once, through the refusal
    assert settings.refusal is not None and settings.refusal.kind == "bad_config"
    message = settings.refusal.message
    assert "baseUrl" in message and label in message and BAD_URLS[url] in message
    assert settings.blocker == message


def test_a_later_valid_endpoint_clears_an_invalid_one_and_not_the_other_way_round() -> None:
    bad, _ = from_env({"QWEN_LSP_BASE_URL": "localhost:8000/v1"})
    fixed, _ = bad.merged({"baseUrl": "http://localhost:8000/v1"})
    broken, _ = fixed.merged({"baseUrl": "localhost:8000"})
    unrelated, _ = bad.merged({"model": "m"})

    assert fixed.refusal is None and fixed.base_url == "http://localhost:8000/v1"
    assert broken.refusal is not None and "the editor's settings" in broken.refusal.message
    assert unrelated.refusal is not None and "env QWEN_LSP_BASE_URL" in unrelated.refusal.message


def test_an_invalid_endpoint_never_shows_its_password() -> None:
    settings, _ = from_env({"QWEN_LSP_BASE_URL": "me:hunter2-pass@127.0.0.1:8787/v1"})
    assert settings.refusal is not None
    assert "hunter2" not in settings.refusal.message
    assert "***@127.0.0.1:8787/v1" in settings.refusal.message


@pytest.mark.parametrize(
    ("env", "label", "variables"),
    [
        ({}, "DashScope", "QWEN_LSP_API_KEY or DASHSCOPE_API_KEY"),
        ({"QWEN_LSP_BASE_URL": "http://127.0.0.1:8787/v1"}, "the server at 127.0.0.1:8787",
         "QWEN_LSP_API_KEY or DASHSCOPE_API_KEY"),
        ({"QWEN_LSP_BASE_URL": "https://u:pw@llm.corp:8443/v1"}, "the server at llm.corp:8443",
         "QWEN_LSP_API_KEY or DASHSCOPE_API_KEY"),
        ({"QWEN_LSP_PROVIDER": "ark"}, "Volcengine Ark", "QWEN_LSP_API_KEY or ARK_API_KEY"),
        ({"QWEN_LSP_BASE_URL": "https://api.deepseek.com/beta"}, "DeepSeek",
         "QWEN_LSP_API_KEY or DASHSCOPE_API_KEY"),
        ({"QWEN_LSP_PROVIDER": "openai-compatible"}, "the server at 127.0.0.1:8000",
         "QWEN_LSP_API_KEY or OPENAI_API_KEY"),
    ],
)  # fmt: skip
def test_messages_name_the_endpoint_in_use_and_where_its_key_is_read(
    env: dict[str, str], label: str, variables: str
) -> None:
    settings, _ = from_env(env)
    assert settings.provider_label == label
    assert settings.blocker == (
        f"no API key for {label}: set {variables}, or `apiKey` in your config file or editor "
        "settings."
    )
