"""Provider presets and where each value comes from: defaults < preset < … < editor."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.upstream.dialects import dialect_for
from qwen_lsp.providers import DIALECTS, PRESETS, provider_at
from qwen_lsp.settings import Settings, from_env

# provider: base URL, dialect, model, thinking-off switch, key variable
PRESET_TABLE = {
    "dashscope": (
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "partial",
        "qwen3-coder-flash",
        "enable_thinking",
        "DASHSCOPE_API_KEY",
    ),
    "dashscope-intl": (
        "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        "partial",
        "qwen3-coder-flash",
        "enable_thinking",
        "DASHSCOPE_API_KEY",
    ),
    "moonshot": (
        "https://api.moonshot.cn/v1", "partial", "kimi-k2-turbo-preview", "none",
        "MOONSHOT_API_KEY",
    ),
    "ark": (
        "https://ark.cn-beijing.volces.com/api/v3", "prefill", "doubao-seed-code-preview-251028",
        "thinking", "ARK_API_KEY",
    ),
    "deepseek": (
        "https://api.deepseek.com/beta", "prefix", "deepseek-chat", "none", "DEEPSEEK_API_KEY",
    ),
    "mistral": (
        "https://api.mistral.ai/v1", "prefix", "codestral-latest", "none", "MISTRAL_API_KEY",
    ),
    "vllm": (
        "http://127.0.0.1:8000/v1", "continue_final_message", "Qwen/Qwen3-Coder-30B-A3B-Instruct",
        "chat_template_kwargs", "VLLM_API_KEY",
    ),
    "llama.cpp": (
        "http://127.0.0.1:8080/v1", "prefill", "qwen2.5-coder", "chat_template_kwargs",
        "LLAMA_API_KEY",
    ),
    "ollama": ("http://127.0.0.1:11434/v1", "prefill", "qwen2.5-coder:7b", "none", ""),
    "openai-compatible": (
        "http://127.0.0.1:8000/v1", "prefill", "qwen3-coder-flash", "none", "OPENAI_API_KEY",
    ),
}  # fmt: skip


@pytest.mark.parametrize("provider", list(PRESET_TABLE))
def test_each_preset_fills_endpoint_dialect_model_thinking_and_key(provider: str) -> None:
    base_url, dialect, model, thinking, key_env = PRESET_TABLE[provider]
    env = {"QWEN_LSP_PROVIDER": provider, **({key_env: "sk-provider"} if key_env else {})}

    settings, errors = from_env(env)

    assert errors == []
    assert (settings.base_url, settings.dialect, settings.model, settings.thinking_off) == (
        base_url,
        dialect,
        model,
        thinking,
    )
    assert settings.api_key == ("sk-provider" if key_env else None)
    assert settings.has_credentials
    assert settings.source("model") == f"preset {provider}" or provider == "dashscope"
    assert dialect_for(settings).name == dialect


def test_the_table_covers_every_preset_and_every_dialect_is_buildable() -> None:
    assert set(PRESET_TABLE) == set(PRESETS)
    for dialect in DIALECTS:
        assert dialect_for(Settings(dialect=dialect)).name == dialect


def test_explicit_values_beat_the_preset_whatever_layer_set_them() -> None:
    base, _ = Settings().merged({"model": "my-model"}, "user file ~/.config/qwen-lsp/config.toml")
    settings, _ = from_env({"QWEN_LSP_PROVIDER": "deepseek"}, base)

    assert settings.model == "my-model"
    assert settings.source("model") == "user file ~/.config/qwen-lsp/config.toml"
    assert settings.base_url == "https://api.deepseek.com/beta"
    assert settings.source("base_url") == "preset deepseek"
    assert settings.source("provider") == "env QWEN_LSP_PROVIDER"


def test_switching_provider_in_the_editor_replaces_preset_values_and_the_key() -> None:
    env = {"QWEN_LSP_PROVIDER": "ark", "ARK_API_KEY": "sk-ark", "DEEPSEEK_API_KEY": "sk-ds"}
    base, _ = from_env(env)
    assert (base.api_key, base.source("api_key")) == ("sk-ark", "env ARK_API_KEY")

    settings, errors = base.merged({"provider": "deepseek"})

    assert errors == []
    assert (settings.dialect, settings.thinking_off) == ("prefix", "none")
    assert (settings.api_key, settings.source("api_key")) == ("sk-ds", "env DEEPSEEK_API_KEY")
    assert settings.source("provider") == "editor"


def test_qwen_lsp_api_key_beats_the_providers_variable() -> None:
    settings, _ = from_env({"QWEN_LSP_API_KEY": "sk-q", "DASHSCOPE_API_KEY": "sk-d"})
    assert (settings.api_key, settings.source("api_key")) == ("sk-q", "env QWEN_LSP_API_KEY")
    switched, _ = settings.merged({"provider": "moonshot"})
    assert switched.api_key == "sk-q"  # an explicit key stays, whatever the provider


def test_local_servers_need_no_key_and_hosted_ones_do() -> None:
    assert from_env({"QWEN_LSP_PROVIDER": "ollama"})[0].has_credentials
    assert not from_env({"QWEN_LSP_PROVIDER": "mistral"})[0].has_credentials


def test_unknown_dialect_or_switch_is_reported_and_the_previous_value_kept() -> None:
    settings, errors = from_env({"QWEN_LSP_DIALECT": "chat", "QWEN_LSP_THINKING_OFF": "x"})
    assert (settings.dialect, settings.thinking_off) == ("partial", "enable_thinking")
    assert len(errors) == 2
    assert "prefill" in errors[0] and "(env)" in errors[0]
    assert settings.refusal is None


def test_an_unknown_provider_refuses_rather_than_sending_to_the_default_one() -> None:
    settings, errors = from_env({"QWEN_LSP_PROVIDER": "olama", "DASHSCOPE_API_KEY": "sk-d"})
    assert errors == []
    assert settings.refusal is not None and settings.refusal.kind == "bad_config"
    assert "env QWEN_LSP_PROVIDER" in settings.refusal.message
    assert "'olama'" in settings.refusal.message and "ollama" in settings.refusal.message


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://api.deepseek.com", "deepseek"),
        ("https://ark.cn-beijing.volces.com/api/v3/", "ark"),
        ("http://127.0.0.1:11434/v1", "ollama"),
        ("https://example.com/v1", None),
    ],
)
def test_provider_at_recognises_known_endpoints(url: str, provider: str | None) -> None:
    assert provider_at(url) == provider


def test_an_emptied_field_falls_back_to_the_preset() -> None:
    base, _ = from_env({"QWEN_LSP_PROVIDER": "deepseek"})
    settings, errors = base.merged({"model": "", "baseUrl": "", "dialect": ""})
    assert errors == []
    assert (settings.model, settings.base_url, settings.dialect) == (
        "deepseek-chat",
        "https://api.deepseek.com/beta",
        "prefix",
    )
