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
            "baseUrl": "ftp://x",
            "exclude": ["*.sql"],
            "other": 1,
        }
    )
    assert settings.model == "qwen3-coder-plus"
    assert settings.timeout_ms == base.timeout_ms
    assert settings.base_url == DEFAULT_BASE_URL
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
