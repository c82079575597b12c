"""The optional rule "never send files git ignores" (build output, vendored code, local config).

Asks ``git check-ignore`` once per path and remembers the answer; a file outside a repository,
or a machine without git, counts as not ignored.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)

REMEMBERED = 1024


class GitIgnored:
    """``await ignored(path)``: True if git ignores the file."""

    def __init__(self) -> None:
        self._known: OrderedDict[str, bool] = OrderedDict()

    async def ignored(self, path: str) -> bool:
        if path in self._known:
            self._known.move_to_end(path)
            return self._known[path]
        answer = await _check_ignore(path)
        self._known[path] = answer
        if len(self._known) > REMEMBERED:
            self._known.popitem(last=False)
        return answer


async def _check_ignore(path: str) -> bool:
    folder = Path(path).parent
    if not path or not folder.is_dir():
        return False
    try:
        process = await asyncio.create_subprocess_exec(
            "git", "-C", str(folder), "check-ignore", "-q", "--", path,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        return await asyncio.wait_for(process.wait(), 5) == 0  # 1: not ignored, 128: no repo
    except (OSError, asyncio.TimeoutError) as exc:
        log.info("git check-ignore failed for a file: %s", exc)
        return False
