"""Files whose code must never leave the machine."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import PurePath

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


def is_excluded(path: str, user_globs: tuple[str, ...] = ()) -> bool:
    """True for secrets by name, anything under ``.git/``, and the user's own globs.

    A pattern without a slash matches the file name; one with a slash matches the whole path.
    """
    if not path:
        return False
    pure = PurePath(path)
    if ".git" in pure.parts[:-1]:
        return True
    for pattern in DEFAULT_EXCLUDES + user_globs:
        target = path if "/" in pattern else pure.name
        if fnmatch(target, pattern) or ("/" in pattern and fnmatch(path, "*/" + pattern)):
            return True
    return False
