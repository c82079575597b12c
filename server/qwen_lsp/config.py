"""Where settings come from before the editor speaks: config files and the environment.

Lowest to highest precedence: defaults < provider preset < user file < project file <
environment < editor settings (applied later by the server). Files are TOML with the editor's
setting names (``baseUrl``) or their snake_case form (``base_url``). A project file travels with
a repository, so it may not hold a key, vouch for an endpoint or raise a spend limit.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qwen_lsp.settings import PROJECT_FILE_SOURCE, Settings, camel, from_env, setting_fields

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

PROJECT_FILE = ".qwen-lsp.toml"
# A project file travels with the repository: a key there would be committed and shared, and a
# repository must not vouch for the endpoint it points the user's key at.
NOT_IN_PROJECT_FILE = frozenset({"apiKey", "trustedBaseUrls"})
# What a project file may lower but not raise: a cloned repository must not run up the user's bill.
SPEND_LIMITS = ("max_tokens", "requests_per_minute", "tokens_per_minute", "tokens_per_day")
_SPEND_KEYS = frozenset(map(camel, SPEND_LIMITS))


@dataclass(frozen=True)
class ConfigFile:
    """One settings file: where it is, whether it exists, what it set, what was wrong in it."""

    kind: str  # "user file" or "project file"
    path: Path
    found: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return f"{self.kind} {self.path}"


def load(
    env: Mapping[str, str], project_dir: Path | None
) -> tuple[Settings, list[str], list[ConfigFile]]:
    """Settings from defaults, files and ``env``; messages for bad values; the files consulted."""
    files = [read(user_config_path(env), "user file")]
    if project_dir is not None:
        project = find_project_file(project_dir) or project_dir / PROJECT_FILE
        files.append(read(project, PROJECT_FILE_SOURCE, NOT_IN_PROJECT_FILE))
    settings, errors = Settings(), list[str]()
    for config in files:
        errors.extend(config.errors)
        merged, bad = settings.merged(config.values, config.source)
        errors.extend(bad)
        if config.kind == PROJECT_FILE_SOURCE and _SPEND_KEYS & config.values.keys():
            merged, raised = _without_raised_limits(settings, merged, config.source)
            errors.extend(raised)
        settings = merged
    settings, bad = from_env(env, settings)
    return settings, errors + bad, files


def _without_raised_limits(
    before: Settings, after: Settings, source: str
) -> tuple[Settings, list[str]]:
    """``after`` with each spend limit ``source`` raised put back as ``before`` had it, and a
    message for each."""
    kept = {name: getattr(before, name) for name in SPEND_LIMITS}
    was, now = _allowances(dataclasses.replace(after, **kept)), _allowances(after)
    raised = [name for name, old, new in zip(SPEND_LIMITS, was, now, strict=True) if new > old]
    messages = [
        f"qwen-lsp: {camel(name)} = {getattr(after, name)} in {source} would raise the limit "
        f"above {old:g}; ignored: a project file may lower spend limits, never raise them"
        for name, old in zip(SPEND_LIMITS, was, strict=True)
        if name in raised
    ]
    sources = {**after.sources, **{name: before.source(name) for name in raised}}
    restored = dataclasses.replace(after, **{n: kept[n] for n in raised}, sources=sources)
    return restored, messages


def _allowances(settings: Settings) -> tuple[float, ...]:
    """Each spend limit as the amount it allows at the settings' endpoint (off: infinite)."""
    from qwen_lsp.engine.upstream.budget import limits_for  # the engine: only when needed

    limits = limits_for(settings)
    rates = (limits.requests_per_minute, limits.tokens_per_minute, limits.tokens_per_day)
    return (settings.max_tokens, *(rate or math.inf for rate in rates))


def user_config_path(env: Mapping[str, str]) -> Path:
    """``config.toml`` in the platform's per-user configuration directory (on Linux and macOS
    alike XDG's ``~/.config``: developer tools there conventionally use it)."""
    directory = _user_dir(env, ("APPDATA", "AppData/Roaming"), ("XDG_CONFIG_HOME", ".config"))
    return directory / "config.toml"


def typing_memory_path(env: Mapping[str, str]) -> Path:
    """``typing.json`` (see ``engine/lifecycle/typing_memory.py``) in the per-user state
    directory: what the program learnt, not what the user set, so not beside the config and never
    roaming."""
    directory = _user_dir(
        env, ("LOCALAPPDATA", "AppData/Local"), ("XDG_STATE_HOME", ".local/state")
    )
    return directory / "typing.json"


def _user_dir(env: Mapping[str, str], windows: tuple[str, str], others: tuple[str, str]) -> Path:
    """``qwen-lsp`` in a per-user directory, given for Windows and for other systems as the
    variable that names it and, without that variable, its place in the home directory."""
    variable, in_home = windows if sys.platform == "win32" else others
    home = Path(env.get("HOME") or Path.home())
    return Path(env.get(variable) or home / in_home) / "qwen-lsp"


def find_project_file(start: Path) -> Path | None:
    """The nearest ``.qwen-lsp.toml`` in ``start`` or a parent directory."""
    for directory in (start, *start.parents):
        candidate = directory / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def read(path: Path, kind: str, forbidden: frozenset[str] = frozenset()) -> ConfigFile:
    """The settings in ``path``; a missing file is empty, a broken one reported and ignored."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return ConfigFile(kind, path)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return ConfigFile(kind, path, True, errors=(f"qwen-lsp: ignoring {kind} {path}: {exc}",))
    known = setting_fields()
    values: dict[str, Any] = {}
    errors: list[str] = []
    for key, value in data.items():
        name = camel(key.replace("-", "_"))
        if name in forbidden:
            errors.append(f"qwen-lsp: {name} is not allowed in {kind} {path}; ignored")
        elif name in known:
            values[name] = value
        else:
            errors.append(f"qwen-lsp: unknown setting {key!r} in {kind} {path}; ignored")
    return ConfigFile(kind, path, True, values, tuple(errors))
