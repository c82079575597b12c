"""Provider presets: one row per hosted API or local server, filling the fields users rarely know.

A preset sets the base URL, the dialect, the thinking-off switch, a sensible default model and
where the API key usually lives. Every one of those stays overridable by an explicit setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DIALECTS = ("partial", "prefill", "prefix", "continue_final_message", "fim")

# How each server family turns thinking off; prefill breaks in thinking mode on all of them.
THINKING_OFF: dict[str, dict[str, Any]] = {
    "none": {},
    "enable_thinking": {"enable_thinking": False},  # DashScope (Qwen3 hybrid models)
    "thinking": {"thinking": {"type": "disabled"}},  # Volcengine Ark / BytePlus, Moonshot
    "chat_template_kwargs": {"chat_template_kwargs": {"enable_thinking": False}},  # vLLM, llama.cpp
    "think": {"think": False},  # Ollama
}


@dataclass(frozen=True)
class Preset:
    """What choosing a provider by name fills in."""

    label: str
    base_url: str
    dialect: str
    model: str
    thinking_off: str = "none"
    key_env: str = ""  # the provider's usual API key variable
    needs_key: bool = True  # local servers run without one
    fim: str = "completions"  # which fill-in-the-middle endpoint the server has (dialects/fim.py)


_DASHSCOPE = "https://dashscope.aliyuncs.com/compatible-mode/v1"

PRESETS: dict[str, Preset] = {
    "dashscope": Preset(
        "DashScope", _DASHSCOPE, "partial", "qwen3-coder-flash", "enable_thinking",
        "DASHSCOPE_API_KEY",
    ),
    "dashscope-intl": Preset(
        "DashScope (international)", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        "partial", "qwen3-coder-flash", "enable_thinking", "DASHSCOPE_API_KEY",
    ),
    "moonshot": Preset(
        "Moonshot", "https://api.moonshot.cn/v1", "partial", "kimi-k2-turbo-preview", "none",
        "MOONSHOT_API_KEY",
    ),
    "ark": Preset(
        "Volcengine Ark", "https://ark.cn-beijing.volces.com/api/v3", "prefill",
        "doubao-seed-code-preview-251028", "thinking", "ARK_API_KEY",
    ),
    "deepseek": Preset(
        "DeepSeek", "https://api.deepseek.com/beta", "prefix", "deepseek-chat", "none",
        "DEEPSEEK_API_KEY",
    ),
    "mistral": Preset(
        "Mistral", "https://api.mistral.ai/v1", "prefix", "codestral-latest", "none",
        "MISTRAL_API_KEY", fim="mistral",
    ),
    "vllm": Preset(
        "vLLM", "http://127.0.0.1:8000/v1", "continue_final_message",
        "Qwen/Qwen3-Coder-30B-A3B-Instruct", "chat_template_kwargs", "VLLM_API_KEY",
        needs_key=False,
    ),
    "llama.cpp": Preset(
        "llama.cpp", "http://127.0.0.1:8080/v1", "prefill", "qwen2.5-coder",
        "chat_template_kwargs", "LLAMA_API_KEY", needs_key=False, fim="llama.cpp",
    ),
    "ollama": Preset(
        "Ollama", "http://127.0.0.1:11434/v1", "prefill", "qwen2.5-coder:7b", "none",
        needs_key=False, fim="ollama",
    ),
    "openai-compatible": Preset(
        "the provider", "http://127.0.0.1:8000/v1", "prefill", "qwen3-coder-flash", "none",
        "OPENAI_API_KEY",
    ),
}  # fmt: skip

DEFAULT_PROVIDER = "dashscope"
KEY_ENVS = tuple(sorted({p.key_env for p in PRESETS.values() if p.key_env}))


def provider_at(base_url: str) -> str | None:
    """The preset whose endpoint is ``base_url``'s host (and port), if any."""
    where = urlsplit(base_url).netloc.lower()
    for name, preset in PRESETS.items():
        if name != "openai-compatible" and urlsplit(preset.base_url).netloc == where:
            return name
    return None
