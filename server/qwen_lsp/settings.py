"""One typed settings object, read from the environment and from editor settings.

Editor settings (``initializationOptions`` / ``didChangeConfiguration``) use camelCase keys and
override the environment. Unknown keys are ignored; an invalid value is reported and the field
keeps its previous value, so one typo never disables completion.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_BASE_URL = "https://dashscope.aliyuncs.com/compatible-mode/v1"
DEFAULT_MODEL = "qwen3-coder-flash"


@dataclass(frozen=True)
class Settings:
    """Everything the engine needs to know; immutable, replaced as a whole on change."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    model: str = DEFAULT_MODEL
    debounce_ms: int = 120
    max_tokens: int = 256
    temperature: float = 0.2
    timeout_ms: int = 8000
    enable: bool = True
    exclude: tuple[str, ...] = ()
    prefix_tokens: int = 3000  # estimated tokens of code before the cursor
    suffix_tokens: int = 1000  # ... after the cursor
    context_tokens: int = 1500  # ... from other files (0: none)

    def merged(self, values: Mapping[str, Any]) -> tuple[Settings, list[str]]:
        """Apply camelCase ``values``; return the new settings and one message per bad value."""
        changes: dict[str, Any] = {}
        errors: list[str] = []
        for f in dataclasses.fields(self):
            key = _camel(f.name)
            if key not in values or values[key] is None:
                continue
            try:
                changes[f.name] = _PARSERS[f.name](values[key])
            except (TypeError, ValueError) as exc:
                errors.append(
                    f"qwen-lsp: invalid setting {key}: {exc}; keeping {_shown(self, f.name)}"
                )
        return dataclasses.replace(self, **changes), errors


def from_env(env: Mapping[str, str]) -> tuple[Settings, list[str]]:
    """Settings from ``QWEN_LSP_*`` variables (the key also from ``DASHSCOPE_API_KEY``)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        raw = env.get(env_name(f.name))
        if raw is not None and raw != "":
            values[_camel(f.name)] = raw
    if "apiKey" not in values and env.get("DASHSCOPE_API_KEY"):
        values["apiKey"] = env["DASHSCOPE_API_KEY"]
    return Settings().merged(values)


def env_name(field_name: str) -> str:
    """The environment variable for a settings field, e.g. ``QWEN_LSP_DEBOUNCE_MS``."""
    return "QWEN_LSP_" + field_name.upper()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _shown(settings: Settings, name: str) -> str:
    return "the stored key" if name == "api_key" else repr(getattr(settings, name))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value.strip()


def _url(value: object) -> str:
    url = _text(value).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return url


def _number(kind: type[int] | type[float], low: float, high: float) -> Callable[[object], Any]:
    def parse(value: object) -> int | float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError(f"expected a number, got {type(value).__name__}")
        number = kind(float(value)) if kind is int else kind(value)
        if not low <= number <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return number

    return parse


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {
        "1",
        "true",
        "yes",
        "on",
        "0",
        "false",
        "no",
        "off",
    }:
        return value.lower() in {"1", "true", "yes", "on"}
    raise TypeError(f"expected true or false, got {value!r}")


def _globs(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TypeError("expected a list of glob patterns")


def _key(value: object) -> str | None:
    return _text(value) or None


_PARSERS: dict[str, Callable[[object], Any]] = {
    "api_key": _key,
    "base_url": _url,
    "model": lambda v: _text(v) or DEFAULT_MODEL,
    "debounce_ms": _number(int, 0, 5000),
    "max_tokens": _number(int, 1, 65536),
    "temperature": _number(float, 0.0, 2.0),
    "timeout_ms": _number(int, 100, 120_000),
    "enable": _flag,
    "exclude": _globs,
    "prefix_tokens": _number(int, 16, 200_000),
    "suffix_tokens": _number(int, 0, 100_000),
    "context_tokens": _number(int, 0, 100_000),
}
