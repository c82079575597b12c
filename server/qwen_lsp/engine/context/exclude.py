"""Files whose code must never leave the machine."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from dataclasses import dataclass
from pathlib import PurePath

from qwen_lsp.engine.context.gitignore import GitIgnored
from qwen_lsp.settings import Settings

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.crt",
    "*.cer",
    "id_rsa*",
    "id_ed25519*",
    "id_ecdsa*",
    "secrets.*",
    "*.secret",
    ".netrc",
    ".npmrc",
    ".pypirc",
    "credentials*",
)


@functools.lru_cache(maxsize=4096)
def is_excluded(path: str, user_globs: tuple[str, ...] = ()) -> bool:
    """True for secrets by name, anything under ``.git/``, and the user's own globs.

    A pattern without a slash matches the file name; one with a slash matches the whole path.
    """
    if not path:
        return False
    pure = PurePath(path)
    if ".git" in pure.parts[:-1]:
        return True
    name, whole = os.path.normcase(pure.name), os.path.normcase(path)
    return any(regex.match(whole if on_path else name) for regex, on_path in _patterns(user_globs))


@functools.cache
def _patterns(user_globs: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], bool], ...]:
    """Each pattern as a regex (as ``fnmatch`` compiles it), and whether it matches the path.

    Compiled once per set of globs, not per file. A path pattern also matches at any folder
    (``*/`` before it).
    """
    translate = fnmatch.translate  # each translation ends in \Z: alternatives need no group
    compiled = []
    for pattern in map(os.path.normcase, DEFAULT_EXCLUDES + user_globs):
        on_path = "/" in pattern
        source = translate(pattern)
        if on_path:
            source += "|" + translate("*/" + pattern)
        compiled.append((re.compile(source), on_path))
    return tuple(compiled)


@dataclass(frozen=True)
class Exclusion:
    """Whether a file's code may leave the machine: one decision for every file.

    The file being completed and every file that would contribute snippets to its prompt are
    judged by this same rule, so a file that is never sent itself never lends its code either.
    """

    globs: tuple[str, ...] = ()  # the user's ``exclude`` patterns, on top of the secrets
    max_chars: int = Settings.max_file_kb * 1024  # larger files: generated code, data, logs
    git_ignored: GitIgnored | None = None  # set: files git ignores are excluded too

    @classmethod
    def of(cls, settings: Settings, git_ignored: GitIgnored) -> Exclusion:
        ignored = git_ignored if settings.exclude_git_ignored else None
        return cls(settings.exclude, settings.max_file_kb * 1024, ignored)

    def by_name(self, path: str) -> bool:
        """True if the path alone rules the file out (a secret, the user's globs): no need to
        read it to know."""
        return is_excluded(path, self.globs)

    async def excludes(self, path: str, text: str) -> bool:
        """True if the file at ``path`` with contents ``text`` must not be sent."""
        return await self.reason(path, text) is not None

    async def reason(self, path: str, text: str) -> str | None:
        """Why the file at ``path`` with contents ``text`` must not be sent, or None."""
        if len(text) > self.max_chars:
            return f"it is larger than maxFileKb ({self.max_chars // 1024} KB)"
        if self.by_name(path):
            return "its name matches a secret's or an `exclude` pattern"
        if self.git_ignored is not None and await self.git_ignored.ignored(path):
            return "git ignores it and excludeGitIgnored is on"
        return None
