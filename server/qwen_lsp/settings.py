"""One typed settings object, merged layer by layer and remembering where each value came from.

Layers (lowest first): defaults, the provider preset, the user file, the project file, the
environment, editor settings (``initializationOptions`` / ``didChangeConfiguration``, camelCase
keys). Unknown keys are ignored; an invalid value is reported and the field keeps its previous
value, so one typo never disables completion, except in the settings that choose where code goes
(:data:`MUST_BE_VALID`): there the previous value is an endpoint the user meant to replace, so an
invalid one stops completion until it is fixed. A preset only fills fields no layer set explicitly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from qwen_lsp.logs import mask_url, userinfo_secrets
from qwen_lsp.providers import (
    DEFAULT_PROVIDER,
    DIALECTS,
    KEY_ENVS,
    PRESETS,
    THINKING_OFF,
    provider_at,
)

_DEFAULT = PRESETS[DEFAULT_PROVIDER]
DEFAULT_BASE_URL = _DEFAULT.base_url
DEFAULT_MODEL = _DEFAULT.model
DEFAULT = "default"
ENV = "env"
PROJECT_FILE_SOURCE = "project file"  # the label of values read from a repository's own file
_PRESET_URLS = frozenset(preset.base_url for preset in PRESETS.values())
# Fields a provider preset fills while no layer has set them explicitly.
PRESET_FIELDS = ("base_url", "dialect", "model", "thinking_off")
# Fields that say where code and the key go: an invalid value stops completion instead of
# falling back to the endpoint it was meant to replace.
MUST_BE_VALID = ("base_url", "provider")


@dataclass(frozen=True)
class Refusal:
    """Why no request may be sent with these settings: a status kind and the user's message."""

    kind: str
    message: str


@dataclass(frozen=True)
class Settings:
    """Everything the engine needs to know; immutable, replaced as a whole on change."""

    api_key: str | None = field(default=None, repr=False)
    provider: str = DEFAULT_PROVIDER
    dialect: str = _DEFAULT.dialect
    thinking_off: str = _DEFAULT.thinking_off
    base_url: str = DEFAULT_BASE_URL
    # endpoints a project file may point at (only the user's own layers may set this list)
    trusted_base_urls: tuple[str, ...] = ()
    model: str = DEFAULT_MODEL
    debounce_ms: int = 120
    max_tokens: int = 256
    temperature: float = 0.2
    invoked_suggestions: int = 3  # suggestions to cycle through on an invoked request
    timeout_ms: int = 8000
    enable: bool = True
    exclude: tuple[str, ...] = ()
    exclude_git_ignored: bool = False  # also never send files git ignores
    max_file_kb: int = 1024  # larger files are never sent (characters / 1024, roughly KB)
    max_message_mb: int = 64  # larger LSP messages are refused unread
    prefix_tokens: int = 3000  # estimated tokens of code before the cursor
    suffix_tokens: int = 1000  # ... after the cursor
    context_tokens: int = 1500  # ... from other files (0: none)
    request_policy: str = "default"  # "fixed" / "naive" exist for comparisons (bench/)
    remember_typing: bool = True  # the debounce starts from the last session's typing gaps
    speculate: bool = True  # ask for the next suggestion right after an accept
    # Budgets: -1 = the endpoint's default (off for local servers), 0 = off.
    requests_per_minute: int = -1
    tokens_per_minute: int = -1
    tokens_per_day: int = -1
    backoff_ms: int = 1000  # first pause after failures; doubles up to backoff_max_ms
    backoff_max_ms: int = 60_000
    # field name → where its value came from ("default", "preset ark", "env QWEN_LSP_MODEL", …)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    # the providers' usual key variables found in the environment, for the key fallback
    provider_keys: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    # field name → what is wrong with the value given for one of MUST_BE_VALID
    invalid: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def source(self, name: str) -> str:
        """Where the value of field ``name`` came from."""
        return self.sources.get(name, DEFAULT)

    @property
    def has_credentials(self) -> bool:
        """A key is set, or the provider is a local server that needs none."""
        return bool(self.api_key) or not PRESETS[self.provider].needs_key

    @property
    def provider_label(self) -> str:
        """Who answers, for messages: a preset's name only when its own endpoint is in use."""
        preset = PRESETS[self.provider]
        if self.base_url == preset.base_url and self.provider != "openai-compatible":
            return preset.label
        known = provider_at(self.base_url)
        if known and PRESETS[known].needs_key:  # a hosted API's address; a local port is a guess
            return PRESETS[known].label
        return "the server at " + urlsplit(self.base_url).netloc.rpartition("@")[2]

    @property
    def key_variables(self) -> str:
        """The environment variables a key is taken from, for messages."""
        own = PRESETS[self.provider].key_env
        return f"QWEN_LSP_API_KEY or {own}" if own else "QWEN_LSP_API_KEY"

    @property
    def blocker(self) -> str | None:
        """Why no completion can be asked for (a refusal, no key), or None."""
        if refusal := self.refusal:
            return refusal.message
        if not self.has_credentials:
            return (
                f"no API key for {self.provider_label}: set {self.key_variables}, or `apiKey` "
                "in your config file or editor settings."
            )
        return None

    @property
    def secrets(self) -> set[str]:
        """What no output may show: the keys, and the user names and passwords in endpoints."""
        keys = {self.api_key or "", *self.provider_keys.values()}
        urls = (self.base_url, *self.trusted_base_urls)
        return {key for key in keys if key}.union(*map(userinfo_secrets, urls))

    @property
    def refusal(self) -> Refusal | None:
        """Why nothing may be sent: an invalid endpoint setting or an untrusted endpoint."""
        if self.invalid:
            return Refusal("bad_config", " ".join(self.invalid.values()))
        if url := self.untrusted_base_url:
            return Refusal("untrusted_endpoint", _untrusted_message(self, url))
        return None

    @property
    def untrusted_base_url(self) -> str | None:
        """The endpoint a project file chose without the user's say-so, or None.

        A repository's ``.qwen-lsp.toml`` could send the user's key, and code from every open
        file, to a server of its choosing. Its ``baseUrl`` is followed only if it is a known
        provider's or listed in ``trustedBaseUrls``, which a project file may not set.
        """
        if not self.source("base_url").startswith(PROJECT_FILE_SOURCE):
            return None
        if self.base_url in self.trusted_base_urls or self.base_url in _PRESET_URLS:
            return None
        return self.base_url

    def merged(
        self, values: Mapping[str, Any], source: str = "editor"
    ) -> tuple[Settings, list[str]]:
        """Apply camelCase ``values`` from ``source``; new settings and a message per bad value.

        A bad value for one of :data:`MUST_BE_VALID` is not in the messages: it makes
        :attr:`refusal`, which says so wherever the settings are used.
        """
        changes: dict[str, Any] = {}
        errors: list[str] = []
        invalid = dict(self.invalid)
        where = "" if source == "editor" else f" ({source})"
        for name, parse in _PARSERS.items():
            key = camel(name)
            if values.get(key) is None or (name in PRESET_FIELDS and values[key] == ""):
                continue  # unset; an emptied endpoint, model or dialect means "the preset's"
            try:
                changes[name] = parse(values[key])
                invalid.pop(name, None)
            except (TypeError, ValueError) as exc:
                if name in MUST_BE_VALID:
                    invalid[name] = _invalid_message(key, values[key], _label(source, name), exc)
                else:
                    errors.append(
                        f"qwen-lsp: invalid setting {key}{where}: {exc}; "
                        f"keeping {_shown(self, name)}"
                    )
        base = self._with_preset(changes.get("provider", self.provider))
        sources = {**base.sources, **{name: _label(source, name) for name in changes}}
        merged = dataclasses.replace(base, **changes, sources=sources, invalid=invalid)
        return merged._with_provider_key(), errors

    def _with_preset(self, provider: str) -> Settings:
        if provider == self.provider:
            return self
        preset = PRESETS[provider]
        implicit = [n for n in PRESET_FIELDS if _is_implicit(self.source(n))]
        changes = {name: getattr(preset, name) for name in implicit}
        sources = {**self.sources, **dict.fromkeys(implicit, f"preset {provider}")}
        return dataclasses.replace(self, **changes, sources=sources)

    def _with_provider_key(self) -> Settings:
        """Without an explicit key, the key from the provider's usual environment variable."""
        if not _is_implicit(self.source("api_key")):
            return self
        name = PRESETS[self.provider].key_env
        key = self.provider_keys.get(name) if name else None
        label = f"{ENV} {name}" if key else DEFAULT
        return dataclasses.replace(self, api_key=key, sources={**self.sources, "api_key": label})


def from_env(env: Mapping[str, str], base: Settings | None = None) -> tuple[Settings, list[str]]:
    """``base`` with ``QWEN_LSP_*`` variables applied (the key also from e.g. ``ARK_API_KEY``)."""
    values: dict[str, Any] = {}
    for name in _PARSERS:
        raw = env.get(env_name(name))
        if raw is not None and raw != "":
            values[camel(name)] = raw
    keys = {name: env[name] for name in KEY_ENVS if env.get(name)}
    return dataclasses.replace(base or Settings(), provider_keys=keys).merged(values, ENV)


def _untrusted_message(settings: Settings, url: str) -> str:
    """What to tell the user about an endpoint :attr:`Settings.untrusted_base_url` refused."""
    return (
        f"{settings.source('base_url')} points requests at {url}, which you have not trusted: "
        "nothing (not your key, not your code) is sent there. If you trust it, add it to "
        "trustedBaseUrls in your user config, the environment (QWEN_LSP_TRUSTED_BASE_URLS) or "
        "your editor's settings."
    )


def setting_fields() -> dict[str, str]:
    """Every setting's camelCase name → its field name, in table order."""
    return {camel(name): name for name in _PARSERS}


def env_name(field_name: str) -> str:
    """The environment variable for a settings field, e.g. ``QWEN_LSP_DEBOUNCE_MS``."""
    return "QWEN_LSP_" + field_name.upper()


def _invalid_message(key: str, value: object, source: str, problem: Exception) -> str:
    shown = mask_url(value) if isinstance(value, str) else value
    source = "the editor's settings" if source == "editor" else source
    return (
        f"{key} from {source} is {shown!r}, which is invalid: {problem}. Nothing is sent "
        f"anywhere until {key} is fixed or removed."
    )


def _label(source: str, name: str) -> str:
    return f"{ENV} {env_name(name)}" if source == ENV else source


def _is_implicit(source: str) -> bool:
    """Set by a default, a preset or a provider key fallback rather than by the user."""
    kind, _, rest = source.partition(" ")
    return kind in (DEFAULT, "preset") or (kind == ENV and rest in KEY_ENVS)


def camel(name: str) -> str:
    """``debounce_ms`` → ``debounceMs``."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _shown(settings: Settings, name: str) -> str:
    return "the stored key" if name == "api_key" else repr(getattr(settings, name))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value.strip()


def _url(value: object) -> str:
    url = _text(value)
    if not url.startswith(("http://", "https://")):
        raise ValueError("it must start with http:// or https://")
    parts = urlsplit(url)
    if any(c.isspace() for c in url) or not parts.hostname:
        raise ValueError("it must be a URL such as http://127.0.0.1:8000/v1")
    try:
        parts.port  # noqa: B018  # urlsplit checks the port only when asked for it
    except ValueError:
        raise ValueError("the port must be a number from 0 to 65535") from None
    return url.rstrip("/")


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


def _strings(what: str) -> Callable[[object], tuple[str, ...]]:
    """A list of strings, or one comma-separated string (as environment variables hold them)."""

    def parse(value: object) -> tuple[str, ...]:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise TypeError(f"expected a list of {what}")

    return parse


def _urls(value: object) -> tuple[str, ...]:
    return tuple(_url(url) for url in _strings("URLs")(value))


def _key(value: object) -> str | None:
    return _text(value) or None


def _choice(names: Collection[str]) -> Callable[[object], str]:
    def parse(value: object) -> str:
        text = _text(value)
        if text not in names:
            raise ValueError(f"{text!r} is not one of {', '.join(names)}")
        return text

    return parse


_PARSERS: dict[str, Callable[[object], Any]] = {
    "api_key": _key,
    "provider": _choice(list(PRESETS)),
    "dialect": _choice(DIALECTS),
    "thinking_off": _choice(list(THINKING_OFF)),
    "base_url": _url,
    "trusted_base_urls": _urls,
    "model": lambda v: _text(v) or DEFAULT_MODEL,  # blank after stripping: the default
    "debounce_ms": _number(int, 0, 5000),
    "max_tokens": _number(int, 1, 65536),
    "temperature": _number(float, 0.0, 2.0),
    "invoked_suggestions": _number(int, 1, 5),
    "timeout_ms": _number(int, 100, 120_000),
    "enable": _flag,
    "exclude": _strings("glob patterns"),
    "exclude_git_ignored": _flag,
    "max_file_kb": _number(int, 1, 1_000_000),
    "max_message_mb": _number(int, 1, 4096),
    "prefix_tokens": _number(int, 16, 200_000),
    "suffix_tokens": _number(int, 0, 100_000),
    "context_tokens": _number(int, 0, 100_000),
    "request_policy": _choice(("default", "fixed", "naive")),
    "remember_typing": _flag,
    "speculate": _flag,
    "requests_per_minute": _number(int, -1, 1_000_000),
    "tokens_per_minute": _number(int, -1, 10**9),
    "tokens_per_day": _number(int, -1, 10**12),
    "backoff_ms": _number(int, 1, 600_000),
    "backoff_max_ms": _number(int, 1, 3_600_000),
}
